"""What each source gives a period, so that a section without data can say why (and the release
need not carry the rows): rows in the store, rows in the period, the span covered, the columns
with values."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pandas as pd

from eco_eval.indicators.core import Tables
from eco_eval.periods import Period
from eco_eval.wellbeing.panel import wave_cuts

__all__ = ["in_period", "source_facts"]


def in_period(tables: Tables, period: Period, source: str, frame: pd.DataFrame) -> bool:
    """Whether ``frame`` (the source's rows) holds data the period's figures use."""
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    if source == "sessions":
        dates = pd.to_datetime(frame["date"], errors="coerce")
        return bool(((dates >= start) & (dates <= end)).any())
    if source == "attendance":
        sessions = tables.sessions
        if sessions is None or sessions.empty:
            return False
        dates = pd.to_datetime(sessions["date"], errors="coerce")
        held = sessions.loc[(dates >= start) & (dates <= end)]
        return bool(frame["session_id"].isin(held["session_id"]).any())
    if source in {"headcount", "feedback"} and "quarter" in frame.columns:
        quarters = frame["quarter"].dropna().astype(str)
        if source == "headcount":  # the snapshot of the last quarter, or the latest before it
            return bool((quarters <= period.last_quarter).any())
        return bool(quarters.isin(period.quarters).any())
    if source == "barometer" and "wave" in frame.columns:
        return any(cut <= end for cut in wave_cuts(frame).values())
    return True


def _span(frame: pd.DataFrame) -> list[str]:
    column = next((c for c in ("quarter", "wave") if c in frame.columns), None)
    if column is None:
        return []
    values = sorted(frame[column].dropna().astype(str).unique())
    return [values[0], values[-1]] if values else []


def source_facts(tables: Tables, period: Period) -> dict[str, dict[str, Any]]:
    """Per table of ``tables``: ``present`` (the store has the table), ``rows``, ``in_period``,
    ``span`` (first and last quarter or wave, [] when none) and ``columns`` (those with at least
    one value)."""
    out: dict[str, dict[str, Any]] = {}
    for f in fields(Tables):
        frame = getattr(tables, f.name)
        if not isinstance(frame, pd.DataFrame):
            out[f.name] = {"present": False, "rows": 0, "in_period": False, "span": [],
                           "columns": []}  # fmt: skip
            continue
        out[f.name] = {
            "present": True,
            "rows": len(frame),
            "in_period": bool(len(frame)) and in_period(tables, period, f.name, frame),
            "span": _span(frame),
            "columns": [str(c) for c in frame.columns if frame[c].notna().any()],
        }
    return out
