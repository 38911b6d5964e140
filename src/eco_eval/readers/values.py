"""Vectorised parsers for the text cells of a RawTable: dates, decimals, yes/no.

Each takes a Series of text and returns a :class:`ParseResult` ``(values, invalid)``: ``values``
has the same index, missing where the text is missing *or* unparseable; ``invalid`` is True
exactly for the non-missing cells that could not be parsed, so that the caller can quarantine
those rows instead of silently losing them. Nothing is coerced: ``31/02/2016`` is invalid, not
``2016-03-02``.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

_ACCENTS = str.maketrans(
    "àâäáãéèêëíìîïóòôöõúùûüçñÀÂÄÁÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÇÑ’\u00a0\u202f\u2009",
    "aaaaaeeeeiiiiooooouuuucnAAAAAEEEEIIIIOOOOOUUUUCN'   ",
)
_ISO = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[t ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?)?"
    r"(?P<tz>z|[+-]\d{2}:?\d{2})?$"
)
_DAY_FIRST = re.compile(
    r"^(?P<day>\d{1,2})[./-](?P<month>\d{1,2})[./-](?P<year>\d{4}|\d{2})"
    r"(?:,?[ t]+(?:a )?(?P<hour>\d{1,2})[:h](?P<minute>\d{2})?(?::(?P<second>\d{2}))?)?$"
)
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "mar": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip
_FRENCH = re.compile(
    r"^(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche),?\s+)?"
    r"(?P<day>\d{1,2})(?:er)?\s+(?P<month>"
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\.?\s+(?P<year>\d{4})(?:,?\s+(?:a\s+)?(?P<hour>\d{1,2})[:h](?P<minute>\d{2})?)?$"
)
_SERIAL = re.compile(r"^\d{5}(?:[.,]\d+)?$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_PARTS = ("year", "month", "day", "hour", "minute", "second")


class ParseResult(NamedTuple):
    """``values`` (parsed, missing when missing or unparseable) and ``invalid`` (bool mask of
    non-missing cells that could not be parsed)."""

    values: pd.Series
    invalid: pd.Series


def _normalise(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = series.astype("str").str.strip()
    present = text.notna() & (text != "")
    # str.translate runs per value in Python: fold each distinct value once (a column of
    # answers has a handful)
    codes, uniques = pd.factorize(text.str.lower())
    folded = np.array([*(u.translate(_ACCENTS) for u in uniques), None], dtype=object)
    return pd.Series(folded[codes], index=series.index, dtype="str"), present


def parse_dates(
    series: pd.Series, *, serial_range: tuple[int, int] = (20000, 80000)
) -> ParseResult:
    """Parse dates written day-first, ISO, as an Excel serial or with French month names.

    Accepted: ``13.03.2013``, ``13/03/2013``, ``13-03-13`` (two-digit years: < 70 → 20xx),
    optionally followed by a time (``14:30``, ``14h30``, ``14:30:05``); ISO ``2013-03-13``,
    ``2013-03-13 14:30:00``, ``2013-03-13T14:30:00+01:00`` (offsets converted to UTC, result
    naive); Excel serial numbers within ``serial_range`` (default 1954-10-03..2119-01-11, e.g.
    ``41346`` = 2013-03-13); ``13 mars 2013``, ``1er avril 2016``, ``lundi 13 mars 2013``.
    Never month-first. Returns ``datetime64`` values (NaT when missing or invalid).

    >>> parse_dates(pd.Series(["13.03.2013", "31/02/2016", "41346", None])).invalid.tolist()
    [False, True, False, False]
    """
    text = series.astype("str").str.strip()
    present = text.notna() & (text != "")
    values = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    rest = present.copy()
    # exact common layouts (digits and separators: nothing to fold) parsed in C; the rest,
    # folded, by the rules. The layouts exclude one another: the first value's is tried first
    # (a column usually has one), the others on what it leaves
    first = text[present].iloc[0] if present.any() else ""
    for shape, fmt in sorted(_FAST_DATES, key=lambda layout: not re.fullmatch(layout[0], first)):
        exact = rest & text.str.fullmatch(shape).fillna(False).astype(bool)
        if exact.any():
            found = text[exact]
            if "T" in shape:
                found = found.str.replace(r"[Tt]", " ", regex=True)
            stamps = pd.to_datetime(found, format=fmt, errors="coerce")
            stamps = stamps.where(stamps.between(pd.Timestamp.min, pd.Timestamp.max))
            values.loc[stamps.index] = stamps.astype("datetime64[ns]")
            rest &= values.isna()
        if not rest.any():
            break
    if rest.any():
        norm, _ = _normalise(text[rest])
        values.loc[rest] = _parse_by_rules(norm, serial_range)
    return ParseResult(values, (present & values.isna()).astype(bool))


_HM = r"(?:[01]\d|2[0-3]):[0-5]\d"  # strptime would accept second 60 and roll it over
#: (exact shape, strptime format) of the layouts most exports use, tried before the rules
_FAST_DATES = (
    (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"),
    (rf"\d{{4}}-\d{{2}}-\d{{2}}[ Tt]{_HM}:[0-5]\d", "%Y-%m-%d %H:%M:%S"),
    (r"\d{2}/\d{2}/\d{4}", "%d/%m/%Y"),
    (rf"\d{{2}}/\d{{2}}/\d{{4}} {_HM}", "%d/%m/%Y %H:%M"),
    (rf"\d{{2}}/\d{{2}}/\d{{4}} {_HM}:[0-5]\d", "%d/%m/%Y %H:%M:%S"),
)


def _parse_by_rules(norm: pd.Series, serial_range: tuple[int, int]) -> pd.Series:
    """The general rules of :func:`parse_dates` over normalised, non-empty texts."""
    present = pd.Series(True, index=norm.index)
    parts = pd.DataFrame(np.nan, index=norm.index, columns=list(_PARTS))
    offset = pd.Series(0.0, index=norm.index)
    for pattern in (_ISO, _DAY_FIRST, _FRENCH):
        todo = present & parts["year"].isna()
        if not todo.any():
            break
        found = norm[todo].str.extract(pattern)
        hit = found["year"].notna()
        if not hit.any():
            continue
        found = found[hit]
        if pattern is _FRENCH:
            found["month"] = found["month"].map(_MONTHS)
        for name in _PARTS:
            if name in found:
                parts.loc[found.index, name] = pd.to_numeric(found[name], errors="coerce")
        if "tz" in found:
            offset.loc[found.index] = found["tz"].map(_offset_minutes).astype(float)
    years = parts["year"]
    short = years < 100
    parts.loc[short, "year"] = np.where(years[short] < 70, 2000 + years[short], 1900 + years[short])
    parts[["hour", "minute", "second"]] = parts[["hour", "minute", "second"]].fillna(0)
    values = pd.Series(pd.NaT, index=norm.index, dtype="datetime64[ns]")
    has = parts["year"].notna()
    if has.any():
        sub = parts[has]
        ok = sub[["hour", "minute", "second"]].le([23, 59, 59]).all(axis=1)
        stamps = pd.to_datetime(sub.astype("Int64"), errors="coerce").where(ok)
        stamps = stamps - pd.to_timedelta(offset[has], unit="min")
        stamps = stamps.where(stamps.between(pd.Timestamp.min, pd.Timestamp.max))
        values.loc[has] = stamps.astype("datetime64[ns]")
    serial = present & ~has & norm.str.match(_SERIAL, na=False)
    if serial.any():
        number = pd.to_numeric(norm[serial].str.replace(",", ".", regex=False), errors="coerce")
        number = number.where(number.between(*serial_range))
        values.loc[serial] = (_EXCEL_EPOCH + pd.to_timedelta(number, unit="D")).dt.round("s")
    return values


def _offset_minutes(tz: object) -> float:
    if not isinstance(tz, str) or tz in {"", "z"}:
        return 0.0
    sign = -1.0 if tz.startswith("-") else 1.0
    digits = tz[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + int(digits[2:4]))


_SPACES = re.compile(r"(?<=\d)[ \u00a0\u202f\u2009'](?=\d{3}(?!\d))")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:e[+-]?\d+)?$")
_DOT_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_COMMA_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_ONE_GROUP = re.compile(r"^[+-]?\d{1,3}[.,]\d{3}$")


def parse_decimal(
    series: pd.Series, *, percent: Literal["number", "fraction"] = "number"
) -> ParseResult:
    """Parse numbers written the French or the English way.

    Accepted: decimal comma or point (``1,5``, ``1.5``), thousands separated by spaces, non-
    breaking or thin spaces, apostrophes, or by ``.`` / ``,`` when the other one is the decimal
    mark (``1 234,5``, ``1.234,5``, ``1,234.5``, ``1.234.567``), a sign (also ``−``), an exponent,
    a trailing ``%`` (``12,5 %`` gives 12.5, or 0.125 with ``percent="fraction"``). A single
    separator followed by three digits (``1,234`` or ``1.234``) is read as a decimal mark, as
    French data writes decimals and LimeSurvey writes a point. Returns float64 values.

    >>> parse_decimal(pd.Series(["1,5", "1 234,5", "12 %", "abc"])).values.tolist()
    [1.5, 1234.5, 12.0, nan]
    """
    text, present = _normalise(series)
    text = text.str.replace("\u2212", "-", regex=False)
    is_percent = text.str.endswith("%", na=False)
    text = text.str.rstrip("%").str.strip().str.replace(_SPACES, "", regex=True)
    out = pd.Series(np.nan, index=series.index, dtype="float64")
    plain = text.str.match(_PLAIN, na=False)
    dots = ~plain & text.str.match(_DOT_THOUSANDS, na=False)
    commas = ~plain & ~dots & text.str.match(_COMMA_THOUSANDS, na=False)
    converted = pd.concat([
        text[plain].str.replace(",", ".", regex=False),
        text[dots].str.replace(".", "", regex=False).str.replace(",", ".", regex=False),
        text[commas].str.replace(",", "", regex=False),
    ])  # fmt: skip
    if len(converted):
        out.loc[converted.index] = pd.to_numeric(converted, errors="coerce").astype("float64")
    if percent == "fraction":
        out = out.where(~is_percent, out / 100.0)
    return ParseResult(out, (present & out.isna()).astype(bool))


YES = frozenset({"oui", "o", "yes", "y", "1", "vrai", "true"})
NO = frozenset({"non", "n", "no", "0", "faux", "false"})


def parse_yes_no(series: pd.Series) -> ParseResult:
    """Parse yes/no answers (``oui``/``non``, ``o``/``n``, ``yes``/``no``, ``1``/``0``,
    ``vrai``/``faux``, ``true``/``false``, ``Y``/``N``), ignoring case, accents, spaces and a
    final full stop. Returns a nullable ``boolean`` Series.

    >>> parse_yes_no(pd.Series(["Oui", "NON", "peut-être"])).values.tolist()
    [True, False, <NA>]
    """
    text, present = _normalise(series)
    text = text.str.rstrip(".").str.strip()
    yes = text.isin(YES)
    no = text.isin(NO)
    values = pd.Series(pd.NA, index=series.index, dtype="boolean")
    values[yes] = True
    values[no] = False
    return ParseResult(values, (present & ~yes & ~no).astype(bool))
