"""Organisational results of the demo city: the ideas register, HR indicators, citizen satisfaction.

Drawn from their own random stream after everything else, so the other raw files do not change.
Three planted links with programme exposure (the documented ground truth, see
:mod:`eco_eval.demo.resultfiles`):

* **ideas**: each participation in a session may give an idea (mostly « colle ton avis » and
  « essais libres », rarely the other tools), filed 0-14 days after the session by the participant,
  plus a few ideas from outside the tools ("Autre") at a flat rate per agent. Departments that take
  part more therefore file more ideas per 100 agents. Each idea then goes through the funnel
  proposed -> studied -> trialled -> adopted, dropped at each stage with a fixed probability,
  with gamma-distributed stage durations; the register shows the state at the extraction date.
* **absence**: the change of a department's absence rate from quarter t to t+1 is
  ``HR.slope * reach[d, t]`` plus terms common to every department in that quarter (season,
  trend, city reach) plus noise independent of the reach (see :class:`_spec.HRSpec`).
* **citizen satisfaction**: no link at all; it is drawn without looking at the programme.

Turnover (leavers) comes from the staff model (agents leave independently of taking part);
internal moves and training days are drawn independently of the programme too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eco_eval.demo import _spec
from eco_eval.demo._arrays import unique
from eco_eval.demo.attendance import Attendance
from eco_eval.demo.calendar import Calendar
from eco_eval.demo.sessions import Sessions
from eco_eval.demo.staff import Staff

PROPOSED, STUDIED, TRIALLED, ADOPTED, DROPPED = 0, 1, 2, 3, 4
STATUS_LABELS = ("Proposée", "Étudiée", "Expérimentée", "Adoptée", "Abandonnée")
STATUS_IDS = ("proposed", "studied", "trialled", "adopted", "dropped")
OUTSIDE = -1  # tool index of an idea from outside the tools ("Autre")
NAT = np.datetime64("NaT", "D")


@dataclass
class Exposure:
    """Programme exposure per quarter and department, as a correct pipeline measures it.

    ``reach``: distinct agents of the department with a counted participation in the quarter over
    the department's headcount at the end of the quarter; ``hours``: participant hours of those
    participations per agent. Arrays are (quarter, department).
    """

    headcount: np.ndarray
    participants: np.ndarray
    reach: np.ndarray
    hours: np.ndarray
    city_reach: np.ndarray  # (quarter,): distinct participants / headcount, whole city


@dataclass
class Ideas:
    """One entry per idea, in register order (date filed, then a random tie-break)."""

    year_rank: np.ndarray  # int64, number within the year of filing (N° idée = YYYY-rank)
    proposed: np.ndarray  # datetime64[D]
    quarter: np.ndarray  # int16, quarter of filing
    dept: np.ndarray  # int16
    tool: np.ndarray  # int16, tool index or OUTSIDE
    person: np.ndarray  # int64, author
    studied: np.ndarray  # datetime64[D], NaT when not (yet) studied at the extraction date
    trialled: np.ndarray
    adopted: np.ndarray
    dropped: np.ndarray
    status: np.ndarray  # int8, PROPOSED..DROPPED at the extraction date
    fate: np.ndarray  # int8, furthest stage eventually reached (uncensored, for the record)
    hours: np.ndarray  # float64, declared hours saved a year (adopted ideas; NaN otherwise)
    cost: np.ndarray  # float64, € saved a year (NaN: blank)
    users: np.ndarray  # float64, users concerned (NaN: blank)
    expected: np.ndarray  # (quarter, department): expected ideas arising from that quarter

    @property
    def n(self) -> int:
        return len(self.proposed)


@dataclass
class HRResults:
    """Quarterly HR indicators per department, arrays (quarter, department)."""

    headcount_start: np.ndarray
    average_headcount: np.ndarray
    level: np.ndarray  # latent absence rate (expected observed rate), share of calendar days
    rate: np.ndarray  # absence rate as drawn (before rounding to days)
    days: np.ndarray  # int64 absence days
    sickness: np.ndarray
    accident: np.ndarray
    leavers: np.ndarray
    moves: np.ndarray
    training: np.ndarray  # float64, half-day precision
    calendar_days: np.ndarray  # (quarter,)


@dataclass
class Citizens:
    """Quarterly citizen satisfaction of the departments with a surveyed public service."""

    depts: np.ndarray  # department indices surveyed
    respondents: np.ndarray  # (quarter, len(depts))
    level: np.ndarray  # latent mean score
    score: np.ndarray  # float64, NaN when nobody answered
    complaints: np.ndarray


@dataclass
class Results:
    exposure: Exposure
    ideas: Ideas
    hr: HRResults
    citizens: Citizens
    extraction: np.datetime64


def extraction_date(cal: Calendar) -> np.datetime64:
    last = str(cal.ends[-1])
    return np.datetime64(f"{last[:8]}{_spec.EXTRACTION_DAY:02d}")


def measure_exposure(
    cal: Calendar, staff: Staff, sessions: Sessions, attendance: Attendance, valid: np.ndarray
) -> Exposure:
    """Reach and participant hours per quarter and department from the counted attendance."""
    n_d = len(_spec.DEPARTMENTS)
    headcount = np.zeros((cal.n, n_d), dtype=np.int64)
    for q in range(cal.n):
        headcount[q] = np.bincount(staff.dept[staff.present(q)], minlength=n_d)
    sess = attendance.session[valid]
    person = attendance.person[valid].astype(np.int64)
    q = sessions.quarter[sess].astype(np.int64)
    key = unique(q * staff.n + person)
    cell = (key // staff.n) * n_d + staff.dept[key % staff.n]
    participants = np.bincount(cell, minlength=cal.n * n_d).reshape(cal.n, n_d)
    hours = np.bincount(
        q * n_d + staff.dept[person], weights=sessions.duration[sess], minlength=cal.n * n_d
    ).reshape(cal.n, n_d)
    with np.errstate(invalid="ignore", divide="ignore"):
        reach = np.where(headcount > 0, participants / np.maximum(headcount, 1), np.nan)
        per_agent = np.where(headcount > 0, hours / np.maximum(headcount, 1), np.nan)
    city = participants.sum(axis=1) / np.maximum(headcount.sum(axis=1), 1)
    return Exposure(headcount, participants, reach, per_agent, city)


def _gamma_days(rng: np.random.Generator, spec: tuple[float, float, int], n: int) -> np.ndarray:
    shape, scale, floor = spec
    return np.maximum(np.rint(rng.gamma(shape, scale, n)), floor).astype("timedelta64[D]")


def _lognormal(rng: np.random.Generator, spec: tuple[float, float], n: int) -> np.ndarray:
    median, sigma = spec
    return median * np.exp(sigma * rng.standard_normal(n))


def _year_rank(dates: np.ndarray) -> np.ndarray:
    """1-based rank of each (sorted) date within its calendar year."""
    years = dates.astype("datetime64[Y]").astype(np.int64)
    if len(years) == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.r_[True, years[1:] != years[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(years)), 0))
    return np.arange(len(years)) - start + 1


def _outside_authors(
    rng: np.random.Generator, staff: Staff, cal: Calendar, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Authors and quarters of the ideas filed outside the tools (``counts``: quarter x dept)."""
    n_d = counts.shape[1]
    persons, quarters = [], []
    for q in range(cal.n):
        present = staff.present(q)
        by_dept = present[np.argsort(staff.dept[present], kind="stable")]
        bounds = np.searchsorted(staff.dept[by_dept], np.arange(n_d + 1))
        d = np.repeat(np.arange(n_d), counts[q])
        size = bounds[d + 1] - bounds[d]
        pick = bounds[d] + np.floor(rng.random(len(d)) * size).astype(np.int64)
        persons.append(by_dept[np.minimum(pick, max(len(by_dept) - 1, 0))])
        quarters.append(np.full(len(d), q, dtype=np.int64))
    return np.concatenate(persons), np.concatenate(quarters)


def draw_ideas(
    rng: np.random.Generator,
    cal: Calendar,
    staff: Staff,
    sessions: Sessions,
    attendance: Attendance,
    tool_ids: list[str],
    exposure: Exposure,
    extraction: np.datetime64,
) -> Ideas:
    """Ideas from participations and from outside the tools, then their way through the funnel."""
    spec = _spec.IDEAS
    n_d = len(_spec.DEPARTMENTS)
    per_tool = dict(spec.per_participation)
    p_tool = np.array(
        [per_tool.get(_spec.INHERITS.get(t, t), spec.per_participation_other) for t in tool_ids]
    )
    att_tool = sessions.tool[attendance.session]
    p_row = p_tool[att_tool]
    chosen = np.flatnonzero(rng.random(len(att_tool)) < p_row)
    sess = attendance.session[chosen]
    person_t = attendance.person[chosen].astype(np.int64)
    delay = rng.integers(0, spec.proposal_delay_days, len(chosen)).astype("timedelta64[D]")
    date_t = sessions.date[sess] + delay

    outside_mean = spec.outside_per_100 / 100.0 * exposure.headcount
    counts = rng.poisson(outside_mean)
    person_o, q_o = _outside_authors(rng, staff, cal, counts)
    n_days = (cal.ends - cal.starts).astype(np.int64) + 1
    date_o = cal.starts[q_o] + np.floor(rng.random(len(q_o)) * n_days[q_o]).astype("timedelta64[D]")

    expected: np.ndarray = np.bincount(
        sessions.quarter[attendance.session].astype(np.int64) * n_d + staff.dept[attendance.person],
        weights=p_row,
        minlength=cal.n * n_d,
    ).reshape(cal.n, n_d)
    expected += outside_mean

    person = np.r_[person_t, person_o]
    proposed = np.r_[date_t, date_o].astype("datetime64[D]")
    tool = np.r_[sessions.tool[sess].astype(np.int16), np.full(len(q_o), OUTSIDE, np.int16)]
    keep = proposed <= extraction
    order = np.lexsort((rng.random(len(proposed)), proposed))
    order = order[keep[order]]
    person, proposed, tool = person[order], proposed[order], tool[order]
    n = len(proposed)

    # the funnel (every draw made for every idea, so the censoring does not shift the stream)
    studied_ok = rng.random(n) < spec.p_studied
    p_trial = np.full(len(tool_ids) + 1, spec.p_trialled)
    for t, p in spec.p_trialled_tool:
        if t in tool_ids:
            p_trial[tool_ids.index(t)] = p
    trialled_ok = studied_ok & (rng.random(n) < p_trial[tool])  # OUTSIDE (-1) -> last entry
    adopted_ok = trialled_ok & (rng.random(n) < spec.p_adopted)
    d_study = _gamma_days(rng, spec.study_days, n)
    d_start = _gamma_days(rng, spec.trial_start_days, n)
    d_trial = _gamma_days(rng, spec.trial_length_days, n)
    d_drop = _gamma_days(rng, spec.drop_days, n)
    studied = np.where(studied_ok, proposed + d_study, NAT)
    trialled = np.where(trialled_ok, studied + d_start, NAT)
    adopted = np.where(adopted_ok, trialled + d_trial, NAT)
    dropped = np.where(
        ~studied_ok,
        proposed + d_study,
        np.where(~trialled_ok, studied + d_drop, np.where(~adopted_ok, trialled + d_trial, NAT)),
    )
    fate = np.where(adopted_ok, ADOPTED, np.where(trialled_ok, TRIALLED, studied_ok.astype(int)))

    hours = np.maximum(np.rint(_lognormal(rng, spec.hours_saved, n) / 5) * 5, 5.0)
    cost = np.maximum(np.rint(_lognormal(rng, spec.cost_saved, n) / 100) * 100, 100.0)
    cost[rng.random(n) < spec.cost_share_blank] = np.nan
    users = np.maximum(np.rint(_lognormal(rng, spec.users_affected, n)), 1.0)
    users[rng.random(n) < spec.users_share_internal] = 0.0

    def seen(d: np.ndarray) -> np.ndarray:  # an event after the extraction is not in the register
        return np.where(d <= extraction, d, NAT)

    studied, trialled, adopted, dropped = (seen(d) for d in (studied, trialled, adopted, dropped))
    status = np.full(n, PROPOSED, dtype=np.int8)
    status[~np.isnat(studied)] = STUDIED
    status[~np.isnat(trialled)] = TRIALLED
    status[~np.isnat(adopted)] = ADOPTED
    status[~np.isnat(dropped)] = DROPPED
    not_adopted = status != ADOPTED
    hours[not_adopted] = np.nan
    cost[not_adopted] = np.nan
    users[not_adopted] = np.nan
    return Ideas(
        year_rank=_year_rank(proposed),
        proposed=proposed,
        quarter=cal.quarter_of(proposed).astype(np.int16),
        dept=staff.dept[person].astype(np.int16),
        tool=tool,
        person=person,
        studied=studied,
        trialled=trialled,
        adopted=adopted,
        dropped=dropped,
        status=status,
        fate=fate.astype(np.int8),
        hours=hours,
        cost=cost,
        users=users,
        expected=expected,
    )


def _dept_mix(table: dict[str, float]) -> np.ndarray:
    """Per department: the filière-weighted mean of ``table``."""
    out = []
    for d in _spec.DEPARTMENTS:
        total = sum(d.filieres.values())
        out.append(sum(share * table[f] for f, share in d.filieres.items()) / total)
    return np.array(out)


def draw_hr(rng: np.random.Generator, cal: Calendar, staff: Staff, exposure: Exposure) -> HRResults:
    """Absence, leavers, internal moves and training days per quarter and department."""
    spec = _spec.HR
    n_d = len(_spec.DEPARTMENTS)
    hc = exposure.headcount.astype(float)
    leavers = np.zeros((cal.n, n_d), dtype=np.int64)
    for q in range(1, cal.n):
        leavers[q] = np.bincount(staff.dept[staff.end_q == q], minlength=n_d)
    leavers[0] = rng.binomial(exposure.headcount[0], spec.leave_first_quarter)
    start = np.vstack([hc[:1] + leavers[:1], hc[:-1]])
    average = (start + hc) / 2

    base = _dept_mix(_spec.ABSENCE_BY_FILIERE) + rng.normal(0, spec.base_sd, n_d)
    reach = np.nan_to_num(exposure.reach)
    steps = spec.trend + spec.slope * (reach - exposure.city_reach[:, None])
    level = base[None, :] + np.vstack([np.zeros((1, n_d)), np.cumsum(steps[:-1], axis=0)])
    season = np.array([spec.season[int(label[-1]) - 1] for label in cal.labels])
    expected = level + season[:, None]
    with np.errstate(divide="ignore"):
        rel_sd = np.sqrt(
            spec.noise_structural**2 + spec.noise_sampling**2 * 100 / np.maximum(average, 1)
        )
    z = rng.standard_normal((cal.n, n_d))
    rate = expected * np.exp(rel_sd * z - rel_sd**2 / 2)
    calendar_days = (cal.ends - cal.starts).astype(np.int64) + 1
    days = np.rint(rate * average * calendar_days[:, None]).astype(np.int64)

    sick_share = rng.uniform(*spec.sickness_share, n_d)
    sickness = np.rint(days * sick_share * np.exp(rng.normal(0, 0.05, days.shape)))
    accident = np.rint(
        days * _dept_mix(_spec.ACCIDENT_SHARE_BY_FILIERE) * np.exp(rng.normal(0, 0.2, days.shape))
    )
    sickness = np.minimum(sickness, days).astype(np.int64)
    accident = np.minimum(accident, days - sickness).astype(np.int64)
    moves = rng.poisson(spec.internal_moves_rate * average)
    t_season = np.array([spec.training_season[int(label[-1]) - 1] for label in cal.labels])
    t_mean = spec.training_days_per_agent * average * t_season[:, None]
    training = np.rint(rng.gamma(2.0, np.maximum(t_mean, 1e-9) / 2.0) * 2) / 2
    return HRResults(
        headcount_start=start,
        average_headcount=average,
        level=expected,
        rate=rate,
        days=days,
        sickness=sickness,
        accident=accident,
        leavers=leavers,
        moves=moves,
        training=training,
        calendar_days=calendar_days,
    )


def draw_citizens(rng: np.random.Generator, cal: Calendar, n_staff: int) -> Citizens:
    """Satisfaction of the surveyed services: no input from the programme whatsoever."""
    spec = _spec.CITIZEN
    names = [d.name for d in _spec.DEPARTMENTS]
    depts = np.array([names.index(n) for n in _spec.SERVICE_DEPARTMENTS], dtype=np.int64)
    size = np.array([v[0] for v in _spec.SERVICE_DEPARTMENTS.values()], dtype=float)
    base = np.array([v[1] for v in _spec.SERVICE_DEPARTMENTS.values()])
    q_of_year = np.array([int(label[-1]) - 1 for label in cal.labels])
    resp_mean = size[None, :] * n_staff / 2400 * np.array(spec.respondents_season)[q_of_year, None]
    respondents = rng.poisson(resp_mean)
    drift = np.zeros((cal.n, len(depts)))
    shocks = rng.normal(0, spec.drift_sd, (cal.n, len(depts)))
    drift[0] = shocks[0] / np.sqrt(1 - spec.ar**2)
    for q in range(1, cal.n):
        drift[q] = spec.ar * drift[q - 1] + shocks[q]
    level = base[None, :] + np.array(spec.season)[q_of_year, None] + drift
    noise = rng.standard_normal((cal.n, len(depts))) * spec.answer_sd
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(respondents > 0, level + noise / np.sqrt(respondents), np.nan)
    score = np.clip(np.round(score, 1), 0, 10)
    rate = spec.complaints_per_respondent * np.exp(
        spec.complaints_score_elasticity * (np.nan_to_num(score, nan=7.0) - 7.0)
    )
    complaints = rng.poisson(respondents * rate)
    return Citizens(depts, respondents, level, score, complaints)


def build_results(
    rng: np.random.Generator,
    cal: Calendar,
    staff: Staff,
    sessions: Sessions,
    attendance: Attendance,
    valid: np.ndarray,
    tool_ids: list[str],
) -> Results:
    """Exposure as measured, then ideas, HR indicators and citizen satisfaction."""
    extraction = extraction_date(cal)
    exposure = measure_exposure(cal, staff, sessions, attendance, valid)
    ideas = draw_ideas(rng, cal, staff, sessions, attendance, tool_ids, exposure, extraction)
    hr = draw_hr(rng, cal, staff, exposure)
    citizens = draw_citizens(rng, cal, int((staff.start_q == 0).sum()))
    return Results(exposure, ideas, hr, citizens, extraction)
