"""On the demo city (seed 42), ingested by the pipeline: the indicators give the ground truth back,
the exposure-results analysis recovers the planted relation and does not report the null one."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.core import Tables
from eco_eval.indicators.results import organisational_results
from eco_eval.periods import parse_period
from eco_eval.results import exposure_panel, exposure_relations
from eco_eval.store import open_store

ECO = load_ecosystem()


@pytest.fixture(scope="module")
def demo(demo_project):
    tables = Tables.from_store(open_store(demo_project / "data" / "processed" / "eco_eval.duckdb"))
    if tables.ideas is None or tables.hr_results is None or tables.citizen_satisfaction is None:
        pytest.skip("the store has no ideas, HR results or citizen satisfaction tables")
    truth = demo_project / "data" / "ground_truth"
    relations = json.loads((truth / "exposure_relations.json").read_text(encoding="utf-8"))
    planted = {(r["outcome"], r["horizon"]): r for r in relations["relations"]}
    return {"tables": tables, "truth": truth, "planted": planted}


@pytest.fixture(scope="module")
def relations(demo):
    panel = exposure_panel(demo["tables"], until="2017-Q4")
    return {
        w: exposure_relations(panel, weights=w).set_index(["outcome", "exposure", "horizon"])
        for w in ("headcount", "none")
    }


def _show(rel: pd.DataFrame, planted: dict, weights: str) -> None:
    print(f"\nweights = {weights}")
    for (outcome, exposure, h), r in rel.iterrows():
        if exposure != "reach_rate":
            continue
        truth = planted.get((outcome, h), {})
        expected = truth.get(
            "expected_slope_weighted_headcount"
            if weights == "headcount"
            else "expected_slope_unweighted"
        )
        print(
            f"  {outcome:22s} t+{h}: {r['estimate']:+.4f} [{r['ci_low']:+.4f}, {r['ci_high']:+.4f}]"
            f"  truth {expected if expected is not None else '-'}  "
            f"({r['n_departments']} departments, {r['n_observations']} obs.)"
        )


def test_the_planted_absence_relation_is_recovered(demo, relations):
    rel = relations["headcount"]
    _show(rel, demo["planted"], "headcount")
    _show(relations["none"], demo["planted"], "none")
    r = rel.loc[("absence_rate", "reach_rate", 1)]
    truth = demo["planted"][("absence_rate", 1)]
    assert truth["planted_slope"] == -0.015
    assert r["ci_low"] <= truth["planted_slope"] <= r["ci_high"]
    assert r["ci_high"] < 0  # reported as an association
    assert r["n_departments"] == 26
    # a correct pipeline reproduces the estimate on the true panel exactly
    assert r["estimate"] == pytest.approx(truth["oracle_estimate_weighted_headcount"], abs=1e-9)
    assert relations["none"].loc[("absence_rate", "reach_rate", 1), "estimate"] == pytest.approx(
        truth["oracle_estimate_unweighted"], abs=1e-9
    )
    # two quarters on: no planted effect, but exposure persists, so the implied slope shows
    r2 = rel.loc[("absence_rate", "reach_rate", 2)]
    implied = demo["planted"][("absence_rate", 2)]["expected_slope_weighted_headcount"]
    assert r2["ci_low"] <= implied <= r2["ci_high"]


def test_the_null_relations_are_not_reported(demo, relations):
    rel = relations["headcount"]
    for outcome in ("citizen_satisfaction", "turnover_rate"):
        for h in (1, 2):
            r = rel.loc[(outcome, "reach_rate", h)]
            assert r["ci_low"] <= 0 <= r["ci_high"], (outcome, h, r["ci_low"], r["ci_high"])
    sat = rel.loc[("citizen_satisfaction", "reach_rate", 1)]
    assert sat["n_departments"] == 17  # only the surveyed services
    assert sat["estimate"] == pytest.approx(
        demo["planted"][("citizen_satisfaction", 1)]["oracle_estimate_weighted_headcount"], abs=1e-9
    )
    assert not rel["causal_wording_allowed"].any() and set(rel["sms_level"]) == {2}


def test_ideas_rise_with_reach(relations):
    r = relations["headcount"].loc[("ideas_per_100_staff", "reach_rate", 1)]
    assert r["ci_low"] > 0


def test_funnel_indicators_give_the_truth_back(demo):
    since = parse_period("cumul:2017-Q4", launch=ECO.launch)
    f = organisational_results(demo["tables"], since, ECO)
    funnel = pd.read_csv(demo["truth"] / "ideas_funnel.csv").set_index(["quarter", "tool_id"])
    t = funnel.loc[("*", "*")]

    def val(indicator, lever="*"):
        sel = f[(f.indicator == indicator) & (f.lever == lever) & (f.dimension == "*")]
        return sel.iloc[0]

    assert val("ideas_proposed")["value"] == t.ideas
    assert val("ideas_in_progress")["value"] == t.in_progress
    assert val("idea_study_rate")["value"] == pytest.approx(t.reached_studied / t.ideas)
    assert val("idea_trial_rate")["value"] == pytest.approx(t.reached_trialled / t.reached_studied)
    assert val("idea_adoption_rate")["value"] == pytest.approx(t.adopted / t.reached_trialled)
    assert val("idea_overall_adoption_rate")["value"] == pytest.approx(t.adopted / t.ideas)
    assert val("idea_median_weeks_to_adoption")["value"] == pytest.approx(
        t.median_weeks_to_adoption
    )
    # the lever's series counts both generations of its tool (« boîte à avis » from April 2017)
    lever_ideas = sum(funnel.loc[("*", t), "ideas"] for t in ("colle_ton_avis", "boite_a_avis"))
    assert val("ideas_proposed", "remise_en_question")["value"] == lever_ideas
    assert val("ideas_outside_tools_share")["value"] == pytest.approx(
        funnel.loc[("*", "outside"), "ideas"] / t.ideas
    )
    print(
        f"\nfunnel since launch: study {val('idea_study_rate')['value']:.3f}, trial "
        f"{val('idea_trial_rate')['value']:.3f}, adoption {val('idea_adoption_rate')['value']:.3f}, "
        f"overall {val('idea_overall_adoption_rate')['value']:.3f} "
        f"[{val('idea_overall_adoption_rate')['ci_low']:.3f}, "
        f"{val('idea_overall_adoption_rate')['ci_high']:.3f}]; median "
        f"{val('idea_median_weeks_to_adoption')['value']:.1f} weeks "
        f"[{val('idea_median_weeks_to_adoption')['ci_low']:.1f}, "
        f"{val('idea_median_weeks_to_adoption')['ci_high']:.1f}]"
    )


def test_adopted_flow_and_hr_figures_per_quarter(demo):
    adopted = pd.read_csv(demo["truth"] / "ideas_adopted.csv").set_index("quarter")
    panel = pd.read_csv(demo["truth"] / "results_panel.csv")
    for q in ("2016-Q2", "2017-Q1", "2017-Q4"):
        f = organisational_results(demo["tables"], parse_period(q), ECO)
        row = f[(f.dimension == "*") & (f.lever == "*")].set_index("indicator")["value"]
        assert row["ideas_adopted"] == adopted.loc[q, "adopted"]
        assert row["adopted_hours_saved"] == adopted.loc[q, "hours_saved"]
        assert row["adopted_cost_saved"] == adopted.loc[q, "cost_saved"]
        rows = panel[(panel.quarter == q) & panel.in_hr_file]
        by_dept = f[(f.indicator == "absence_rate") & (f.dimension == "department")]
        got = by_dept.set_index("group")["value"]
        assert np.allclose(got.loc[rows.department], rows.absence_rate)
        assert len(got) == 26  # the misspelt department is matched, not a 27th
