"""Ground truth of the planted « partage » and « valorisation » patterns and of the generations.

Computed from the generator's arrays with numpy, independently of the indicator engine, on what a
correct ingestion keeps: held sessions that are not quarantined, and the attendance rows it counts.

* ``partage_by_quarter.csv``: per quarter and lever (``*`` = programme), the share of pairs of
  participants of one session from different departments (the planted pattern: « la balade »
  fills its sessions from the whole staff, « point silence » mostly from the host department);
* ``facilitators_by_quarter.csv``: per quarter, the facilitators, the hours of the planted pillar,
  how many facilitators lead more than ``OVERLOAD_HOURS`` in the quarter, and since launch the
  facilitators, the participants who took part before leading a session (the planted recruits
  among them) and the participants;
* ``generations.csv``: per quarter and tool, the held sessions (a retired tool has none after its
  retirement; a replacing tool none before its launch).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eco_eval.demo._arrays import unique
from eco_eval.demo.attendance import Attendance
from eco_eval.demo.calendar import Calendar
from eco_eval.demo.sessions import HELD, Sessions
from eco_eval.demo.staff import Staff

#: facilitation hours in one quarter above which a facilitator is overloaded (the catalogue's
#: ``overload_hours_per_quarter``)
OVERLOAD_HOURS = 40.0

DEFINITIONS = {
    "partage_by_quarter.csv": (
        "per quarter and lever ('*' = programme): pairs = sum over counted held sessions of "
        "m(m-1)/2 (m = distinct counted participants); cross_department_pairs = pairs minus the "
        "sum over departments of m_d(m_d-1)/2; mixing_department_share = their ratio."
    ),
    "facilitators_by_quarter.csv": (
        "per quarter, over counted held sessions (not quarantined): facilitators = distinct "
        "facilitators; pillar_hours = hours the planted pillar led; overloaded = facilitators "
        "leading more than overload_hours in the quarter; since launch up to the quarter's end: "
        "facilitators_since_launch, participants_since_launch (distinct agents with a counted "
        "participation) and turned = facilitators whose first counted participation is dated "
        "before the first session they led (recruits_turned: the planted recruits among them)."
    ),
    "generations.csv": "held sessions per quarter and tool, quarantined sessions excluded.",
}


def _counted(sessions: Sessions, quarantined: np.ndarray) -> np.ndarray:
    return (sessions.status == HELD) & ~quarantined


def partage_tallies(
    cal: Calendar,
    staff: Staff,
    sessions: Sessions,
    attendance: Attendance,
    valid: np.ndarray,
    quarantined: np.ndarray,
    lever_of_tool: list[str],
) -> pd.DataFrame:
    """See :data:`DEFINITIONS` (``lever_of_tool``: the lever of each tool index)."""
    ok = _counted(sessions, quarantined)[attendance.session] & valid
    s, p = attendance.session[ok].astype(np.int64), attendance.person[ok].astype(np.int64)
    pairs_sp = unique(s * np.int64(staff.n) + p)
    s, p = pairs_sp // staff.n, pairs_sp % staff.n
    n_dept = int(staff.dept.max()) + 1
    per_sd = np.bincount(s * n_dept + staff.dept[p], minlength=sessions.n * n_dept).reshape(
        sessions.n, n_dept
    )
    m = per_sd.sum(axis=1)
    pairs = m * (m - 1) / 2
    same = (per_sd * (per_sd - 1) / 2).sum(axis=1)
    lever = np.array(lever_of_tool)[sessions.tool]
    rows = []
    for q, label in enumerate(cal.labels):
        in_q = sessions.quarter == q
        for name in ["*", *dict.fromkeys(lever_of_tool)]:
            sel = in_q if name == "*" else in_q & (lever == name)
            total, cross = float(pairs[sel].sum()), float((pairs - same)[sel].sum())
            if total:
                rows.append((label, name, total, cross, cross / total))
    return pd.DataFrame(
        rows,
        columns=[
            "quarter",
            "lever_id",
            "pairs",
            "cross_department_pairs",
            "mixing_department_share",
        ],
    )


def facilitator_tallies(
    cal: Calendar,
    sessions: Sessions,
    attendance: Attendance,
    valid: np.ndarray,
    quarantined: np.ndarray,
) -> pd.DataFrame:
    """See :data:`DEFINITIONS`."""
    held = _counted(sessions, quarantined)
    fac, q, dur, day = (
        sessions.facilitator[held],
        sessions.quarter[held],
        sessions.duration[held],
        sessions.date[held],
    )
    ok = held[attendance.session] & valid
    who, when = attendance.person[ok], sessions.date[attendance.session[ok]]
    first_led: dict[int, np.datetime64] = {}
    for f, d in sorted(zip(fac.tolist(), day, strict=True), key=lambda x: x[1]):
        first_led.setdefault(f, d)
    order = np.argsort(when, kind="stable")
    first_seen = dict(zip(who[order][::-1].tolist(), when[order][::-1], strict=True))
    recruits = set(sessions.recruits.tolist())
    rows = []
    for i, label in enumerate(cal.labels):
        now = q == i
        hours = pd.Series(dur[now]).groupby(fac[now]).sum()
        end = cal.ends[i]
        led_by_end = {f for f, d in first_led.items() if d <= end}
        turned = {f for f in led_by_end if f in first_seen and first_seen[f] < first_led[f]}
        rows.append(
            (
                label,
                len(hours),
                float(hours.get(sessions.pillar, 0.0)),
                int((hours > OVERLOAD_HOURS).sum()),
                len(led_by_end),
                len(turned),
                len(turned & recruits),
                len(np.unique(who[when <= end])),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "quarter",
            "facilitators",
            "pillar_hours",
            "overloaded",
            "facilitators_since_launch",
            "turned",
            "recruits_turned",
            "participants_since_launch",
        ],
    )


def generation_tallies(
    cal: Calendar, sessions: Sessions, quarantined: np.ndarray, tool_ids: list[str]
) -> pd.DataFrame:
    """See :data:`DEFINITIONS`."""
    held = _counted(sessions, quarantined)
    counts = np.bincount(
        sessions.quarter[held].astype(np.int64) * len(tool_ids) + sessions.tool[held],
        minlength=cal.n * len(tool_ids),
    ).reshape(cal.n, len(tool_ids))
    return pd.DataFrame(
        [
            (label, tool, int(counts[q, t]))
            for q, label in enumerate(cal.labels)
            for t, tool in enumerate(tool_ids)
        ],
        columns=["quarter", "tool_id", "held"],
    )
