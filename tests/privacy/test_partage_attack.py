"""Attacks on the published « partage » and « valorisation » figures.

Small synthetic cities (uneven departments, a department of two, facilitators linked to the
sign-in sheets or not, newcomers joining the facilitator pool quarter after quarter) are published
quarter after quarter as the release does (:func:`eco_eval.release.disclosure.publication_frames`,
each quarter with the one before, the suppression log carried on). An attacker written here,
from the raw tables and independently of the library, then reads every published frame:

1. no shown figure of the new indicators rests on fewer than k people (``n``, and the people a
   count or a share counts, and its complement);
2. every shown cell of the encounter matrix has at least k people on each side, counted by
   enumerating the participants of each session; a matrix hides no cell alone;
3. the facilitators by department: a hidden group of fewer than k facilitators cannot be got
   back as the total minus the shown groups (the hidden mass is at least k);
4. across periods: two shown counts since launch (facilitators, participants turned
   facilitators) differ by zero or by k or more, whatever periods they belong to; a lever's shown
   facilitators and the programme's differ by zero or by k or more.
"""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pandas as pd
import pytest

from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import Tables
from eco_eval.periods import parse_period
from eco_eval.release.disclosure import publication_frames

ECO = load_ecosystem()
TOOLS = (
    ("point_silence", "bien_etre"),
    ("la_balade", "echanges"),
    ("regard_en_visite", "curiosite"),
)
NEW = {
    "mixing_department_share",
    "mixing_category_share",
    "departments_met_mean",
    "encounters",
    "facilitators",
    "new_facilitators_share",
    "facilitators_since_launch",
    "top3_share",
    "facilitation_gini",
    "facilitation_hours_per_quarter",
    "overloaded_facilitators",
    "participants_turned_facilitators",
    "progression_rate",
}
CUMULATIVE = ("facilitators_since_launch", "participants_turned_facilitators")


def city(seed: int) -> Tables:
    """Staff in departments of very different sizes; sessions over 2016 with participants drawn
    mostly from one or two departments; facilitators from the staff (so linked) and two from
    outside the register, joining the pool over the year."""
    rng = np.random.default_rng(seed)
    sizes = [40, 25, 12, 6, 3, 2][: rng.integers(4, 7)]
    dept = np.repeat([f"D{i}" for i in range(len(sizes))], sizes)
    cat = rng.choice(list("ABC"), size=len(dept), p=[0.2, 0.3, 0.5])
    people = np.array([f"p{i}" for i in range(len(dept))])
    pool = [*rng.choice(people, size=rng.integers(6, 16), replace=False), "x1", "x2"]
    joins = rng.integers(0, 4, size=len(pool))  # the quarter each facilitator starts
    sessions, att = [], []
    for s in range(int(rng.integers(40, 90))):
        q = int(rng.integers(0, 4))
        day = date(2016, 3 * q + 1, 1 + int(rng.integers(0, 28)))
        tool, lever = TOOLS[int(rng.integers(0, len(TOOLS)))]
        able = [f for f, j in zip(pool, joins, strict=True) if j <= q]
        leaders = rng.choice(able, size=min(len(able), int(rng.integers(1, 3))), replace=False)
        sessions.append(
            (f"S{s}", day, f"2016-Q{q + 1}", tool, lever, float(rng.choice([1.0, 2.0, 3.5])),
             ";".join(leaders), len(leaders), "held")
        )  # fmt: skip
        home = rng.integers(0, len(sizes), size=2)
        weights = np.where(np.isin(dept, [f"D{h}" for h in home]), 6.0, 1.0)
        size = int(rng.integers(2, 11))
        for i in rng.choice(len(dept), size=size, replace=False, p=weights / weights.sum()):
            att.append((f"S{s}", people[i], dept[i], cat[i]))
    ses = pd.DataFrame(
        sessions,
        columns=["session_id", "date", "quarter", "tool_id", "lever_id", "duration_h",
                 "facilitator_key", "n_facilitators", "status"],
    )  # fmt: skip
    ses["host_department"] = None
    attendance = pd.DataFrame(att, columns=["session_id", "person_key", "department", "category"])
    attendance["gender"] = None
    headcount = pd.DataFrame(
        {"quarter": "2016-Q4", "department": [f"D{i}" for i in range(len(sizes))],
         "headcount": [s * 3 for s in sizes]}
    )  # fmt: skip
    feedback = pd.DataFrame(
        columns=["tool_id", "lever_id", "quarter", "satisfaction", "usefulness", "recommend"]
    )
    return Tables(ses, attendance, headcount, feedback)


def publish(tables: Tables, k: int) -> list[pd.DataFrame]:
    """Every frame the four quarterly publications of 2016 show."""
    shown, log = [], None
    for q in range(1, 5):
        periods = {"current": parse_period(f"2016-Q{q}")}
        if q > 1:
            periods["previous"] = parse_period(f"2016-Q{q - 1}")
        frames, log = publication_frames(tables, ECO, periods, k=k, suppression_log=log)
        shown += [f[f["indicator"].isin(NEW)] for f in frames.values()]
    return shown


def sides(tables: Tables, period: str) -> dict[tuple[str, str], tuple[set, set]]:
    """For each pair of departments, the people of each who sat in a session with the other,
    by enumerating the participants of each session two by two."""
    p = parse_period(period)
    ses = tables.sessions
    in_period = ses[(ses["date"] >= p.start) & (ses["date"] <= p.end)]["session_id"]
    att = tables.attendance[tables.attendance["session_id"].isin(in_period)]
    out: dict[tuple[str, str], tuple[set, set]] = {}
    for _, sub in att.groupby("session_id"):
        for (pa, da), (pb, db) in itertools.combinations(
            sub[["person_key", "department"]].itertuples(index=False), 2
        ):
            (pa, da), (pb, db) = sorted([(pa, da), (pb, db)], key=lambda x: x[1])
            a, b = out.setdefault((da, db), (set(), set()))
            a.add(pa)
            b.add(pb)
            if da == db:
                a.add(pb)
                b.add(pa)
    return out


def facilitator_departments(tables: Tables, period: str) -> pd.Series:
    """True facilitators per department of the period (linked ones, latest sign-in)."""
    p = parse_period(period)
    ses = tables.sessions
    now = ses[(ses["date"] >= p.start) & (ses["date"] <= p.end)]
    leaders = {f for cell in now["facilitator_key"] for f in cell.split(";")}
    att = tables.attendance.merge(ses[["session_id", "date"]], on="session_id")
    att = att[att["date"] <= p.end].sort_values("date").drop_duplicates("person_key", keep="last")
    dept = att.set_index("person_key")["department"]
    return dept.reindex(sorted(leaders & set(dept.index))).value_counts()


CASES = [(seed, k) for seed, k in zip(range(5), [3, 5, 4, 6, 7], strict=True)]


@pytest.fixture(scope="module", params=CASES, ids=[f"seed{s}-k{k}" for s, k in CASES])
def published(request):
    seed, k = request.param
    tables = city(seed)
    return tables, k, publish(tables, k)


def test_no_shown_figure_rests_on_fewer_than_k(published):
    _tables, k, frames = published
    cat = load_catalogue()
    for f in frames:
        shown = f[~f["suppressed"]]
        people = shown[shown["indicator"].map(lambda i: cat[i].privacy == "people")]
        assert (people["n"] >= k).all(), people[people["n"] < k]
        for ind in people["indicator"].unique():
            rows = people[people["indicator"] == ind]
            if cat[ind].numerator == "count":
                counted = rows["value"]
            elif cat[ind].numerator == "share":
                counted = rows["value"] * rows["n"]
                rest = rows["n"] - counted
                assert ((rest.round(6) == 0) | (rest >= k - 1e-6)).all(), (ind, rows)
            else:
                continue
            assert ((counted.round(6) == 0) | (counted >= k - 1e-6)).all(), (ind, rows)


def test_every_shown_matrix_cell_has_k_people_on_each_side(published):
    tables, k, frames = published
    checked = 0
    for f in frames:
        enc = f[f["indicator"] == "encounters"]
        for period, cells in enc.groupby("period"):
            truth = sides(tables, period)
            for group, hidden in zip(cells["group"], cells["suppressed"], strict=True):
                a, b = group.split("|")
                side_a, side_b = truth[(a, b)]
                if not hidden:
                    checked += 1
                    assert len(side_a) >= k and len(side_b) >= k, (period, group)
            assert cells["suppressed"].sum() != 1, (period, "a single hidden cell")
    assert checked  # the cities are large enough to show part of the matrix


def test_hidden_facilitator_groups_cannot_be_got_back(published):
    tables, k, frames = published
    for f in frames:
        fac = f[f["indicator"] == "facilitators"]
        for period, rows in fac[fac["lever"] == "*"].groupby("period"):
            total = rows[rows["dimension"] == "*"]
            groups = rows[rows["dimension"] == "department"]
            if total.empty or total["suppressed"].all() or groups.empty:
                continue
            truth = facilitator_departments(tables, period)
            slack = float(total["value"].iloc[0]) - groups.loc[~groups["suppressed"], "value"].sum()
            for g in groups.loc[groups["suppressed"], "group"]:
                if truth.get(g, 0) < k:
                    assert slack >= k, (period, g, slack)


def test_no_subtraction_across_periods_or_levers_isolates_fewer_than_k(published):
    _tables, k, frames = published
    for ind in CUMULATIVE:
        seen: dict[str, float] = {}
        for f in frames:
            rows = f[(f["indicator"] == ind) & ~f["suppressed"]]
            for period, value in zip(rows["period"], rows["value"], strict=True):
                assert seen.setdefault(period, value) == value  # one value per period
        for a, b in itertools.combinations(sorted(seen), 2):
            gap = abs(seen[b] - seen[a])
            assert gap == 0 or gap >= k, (ind, a, b, gap)
    for f in frames:
        fac = f[(f["indicator"] == "facilitators") & (f["dimension"] == "*") & ~f["suppressed"]]
        for _period, rows in fac.groupby("period"):
            programme = rows.loc[rows["lever"] == "*", "value"]
            if programme.empty:
                continue
            for value in rows.loc[(rows["lever"] != "*") & (rows["tool"] == rows["tool"]), "value"]:
                gap = float(programme.iloc[0]) - value
                assert gap == 0 or gap >= k, (rows, gap)
