"""Periods as analysts say them: ``2016-Q2``, ``2016-S1``, ``2016``, ``last-quarter``, date ranges.

A :class:`Period` is a closed date interval with a label. Quarters are the unit of the data
(headcount snapshots, sessions); longer periods are unions of quarters, and date ranges may cut
through quarters (sessions and answers are dated, headcount is then taken at the last quarter).

The programme's launch (``launch:`` of the ecosystem, :mod:`eco_eval.ecosystem`) bounds every
period shown: :func:`comparison` gives the previous period or the same period a year before only
when it ends on or after the launch. A comparison that ends before the launch has nothing of the
programme to compare with and is absent (``None``); one that straddles the launch (the launch
quarter, say 2015-Q2 for a launch on 2015-06-01) is kept: it holds the programme's first weeks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from eco_eval.errors import ConfigError

_QUARTER = re.compile(r"^(\d{4})\s*[-_ ]?\s*[QT]([1-4])$", re.I)
_QUARTER_FR = re.compile(r"^[QT]([1-4])\s*[-_ ]?\s*(\d{4})$", re.I)
#: French ordinal quarters: 1er trimestre 2016, 2e trimestre 2016, 2ème trimestre 2016
_QUARTER_WORDS = re.compile(r"^([1-4])\s*(?:er|re|e|ème|eme|è|nd)?\s+trimestre\s+(\d{4})$", re.I)
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_FR = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
_SEMESTER = re.compile(r"^(\d{4})\s*[-_ ]?\s*S([12])$", re.I)
_SEMESTER_FR = re.compile(r"^S([12])\s*[-_ ]?\s*(\d{4})$", re.I)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/|→)\s*(\d{4}-\d{2}-\d{2})$")

#: the years a period may name (a year after the last can not be compared with the next one)
MIN_YEAR, MAX_YEAR = 1900, 2999
CUMULATIVE_PREFIXES = ("cumul:", "since-launch:")
#: The period words that mean "the latest quarter with data" (held sessions).
LATEST = ("latest", "dernier")
HELP = (
    "write a period as 2016-Q2 (quarter), 2016-S1 (semester), 2016 (year), "
    "2015-06-01..2016-06-30 (date range), last-quarter, or cumul:2016-Q2 (since launch)"
)


def quarter_start(year: int, q: int) -> date:
    return date(year, 3 * (q - 1) + 1, 1)


def quarter_end(year: int, q: int) -> date:
    if q == 4:
        return date(year, 12, 31)
    return quarter_start(year, q + 1) - timedelta(days=1)


def quarter_of(d: date) -> str:
    """The quarter label ``YYYY-Qn`` of a date."""
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    label: str
    kind: str = "range"  # quarter | semester | year | range | cumulative

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ConfigError(f"period {self.label!r}: end {self.end} is before start {self.start}")

    def __str__(self) -> str:
        return self.label

    @property
    def quarters(self) -> tuple[str, ...]:
        """Quarter labels overlapping the period, in order."""
        out = []
        y, q = self.start.year, (self.start.month - 1) // 3 + 1
        while quarter_start(y, q) <= self.end:
            out.append(f"{y}-Q{q}")
            y, q = (y + 1, 1) if q == 4 else (y, q + 1)
        return tuple(out)

    @property
    def last_quarter(self) -> str:
        return self.quarters[-1]

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def previous(self) -> Period:
        """The period of the same kind just before (a quarter before a quarter, and so on)."""
        if self.kind == "quarter":
            y, q = int(self.label[:4]), int(self.label[-1])
            y, q = (y - 1, 4) if q == 1 else (y, q - 1)
            return parse_period(f"{y}-Q{q}")
        if self.kind == "semester":
            y, s = int(self.label[:4]), int(self.label[-1])
            y, s = (y - 1, 2) if s == 1 else (y, s - 1)
            return parse_period(f"{y}-S{s}")
        if self.kind == "year":
            return parse_period(str(int(self.label) - 1))
        if self.kind == "cumulative":
            base = parse_period(self.label.split(":", 1)[1]).previous()
            return cumulative(base, self.start)
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        start = end - length
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")

    def year_before(self) -> Period:
        """The same period one year earlier."""
        if self.kind in {"quarter", "semester", "year"}:
            return parse_period(str(int(self.label[:4]) - 1) + self.label[4:])
        if self.kind == "cumulative":
            base = parse_period(self.label.split(":", 1)[1]).year_before()
            return cumulative(base, self.start)
        start = _shift_year(self.start, -1)
        end = _shift_year(self.end, -1)
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")


def _shift_year(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def cumulative(until: Period, launch: date) -> Period:
    """From the programme's launch to the end of ``until``."""
    return Period(launch, until.end, f"cumul:{until.label}", "cumulative")


def last_complete_quarter(today: date) -> Period:
    y, q = today.year, (today.month - 1) // 3 + 1
    y, q = (y - 1, 4) if q == 1 else (y, q - 1)
    return parse_period(f"{y}-Q{q}")


COMPARISONS = ("previous", "year_before")


def comparison(period: Period, which: str, launch: date) -> Period | None:
    """``period.previous()`` or ``period.year_before()`` (``which``), or ``None`` when that
    period ends before ``launch``: a comparison before the programme began is absent, not an error.

    >>> comparison(parse_period("2015-Q4"), "year_before", date(2015, 9, 1)) is None
    True
    >>> comparison(parse_period("2015-Q4"), "previous", date(2015, 9, 1)).label
    '2015-Q3'
    """
    other = _compared(period, which)
    if other.end < launch:
        return None
    return cumulative(other, launch) if period.kind == "cumulative" else other


def _compared(period: Period, which: str) -> Period:
    """The period ``which`` of ``period`` (for a cumulative one: of the period it runs to)."""
    if which not in COMPARISONS:
        raise ValueError(f"comparison {which!r}: expected one of {', '.join(COMPARISONS)}")
    if period.kind == "cumulative":
        period = parse_period(period.label.split(":", 1)[1])
    other: Period = getattr(period, which)()
    return other


def comparison_note(period: Period, launch: date) -> str:
    """Why comparisons of ``period`` are absent, in English for the indicators frame ('' when the
    previous period and the year before are both there).

    >>> comparison_note(parse_period("cumul:2015-Q4", launch=date(2015, 9, 1)), date(2015, 9, 1))
    'year_before (cumul:2014-Q4) ends before the launch on 2015-09-01: no comparison'
    """
    notes = []
    for which in COMPARISONS:
        other = _compared(period, which)
        if other.end < launch:
            label = f"cumul:{other.label}" if period.kind == "cumulative" else other.label
            notes.append(
                f"{which} ({label}) ends before the launch on {launch.isoformat()}: no comparison"
            )
    return "; ".join(notes)


def check_after_launch(period: Period, launch: date) -> Period:
    """``period``, or a ConfigError when it ends before the programme's launch."""
    if period.end < launch:
        raise ConfigError(
            f"period {period.label!r} ends before the programme's launch ({launch.isoformat()}); "
            "choose a period from the launch on, or set the launch date under 'ecosystem: launch:' "
            "in eco_eval.yaml"
        )
    return period


def is_cumulative(text: str) -> bool:
    """True for a cumulative label (``cumul:2016-Q2``): the period runs from the launch."""
    return str(text).strip().lower().startswith(CUMULATIVE_PREFIXES)


def parse_period(text: str, *, today: date | None = None, launch: date | None = None) -> Period:
    """Parse a period as analysts write it (``launch``: the programme's launch, the start of a
    ``cumul:`` period, which needs it).

    >>> parse_period("2016-Q2")
    Period(start=datetime.date(2016, 4, 1), end=datetime.date(2016, 6, 30), label='2016-Q2', kind='quarter')
    """
    raw = str(text).strip()
    t = raw.replace("–", "-")
    for year in re.findall(r"\d{4}", t):
        if not MIN_YEAR <= int(year) <= MAX_YEAR:
            raise ConfigError(
                f"period {raw!r}: year {year} is outside {MIN_YEAR}–{MAX_YEAR}; {HELP}"
            )
    if t.lower() in {"last-quarter", "last_quarter", "dernier-trimestre"}:
        return last_complete_quarter(today or date.today())
    if is_cumulative(t):
        if launch is None:
            raise ConfigError(
                f"period {raw!r} runs from the programme's launch: pass the launch "
                "(Project.ecosystem().launch) to read it"
            )
        return cumulative(parse_period(t.split(":", 1)[1], today=today), launch)
    if m := _QUARTER.match(t):
        y, q = int(m.group(1)), int(m.group(2))
        return Period(quarter_start(y, q), quarter_end(y, q), f"{y}-Q{q}", "quarter")
    if m := _QUARTER_FR.match(t) or _QUARTER_WORDS.match(t):
        return parse_period(f"{m.group(2)}-Q{m.group(1)}")
    if m := _SEMESTER.match(t):
        y, s = int(m.group(1)), int(m.group(2))
        return Period(quarter_start(y, 2 * s - 1), quarter_end(y, 2 * s), f"{y}-S{s}", "semester")
    if m := _SEMESTER_FR.match(t):
        return parse_period(f"{m.group(2)}-S{m.group(1)}")
    if m := _YEAR.match(t):
        y = int(m.group(1))
        return Period(date(y, 1, 1), date(y, 12, 31), str(y), "year")
    if m := _RANGE.match(t):
        try:
            start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        except ValueError as exc:
            raise ConfigError(f"period {raw!r}: {exc}; {HELP}") from exc
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")
    raise ConfigError(f"period {raw!r} not understood; {HELP}")


def label_end(text: str) -> date | None:
    """The day a period label stands for in a dated snapshot (an HR headcount): its last day.

    A month (``2016-06``, ``06/2016``), a quarter (``2016-T2``, ``T2 2016``, ``2016Q2``,
    ``2e trimestre 2016``...), a semester or a year (``2016``) as :func:`parse_period` reads
    them; None for any other text (a date, a range, ``last-quarter``). The last day, because
    the indicators take the headcount of a period at its end (the snapshot of its last quarter).

    >>> label_end("2016-T2"), label_end("06/2016"), label_end("2016")
    (datetime.date(2016, 6, 30), datetime.date(2016, 6, 30), datetime.date(2016, 12, 31))
    """
    t = str(text).strip().replace("–", "-")
    month: tuple[int, int] | None = None  # (year, month)
    if m := _MONTH.match(t):
        month = int(m.group(1)), int(m.group(2))
    elif m := _MONTH_FR.match(t):
        month = int(m.group(2)), int(m.group(1))
    if month is not None:
        year, mo = month
        if not 1 <= mo <= 12:
            return None
        return (date(year + 1, 1, 1) if mo == 12 else date(year, mo + 1, 1)) - timedelta(days=1)
    if ":" in t or not re.search(r"\d{4}", t):
        return None
    try:
        period = parse_period(t)
    except ConfigError:
        return None
    return period.end if period.kind in {"quarter", "semester", "year"} else None


def quarter_range(first: str, last: str) -> tuple[str, ...]:
    """All quarter labels from ``first`` to ``last`` inclusive."""
    a, b = parse_period(first), parse_period(last)
    return Period(a.start, b.end, f"{a.label}..{b.label}").quarters
