"""Quarters, French working days and barometer waves of the demo period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from eco_eval.errors import ConfigError

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
WAVE_MONTHS = (5, 11)  # the barometer runs every May and November
FIELDWORK_DAYS = 19  # a wave is open from the 2nd to the 20th of its month


def parse_quarter(label: str, *, parameter: str) -> tuple[int, int]:
    """``"2015-Q3"`` -> ``(2015, 3)``; a :class:`ConfigError` naming the parameter otherwise."""
    match = _QUARTER.match(str(label).strip())
    if not match:
        raise ConfigError(f"{parameter}={label!r}: expected a quarter like 2015-Q3")
    return int(match.group(1)), int(match.group(2))


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def french_holidays(years: range) -> np.ndarray:
    """Public holidays (jours fériés) of metropolitan France for the given years."""
    days: list[date] = []
    for y in years:
        easter = _easter(y)
        days += [date(y, 1, 1), date(y, 5, 1), date(y, 5, 8), date(y, 7, 14), date(y, 8, 15)]
        days += [date(y, 11, 1), date(y, 11, 11), date(y, 12, 25)]
        days += [
            easter + timedelta(days=1),
            easter + timedelta(days=39),
            easter + timedelta(days=50),
        ]
    return np.array(sorted(days), dtype="datetime64[D]")


@dataclass(frozen=True)
class Wave:
    """A barometer wave: label ``2016-05``, the quarter it falls in, its cut-off and fieldwork."""

    label: str
    quarter: int  # index into Calendar.labels
    cut: np.datetime64  # first day of the wave month: participation "since the last wave" ends here
    open_from: np.datetime64
    open_days: int


@dataclass(frozen=True)
class Calendar:
    """The quarters of the demo period, with their first and last days."""

    labels: tuple[str, ...]
    starts: np.ndarray  # datetime64[D], first day of each quarter
    ends: np.ndarray  # datetime64[D], last day of each quarter
    holidays: np.ndarray
    waves: tuple[Wave, ...]

    @property
    def n(self) -> int:
        return len(self.labels)

    def file_tag(self, q: int) -> str:
        """``2015-T3``: the quarter as written in file names (T for trimestre)."""
        return self.labels[q].replace("-Q", "-T")

    @classmethod
    def build(cls, start: str, end: str) -> Calendar:
        y0, q0 = parse_quarter(start, parameter="start")
        y1, q1 = parse_quarter(end, parameter="end")
        first, last = y0 * 4 + q0 - 1, y1 * 4 + q1 - 1
        if last < first:
            raise ConfigError(f"start={start!r} is after end={end!r}: swap them")
        if last - first + 1 > 80:
            raise ConfigError(f"start={start!r}, end={end!r}: at most 80 quarters (20 years)")
        labels, starts, ends = [], [], []
        for k in range(first, last + 1):
            y, q = divmod(k, 4)
            labels.append(f"{y}-Q{q + 1}")
            s = date(y, 3 * q + 1, 1)
            e = date(y + (q == 3), (3 * q + 3) % 12 + 1, 1) - timedelta(days=1)
            starts.append(s)
            ends.append(e)
        holidays = french_holidays(range(y0, y1 + 2))
        waves = []
        for qi, s in enumerate(starts):
            for month in WAVE_MONTHS:
                if s.month <= month < s.month + 3:
                    cut = np.datetime64(date(s.year, month, 1), "D")
                    waves.append(Wave(f"{s.year}-{month:02d}", qi, cut, cut + 1, FIELDWORK_DAYS))
        return cls(
            labels=tuple(labels),
            starts=np.array(starts, dtype="datetime64[D]"),
            ends=np.array(ends, dtype="datetime64[D]"),
            holidays=holidays,
            waves=tuple(waves),
        )

    def working_days(self, rng: np.random.Generator, q: np.ndarray) -> np.ndarray:
        """One random working day (Mon-Fri, not a public holiday) inside each quarter of ``q``."""
        starts = self.starts[q]
        n_days = np.busday_count(self.starts, self.ends + 1, holidays=self.holidays)[q]
        offset = np.floor(rng.random(len(q)) * n_days).astype(np.int64)
        return np.busday_offset(starts, offset, roll="forward", holidays=self.holidays)

    def quarter_of(self, days: np.ndarray) -> np.ndarray:
        """Index of the quarter containing each date (-1 before the period, n after it)."""
        idx = np.searchsorted(self.starts, days, side="right") - 1
        idx[days > self.ends[-1]] = self.n
        return idx
