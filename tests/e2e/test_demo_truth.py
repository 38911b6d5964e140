"""On the demo city, reach and session counts equal the generator's ground truth exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.core import Tables
from eco_eval.indicators.engine import compute_raw
from eco_eval.periods import parse_period
from eco_eval.store import open_store

ECO = load_ecosystem()


@pytest.fixture(scope="module")
def tables(demo_project):
    return Tables.from_store(open_store(demo_project / "data" / "processed" / "eco_eval.duckdb"))


@pytest.fixture(scope="module")
def truth(demo_project):
    t = demo_project / "data" / "ground_truth"
    return {
        "sessions": pd.read_csv(t / "sessions_by_quarter_tool.csv"),
        "participants": pd.read_csv(t / "participants_by_quarter.csv"),
        "cumulative": pd.read_csv(t / "cumulative_participants.csv"),
        "headcount": pd.read_csv(t / "headcount_by_quarter.csv"),
    }


def _val(frame, indicator, lever="*", dimension="all", group="*"):
    sel = frame[
        (frame.indicator == indicator)
        & (frame.lever == lever)
        & (frame.dimension == dimension)
        & (frame.group == group)
    ]
    return float(sel["value"].iloc[0]) if len(sel) else 0.0


@pytest.mark.parametrize("quarter", ["2015-Q3", "2016-Q2", "2017-Q4"])
def test_session_counts_and_reach_equal_the_truth(tables, truth, quarter):
    frame = compute_raw(tables, parse_period(quarter), ECO)
    s = truth["sessions"][truth["sessions"]["quarter"] == quarter]
    checked = 0
    for _, r in s.iterrows():
        lever = r["lever_id"]
        assert _val(frame, "sessions_held", lever) == r["held"], (quarter, lever)
        assert _val(frame, "sessions_cancelled", lever) == r["cancelled"], (quarter, lever)
        assert (
            _val(frame, "sessions_planned", lever) == r["planned"] + r["held"] + r["cancelled"]
        ), (quarter, lever)
        assert _val(frame, "participations", lever) == r["participations"], (quarter, lever)
        assert _val(frame, "unique_participants", lever) == r["unique_participants"], (
            quarter,
            lever,
        )
        assert _val(frame, "facilitator_hours", lever) == pytest.approx(r["facilitator_hours"]), (
            quarter,
            lever,
        )
        assert _val(frame, "participant_hours", lever) == pytest.approx(r["participant_hours"]), (
            quarter,
            lever,
        )
        checked += 1
    assert checked >= 10
    p = truth["participants"][truth["participants"]["quarter"] == quarter]
    for _, r in p.iterrows():
        assert (
            _val(frame, "unique_participants", "*", r["dimension"], str(r["group"]))
            == r["unique_participants"]
        ), (quarter, r["dimension"], r["group"])
    hc = truth["headcount"].set_index("quarter").loc[quarter, "headcount"]
    overall = p[p["dimension"] == "all"].iloc[0]
    assert _val(frame, "reach_rate") == pytest.approx(overall["unique_participants"] / hc)
    cum = truth["cumulative"]
    cum = cum[(cum["quarter"] == quarter) & (cum["lever_id"] == "*")].iloc[0]
    assert _val(frame, "cumulative_reach_rate") == pytest.approx(
        cum["cumulative_unique_participants"] / hc
    )


@pytest.mark.slow
def test_published_frames_hide_the_same_people_and_resist_differencing(demo_project):
    """What the bilan publishes for three periods: a hidden participant count is never given back
    by the reach rate of the same group, and no subtraction between published cells (across
    breakdowns, levers and periods) isolates fewer than k people."""
    from eco_eval.privacy.suppression import check_differencing
    from eco_eval.release.compute import compute

    store = open_store(demo_project / "data" / "processed" / "eco_eval.duckdb")
    tables = Tables.from_store(store)
    frames = [compute(tables, q, k=5, compare=False) for q in ("2017-Q2", "2017-Q3", "2017-Q4")]
    keys = ["period", "lever", "dimension", "group"]
    for f in frames:
        people = f[f.indicator == "unique_participants"].set_index(keys)["suppressed"]
        rate = f[f.indicator == "reach_rate"].set_index(keys)["suppressed"]
        joined = people.to_frame("people").join(rate.rename("rate"), how="inner")
        assert len(joined) > 100
        assert (joined["people"] == joined["rate"]).all()
    people_frames = [f[f.indicator == "unique_participants"] for f in frames]
    offences = check_differencing(people_frames, k=5)
    print(
        f"{sum(len(f) for f in people_frames)} published participant cells over 3 periods; {len(offences)} differencing offences"
    )
    assert offences.empty, offences.head()
