"""Value parsers: day-first dates, French decimals, yes/no; invalid cells flagged, not coerced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eco_eval.readers import parse_dates, parse_decimal, parse_yes_no


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13.03.2013", "2013-03-13"),
        ("13/03/2013", "2013-03-13"),
        ("13-03-2013", "2013-03-13"),
        ("03/04/2016", "2016-04-03"),  # day first, always
        ("13/03/16", "2016-03-13"),
        ("2013-03-13", "2013-03-13"),
        ("2013-03-13 14:30:00", "2013-03-13 14:30:00"),
        ("2013-03-13T14:30", "2013-03-13 14:30:00"),
        ("2013-03-13T14:30:00+01:00", "2013-03-13 13:30:00"),
        ("13/03/2013 14h30", "2013-03-13 14:30:00"),
        ("41346", "2013-03-13"),  # Excel serial: 1899-12-30 + 41346 days
        ("41346,5", "2013-03-13 12:00:00"),
        ("13 mars 2013", "2013-03-13"),
        ("1er avril 2016", "2016-04-01"),
        ("Lundi 13 Mars 2013", "2013-03-13"),
        ("15 août 2015", "2015-08-15"),
        ("3 déc. 2015", "2015-12-03"),
        (" 13/03/2013 ", "2013-03-13"),
    ],
)
def test_parse_dates_accepts(text: str, expected: str) -> None:
    result = parse_dates(pd.Series([text]))
    assert result.values[0] == pd.Timestamp(expected)
    assert not result.invalid[0]


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2016",
        "2016-02-30",
        "13/13/2013",
        "29/02/2015",
        "abc",
        "2013",
        "25:00",
        "13/03/2013 25h00",
        "99999",
    ],
)
def test_parse_dates_flags_impossible_or_unknown(text: str) -> None:
    result = parse_dates(pd.Series([text]))
    assert pd.isna(result.values[0]) and result.invalid[0]


def test_parse_dates_missing_is_not_invalid_and_index_kept() -> None:
    series = pd.Series([None, "", "  ", "29/02/2016"], index=[10, 11, 12, 13], dtype="str")
    result = parse_dates(series)
    assert result.invalid.tolist() == [False, False, False, False]
    assert result.values.index.tolist() == [10, 11, 12, 13]
    assert result.values[13] == pd.Timestamp("2016-02-29")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,5", 1.5), ("1.5", 1.5), ("1 234,5", 1234.5), ("1\u202f234,5", 1234.5),
        ("1\u00a0234", 1234.0), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1.234.567", 1234567.0),
        ("12,5 %", 12.5), ("12,5%", 12.5), ("−3", -3.0), ("-0,5", -0.5), (",5", 0.5),
        ("1,234", 1.234), ("1e3", 1000.0), (" 7 ", 7.0), ("+2", 2.0),
    ],
)  # fmt: skip
def test_parse_decimal_accepts(text: str, expected: float) -> None:
    result = parse_decimal(pd.Series([text]))
    assert result.values[0] == pytest.approx(expected)
    assert not result.invalid[0]


@pytest.mark.parametrize("text", ["abc", "1 2", "12.3.4", "1,2,3", "beaucoup", "1h30", "--1"])
def test_parse_decimal_flags(text: str) -> None:
    result = parse_decimal(pd.Series([text]))
    assert np.isnan(result.values[0]) and result.invalid[0]


def test_parse_decimal_percent_as_fraction() -> None:
    result = parse_decimal(pd.Series(["12,5 %", "3"]), percent="fraction")
    assert result.values.tolist() == [0.125, 3.0]


def test_parse_yes_no() -> None:
    series = pd.Series(
        [
            "Oui",
            "NON",
            "o",
            "N",
            "yes",
            "No",
            "1",
            "0",
            "Vrai",
            "FAUX",
            "oui.",
            "peut-être",
            None,
            "",
        ]
    )
    result = parse_yes_no(series)
    assert result.values.tolist()[:11] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        True,
    ]
    assert result.invalid.tolist() == [False] * 11 + [True, False, False]
    assert str(result.values.dtype) == "boolean"


def test_a_large_series_parses_as_its_values_one_by_one() -> None:
    """60,000 cells give, cell by cell, what the three distinct values give alone (the parsers
    work on distinct values and whole columns, and must not mix rows up doing so)."""
    small = pd.Series(["13/03/2016", "1,5", "oui"])
    series = pd.concat([small] * 20_000, ignore_index=True)
    for parse in (parse_dates, parse_decimal, parse_yes_no):
        one, many = parse(small), parse(series)
        assert len(many.values) == len(series)
        for got, alone in ((many.values, one.values), (many.invalid, one.invalid)):
            expected = pd.concat([alone] * 20_000, ignore_index=True)
            pd.testing.assert_series_equal(got.reset_index(drop=True), expected, check_names=False)
    assert parse_dates(series).values.notna().sum() == 20_000  # every "13/03/2016"


def test_fast_date_layouts_agree_with_the_general_rules() -> None:
    """The exact layouts parsed by strptime give what the general rules give, valid or not."""
    import random

    from eco_eval.readers.values import _normalise, _parse_by_rules

    rng = random.Random(7)

    def two(lo: int, hi: int) -> str:
        return f"{rng.randint(lo, hi):02d}"

    texts = []
    for _ in range(3000):
        y = str(rng.choice([1677, 1699, 1970, 2016, 2024, 2262, 2263, 9999, 0]).__format__("04d"))
        d, m = two(0, 32), two(0, 13)
        hms = f"{two(0, 24)}:{two(0, 60)}:{two(0, 60)}"
        texts += [f"{y}-{m}-{d}", f"{y}-{m}-{d} {hms}", f"{y}-{m}-{d}T{hms}", f"{d}/{m}/{y}",
                  f"{d}/{m}/{y} {hms[:5]}", f"{d}/{m}/{y} {hms}", f" {y}-{m}-{d}t{hms}  "]  # fmt: skip
    series = pd.Series(texts)
    fast = parse_dates(series)
    norm, _present = _normalise(series)
    by_rules = _parse_by_rules(norm, (20000, 80000))
    pd.testing.assert_series_equal(fast.values, by_rules, check_names=False)
    assert 0 < fast.invalid.sum() < len(texts)  # both kinds were exercised
