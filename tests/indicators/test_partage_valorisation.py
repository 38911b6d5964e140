"""« Partage » and « valorisation » indicators recomputed by hand on the fixture of conftest.py.

Q2 2016 of the fixture: S1 (point silence) gathers p1 (Finances, A) and p2 (Finances, C); S2
(point silence) p1 and p3 (Education, B); S3 (la balade) p4 (Education, B) and p1; S5 (Q1) p9.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from eco_eval.config import parse_config
from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ConfigError
from eco_eval.indicators.core import Tables, attendance_view
from eco_eval.indicators.engine import compute_raw
from eco_eval.indicators.partage import (
    _coded,
    _SessionGroups,
    department_contacts,
    mixing_shares,
    partage,
)
from eco_eval.indicators.valorisation import gini, top_share, valorisation
from eco_eval.periods import parse_period

from .test_indicators import val

ECO = load_ecosystem()
Q2 = parse_period("2016-Q2")


def test_mixing_shares_by_hand(tables):
    f = partage(tables, Q2, ECO.during(Q2.start, Q2.end))
    # three pairs (one per session); S1 is Finances-Finances: 2 of 3 pairs cross departments
    assert val(f, "mixing_department_share") == pytest.approx(2 / 3)
    assert val(f, "mixing_department_share", col="n") == 4  # p1..p4, as unique_participants
    # every pair crosses categories (A-C, A-B, B-A)
    assert val(f, "mixing_category_share") == 1.0
    # well-being: S1 and S2, one of two pairs crosses departments
    assert val(f, "mixing_department_share", lever="bien_etre") == 0.5
    assert val(f, "mixing_department_share", lever="bien_etre", col="n") == 3


def test_departments_met_by_hand(tables):
    f = partage(tables, Q2, ECO.during(Q2.start, Q2.end))
    # p1 met Education, p2 nobody of another department, p3 and p4 met Finances
    assert val(f, "departments_met_mean") == pytest.approx(3 / 4)
    assert val(f, "departments_met_mean", dimension="department", group="Finances") == 0.5
    assert val(f, "departments_met_mean", dimension="department", group="Education") == 1.0
    assert val(f, "departments_met_mean", dimension="department", group="Education", col="n") == 2


def test_encounter_matrix_by_hand(tables):
    f = partage(tables, Q2, ECO.during(Q2.start, Q2.end))
    enc = f[f.indicator == "encounters"]
    assert set(enc["group"]) == {"Finances|Finances", "Education|Finances"}
    # S2 and S3 each bring one person of Education and one of Finances together
    assert val(f, "encounters", dimension="department_pair", group="Education|Finances") == 2
    # p3 and p4 met Finances, only p1 of Finances met Education: n is the smaller side
    n = val(f, "encounters", dimension="department_pair", group="Education|Finances", col="n")
    assert n == 1
    assert val(f, "encounters", dimension="department_pair", group="Finances|Finances") == 1
    assert val(f, "bridges") == 0  # fewer than 5 people on each side
    assert val(f, "bridges", col="n") == 2


def _matrix_by_brute_force(att: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Co-attendance pairs by enumerating the people of each session two by two."""
    out: dict[tuple[str, str], int] = {}
    for _, sub in att.groupby("session_id"):
        people = sub.drop_duplicates("person_key")[["person_key", "department"]].values
        for (_, a), (_, b) in itertools.combinations(people, 2):
            key = tuple(sorted((a, b)))
            out[key] = out.get(key, 0) + 1
    return out


def test_encounters_equal_pairs_enumerated_one_by_one():
    rng = np.random.default_rng(7)
    rows = []
    for s in range(40):
        for p in rng.choice(60, size=rng.integers(1, 9), replace=False):
            rows.append((f"S{s}", f"p{p}", f"D{p % 5}", "ABC"[p % 3]))
    att = pd.DataFrame(rows, columns=["session_id", "person_key", "department", "category"])
    sessions = pd.DataFrame(
        {
            "session_id": [f"S{s}" for s in range(40)],
            "date": pd.Timestamp("2016-05-01").date(),
            "quarter": "2016-Q2",
            "tool_id": "la_balade",
            "lever_id": "echanges",
            "duration_h": 1.0,
            "status": "held",
        }
    )
    tables = Tables(sessions, att, pd.DataFrame(), pd.DataFrame())
    f = partage(tables, Q2, ECO)
    enc = f[f.indicator == "encounters"]
    got = {tuple(g.split("|")): v for g, v in zip(enc["group"], enc["value"], strict=True)}
    assert got == _matrix_by_brute_force(att)
    pairs = sum(got.values())
    cross = sum(v for (a, b), v in got.items() if a != b)
    assert val(f, "mixing_department_share") == pytest.approx(cross / pairs)


@pytest.mark.parametrize("seed", range(5))
def test_per_scope_sums_equal_the_pandas_definitions(seed):
    """The per-scope numpy sums of the period's coded sign-ins give :func:`mixing_shares` and
    :func:`department_contacts` on the text rows of the scope, on random sign-ins with repeated
    sign-ins, missing departments and persons, two levers; and the people on each side of every
    department pair are those of :func:`department_contacts`."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(30):
        for p in rng.choice(40, size=rng.integers(1, 8), replace=False):
            dept = None if rng.random() < 0.1 else f"D{(p + rng.integers(0, 2)) % 6}"
            person = None if rng.random() < 0.03 else f"p{p}"
            rows += [(f"S{s}", person, dept, "ABC"[p % 3])] * int(rng.integers(1, 3))
    att = pd.DataFrame(rows, columns=["session_id", "person_key", "department", "category"])
    sessions = pd.DataFrame({"session_id": [f"S{s}" for s in range(30)]})
    sessions["lever_id"] = np.where(np.arange(30) % 3 == 0, "a", "b")
    sessions = sessions.assign(
        tool_id=sessions["lever_id"], date=pd.Timestamp("2016-05-01"), quarter="2016-Q2",
        duration_h=1.0, status="held",
    )  # fmt: skip
    view = attendance_view(Tables(sessions, att, pd.DataFrame(), pd.DataFrame()), Q2)
    assert view.rows is not None  # the coded view, as at national size
    coded, names = _coded(view)
    text = att.merge(sessions[["session_id", "lever_id"]], on="session_id")  # the view's rows
    person = {
        code: key
        for code, key in zip(coded["person_key"], text["person_key"], strict=True)
        if key is not None
    }
    for column in ("department", "category"):
        groups = _SessionGroups(coded, column)
        for _, sub in text.groupby("lever_id"):
            share, pairs = groups.mixing(sub.index.to_numpy())
            expected = mixing_shares(sub, column)
            assert pairs == expected[1]
            assert share == pytest.approx(expected[0], nan_ok=True)
            if column != "department":
                continue
            contacts = department_contacts(sub)
            other = contacts[contacts["met"] != contacts["department"]]
            people = sub.dropna(subset=["department"])["person_key"].unique()
            want = other.groupby("person_key", dropna=False)["met"].nunique()
            want = want.reindex(people, fill_value=0).astype(float)
            got = groups.others_met(sub.index.to_numpy())
            # each code's person; sign-ins without a person pooled as one, as pandas does
            got.index = [person.get(code, "?") for code in got.index]
            want.index = want.index.fillna("?")
            assert got.to_dict() == want.to_dict()
    sides = _SessionGroups(coded, "department").sides()
    want = department_contacts(text).groupby(["department", "met"])["person_key"].nunique()
    depts = list(names["department"])
    got = {
        (depts[a], depts[b]): int(sides[a, b])
        for a in range(len(depts))
        for b in range(len(depts))
        if sides[a, b]
    }
    assert got == want.to_dict()


@pytest.fixture
def linked(tables) -> Tables:
    """The fixture with facilitators named by the sign-in sheets' identifier: f1 (never signed
    in) leads S1, S4 and S5, p1 and p9 lead S2 together, p4 leads S3."""
    sessions = tables.sessions.copy()
    sessions["facilitator_key"] = ["f1", "p1;p9", "p4", "f1", "f1"]
    sessions["n_facilitators"] = [1, 2, 1, 1, 1]
    return Tables(sessions, tables.attendance, tables.headcount, tables.feedback)


def test_valorisation_by_hand(linked):
    f = valorisation(linked, Q2, ECO, overload_hours=1.2)
    assert val(f, "facilitators") == 4  # f1, p1, p9, p4
    assert val(f, "facilitators", lever="bien_etre") == 3
    assert val(f, "facilitators", lever="echanges") == 1
    assert val(f, "new_facilitators_share") == 3 / 4  # f1 led S5 in Q1
    assert val(f, "top3_share") == 3 / 4  # one session each
    assert val(f, "facilitation_gini") == 0.0
    # 1.5 + 1 + 1 + 2 hours, 4 facilitators, one quarter
    assert val(f, "facilitation_hours_per_quarter") == pytest.approx(5.5 / 4)
    assert val(f, "overloaded_facilitators") == 2  # f1 (1.5 h) and p4 (2 h) over 1.2 h
    assert val(f, "overloaded_facilitators", col="n") == 4
    assert val(f, "facilitators_since_launch") == 4
    # its n: the smaller of the count and the last quarter's newcomers (p1, p9, p4 in Q2)
    assert val(f, "facilitators_since_launch", col="n") == 3


def test_facilitators_linked_to_the_register_by_hand(linked):
    f = valorisation(linked, Q2, ECO)
    # p1 signs in for Finances, p9 and p4 for Education; f1 is not in the register
    assert val(f, "facilitators", dimension="department", group="Education") == 2
    assert val(f, "facilitators", dimension="department", group="Finances") == 1
    assert val(f, "facilitators", dimension="category", group="B") == 2
    # p1 (S1 before S2) and p9 (S5 before S2) took part before leading; p4 signed in at S3,
    # the session they led, which is no earlier
    assert val(f, "participants_turned_facilitators") == 2
    assert val(f, "progression_rate") == 2 / 5  # p1, p2, p3, p4, p9 since launch
    assert val(f, "progression_rate", col="n") == 5


def test_a_register_without_departments_gives_linked_figures_without_them(linked):
    """A department column with no value at all (a register that does not fill it): no figure by
    department, the others as when it is filled."""
    att = linked.attendance.assign(department=pd.Series(None, index=linked.attendance.index))
    f = valorisation(Tables(linked.sessions, att, linked.headcount, linked.feedback), Q2, ECO)
    assert f[(f.indicator == "facilitators") & (f.dimension == "department")].empty
    assert val(f, "facilitators", dimension="category", group="B") == 2
    assert val(f, "participants_turned_facilitators") == 2


def test_unlinked_facilitators_give_no_register_figures(tables):
    f = valorisation(tables, Q2, ECO)
    assert val(f, "facilitators") == 1  # f1 leads every session
    assert val(f, "facilitation_gini") == 0.0
    assert val(f, "new_facilitators_share") == 0.0  # f1 led S5 in Q1
    assert val(f, "facilitation_hours_per_quarter") == 4.5
    assert not {"progression_rate", "participants_turned_facilitators"} & set(f.indicator)
    assert set(f["dimension"]) == {"*"}


def test_no_facilitator_column_gives_no_valorisation(tables):
    sessions = tables.sessions.drop(columns=["facilitator_key", "n_facilitators"])
    bare = Tables(sessions, tables.attendance, tables.headcount, tables.feedback)
    assert valorisation(bare, Q2, ECO).empty
    raw = compute_raw(bare, Q2, ECO)
    assert "facilitators" not in set(raw.indicator)
    assert "mixing_department_share" in set(raw.indicator)


def _gini_mean_difference(x: np.ndarray) -> float:
    """Gini as half the relative mean absolute difference: Σ_i Σ_j |x_i − x_j| / (2 n² μ)."""
    n = len(x)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * x.mean()))


@given(st.lists(st.integers(0, 50), min_size=1, max_size=30).filter(lambda v: sum(v) > 0))
def test_gini_equals_the_mean_difference_definition(values):
    x = np.array(values, dtype=float)
    assert gini(x) == pytest.approx(_gini_mean_difference(x), abs=1e-12)


def test_gini_and_top_share_extremes():
    assert gini([5, 5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 12]) == pytest.approx(3 / 4)  # (n − 1)/n
    assert np.isnan(gini([]))
    assert top_share([10, 1, 1, 1, 1]) == pytest.approx(12 / 14)
    assert top_share([2, 2]) == 1.0


def test_the_overload_threshold_is_the_city_s(linked):
    """``report.overload_hours_per_quarter`` in eco_eval.yaml sets the threshold the engine counts
    against; a value that is no positive number is a one-line error naming the key."""
    project = parse_config({"report": {"overload_hours_per_quarter": 1.8}}, Path("."))
    assert project.overload_hours == 1.8
    raw = compute_raw(linked, Q2, ECO, overload_hours=project.overload_hours)
    assert val(raw, "overloaded_facilitators") == 1  # p4 (2 h) only; f1 led 1.5 h
    assert val(compute_raw(linked, Q2, ECO), "overloaded_facilitators") == 0  # 40 h
    assert parse_config({}, Path(".")).overload_hours is None
    with pytest.raises(ConfigError, match=r"report.overload_hours_per_quarter must be a positive"):
        parse_config({"report": {"overload_hours_per_quarter": "beaucoup"}}, Path("."))
