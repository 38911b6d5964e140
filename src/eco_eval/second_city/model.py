"""Draw Valbrune: its staff, sessions, sign-ins, feedback and barometer answers (no file written).

Everything comes from one ``numpy.random.Generator`` seeded by the caller, in a fixed order, so
the same seed gives the same city. The city is small (about a thousand agents over ten quarters):
plain pandas frames are enough.

Barometer answers follow a latent model in item points: for person ``i``, lever ``L``, wave ``w``

* climate item of ``L``: ``clip(round(3.1 + a_i + b_iL + dir + 0.05 w + e_iLw + tau_L T_iLw), 1, 5)``;
* SWEMWBS item ``j``: ``clip(round(W_iw + off_j + eps_ijw + S_iw / 7), 1, 5)`` with
  ``S_iw = sum_L delta_L T_iLw``; WHO-5 items likewise on 0..5;

where ``T_iLw`` is 1 when ``i`` signed in at a dated, held session of one of ``L``'s tools in the
interval just before wave ``w`` (from the launch for the first wave; no session is held in a
wave's month, so the cut between intervals is unambiguous). The effects are transient. Each
answer is computed twice from the same draws, with and without the effects: the difference on
the observed scale is the realised effect written to the truth.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.ecosystem import Ecosystem
from eco_eval.second_city import spec

SWEMWBS_OFFSETS = np.array([0.1, -0.2, 0.0, 0.15, -0.1, 0.05, 0.0])
WHO5_OFFSETS = np.array([0.0, -0.3, 0.1, -0.1, 0.2])


@dataclass(frozen=True)
class Quarter:
    index: int
    year: int
    q: int
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.q}"


def rows_of(frame: pd.DataFrame, *, index: bool = True) -> Iterator[Any]:
    """The rows of ``frame`` as named tuples (typed loosely: the columns are heterogeneous)."""
    return iter(frame.itertuples(index=index))


def quarters() -> tuple[Quarter, ...]:
    year, q = spec.FIRST_QUARTER
    out = []
    for i in range(spec.N_QUARTERS):
        y, qq = year + (q - 1 + i) // 4, (q - 1 + i) % 4 + 1
        start = date(y, 3 * qq - 2, 1)
        nxt = date(y + (qq == 4), 1 if qq == 4 else 3 * qq + 1, 1)
        out.append(Quarter(i, y, qq, start, nxt - timedelta(days=1)))
    return tuple(out)


def quarter_of(day: date) -> int:
    year, q = spec.FIRST_QUARTER
    return (day.year - year) * 4 + (day.month - 1) // 3 - (q - 1)


@dataclass
class City:
    eco: Ecosystem
    quarters: tuple[Quarter, ...]
    staff: pd.DataFrame  # one row per agent
    sessions: pd.DataFrame  # one row per logged session, in log order
    attendance: pd.DataFrame  # one row per sign-in (person, session), without the duplicate
    duplicate_of: int  # the attendance row written twice
    feedback: pd.DataFrame  # one row per response, in file order
    waves: list[pd.DataFrame]  # per wave: one row per respondent (complete or not), file order
    invited: list[pd.DataFrame]  # per wave: the participant (token) table
    effects: pd.DataFrame  # realised effects per wave, lever, outcome and treated respondent


def draw_city(seed: int, n_staff: int, eco: Ecosystem) -> City:
    rng = np.random.default_rng(seed)
    qs = quarters()
    staff = _staff(rng, n_staff, len(eco.lever_ids))
    sessions = _sessions(rng, eco, qs, staff)
    attendance = _attendance(rng, sessions, staff)
    duplicate_of = int(rng.integers(len(attendance)))
    feedback = _feedback(rng, eco, sessions, attendance, staff)
    waves, invited, effects = _barometer(rng, eco, staff, sessions, attendance)
    return City(
        eco, qs, staff, sessions, attendance, duplicate_of, feedback, waves, invited, effects
    )


def _staff(rng: np.random.Generator, n_staff: int, n_levers: int) -> pd.DataFrame:
    """Agents on the payroll at launch, then about 1 % hired per quarter; about 1 % leave."""
    hires = rng.binomial(n_staff, 0.01, spec.N_QUARTERS - 1)
    start = np.r_[np.zeros(n_staff, dtype=int), np.repeat(np.arange(1, spec.N_QUARTERS), hires)]
    n = len(start)
    stay = rng.geometric(0.01, n)
    end = np.minimum(start + stay - 1, spec.N_QUARTERS - 1)
    w = np.array([d.weight for d in spec.DIRECTIONS])
    f = np.array([x[1] for x in spec.FILIERES])
    first = rng.integers(len(spec.FIRST_NAMES), size=n)
    last = rng.integers(len(spec.LAST_NAMES), size=n)
    firsts = [spec.FIRST_NAMES[i] for i in first]
    lasts = [spec.LAST_NAMES[i] for i in last]
    emails, seen = [], set()
    for fn, ln in zip(firsts, lasts, strict=True):
        base = f"{_ascii(fn)}.{_ascii(ln)}"
        mail, k = f"{base}@{spec.DOMAIN}", 1
        while mail in seen:
            k += 1
            mail = f"{base}{k}@{spec.DOMAIN}"
        seen.add(mail)
        emails.append(mail)
    return pd.DataFrame(
        {
            "person": np.arange(n),
            "first_name": firsts,
            "last_name": lasts,
            "email": emails,
            "direction": rng.choice(len(w), size=n, p=w / w.sum()),
            "filiere": rng.choice(len(f), size=n, p=f / f.sum()),
            "start_q": start,
            "end_q": end,
            "propensity": rng.lognormal(0.0, 0.7, n),
            "respond": rng.beta(6, 4, n),  # probability of answering a barometer wave
            "a": rng.normal(0.0, 0.5, n),  # climate level
            "wb": rng.normal(0.0, 0.45, n),  # well-being level
        }
    ).join(pd.DataFrame(rng.normal(0.0, 0.35, (n, n_levers))).add_prefix("b"))  # per-lever levels


def _ascii(text: str) -> str:

    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if c in string.ascii_lowercase or c == "-")


def active(staff: pd.DataFrame, q: int) -> np.ndarray:
    return ((staff["start_q"] <= q) & (staff["end_q"] >= q)).to_numpy()


def _wave_months() -> set[tuple[int, int]]:
    return {(first.year, first.month) for _, first, _ in spec.WAVES}


def _sessions(
    rng: np.random.Generator, eco: Ecosystem, qs: tuple[Quarter, ...], staff: pd.DataFrame
) -> pd.DataFrame:
    """Held and cancelled sessions per quarter and tool, on working days outside wave months."""
    blocked = _wave_months()
    facilitators = rng.choice(len(staff), size=14, replace=False)
    fac_names = [str(staff.at[int(i), "last_name"]) for i in facilitators]
    rows = []
    for quarter in qs:
        days = [
            quarter.start + timedelta(days=d)
            for d in range((quarter.end - quarter.start).days + 1)
            if (quarter.start + timedelta(days=d)).weekday() < 5
            and (
                (quarter.start + timedelta(days=d)).year,
                (quarter.start + timedelta(days=d)).month,
            )
            not in blocked
        ]
        for plan in spec.TOOLS:
            n_held = int(rng.integers(plan.sessions[0], plan.sessions[1] + 1))
            n_cancelled = int(rng.binomial(1, 0.2))
            for k in range(n_held + n_cancelled):
                two = rng.random() < 0.25
                names = rng.choice(len(fac_names), size=2 if two else 1, replace=False)
                join = spec.FACILITATOR_JOINS[int(rng.integers(len(spec.FACILITATOR_JOINS)))]
                rows.append(
                    {
                        "date": days[int(rng.integers(len(days)))],
                        "tool_id": plan.tool_id,
                        "lever_id": eco.lever_of(plan.tool_id),
                        "spelling": plan.spellings[int(rng.integers(len(plan.spellings)))],
                        "facilitator": join.join(fac_names[int(i)] for i in names),
                        "n_facilitators": len(names),
                        "duration_h": float(plan.durations[int(rng.integers(len(plan.durations)))]),
                        "room": spec.ROOMS[int(rng.integers(len(spec.ROOMS)))],
                        "host": spec.DIRECTIONS[int(rng.integers(len(spec.DIRECTIONS)))].code,
                        "status": "held" if k < n_held else "cancelled",
                        "dated": True,
                    }
                )
    frame = pd.DataFrame(rows).sort_values(["date", "tool_id"], kind="stable")
    frame = frame.reset_index(drop=True)
    # one held session logged without its date, between the sessions of 2017-Q1
    at = int((frame["date"] < date(2017, 2, 15)).sum())  # the log is sorted by date
    undated = frame.iloc[[at]].assign(tool_id="boussole", lever_id=eco.lever_of("boussole"),
                                       spelling="Boussole", status="held", dated=False)  # fmt: skip
    frame = pd.concat([frame.iloc[:at], undated, frame.iloc[at:]], ignore_index=True)
    frame["quarter"] = [quarter_of(d) for d in frame["date"]]
    frame["ref"] = [f"VB{d.year % 100:02d}-{i + 1:04d}" for i, d in enumerate(frame["date"])]
    return frame


def _attendance(
    rng: np.random.Generator, sessions: pd.DataFrame, staff: pd.DataFrame
) -> pd.DataFrame:
    """Sign-ins at held sessions: agents on the payroll that quarter, by their propensity."""
    plans = {p.tool_id: p for p in spec.TOOLS}
    weight = staff["propensity"].to_numpy()
    rows = []
    for s in rows_of(sessions):
        if s.status != "held":
            continue
        pool = np.flatnonzero(active(staff, int(s.quarter)))
        lo, hi = plans[s.tool_id].group
        k = int(rng.integers(lo, hi + 1))
        p = weight[pool] / weight[pool].sum()
        people = np.sort(rng.choice(pool, size=k, replace=False, p=p))
        rows += [(int(s.Index), int(i)) for i in people]
    return pd.DataFrame(rows, columns=["session", "person"])


def _feedback(
    rng: np.random.Generator,
    eco: Ecosystem,
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    staff: pd.DataFrame,
) -> pd.DataFrame:
    """Post-session answers: 40 % of sign-ins at dated sessions, one in ten left incomplete."""
    tool_level = {p.tool_id: 3.6 + 0.1 * i for i, p in enumerate(spec.TOOLS)}
    rows = []
    for a in rows_of(attendance):
        s = sessions.loc[a.session]
        if not s["dated"] or rng.random() >= 0.4:
            continue
        complete = rng.random() >= 0.1
        start = datetime.combine(s["date"], datetime.min.time()) + timedelta(
            days=int(rng.integers(0, 4)), seconds=int(rng.integers(8 * 3600, 19 * 3600))
        )
        level = tool_level[s["tool_id"]] + rng.normal(0.0, 0.6)
        items = np.clip(np.rint(level + rng.normal(0.0, 0.5, 4)), 1, 5).astype(int)
        answered = 4 if complete else int(rng.integers(0, 3))
        comment = ""
        if complete and rng.random() < 0.25:
            text = spec.COMMENTS[int(rng.integers(len(spec.COMMENTS)))]
            comment = text.format(facilitator=str(s["facilitator"]).split(" ")[0])
        rows.append(
            {
                "startdate": start,
                "submitdate": start + timedelta(seconds=int(rng.integers(60, 400)))
                if complete
                else None,
                "session": int(a.session),
                "ref": s["ref"] if rng.random() >= 0.05 else "",
                "tool_id": s["tool_id"],
                "tool_label": eco.tool(s["tool_id"]).fr,
                "sat": [int(v) if j < answered else 0 for j, v in enumerate(items)],
                "comment": comment,
                "complete": complete,
                "seed": int(rng.integers(10**8, 10**9)),
            }
        )
    frame = pd.DataFrame(rows).sort_values("startdate", kind="stable").reset_index(drop=True)
    frame["id"] = np.arange(1, len(frame) + 1)
    return frame


def _token(rng: np.random.Generator) -> str:
    alphabet = np.array(list(string.ascii_letters + string.digits))
    return "".join(rng.choice(alphabet, size=15))


def treated_between(
    sessions: pd.DataFrame, attendance: pd.DataFrame, lever: str, lo: date, hi: date
) -> set[int]:
    """People who signed in at a dated, held session of ``lever`` with ``lo <= date < hi``."""
    s = sessions[
        (sessions["lever_id"] == lever) & sessions["dated"] & (sessions["status"] == "held")
    ]
    s = s[(s["date"] >= lo) & (s["date"] < hi)]
    return set(attendance.loc[attendance["session"].isin(s.index), "person"].tolist())


def cuts(eco: Ecosystem) -> list[date]:
    """The launch, then the first day of each wave's month: the bounds of the intervals."""
    return [eco.launch, *(date(first.year, first.month, 1) for _, first, _ in spec.WAVES)]


def _barometer(
    rng: np.random.Generator,
    eco: Ecosystem,
    staff: pd.DataFrame,
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame], pd.DataFrame]:
    levers = list(eco.lever_ids)
    bounds = cuts(eco)
    dir_clim = rng.normal(0.0, 0.15, len(spec.DIRECTIONS))
    dir_wb = rng.normal(0.0, 0.1, len(spec.DIRECTIONS))
    waves, invited, effects = [], [], []
    for w, (number, first, last) in enumerate(spec.WAVES):
        q = quarter_of(first)
        pool = np.flatnonzero(active(staff, q))
        u = rng.random(len(pool))
        resp = staff["respond"].to_numpy()[pool]
        status = np.where(u < resp, "complete", np.where(u < resp + 0.06, "incomplete", "none"))
        tokens = [_token(rng) for _ in pool]
        span = (last - first).days + 1
        start = [
            datetime.combine(first, datetime.min.time())
            + timedelta(
                days=int(rng.integers(span)), seconds=int(rng.integers(7 * 3600, 20 * 3600))
            )
            for _ in pool
        ]
        treated = {
            lv: treated_between(sessions, attendance, lv, bounds[w], bounds[w + 1]) for lv in levers
        }
        anyone = set().union(*treated.values())
        n = len(pool)
        t = np.array([[int(p) in treated[lv] for lv in levers] for p in pool], dtype=float)
        tau = np.array([spec.CLIMATE_EFFECTS.get(lv, 0.0) for lv in levers])
        delta = np.array([spec.SWEMWBS_EFFECTS.get(lv, 0.0) for lv in levers])
        d = staff["direction"].to_numpy()[pool]
        a, wb = staff["a"].to_numpy()[pool], staff["wb"].to_numpy()[pool]
        b = staff[[f"b{j}" for j in range(len(levers))]].to_numpy(dtype=float)[pool]
        clim_latent = 3.1 + a[:, None] + b + dir_clim[d][:, None] + 0.05 * w
        clim_latent = clim_latent + rng.normal(0.0, 0.55, (n, len(levers)))
        clim_with = np.clip(np.rint(clim_latent + tau * t), 1, 5).astype(int)
        clim_without = np.clip(np.rint(clim_latent), 1, 5).astype(int)
        level = 3.3 + wb + dir_wb[d] + rng.normal(0.0, 0.25, n)
        eps_s = rng.normal(0.0, 0.5, (n, 7))
        eps_w = rng.normal(0.0, 0.6, (n, 5))
        shift = (t * delta).sum(axis=1) / 7
        sw_with = np.clip(np.rint(level[:, None] + SWEMWBS_OFFSETS + eps_s + shift[:, None]), 1, 5)
        sw_without = np.clip(np.rint(level[:, None] + SWEMWBS_OFFSETS + eps_s), 1, 5)
        who = np.clip(np.rint(level[:, None] - 0.6 + WHO5_OFFSETS + eps_w + shift[:, None]), 0, 5)
        said_any = np.array([(int(p) in anyone) != (rng.random() < 0.1) for p in pool])
        lastpage = rng.integers(0, 3, n)  # incomplete responses stop on page 1 or 2 (0: welcome)
        frame = pd.DataFrame(
            {
                "person": pool,
                "token": tokens,
                "status": status,
                "startdate": start,
                "lastpage": np.where(status == "complete", 4, lastpage),
                "direction": d,
                "swemwbs": list(sw_with.astype(int)),
                "who5": list(who.astype(int)),
                "climate": list(clim_with),
                "part_any": said_any,
                "seed": rng.integers(10**8, 10**9, n),
            }
        )
        invited.append(frame.copy())
        answered = frame[frame["status"] != "none"].sort_values("startdate", kind="stable")
        answered = answered.reset_index(drop=True)
        answered["id"] = np.arange(1, len(answered) + 1)
        answered["submitdate"] = [
            s + timedelta(seconds=int(x)) if st == "complete" else None
            for s, st, x in zip(
                answered["startdate"],
                answered["status"],
                rng.integers(180, 900, len(answered)),
                strict=True,
            )
        ]
        waves.append(answered)
        rows = np.flatnonzero(status == "complete")
        for j, lv in enumerate(levers):
            for r in rows[t[rows, j] == 1]:
                effects.append((number, lv, "climate", int(pool[r]),
                                int(clim_with[r, j] - clim_without[r, j])))  # fmt: skip
                # SWEMWBS: only one lever moves it, so the whole difference is that lever's
                own = int((sw_with[r] - sw_without[r]).sum()) if delta[j] else 0
                effects.append((number, lv, "swemwbs_raw", int(pool[r]), own))
    eff = pd.DataFrame(effects, columns=["wave", "lever_id", "outcome", "person", "realised"])
    return waves, invited, eff
