"""Who attended which held session: weighted sampling with self-selection and repeat participants.

Each held session of size ``k`` gets ``k`` distinct agents present in its quarter. A slot is filled
from the host department with probability ``HOST_SHARE`` (the tool's own ``host_share`` when it has
one: the planted mixing pattern), otherwise from the whole staff; in both
cases with probability proportional to the agent's propensity (heavy-tailed, zero for those who
never take part, higher for category A and some departments), tilted by the tool's profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eco_eval.demo import _spec
from eco_eval.demo._arrays import unique
from eco_eval.demo.sessions import HELD, Sessions
from eco_eval.demo.staff import Staff

MAX_WEIGHTED_ROUNDS = 8


@dataclass
class Attendance:
    """One entry per attendance, sorted by session number then sign-in order."""

    session: np.ndarray  # int32, session index (number - 1)
    person: np.ndarray  # int32, person index


def _draw(rng: np.random.Generator, pool: np.ndarray, cum: np.ndarray, n: int) -> np.ndarray:
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if cum[-1] <= 0:  # nobody with a positive propensity: uniform
        return pool[rng.integers(0, len(pool), n)]
    idx = np.searchsorted(cum, rng.random(n) * cum[-1], side="right")
    return pool[np.minimum(idx, len(pool) - 1)]


def _later_duplicates(session: np.ndarray, person: np.ndarray, n_people: int) -> np.ndarray:
    key = session * np.int64(n_people) + person
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    dup = np.zeros(len(key), dtype=bool)
    dup[order[1:]] = sorted_key[1:] == sorted_key[:-1]
    return dup


def _quarter(
    rng: np.random.Generator,
    staff: Staff,
    sessions: Sessions,
    profile: np.ndarray,
    held: np.ndarray,
    q: int,
    host_share: np.ndarray,
) -> np.ndarray:
    present = staff.present(q)
    slot_session = np.repeat(held, sessions.size[held].astype(np.int64))
    n = len(slot_session)
    slot_profile = profile[sessions.tool[slot_session]]
    from_host = rng.random(n) < host_share[sessions.tool[slot_session]]
    person = np.empty(n, dtype=np.int64)

    base_w = staff.weight[present]
    general_cum: dict[int, np.ndarray] = {}
    for p, mult in enumerate(_spec.PROFILE_MULT):
        general_cum[p] = np.cumsum(base_w * np.array(mult)[staff.cat[present]])
        sel = np.flatnonzero(~from_host & (slot_profile == p))
        person[sel] = _draw(rng, present, general_cum[p], len(sel))

    dept_of_present = staff.dept[present]
    by_dept = np.argsort(dept_of_present, kind="stable")
    bounds = np.searchsorted(dept_of_present[by_dept], np.arange(len(_spec.DEPARTMENTS) + 1))
    slot_host = sessions.host_dept[slot_session]
    host_slots = np.flatnonzero(from_host)
    for d in unique(slot_host[host_slots]):
        sel = host_slots[slot_host[host_slots] == d]
        members = present[by_dept[bounds[d] : bounds[d + 1]]]
        if len(members) == 0:
            person[sel] = _draw(rng, present, general_cum[0], len(sel))
        else:
            person[sel] = _draw(rng, members, np.cumsum(staff.weight[members]), len(sel))

    for round_ in range(200):
        dup = np.flatnonzero(_later_duplicates(slot_session, person, staff.n))
        if len(dup) == 0:
            break
        if round_ < MAX_WEIGHTED_ROUNDS:
            person[dup] = _draw(rng, present, general_cum[0], len(dup))
        else:  # very heavy weights in a tiny city: fall back to uniform draws
            person[dup] = present[rng.integers(0, len(present), len(dup))]
    return np.stack([slot_session, person]).astype(np.int32)


def draw_attendance(
    rng: np.random.Generator, staff: Staff, sessions: Sessions, tool_ids: list[str], n_quarters: int
) -> Attendance:
    """Fill every held session with distinct agents present in its quarter."""
    specs = [_spec.TOOLS.get(t, _spec.DEFAULT_TOOL) for t in tool_ids]
    profile = np.array([s.profile for s in specs])
    host_share = np.array(
        [_spec.HOST_SHARE if s.host_share is None else s.host_share for s in specs]
    )
    parts = []
    for q in range(n_quarters):
        held = np.flatnonzero((sessions.status == HELD) & (sessions.quarter == q))
        if len(held):
            parts.append(_quarter(rng, staff, sessions, profile, held, q, host_share))
    if not parts:
        empty = np.empty(0, dtype=np.int32)
        return Attendance(empty, empty)
    # sessions are numbered by date, so quarter by quarter np.repeat(held, size) is already sorted
    session = np.concatenate([p[0] for p in parts]).astype(np.int32)
    person = np.concatenate([p[1] for p in parts]).astype(np.int32)
    return Attendance(session=session, person=person)
