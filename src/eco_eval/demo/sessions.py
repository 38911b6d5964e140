"""The session log: every session of every tool, as the facilitators would record it.

Arrays are sorted by session number (``number = index + 1``), which follows the session date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eco_eval.demo import _spec
from eco_eval.demo.calendar import Calendar
from eco_eval.demo.staff import Staff

HELD, CANCELLED, PLANNED = 0, 1, 2
STATUS_LABELS = ("Réalisée", "Annulée", "Prévue")
STATUS_IDS = ("held", "cancelled", "planned")


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
    facilitators: np.ndarray  # person indices of the facilitator pool (recruits included)
    pillar: int = -1  # person index of the facilitator planted overloaded
    recruits: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # join later

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
    rng: np.random.Generator,
    tool_ids: list[str],
    cal: Calendar,
    n_staff: int,
    retired: dict[str, np.datetime64] | None = None,
) -> np.ndarray:
    """Number of sessions per (tool, quarter): Poisson around rate x trend x season; none in
    the quarters that start on or after a tool's retirement (``retired``: tool id -> date)."""
    specs = tool_specs(tool_ids)
    season = np.array([_spec.SEASON[int(label[-1])] for label in cal.labels])
    season[0] *= _spec.LAUNCH_RAMP
    expected = np.array([s.rate * _trend(s, cal.n) for s in specs]) * season * n_staff / 1000.0
    for t, spec in enumerate(specs):
        for q, label in enumerate(cal.labels):
            if label in spec.idle:
                expected[t, q] = 0.0
        if retired and tool_ids[t] in retired:
            expected[t, cal.starts >= retired[tool_ids[t]]] = 0.0
    return rng.poisson(expected)


def _facilitator_pool(rng: np.random.Generator, staff: Staff, n_quarters: int) -> np.ndarray:
    per = _spec.FACILITATORS_PER_2400
    n_fac = max(per, round(per * len(staff.matricule) / 2400))
    stayers = np.flatnonzero((staff.start_q == 0) & (staff.end_q == n_quarters))
    w = np.array([3.0, 2.0, 1.0])[staff.cat[stayers]]
    n_fac = min(n_fac, len(stayers))
    return np.sort(rng.choice(stayers, size=n_fac, replace=False, p=w / w.sum()))


def _recruits(staff: Staff, pool: np.ndarray, n_quarters: int) -> np.ndarray:
    """The participants planted to join the pool later: the stayers most inclined to take part
    (highest propensity) outside the pool, so that they attend sessions before leading one."""
    stayers = np.flatnonzero((staff.start_q == 0) & (staff.end_q == n_quarters))
    stayers = stayers[~np.isin(stayers, pool)]
    n = min(_spec.RECRUITS, len(stayers)) if n_quarters > _spec.RECRUIT_QUARTER else 0
    return stayers[np.argsort(-staff.weight[stayers], kind="stable")[:n]]


def _plant_facilitators(
    rng: np.random.Generator,
    facilitator: np.ndarray,
    quarter: np.ndarray,
    pool: np.ndarray,
    recruits: np.ndarray,
) -> int:
    """The planted load and progression: ``pool[0]`` (the pillar) also leads a share of every
    session; each recruit leads a share of the sessions from quarter ``RECRUIT_QUARTER`` on.
    Returns the pillar's person index."""
    n = len(facilitator)
    facilitator[rng.random(n) < _spec.PILLAR_SHARE] = pool[0]
    since = quarter >= _spec.RECRUIT_QUARTER
    for person in recruits:
        facilitator[since & (rng.random(n) < _spec.RECRUIT_SHARE)] = person
    return int(pool[0])


def build_sessions(
    rng: np.random.Generator,
    staff: Staff,
    tool_ids: list[str],
    cal: Calendar,
    retired: dict[str, np.datetime64] | None = None,
) -> Sessions:
    """Draw the sessions of the period, number them by date and give each its status and its
    facilitator (a tool's team, the planted pillar and recruits)."""
    specs = tool_specs(tool_ids)
    counts = session_counts(rng, tool_ids, cal, int((staff.start_q == 0).sum()), retired)
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
        team = rng.choice(pool, size=min(len(pool), _spec.TEAM_SIZE), replace=False)
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
    recruits = _recruits(staff, pool, cal.n)
    pillar = _plant_facilitators(rng, facilitator, quarter, pool, recruits) if n else -1
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
        facilitators=np.union1d(pool, recruits),
        pillar=pillar,
        recruits=recruits,
    )
