from __future__ import annotations

from datetime import date

import pytest

from eco_eval.errors import ConfigError
from eco_eval.periods import parse_period, quarter_of, quarter_range


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
    c = parse_period("cumul:2016-Q2")
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
