from __future__ import annotations

from datetime import date

import pytest

from eco_eval.errors import ConfigError
from eco_eval.periods import (
    check_after_launch,
    comparison,
    comparison_note,
    parse_period,
    quarter_of,
    quarter_range,
)


def test_quarter_and_its_neighbours():
    p = parse_period("2016-Q2")
    assert (p.start, p.end, p.kind) == (date(2016, 4, 1), date(2016, 6, 30), "quarter")
    assert p.previous().label == "2016-Q1"
    assert parse_period("2016-Q1").previous().label == "2015-Q4"
    assert p.year_before().label == "2015-Q2"
    assert p.quarters == ("2016-Q2",)


@pytest.mark.parametrize("text", ["2016-Q2", "2016Q2", "2016-T2", "T2 2016", "q2-2016", "2016 Q2"])
def test_quarter_spellings(text):
    assert parse_period(text).label == "2016-Q2"


def test_semester_year_range_cumulative():
    s = parse_period("2016-S1")
    assert s.quarters == ("2016-Q1", "2016-Q2") and s.previous().label == "2015-S2"
    y = parse_period("2016")
    assert y.end == date(2016, 12, 31) and y.previous().label == "2015" and len(y.quarters) == 4
    r = parse_period("2015-06-01..2016-06-30")
    assert r.quarters[0] == "2015-Q2" and r.quarters[-1] == "2016-Q2"
    assert r.previous().end == date(2015, 5, 31)
    c = parse_period("cumul:2016-Q2", launch=date(2015, 6, 1))
    assert c.start == date(2015, 6, 1) and c.end == date(2016, 6, 30) and c.kind == "cumulative"
    assert c.previous().end == date(2016, 3, 31)


def test_last_quarter_depends_on_today():
    assert parse_period("last-quarter", today=date(2017, 1, 15)).label == "2016-Q4"
    assert parse_period("last-quarter", today=date(2017, 5, 2)).label == "2017-Q1"


@pytest.mark.parametrize(
    "bad", ["2016-Q5", "Q2", "2016-13-01..2016-12-01", "hier", "2016-02-01..2016-01-01"]
)
def test_bad_periods_say_how_to_write_one(bad):
    with pytest.raises(ConfigError):
        parse_period(bad)


def test_helpers():
    assert quarter_of(date(2016, 12, 31)) == "2016-Q4"
    assert quarter_range("2015-Q3", "2016-Q2") == ("2015-Q3", "2015-Q4", "2016-Q1", "2016-Q2")


LAUNCH = date(2015, 6, 1)


@pytest.mark.parametrize(
    ("period", "which", "expected"),
    [
        ("2015-Q3", "previous", "2015-Q2"),  # the launch quarter straddles the launch: kept
        ("2015-Q3", "year_before", None),
        ("2015-Q2", "previous", None),
        ("2016-Q2", "year_before", "2015-Q2"),
        ("2016-Q1", "year_before", None),
        ("cumul:2015-Q3", "year_before", None),
        ("cumul:2015-Q3", "previous", "cumul:2015-Q2"),
        ("cumul:2016-Q2", "year_before", "cumul:2015-Q2"),
        ("2015-S2", "previous", "2015-S1"),
        ("2016", "year_before", "2015"),
        ("2015", "previous", None),
        ("2015-07-01..2015-09-30", "previous", "2015-03-31..2015-06-30"),  # same length
        ("2015-07-01..2015-09-30", "year_before", None),
    ],
)
def test_comparisons_before_the_launch_are_absent(period, which, expected):
    got = comparison(parse_period(period, launch=LAUNCH), which, LAUNCH)
    assert (got.label if got is not None else None) == expected
    if got is not None:  # the same period as the plain methods give, bounded by the launch
        assert got.end >= LAUNCH and (got.kind != "cumulative" or got.start == LAUNCH)


def test_every_quarter_after_launch_has_its_comparisons_or_a_note():
    """From the launch quarter on, no comparison raises; a missing one is named in the note."""
    for label in quarter_range("2015-Q2", "2017-Q4"):
        for text in (label, f"cumul:{label}"):
            p = parse_period(text, launch=LAUNCH)
            note = comparison_note(p, LAUNCH)
            for which in ("previous", "year_before"):
                other = comparison(p, which, LAUNCH)
                assert (other is None) == (f"{which} (" in note), (text, which, note)


def test_comparison_note_names_the_period_and_the_launch():
    note = comparison_note(parse_period("cumul:2015-Q3", launch=LAUNCH), LAUNCH)
    assert "cumul:2014-Q3" in note and "2015-06-01" in note and "previous" not in note
    assert comparison_note(parse_period("2016-Q3"), LAUNCH) == ""


def test_a_period_before_the_launch_is_refused_with_the_fix():
    with pytest.raises(ConfigError, match=r"before the programme's launch.*ecosystem: launch:"):
        check_after_launch(parse_period("2015-Q1"), LAUNCH)
    assert check_after_launch(parse_period("2015-Q2"), LAUNCH).label == "2015-Q2"


def test_cumulative_periods_start_at_the_given_launch():
    own = date(2016, 1, 4)
    assert parse_period("cumul:2016-Q2", launch=own).start == own
    # the launch comes from the project: a cumulative period without it is refused
    with pytest.raises(ConfigError, match="runs from the programme's launch"):
        parse_period("cumul:2016-Q2")
