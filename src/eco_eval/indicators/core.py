"""Shared pieces of the indicator engine: the tables, the tidy shape, period slicing, scopes.

Everything here is pure: frames in, frames out. ``Tables`` is what the store holds, loaded once
by the caller; indicator functions never open files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eco_eval.ecosystem import Ecosystem
from eco_eval.periods import Period

COLUMNS = [
    "period",
    "lever",
    "tool",
    "dimension",
    "group",
    "indicator",
    "value",
    "n",
    "ci_low",
    "ci_high",
    "suppressed",
]
DIMENSIONS = ("department", "category", "gender", "filiere")
ALL = "*"


@dataclass(frozen=True)
class Tables:
    """The canonical tables an indicator needs (see docs/data-model.md)."""

    sessions: pd.DataFrame
    attendance: pd.DataFrame
    headcount: pd.DataFrame
    feedback: pd.DataFrame
    barometer: pd.DataFrame | None = None
    ideas: pd.DataFrame | None = None
    hr_results: pd.DataFrame | None = None
    citizen_satisfaction: pd.DataFrame | None = None

    @classmethod
    def from_store(cls, store: object) -> Tables:
        get = store.table  # type: ignore[attr-defined]
        return cls(
            sessions=get("sessions"),
            attendance=get("attendance"),
            headcount=get("headcount"),
            feedback=get("feedback"),
            barometer=get("barometer"),
            ideas=_optional(get("ideas")),
            hr_results=_optional(get("hr_results")),
            citizen_satisfaction=_optional(get("citizen_satisfaction")),
        )


def _optional(frame: pd.DataFrame) -> pd.DataFrame | None:
    """An optional source: None when the project has no such data."""
    return frame if len(frame) else None


def row(
    period: Period | str,
    lever: str,
    tool: str,
    dimension: str,
    group: str,
    indicator: str,
    value: float,
    n: float,
    ci_low: float = np.nan,
    ci_high: float = np.nan,
) -> dict[str, object]:
    return {
        "period": str(period),
        "lever": lever,
        "tool": tool,
        "dimension": dimension,
        "group": group,
        "indicator": indicator,
        "value": float(value) if value is not None else np.nan,
        "n": float(n) if n is not None else np.nan,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "suppressed": False,
    }


def tidy(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["suppressed"] = frame["suppressed"].astype(bool)
    for col in ("value", "n", "ci_low", "ci_high"):
        frame[col] = frame[col].astype(float)
    return frame


def sessions_in(sessions: pd.DataFrame, period: Period) -> pd.DataFrame:
    dates = pd.to_datetime(sessions["date"])
    return sessions[(dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(period.end))]


def attendance_in(tables: Tables, period: Period) -> pd.DataFrame:
    """Attendance at held sessions of the period, with the session's lever, tool and duration."""
    held = sessions_in(tables.sessions, period)
    held = held[held["status"] == "held"][
        ["session_id", "lever_id", "tool_id", "duration_h", "date", "quarter"]
    ]
    return tables.attendance.merge(held, on="session_id", how="inner")


def headcount_at(headcount: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The HR snapshot of the period's last quarter (or the latest one before it)."""
    quarters = sorted(q for q in headcount["quarter"].dropna().unique() if q <= period.last_quarter)
    if not quarters:
        return headcount.iloc[0:0]
    return headcount[headcount["quarter"] == quarters[-1]]


def scopes(frame: pd.DataFrame, eco: Ecosystem) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """(lever, tool, rows): the whole programme, then each lever of the ecosystem in order.

    A lever row carries its tool's id when the lever has exactly one tool; levers with several
    tools also get one scope per tool.
    """
    yield ALL, ALL, frame
    by_lever = dict(tuple(frame.groupby("lever_id", sort=False))) if len(frame) else {}
    for lever in eco.levers:
        tools = eco.tools_of(lever.id)
        sub = by_lever.get(lever.id, frame.iloc[0:0])
        yield lever.id, tools[0].id if len(tools) == 1 else ALL, sub
        if len(tools) > 1:
            by_tool = dict(tuple(sub.groupby("tool_id", sort=False))) if len(sub) else {}
            for t in tools:
                yield lever.id, t.id, by_tool.get(t.id, sub.iloc[0:0])
