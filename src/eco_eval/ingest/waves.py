"""Barometer waves of a response file: which wave each response belongs to, and its fielding window.

A wave is named by the file name when ``sources.barometer.wave_from`` matches it (the whole file
is then that wave); otherwise by its responses' submission dates. A file is one wave unless its
dates split clearly: sorted, two consecutive submissions more than :data:`WAVE_GAP_DAYS` apart
start a new wave (a survey reopened for the next wave and exported once). A wave from dates is
named by the month of its first submission (``2015-05``, shown « mai 2015 »); every wave keeps
its fielding window (first and last submission) and its median submission date. An undated
response (anonymised survey, or an incomplete response kept) belongs to the file's wave when
the file has one, and to no wave when it has several (quarantined as ``wave_unknown``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

#: days without any submission that separate two waves in one file
WAVE_GAP_DAYS = 60
_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True)
class FileWaves:
    """Per row of a file: ``wave`` (None: no wave), ``wave_date`` (median submission date of the
    wave), ``wave_start`` and ``wave_end`` (its first and last submission dates, None when the
    wave has no dated response); object arrays of the file's length."""

    wave: np.ndarray
    wave_date: np.ndarray
    wave_start: np.ndarray
    wave_end: np.ndarray

    def piece(self, offset: int, n: int) -> FileWaves:
        sl = slice(offset, offset + n)
        return FileWaves(self.wave[sl], self.wave_date[sl], self.wave_start[sl], self.wave_end[sl])


def submission_times(values: pd.Series) -> pd.Series:
    """Submission timestamps, NaT where missing or LimeSurvey's ``1980-01-01`` (date not kept)."""
    ts = pd.to_datetime(values, errors="coerce")
    return ts.where(ts.dt.year > 1980)


def file_waves(submitted: pd.Series, named: str | None) -> FileWaves | None:
    """The waves of one file's rows from their submission times (see the module doc).

    ``named``: the wave read from the file name (None when ``wave_from`` is absent or does not
    match). None when there is neither a name nor any dated response.
    """
    ts = submission_times(submitted).reset_index(drop=True)
    n = len(ts)
    dated = ts.notna().to_numpy()
    days = ts.dt.normalize()
    if named is not None:
        groups = np.zeros(n, dtype=np.int64)
        codes = [named]
    elif dated.any():
        order = np.sort(days[dated].to_numpy())
        gaps = np.diff(order) > np.timedelta64(WAVE_GAP_DAYS, "D")
        starts = np.r_[order[:1], order[1:][gaps]]
        groups = np.full(n, -1)
        groups[dated] = np.searchsorted(starts, days[dated].to_numpy(), side="right") - 1
        if len(starts) == 1:
            groups[:] = 0
        codes = [pd.Timestamp(s).strftime("%Y-%m") for s in starts]
    else:
        return None
    wave = np.full(n, None, dtype=object)
    out = {k: np.full(n, None, dtype=object) for k in ("wave_date", "wave_start", "wave_end")}
    for g, code in enumerate(codes):
        rows = groups == g
        wave[rows] = code
        mine = ts[rows & dated]
        if len(mine):
            out["wave_date"][rows] = mine.median().date()
            out["wave_start"][rows] = mine.min().date()
            out["wave_end"][rows] = mine.max().date()
        elif _MONTH.match(code):  # an undated wave named YYYY-MM: the middle of its month
            out["wave_date"][rows] = date.fromisoformat(code + "-15")
    return FileWaves(wave, out["wave_date"], out["wave_start"], out["wave_end"])
