"""What the second city must show, onboarded by configuration alone: ``eco-eval indicators``
exits 0 for every quarter from the first after launch and ``eco-eval run`` for each kind of
quarter, activity per
quarter x lever and reach per quarter equal the planted truth exactly, every lever with at least
10 treated linked respondents gets a DiD estimate covering its planted effect, and no planted-null
lever is significant after FDR control."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from eco_eval.config import load_project
from eco_eval.indicators.core import Tables
from eco_eval.indicators.engine import compute_raw
from eco_eval.periods import parse_period
from eco_eval.store import open_store
from eco_eval.wellbeing.impact import impact_table

from .conftest import KEY

pytestmark = pytest.mark.slow
QUARTERS = [f"{y}-Q{q}" for y, q in [(2016, 2), (2016, 3), (2016, 4)] + [(2017, q) for q in (1, 2, 3, 4)] + [(2018, q) for q in (1, 2, 3)]]  # fmt: skip


@pytest.fixture(scope="module")
def tables(valbrune_project: Path) -> Tables:
    return Tables.from_store(
        open_store(valbrune_project / "data" / "processed" / "eco_eval.duckdb")
    )


@pytest.fixture(scope="module")
def truth(valbrune_project: Path) -> dict[str, pd.DataFrame]:
    t = valbrune_project / "data" / "ground_truth"
    return {name: pd.read_csv(t / f"{name}.csv") for name in
            ("activity_by_quarter_lever", "reach_by_quarter", "effects", "programme_totals")}  # fmt: skip


def _val(frame: pd.DataFrame, indicator: str, lever: str = "*") -> float:
    sel = frame[(frame.indicator == indicator) & (frame.lever == lever) & (frame.dimension == "*")]
    return float(sel["value"].iloc[0]) if len(sel) else 0.0


def test_the_truth_covers_every_quarter_and_lever(truth):
    act = truth["activity_by_quarter_lever"]
    assert sorted(act["quarter"].unique()) == QUARTERS
    assert len(act) == len(QUARTERS) * 6
    assert (act.groupby("quarter")["sessions_held"].sum() > 0).all()


@pytest.mark.parametrize("quarter", QUARTERS)
def test_activity_and_reach_equal_the_truth(valbrune_project, tables, truth, quarter):
    eco = load_project(valbrune_project).ecosystem()
    frame = compute_raw(tables, parse_period(quarter, launch=eco.launch), eco)
    act = truth["activity_by_quarter_lever"]
    for _, r in act[act["quarter"] == quarter].iterrows():
        for col in ("sessions_held", "sessions_cancelled", "participations", "unique_participants"):
            assert _val(frame, col, r["lever_id"]) == r[col], (quarter, r["lever_id"], col)
        for col in ("facilitator_hours", "participant_hours"):
            assert _val(frame, col, r["lever_id"]) == pytest.approx(r[col]), (
                quarter,
                r["lever_id"],
                col,
            )
    reach = truth["reach_by_quarter"].set_index("quarter").loc[quarter]
    assert _val(frame, "unique_participants") == reach["unique_participants"]
    assert _val(frame, "reach_rate") == pytest.approx(reach["reach_rate"])


def test_undated_session_and_duplicate_sign_in_are_set_aside(valbrune_project, tables, truth):
    totals = truth["programme_totals"].set_index("name")["value"]
    sessions = tables.sessions
    assert int(sessions["date"].isna().sum()) == totals["undated_sessions"]
    assert len(tables.attendance) == totals["participations"]  # duplicate out, undated kept
    import duckdb

    con = duckdb.connect(
        str(valbrune_project / "data" / "processed" / "eco_eval.duckdb"), read_only=True
    )
    reasons = con.sql("select reasons from quarantine where table_name = 'attendance'").df()[
        "reasons"
    ]
    con.close()
    assert len(reasons) == totals["duplicate_sign_in_rows"]
    assert not reasons.astype(str).str.contains("known_session").any()


def test_indicators_for_every_quarter_after_launch(valbrune_project, monkeypatch):
    from eco_eval.cli import main

    monkeypatch.setenv("ECO_EVAL_KEY", KEY)
    for quarter in QUARTERS:
        out = CliRunner().invoke(
            main, ["indicators", "--project", str(valbrune_project), "--period", quarter]
        )
        assert out.exit_code == 0, (quarter, out.output)


#: The quarters whose bilans differ in shape, run end to end (every quarter's indicators are
#: computed above): the launch quarter with one barometer wave, the first with two waves (impact
#: estimates, no year before), the first with a year before, the last (four waves).
RUN_QUARTERS = ["2016-Q2", "2017-Q1", "2017-Q2", "2018-Q3"]


def test_the_quarters_run_end_to_end_are_quarters_of_the_truth():
    assert set(RUN_QUARTERS) <= set(QUARTERS) and RUN_QUARTERS[-1] == QUARTERS[-1]


@pytest.mark.parametrize("quarter", RUN_QUARTERS)
def test_run_exits_0(valbrune_project, tmp_path, monkeypatch, quarter):
    import shutil

    from eco_eval.cli import main

    monkeypatch.setenv("ECO_EVAL_KEY", KEY)
    root = tmp_path / "city"
    shutil.copytree(valbrune_project, root)
    out = CliRunner().invoke(main, ["run", "--project", str(root), "--period", quarter, "--no-pdf"])
    assert out.exit_code == 0, out.output
    assert (root / "reports" / quarter / "bilan.html").exists()


@pytest.fixture(scope="module")
def impact(valbrune_project, tables, truth) -> pd.DataFrame:
    project = load_project(valbrune_project)
    table = impact_table(
        tables, project.instruments(), project.ecosystem(), outcomes=("climate", "swemwbs_raw")
    )
    pooled = table[table["pooled"]].copy()
    # the pairs' rows count person-pairs, as the truth does (the headline counts persons)
    pairs = table[~table["pooled"]].groupby(["lever", "outcome"])["n_treated"].sum()
    pooled["pair_treated"] = [pairs.get((r.lever, r.outcome), 0) for r in pooled.itertuples()]
    eff = truth["effects"]
    values, treated = [], []
    for _, r in pooled.iterrows():
        t = eff[(eff["lever_id"] == r["lever"]) & (eff["outcome"] == r["outcome"])]
        w = t["n_treated_linked"].to_numpy()
        treated.append(int(w.sum()))
        values.append(float(np.average(t["realised_att"], weights=w)) if w.sum() else 0.0)
    return pooled.assign(truth=values, truth_treated=treated)


@pytest.mark.parametrize("outcome", ["climate", "swemwbs_raw"])
def test_impact_recovers_the_planted_effects(impact, truth, outcome):
    rows = impact[impact["outcome"] == outcome]
    assert len(rows) == 6
    eligible = rows[rows["truth_treated"] >= 10]
    assert len(eligible) == 6
    assert (eligible["design"] == "did_linked_panel").all(), eligible[["lever", "design", "note"]]
    assert eligible["estimate"].notna().all()
    assert (eligible["pair_treated"] == eligible["truth_treated"]).all(), eligible[
        ["lever", "pair_treated", "truth_treated"]
    ]
    planted_levers = set(truth["effects"].query("outcome == @outcome and planted != 0")["lever_id"])
    planted = eligible[eligible["lever"].isin(planted_levers)]
    null = eligible[~eligible["lever"].isin(planted_levers)]
    assert len(planted) and len(null)
    covers = (planted["ci_low"] <= planted["truth"]) & (planted["truth"] <= planted["ci_high"])
    assert covers.all(), planted[["lever", "truth", "estimate", "ci_low", "ci_high"]]
    assert planted["significant_fdr"].all(), planted[["lever", "estimate", "p_adjusted"]]
    assert not null["significant_fdr"].any(), null[["lever", "estimate", "p_adjusted"]]
    assert (null["truth"] == 0).all()
