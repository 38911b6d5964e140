"""The session log: every session of every tool, as the facilitators would record it.

Arrays are sorted by session number (``number = index + 1``), which follows the session date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eco_eval.demo import _spec
from eco_eval.demo.calendar import Calendar
from eco_eval.demo.staff import Staff

HELD, CANCELLED, PLANNED = 0, 1, 2
STATUS_LABELS = ("Réalisée", "Annulée", "Prévue")
STATUS_IDS = ("held", "cancelled", "planned")
FACILITATORS_PER_2400 = 15


@dataclass
class Sessions:
    """Column arrays, one entry per session, index = session number - 1."""

    number: np.ndarray  # int64
    tool: np.ndarray  # int16, index into the tool list
    quarter: np.ndarray  # int16
    date: np.ndarray  # datetime64[D]
    status: np.ndarray  # int8: HELD, CANCELLED, PLANNED
    facilitator: np.ndarray  # int64, person index of the facilitator
    duration: np.ndarray  # float64 hours
    place: np.ndarray  # int16, index into places
    host_dept: np.ndarray  # int16
    size: np.ndarray  # int16, participants if held
    places: tuple[str, ...]
    facilitators: np.ndarray  # person indices of the facilitator pool

    @property
    def n(self) -> int:
        return len(self.number)


def _trend(spec: _spec.ToolSpec, n_quarters: int) -> np.ndarray:
    if n_quarters == 1:
        return np.array([spec.trend[0]])
    return np.linspace(spec.trend[0], spec.trend[1], n_quarters)


def tool_specs(tool_ids: list[str]) -> list[_spec.ToolSpec]:
    """The demo parameters of each tool (tools unknown to the demo get the default)."""
    return [_spec.TOOLS.get(t, _spec.DEFAULT_TOOL) for t in tool_ids]


def session_counts(
    rng: np.random.Generator, tool_ids: list[str], cal: Calendar, n_staff: int
) -> np.ndarray:
    """Number of sessions per (tool, quarter): Poisson around rate x trend x season."""
    specs = tool_specs(tool_ids)
    season = np.array([_spec.SEASON[int(label[-1])] for label in cal.labels])
    season[0] *= _spec.LAUNCH_RAMP
    expected = np.array([s.rate * _trend(s, cal.n) for s in specs]) * season * n_staff / 1000.0
    for t, spec in enumerate(specs):
        for q, label in enumerate(cal.labels):
            if label in spec.idle:
                expected[t, q] = 0.0
    return rng.poisson(expected)


def _facilitator_pool(rng: np.random.Generator, staff: Staff, n_quarters: int) -> np.ndarray:
    n_fac = max(FACILITATORS_PER_2400, round(FACILITATORS_PER_2400 * len(staff.matricule) / 2400))
    stayers = np.flatnonzero((staff.start_q == 0) & (staff.end_q == n_quarters))
    w = np.array([3.0, 2.0, 1.0])[staff.cat[stayers]]
    n_fac = min(n_fac, len(stayers))
    return np.sort(rng.choice(stayers, size=n_fac, replace=False, p=w / w.sum()))


def build_sessions(
    rng: np.random.Generator, staff: Staff, tool_ids: list[str], cal: Calendar
) -> Sessions:
    """Draw the sessions of the period, number them by date and give each its status."""
    specs = tool_specs(tool_ids)
    counts = session_counts(rng, tool_ids, cal, int((staff.start_q == 0).sum()))
    tool = np.repeat(np.repeat(np.arange(len(tool_ids)), cal.n), counts.ravel()).astype(np.int16)
    quarter = np.repeat(np.tile(np.arange(cal.n), len(tool_ids)), counts.ravel()).astype(np.int16)
    date = cal.working_days(rng, quarter)
    order = np.lexsort((rng.random(len(tool)), tool, date))
    tool, quarter, date = tool[order], quarter[order], date[order]
    n = len(tool)

    last = str(cal.ends[-1])
    extraction = np.datetime64(f"{last[:8]}{_spec.EXTRACTION_DAY:02d}")
    u = rng.random(n)
    status = np.full(n, HELD, dtype=np.int8)
    status[u < _spec.P_CANCELLED + _spec.P_PLANNED_PAST] = PLANNED
    status[u < _spec.P_CANCELLED] = CANCELLED
    status[date > extraction] = PLANNED

    pool = _facilitator_pool(rng, staff, cal.n)
    facilitator = np.empty(n, dtype=np.int64)
    places = list(_spec.GENERIC_PLACES)
    place = rng.integers(0, len(_spec.GENERIC_PLACES), n).astype(np.int16)
    duration = np.empty(n)
    size = np.empty(n, dtype=np.int16)
    for t, spec in enumerate(specs):
        here = np.flatnonzero(tool == t)
        k = len(here)
        team = rng.choice(pool, size=min(len(pool), max(3, len(pool) // 4)), replace=False)
        facilitator[here] = team[rng.integers(0, len(team), k)]
        duration[here] = np.array(spec.durations)[rng.integers(0, len(spec.durations), k)]
        size[here] = 4 + rng.binomial(11, spec.group_p, k)
        if spec.places:
            own = np.arange(len(places), len(places) + len(spec.places))
            places += list(spec.places)
            specific = rng.random(k) < 0.7
            place[here[specific]] = own[rng.integers(0, len(own), int(specific.sum()))]

    dept_w = np.array([d.size * d.participation for d in _spec.DEPARTMENTS])
    host_dept = rng.choice(len(dept_w), size=n, p=dept_w / dept_w.sum()).astype(np.int16)
    return Sessions(
        number=np.arange(1, n + 1, dtype=np.int64),
        tool=tool,
        quarter=quarter,
        date=date,
        status=status,
        facilitator=facilitator,
        duration=duration,
        place=place,
        host_dept=host_dept,
        size=size,
        places=tuple(places),
        facilitators=pool,
    )
