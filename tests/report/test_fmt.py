"""French and English formatting.

Reference strings: French typography as the Imprimerie nationale's *Lexique des règles
typographiques* and CLDR ``fr_FR`` (through babel 2.x) write it — decimal comma, narrow no-break
space U+202F between thousands, no-break space before ``%``, ``1er`` for the first day; English as
CLDR ``en_GB``. Written out by hand below.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from babel.numbers import parse_decimal
from hypothesis import given
from hypothesis import strategies as st

from eco_eval.errors import ConfigError
from eco_eval.indicators.catalogue import load_catalogue, parse_catalogue
from eco_eval.report.fmt import (
    fmt_change,
    fmt_date,
    fmt_interval,
    fmt_number,
    fmt_percent,
    fmt_period,
    fmt_suppressed,
    fmt_value,
    format_indicator,
    period_sort_key,
)

NNBSP, NBSP = "\u202f", "\xa0"


@pytest.mark.parametrize(
    ("value", "lang", "digits", "expected"),
    [
        (1234.5, "fr", None, f"1{NNBSP}234,5"),
        (1234.5, "en", None, "1,234.5"),
        (1234, "fr", None, f"1{NNBSP}234"),
        (1234567.891, "fr", 2, f"1{NNBSP}234{NNBSP}567,89"),
        (0.5, "fr", 2, "0,50"),
        (-1234.5, "fr", 1, f"-1{NNBSP}234,5"),
        (12.0, "fr", 0, "12"),
        (0.12345, "fr", None, "0,123"),
    ],
)
def test_fmt_number(value: float, lang: str, digits: int | None, expected: str) -> None:
    assert fmt_number(value, lang, digits=digits) == expected


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_missing_values_are_a_dash_never_zero(missing: object) -> None:
    assert fmt_number(missing, "fr") == "–"
    assert fmt_percent(missing, "fr") == "–"
    assert fmt_interval(missing, 1.0, "fr") == "–"
    assert fmt_change(missing, "fr") == "–"


@pytest.mark.parametrize(
    ("value", "lang", "digits", "expected"),
    [
        (0.123, "fr", 1, f"12,3{NBSP}%"),
        (0.123, "en", 1, "12.3%"),
        (0.5, "fr", 0, f"50{NBSP}%"),
        (1.0, "fr", 1, f"100,0{NBSP}%"),
        (0.0004, "fr", 1, f"0,0{NBSP}%"),
    ],
)
def test_fmt_percent(value: float, lang: str, digits: int, expected: str) -> None:
    assert fmt_percent(value, lang, digits=digits) == expected


def test_fmt_interval() -> None:
    assert fmt_interval(1.2, 3.4, "fr") == f"[1,2{NNBSP}; 3,4]"
    assert fmt_interval(1.2, 3.4, "en") == "[1.2, 3.4]"
    assert fmt_interval(0.1, 0.25, "fr", percent=True) == f"[10,0{NBSP}%{NNBSP}; 25,0{NBSP}%]"
    assert fmt_interval(1234, 5678, "fr", digits=0) == f"[1{NNBSP}234{NNBSP}; 5{NNBSP}678]"


@pytest.mark.parametrize(
    ("value", "kind", "lang", "expected"),
    [
        (0.05, "pp", "fr", f"+5,0{NBSP}points"),
        (-0.05, "pp", "fr", f"\u22125,0{NBSP}points"),
        (0.019, "pp", "fr", f"+1,9{NBSP}point"),  # « point » stays singular below 2
        (-0.05, "pp", "en", f"-5.0{NBSP}pp"),
        (0.05, "pp", "en", f"+5.0{NBSP}pp"),
        (0.125, "relative", "fr", f"+12,5{NBSP}%"),
        (-0.125, "relative", "en", "-12.5%"),
        (12, "absolute", "fr", "+12,0"),
        (0.0001, "pp", "fr", f"0,0{NBSP}point"),  # rounds to zero: no sign
    ],
)
def test_fmt_change(value: float, kind: str, lang: str, expected: str) -> None:
    assert fmt_change(value, lang, kind=kind) == expected  # type: ignore[arg-type]


def test_fmt_change_rejects_unknown_kind() -> None:
    with pytest.raises(ConfigError, match='did you mean "relative"'):
        fmt_change(0.1, "fr", kind="relatve")  # type: ignore[arg-type]


def test_suppressed_label_is_never_a_number() -> None:
    assert fmt_suppressed(5, "fr") == "< 5 pers."
    assert fmt_suppressed(10, "en") == "< 10 people"
    assert fmt_suppressed(None, "fr") == "masqué"
    assert fmt_value(0.0, "fr", suppressed=True, k=5) == "< 5 pers."
    assert fmt_value(0.3, "fr", percent=True) == f"30,0{NBSP}%"


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (date(2016, 3, 13), "fr", "13 mars 2016"),
        (date(2015, 6, 1), "fr", "1er juin 2015"),
        (date(2016, 3, 13), "en", "13 March 2016"),
        (datetime(2016, 12, 31, 23, 59), "fr", "31 décembre 2016"),
        ("2013-03-13", "fr", "13 mars 2013"),
    ],
)
def test_fmt_date(value: object, lang: str, expected: str) -> None:
    assert fmt_date(value, lang) == expected  # type: ignore[arg-type]


def test_fmt_date_rejects_non_iso_text() -> None:
    with pytest.raises(ConfigError, match="ISO date"):
        fmt_date("13/03/2016", "fr")


@pytest.mark.parametrize(
    ("period", "lang", "short", "expected"),
    [
        ("2016-Q2", "fr", False, "2ᵉ trimestre 2016"),
        ("2016-Q1", "fr", False, "1er trimestre 2016"),
        ("2016-Q2", "fr", True, "T2 2016"),
        ("2016-Q2", "en", False, "2nd quarter 2016"),
        ("2016-Q2", "en", True, "Q2 2016"),
        ("2016-S1", "fr", False, "1er semestre 2016"),
        ("2016-S2", "en", True, "H2 2016"),
        ("2016", "fr", False, "2016"),
        ("2016-05", "fr", False, "mai 2016"),
        ("2015-06-01..2016-06-30", "fr", False, "du 1er juin 2015 au 30 juin 2016"),
        ("cumul", "fr", False, "cumul depuis le lancement"),
        ("cumul:2016-Q2", "fr", False, "cumul au 2ᵉ trimestre 2016"),
        ("autre chose", "fr", False, "autre chose"),
    ],
)
def test_fmt_period(period: str, lang: str, short: bool, expected: str) -> None:
    assert fmt_period(period, lang, short=short) == expected


def test_period_sort_key_is_chronological() -> None:
    periods = ["2016-Q2", "cumul", "2015-Q4", "2016", "2016-Q1", "2016-S1", "2016-Q4", "2016-S2"]
    assert sorted(periods, key=period_sort_key) == [
        "2015-Q4",
        "2016-Q1",
        "2016-Q2",
        "2016-S1",
        "2016-Q4",
        "2016-S2",
        "2016",
        "cumul",
    ]


def test_unknown_language_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match='did you mean "fr"'):
        fmt_number(1.0, "fre")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_french_numbers_read_back(value: float) -> None:
    """What fmt_number writes, babel's French parser reads back (to the 3 decimals written)."""
    text = fmt_number(value, "fr")
    assert NNBSP in text or abs(value) < 1000
    assert float(parse_decimal(text, locale="fr_FR")) == pytest.approx(round(value, 3), abs=1e-3)


@pytest.mark.parametrize(
    ("indicator", "value", "lang", "expected"),
    [
        ("reach_rate", 0.1234, "fr", f"12,3{NBSP}%"),
        ("satisfaction_top2", 0.5, "en", "50.0%"),
        ("sessions_held", 1234, "fr", f"1{NNBSP}234"),
        ("recommendation_score", 12.6, "en", "13"),
        ("lever_balance", 0.456, "fr", "0,46"),
        ("satisfaction_mean", 4.25, "fr", "4,2"),  # the default: one decimal
        ("swemwbs_mean", 23.456, "en", "23.5"),  # not in the catalogue: the default
        ("reach_rate", None, "fr", "–"),
    ],
)
def test_format_indicator_writes_a_figure_as_the_catalogue_says(indicator, value, lang, expected):
    assert format_indicator(load_catalogue(), indicator, value, lang) == expected


def test_format_indicator_hides_a_suppressed_figure():
    assert format_indicator(load_catalogue(), "reach_rate", 0.5, "fr", suppressed=True, k=5) == (
        fmt_suppressed(5, "fr")
    )


def test_key_figures_are_catalogue_indicators():
    cat = load_catalogue()
    assert cat.key_figures[:3] == ("sessions_held", "unique_participants", "reach_rate")
    assert all(ind in cat for ind in cat.key_figures)
    with pytest.raises(ConfigError, match="key figure 'nope'"):
        parse_catalogue({"indicators": [], "key_figures": ["nope"]})


def test_display_keys_are_checked():
    entry = {
        "id": "x", "fr": "x", "en": "x", "definition_fr": "", "definition_en": "", "formula": "",
        "unit": "", "reaim": "reach", "direction": "up", "privacy": "people",
    }  # fmt: skip
    with pytest.raises(ConfigError, match="unknown display key 'percnt'"):
        parse_catalogue({"indicators": [{**entry, "display": {"percnt": True}}]})
    with pytest.raises(ConfigError, match="digits must be an integer"):
        parse_catalogue({"indicators": [{**entry, "display": {"digits": -1}}]})
