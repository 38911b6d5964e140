"""Numbers, percentages, dates, periods and hidden values written the French (or English) way.

French conventions (Imprimerie nationale, CLDR ``fr_FR`` through babel): decimal comma, narrow
no-break space (U+202F) between thousands, a no-break space before ``%``, intervals as
``[1,2 ; 3,4]``, dates ``13 mars 2016`` with ``1er`` for the first day of the month. English uses
``en_GB`` (``1,234.5``, ``12.3%``, ``13 March 2016``).

>>> fmt_number(1234.5, "fr")
'1\u202f234,5'
>>> fmt_percent(0.123, "fr")
'12,3\xa0%'
>>> fmt_interval(1.2, 3.4, "fr")
'[1,2\u202f; 3,4]'
>>> fmt_change(0.05, "fr", kind="pp")
'+5,0\xa0points'
>>> fmt_change(-0.009, "fr", kind="pp")
'\u22120,9\xa0point'

A missing value (None, NaN) is written ``–``; a value hidden by the anonymity rule is written with
:func:`fmt_suppressed` (``< 5 pers.``), never as 0.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, cast

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from eco_eval.errors import ConfigError, did_you_mean
from eco_eval.periods import parse_period
from eco_eval.report.i18n import check_lang, label_file

if TYPE_CHECKING:
    from eco_eval.indicators.catalogue import Catalogue

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
NNBSP = "\u202f"  # narrow no-break space: French thousands separator, before ; in intervals
NBSP = "\xa0"  # no-break space: before % and units
MINUS = "\u2212"  # the minus sign of French typography
ChangeKind = Literal["pp", "relative", "absolute"]


def _label(lang: str, key: str, **values: object) -> str:
    return label_file(lang)[key].format(**values)


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA raises TypeError on bool()
    except TypeError:
        return True


def _float(value: object) -> float:
    return float(cast(Any, value))


@lru_cache(maxsize=32)
def _pattern(lang: str, kind: str, digits: int | None) -> str:
    """The locale's CLDR pattern with ``digits`` fixed decimals (None: up to 3, as needed)."""
    locale = Locale.parse(LOCALES[check_lang(lang)])
    table = locale.percent_formats if kind == "percent" else locale.decimal_formats
    base = table[None].pattern.split(";")[0]
    integer = re.sub(r"\.[0#]+", "", base)  # drop the locale's own decimals
    decimals = ".###" if digits is None else "." + "0" * digits if digits > 0 else ""
    # insert after the last integer digit '0' of the pattern
    at = integer.rfind("0") + 1
    return integer[:at] + decimals + integer[at:]


def fmt_number(value: object, lang: str = "fr", *, digits: int | None = None) -> str:
    """A number with the locale's separators; ``digits`` fixed decimals (None: up to 3).

    >>> fmt_number(1234.5, "en", digits=2)
    '1,234.50'
    """
    if is_missing(value):
        return _label(lang, "value.missing")
    pattern = _pattern(lang, "decimal", digits)
    return str(format_decimal(_float(value), format=pattern, locale=LOCALES[lang]))


def fmt_percent(value: object, lang: str = "fr", *, digits: int = 1) -> str:
    """A proportion (0.123) as a percentage (``12,3 %``, ``12.3%``)."""
    if is_missing(value):
        return _label(lang, "value.missing")
    pattern = _pattern(lang, "percent", digits)
    return str(format_percent(_float(value), format=pattern, locale=LOCALES[lang]))


def fmt_value(
    value: object,
    lang: str = "fr",
    *,
    percent: bool = False,
    digits: int | None = 1,
    suppressed: bool = False,
    k: int | None = None,
) -> str:
    """One figure of the tidy frame: the suppressed label when hidden, ``–`` when missing."""
    if suppressed:
        return fmt_suppressed(k, lang)
    if percent:
        return fmt_percent(value, lang, digits=1 if digits is None else digits)
    return fmt_number(value, lang, digits=digits)


def format_indicator(
    catalogue: Catalogue,
    indicator: str,
    value: object,
    lang: str = "fr",
    *,
    suppressed: bool = False,
    k: int | None = None,
) -> str:
    """A figure of ``indicator`` as the catalogue says to write it (its ``display``: percentage or
    not, decimals), the suppressed label when hidden, ``–`` when missing.

    >>> from eco_eval.indicators.catalogue import load_catalogue
    >>> format_indicator(load_catalogue(), "reach_rate", 0.123, "fr")
    '12,3\xa0%'
    >>> format_indicator(load_catalogue(), "sessions_held", 1234, "fr")
    '1\u202f234'
    """
    display = catalogue.display(indicator)
    return fmt_value(
        value,
        lang,
        percent=display.percent,
        digits=display.digits,
        suppressed=suppressed,
        k=k,
    )


def fmt_interval(
    low: object, high: object, lang: str = "fr", *, digits: int | None = 1, percent: bool = False
) -> str:
    """A confidence interval: ``[1,2 ; 3,4]`` (fr), ``[1.2, 3.4]`` (en); ``–`` if a bound is missing."""
    if is_missing(low) or is_missing(high):
        return _label(lang, "value.missing")
    if percent:
        lo, hi = (
            fmt_percent(low, lang, digits=digits or 0),
            fmt_percent(high, lang, digits=digits or 0),
        )
    else:
        lo, hi = fmt_number(low, lang, digits=digits), fmt_number(high, lang, digits=digits)
    sep = f"{NNBSP}; " if lang == "fr" else ", "
    return f"[{lo}{sep}{hi}]"


def fmt_change(value: object, lang: str = "fr", *, kind: ChangeKind = "pp", digits: int = 1) -> str:
    """A change with its sign.

    ``kind="pp"``: difference of two proportions (0.05 -> ``+5,0 points``, ``+5.0 pp``; in
    French « point » stays singular below 2);
    ``"relative"``: relative change (0.05 -> ``+5,0 %``); ``"absolute"``: difference of two
    numbers (12 -> ``+12,0``). No sign when it rounds to zero.
    """
    if kind not in ("pp", "relative", "absolute"):
        raise ConfigError(
            f"fmt_change: kind {kind!r} is not one of pp, relative, absolute{did_you_mean(kind, ('pp', 'relative', 'absolute'))}"
        )
    if is_missing(value):
        return _label(lang, "value.missing")
    x = _float(value)
    if kind == "relative":
        shown, text = abs(x) * 100, fmt_percent(abs(x), lang, digits=digits)
    elif kind == "pp":
        shown = abs(x) * 100
        unit = _label(lang, "unit.pp" if round(shown, digits) < 2 else "unit.pp_plural")
        text = f"{fmt_number(shown, lang, digits=digits)}{NBSP}{unit}"
    else:
        shown, text = abs(x), fmt_number(abs(x), lang, digits=digits)
    if round(shown, digits) == 0:
        return text
    return ("+" if x > 0 else MINUS if lang == "fr" else "-") + text


def fmt_suppressed(k: int | None = None, lang: str = "fr") -> str:
    """What a hidden value shows: ``< 5 pers.`` (``masqué`` when the threshold is not given)."""
    if k is None:
        return _label(lang, "value.suppressed")
    return _label(lang, "value.suppressed_k", k=int(k))


def fmt_date(value: date | datetime | str, lang: str = "fr") -> str:
    """A date in words: ``13 mars 2016``, ``1er juin 2015``, ``13 March 2016``."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError as exc:
            raise ConfigError(f"fmt_date: {value!r} is not an ISO date (YYYY-MM-DD)") from exc
    if isinstance(value, datetime):
        value = value.date()
    text = str(format_date(value, format="long", locale=LOCALES[check_lang(lang)]))
    if lang == "fr" and value.day == 1:
        text = re.sub(r"^1(?=\s)", "1er", text)
    return text


def _ordinal(n: int, lang: str) -> str:
    if lang == "fr":
        return "1er" if n == 1 else f"{n}ᵉ"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")
    return f"{n}{suffix}"


_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_SEMESTER = re.compile(r"^(\d{4})-S([12])$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def fmt_period(period: str, lang: str = "fr", *, short: bool = False) -> str:
    """A period label of the tidy frame in words.

    ``2016-Q2`` -> ``2ᵉ trimestre 2016`` (short: ``T2 2016``); ``2016-S1`` -> ``1er semestre 2016``;
    ``2016-05`` (a barometer wave) -> ``mai 2016``; ``2015-06-01..2016-06-30`` -> ``du 1er juin 2015
    au 30 juin 2016``; ``cumul`` / ``cumul:2016-Q2``. Anything else is returned as it is.
    """
    p = str(period)
    suffix = "_short" if short else ""
    if m := _QUARTER.match(p):
        n = int(m.group(2))
        return _label(
            lang, f"period.quarter{suffix}", n=n, n_ord=_ordinal(n, lang), year=m.group(1)
        )
    if m := _SEMESTER.match(p):
        n = int(m.group(2))
        return _label(
            lang, f"period.semester{suffix}", n=n, n_ord=_ordinal(n, lang), year=m.group(1)
        )
    if m := _YEAR.match(p):
        return _label(lang, "period.year", year=m.group(1))
    if m := _MONTH.match(p):
        month = date(int(m.group(1)), int(m.group(2)), 1)
        return str(
            format_date(
                month, format="LLLL y" if not short else "LLL y", locale=LOCALES[check_lang(lang)]
            )
        )
    if m := _RANGE.match(p):
        start, end = (fmt_date(m.group(i), lang) for i in (1, 2))
        return _label(lang, "period.range", start=start, end=end)
    if p == "cumul":
        return _label(lang, "period.cumul")
    if p.startswith("cumul:"):
        return _label(lang, "period.cumul_to", period=fmt_period(p[6:], lang, short=short))
    return p


def _month_name(day: date, lang: str) -> str:
    return str(format_date(day, format="LLLL", locale=LOCALES[check_lang(lang)]))


def fmt_wave(
    wave: str,
    lang: str = "fr",
    *,
    start: object = None,
    end: object = None,
    template: str | None = None,
) -> str:
    """A barometer wave in words.

    ``template`` (``sources.barometer.wave_label``) is filled with ``wave`` (the stored code),
    ``year``, ``month`` (in ``lang``), ``month_fr``, ``month_en`` (the month and year of the first
    submission ``start``), ``start`` and ``end`` (the fielding window, written as dates). Without
    a template: a code :func:`fmt_period` reads (``2015-05`` -> ``mai 2015``), else the month of
    the first submission (``vague4`` opened on 12 May 2015 -> ``mai 2015``), else the code.

    >>> fmt_wave("vague4", "fr", start="2015-05-12")
    'mai 2015'
    >>> fmt_wave("vague4", "fr", start="2015-05-12", end="2015-06-02", template="{wave} ({month_fr} {year})")
    'vague4 (mai 2015)'
    """
    code = str(wave)
    first = None if is_missing(start) else _as_date(start)
    if template:
        last = None if is_missing(end) else _as_date(end)
        missing = _label(lang, "value.missing")
        fields = {
            "wave": code,
            "year": str(first.year) if first else missing,
            "month": _month_name(first, lang) if first else missing,
            "month_fr": _month_name(first, "fr") if first else missing,
            "month_en": _month_name(first, "en") if first else missing,
            "start": fmt_date(first, lang) if first else missing,
            "end": fmt_date(last, lang) if last else missing,
        }
        return template.format(**fields)
    named = fmt_period(code, lang)
    if named != code or first is None:
        return named
    return fmt_period(f"{first.year}-{first.month:02d}", lang)


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "date") and callable(value.date):  # a pandas Timestamp
        return cast(date, value.date())
    return date.fromisoformat(str(value)[:10])


def period_sort_key(period: str, launch: date | None = None) -> tuple[Any, ...]:
    """Chronological order of period labels: by end date; for the same end, the shorter period
    first (``2016-Q4``, ``2016-S2``, ``2016``); ``cumul`` last; unknown labels after, by name.
    ``launch``: the programme's launch, where a ``cumul:`` period starts; without it, such a
    period comes after every other period ending the same day."""
    p = str(period)
    if p == "cumul":
        return (date.max, 0, p)
    try:
        parsed = parse_period(p, launch=date.min if launch is None else launch)
    except ConfigError:
        return (date.max, 1, p)
    return (parsed.end, -parsed.start.toordinal(), p)
