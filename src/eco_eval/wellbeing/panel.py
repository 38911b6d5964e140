"""The person-level panel of respondents linked across two barometer waves.

A respondent is *linked* when the same pseudonymised ``person_key`` answered both waves (the
barometer's matricule is optional, so only part of the respondents can be linked). Each linked
person gets the baseline and follow-up scores and, per lever, whether they attended a held session
of that lever's tool between the two waves (from the facilitators' attendance sheets, not from what
they declare), and whether they attended one in the interval before the baseline wave.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from eco_eval.indicators.core import Tables
from eco_eval.instruments import Instrument, load_instruments
from eco_eval.stats._checks import StatsInputError, check_columns, checked
from eco_eval.wellbeing.scores import score_barometer

__all__ = ["WINDOWS", "held_attendance", "link_panel", "wave_cuts"]

#: How the treatment window between two waves is cut (see :func:`wave_cuts`).
WINDOWS = ("month_start", "wave_date")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@checked
def wave_cuts(barometer: pd.DataFrame, window: str = "month_start") -> dict[str, pd.Timestamp]:
    """The date at which each wave's question "since the last wave" is cut, by wave label.

    ``"month_start"`` (default): the first day of the wave's month when the label is ``YYYY-MM``
    (the fieldwork opens in that month, so a session from that day on may come after the answer:
    it counts towards the next wave); labels of another form fall back to the wave's first
    submission (``wave_start``), else to its earliest ``wave_date``. ``"wave_date"``: the earliest ``wave_date`` of the wave (the store
    keeps the median submission date, so sessions in the first half of the fieldwork count as
    before the answer).
    """
    if window not in WINDOWS:
        raise StatsInputError(f"window must be one of {WINDOWS}, got {window!r}")
    check_columns(barometer, ["wave"], "barometer")
    out: dict[str, pd.Timestamp] = {}
    dates = (
        pd.to_datetime(barometer["wave_date"]).groupby(barometer["wave"].astype(str)).min()
        if "wave_date" in barometer.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    opened = (
        pd.to_datetime(barometer["wave_start"]).groupby(barometer["wave"].astype(str)).min()
        if "wave_start" in barometer.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    for wave in sorted(barometer["wave"].dropna().astype(str).unique()):
        m = _MONTH.match(wave)
        if window == "month_start" and m:
            out[wave] = pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)
        elif window == "month_start" and wave in opened.index and pd.notna(opened[wave]):
            out[wave] = pd.Timestamp(opened[wave]).normalize()
        elif wave in dates.index and pd.notna(dates[wave]):
            out[wave] = pd.Timestamp(dates[wave]).normalize()
        else:
            raise StatsInputError(
                f"wave {wave!r}: no date to cut the participation window (label not YYYY-MM and "
                "no wave_date)"
            )
    return out


@checked
def held_attendance(tables: Tables) -> pd.DataFrame:
    """Attendance rows at held sessions: ``person_key``, ``lever_id``, ``tool_id``, ``date``."""
    check_columns(tables.sessions, ["session_id", "date", "lever_id", "status"], "sessions")
    check_columns(tables.attendance, ["session_id", "person_key"], "attendance")
    held = tables.sessions.loc[tables.sessions["status"] == "held"]
    cols = [c for c in ("session_id", "date", "lever_id", "tool_id") if c in held.columns]
    out = tables.attendance[["session_id", "person_key"]].merge(held[cols], on="session_id")
    out = out.dropna(subset=["person_key", "date"])
    out["date"] = pd.to_datetime(out["date"])
    return out.reset_index(drop=True)


def _one_per_person(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with a person_key that appears once in the wave (a repeated key cannot be linked)."""
    keyed = rows.loc[rows["person_key"].notna()]
    return keyed.loc[~keyed["person_key"].duplicated(keep=False)]


@checked
def link_panel(
    tables: Tables,
    wave_from: str,
    wave_to: str,
    *,
    instruments: Mapping[str, Instrument] | None = None,
    levers: Sequence[str] | None = None,
    window: str = "month_start",
    scored: pd.DataFrame | None = None,
    attendance: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per respondent linked across ``wave_from`` and ``wave_to``.

    Parameters
    ----------
    tables : Tables
        The store's tables; ``barometer``, ``sessions`` and ``attendance`` are used.
    wave_from, wave_to : str
        Baseline and follow-up wave labels (``"2016-05"``, ``"2016-11"``).
    instruments : mapping of str to Instrument, optional
        ``Project.instruments()``; the packaged definitions when omitted (without the project's
        reverse-keyed items: pass the project's).
    levers : sequence of str, optional
        Lever ids; default the levers of the climate scales in ``instruments``.
    window : {"month_start", "wave_date"}
        How the participation window is cut (:func:`wave_cuts`).
    scored, attendance : pandas.DataFrame, optional
        :func:`score_barometer` of the barometer and :func:`held_attendance` of the tables,
        when the caller already has them (they are computed otherwise).

    Returns
    -------
    pandas.DataFrame
        One row per linked person, sorted by ``person_key``: ``person_key``, ``wave_from``,
        ``wave_to``, ``department``, ``category``, ``gender`` (as declared at the baseline wave,
        or at the follow-up when the baseline left them blank), ``department_to`` (declared at the
        follow-up); for every score column of :func:`score_barometer` (``swemwbs_score``,
        ``swemwbs_raw``, ``who5_score``, ``clim_<lever>_score``...) the pair ``<col>_from`` and
        ``<col>_to``; per lever ``treated_<lever>`` (1 when the person attended a held session of
        the lever's tool on a date in ``[cut(wave_from), cut(wave_to))``, else 0),
        ``prior_<lever>`` (same, in ``[cut(wave before wave_from), cut(wave_from))``, from the
        first record when ``wave_from`` is the first wave), ``dose_to_<lever>`` and
        ``dose_from_<lever>`` (the number of those sessions attended in each interval: the dose)
        and ``part_<lever>`` (self-reported at
        ``wave_to``, when the barometer asks it). ``attrs["window"]`` and ``attrs["prior_window"]``
        hold the date bounds.

    Notes
    -----
    A ``person_key`` given twice in one wave cannot be linked reliably and is left out. Treatment
    comes from the attendance sheets (``attendance`` joined to ``sessions`` with
    ``status == "held"``), not from the barometer's self-report, which misses and invents
    participations.

    Examples
    --------
    >>> panel = link_panel(tables, "2016-05", "2016-11", instruments=project.instruments())
    ... # doctest: +SKIP
    """
    if tables.barometer is None:
        raise StatsInputError("tables.barometer is None: the store has no barometer")
    baro = tables.barometer
    check_columns(baro, ["wave", "person_key"], "barometer")
    cuts = wave_cuts(baro, window)
    for wave in (wave_from, wave_to):
        if wave not in cuts:
            raise StatsInputError(f"no barometer wave {wave!r}; waves present: {sorted(cuts)}")
    if cuts[wave_to] <= cuts[wave_from]:
        raise StatsInputError(f"wave_to {wave_to!r} must come after wave_from {wave_from!r}")
    insts = instruments if instruments is not None else load_instruments()
    lever_ids = list(levers) if levers is not None else [
        i.lever for i in insts.values() if i.lever is not None
    ]  # fmt: skip
    if scored is None:
        scored = score_barometer(baro, insts)
    if attendance is None:
        attendance = held_attendance(tables)
    earlier = [w for w in sorted(cuts, key=cuts.__getitem__) if cuts[w] < cuts[wave_from]]
    prior_start = cuts[earlier[-1]] if earlier else pd.Timestamp.min
    window_now = (cuts[wave_from], cuts[wave_to])
    window_prior = (prior_start, cuts[wave_from])

    waves = scored["wave"].astype(str)
    before = _one_per_person(scored.loc[waves == wave_from])
    after = _one_per_person(scored.loc[waves == wave_to])
    score_cols = [c for c in scored.columns if c.endswith(("_score", "_raw"))]
    demo = [c for c in ("department", "category", "gender") if c in scored.columns]
    parts = [c for c in scored.columns if c.startswith("part_")]
    left = before[["person_key", *demo, *score_cols]].rename(
        columns={c: f"{c}_from" for c in score_cols} | {c: f"{c}_base" for c in demo}
    )
    right = after[["person_key", *demo, *score_cols, *parts]].rename(
        columns={c: f"{c}_to" for c in score_cols} | {c: f"{c}_follow" for c in demo}
    )
    linked = left.merge(right, on="person_key", how="inner").sort_values("person_key")
    out = pd.DataFrame(
        {"person_key": linked["person_key"], "wave_from": wave_from, "wave_to": wave_to}
    )
    for c in demo:
        out[c] = linked[f"{c}_base"].combine_first(linked[f"{c}_follow"])
    if "department" in demo:
        out["department_to"] = linked["department_follow"]
    for c in score_cols:
        out[f"{c}_from"] = linked[f"{c}_from"].astype(float)
        out[f"{c}_to"] = linked[f"{c}_to"].astype(float)
    dates = attendance["date"]
    for lever in lever_ids:
        mine = attendance["lever_id"] == lever
        now = attendance.loc[
            mine & (dates >= window_now[0]) & (dates < window_now[1]), "person_key"
        ]
        prior = attendance.loc[
            mine & (dates >= window_prior[0]) & (dates < window_prior[1]), "person_key"
        ]
        out[f"treated_{lever}"] = linked["person_key"].isin(set(now)).astype(np.int64)
        out[f"prior_{lever}"] = linked["person_key"].isin(set(prior)).astype(np.int64)
        out[f"dose_to_{lever}"] = _sessions(linked["person_key"], now)
        out[f"dose_from_{lever}"] = _sessions(linked["person_key"], prior)
    for c in parts:
        out[c] = linked[c]
    out = out.reset_index(drop=True)
    out.attrs["window"] = window_now
    out.attrs["prior_window"] = window_prior
    return out


def _sessions(persons: pd.Series, attended: pd.Series) -> np.ndarray:
    """How many of the rows of ``attended`` (one per attendance) each of ``persons`` has."""
    counts = attended.value_counts()
    return persons.map(counts).fillna(0).to_numpy(dtype=np.int64)
