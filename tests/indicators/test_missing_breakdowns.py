"""Breakdowns the data does not have: department-only headcount, sign-in sheets without category
or gender. Totals are published, reach per department is exact, no cell of fewer than k people
is shown, and representativeness covers only the breakdowns present in both tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import Tables, missing_breakdowns, present_breakdowns
from eco_eval.release.compute import compute
from sparse_city import ECO, LEVERS, Q2, K, blank, city, department_only, sparse_city

PEOPLE_FAMILIES = {i.id for i in load_catalogue().indicators if i.privacy in {"people", "answers"}}


def _participants(t: Tables, lever: str | None = None) -> pd.DataFrame:
    held = t.sessions[(t.sessions["quarter"] == "2016-Q2") & (t.sessions["status"] == "held")]
    if lever is not None:
        held = held[held["lever_id"] == lever]
    return t.attendance[t.attendance["session_id"].isin(held["session_id"])]


def _cell(frame: pd.DataFrame, indicator: str, lever="*", dimension="*", group="*"):
    sel = frame[
        (frame.indicator == indicator) & (frame.lever == lever)
        & (frame.dimension == dimension) & (frame.group == group)
    ]  # fmt: skip
    assert len(sel) == 1, (indicator, lever, dimension, group, len(sel))
    return sel.iloc[0]


@pytest.fixture(params=["empty columns", "no columns"])
def sparse(request) -> Tables:
    """Department-only headcount; sign-in sheets without category, gender or filière."""
    return sparse_city(drop=request.param == "no columns")


def test_present_breakdowns_are_those_of_both_tables(sparse):
    assert present_breakdowns(sparse) == ("department",)
    assert missing_breakdowns(sparse) == {
        d: ("attendance", "headcount") for d in ("category", "gender", "filiere")
    }
    full = city()
    assert present_breakdowns(full) == ("department", "category", "gender", "filiere")
    half = Tables(full.sessions, blank(full.attendance, ("gender",)), full.headcount, full.feedback)
    assert present_breakdowns(half) == ("department", "category", "filiere")
    assert missing_breakdowns(half) == {"gender": ("attendance",)}


def test_totals_published_and_reach_per_department_exact(sparse):
    frame = compute(sparse, Q2, k=K, ecosystem=ECO, compare=False)
    att = _participants(sparse)
    total = att["person_key"].nunique()
    assert total > 100  # the sparse city is large enough to publish its participants
    row = _cell(frame, "unique_participants")
    assert not row.suppressed and row.value == total
    hc = sparse.headcount.groupby("department")["headcount"].sum()
    assert _cell(frame, "reach_rate").value == pytest.approx(total / hc.sum())
    for lever in LEVERS:
        n = _participants(sparse, lever)["person_key"].nunique()
        row = _cell(frame, "unique_participants", lever=lever)
        assert not row.suppressed and row.value == n
    by_dept = att.groupby("department")["person_key"].nunique()
    shown = 0
    for dept, n in by_dept.items():
        row = _cell(frame, "reach_rate", dimension="department", group=str(dept))
        if row.suppressed:  # never shown as a number
            assert np.isnan(row.value)
        else:
            shown += 1
            assert row.value == pytest.approx(n / hc[dept])
    # the department of 3 is hidden (and one more, or it would be total minus the others)
    assert _cell(frame, "reach_rate", dimension="department", group="Sports").suppressed
    assert shown == len(by_dept) - 2
    assert set(frame["dimension"]) == {"*", "department", "department_pair"}


def test_no_published_cell_rests_on_fewer_than_k(sparse):
    frame = compute(sparse, Q2, k=K, ecosystem=ECO, compare=False)
    people = frame[frame["indicator"].isin(PEOPLE_FAMILIES) & ~frame["suppressed"]]
    assert len(people) and (people["n"] >= K).all()
    counts = people[people["indicator"] == "unique_participants"]
    assert (counts["value"] >= K).all()


@pytest.mark.parametrize("where", ["headcount", "attendance"])
def test_representativeness_only_for_breakdowns_in_both(where):
    """Category and gender in one table only: no cell of them, department still broken down."""
    full = city()
    att, hc = full.attendance, full.headcount
    if where == "headcount":
        hc = department_only(hc)
    else:
        att = blank(att, ("category", "gender"))
    t = Tables(full.sessions, att, hc, full.feedback)
    frame = compute(t, Q2, k=K, ecosystem=ECO, compare=False)
    dims = set(frame["dimension"])
    assert "category" not in dims and "gender" not in dims
    assert "department" in dims
    assert ("filiere" in dims) == (where == "attendance")
    assert not _cell(frame, "unique_participants").suppressed
    dissim = frame[frame["indicator"] == "dissimilarity_index"]
    expected = {"department"} if where == "headcount" else {"department", "filiere"}
    assert set(dissim["dimension"]) == expected


def test_a_lever_without_any_known_group_keeps_its_total():
    """Categories known for one lever's participants only: the other lever has no category cells
    (not a breakdown of empty cells), and both totals are published."""
    full = city()
    att = full.attendance.copy()
    echanges = full.sessions.loc[full.sessions["lever_id"] == "echanges", "session_id"]
    att.loc[att["session_id"].isin(echanges), "category"] = None
    t = Tables(full.sessions, att, full.headcount, full.feedback)
    frame = compute(t, Q2, k=K, ecosystem=ECO, compare=False)
    for lever in LEVERS:
        row = _cell(frame, "unique_participants", lever=lever)
        assert not row.suppressed
        assert row.value == _participants(t, lever)["person_key"].nunique()
    cats = frame[(frame["dimension"] == "category")]
    assert "echanges" not in set(cats["lever"])
    assert {"*", "bien_etre"} <= set(cats["lever"])
