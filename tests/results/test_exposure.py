"""results/exposure.py: the department panel by hand, and slopes on panels whose truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eco_eval.results import (
    PANEL_COLUMNS,
    RELATION_COLUMNS,
    department_exposure,
    department_means,
    exposure_panel,
    exposure_relations,
)
from eco_eval.stats import StatsInputError


def test_exposure_by_hand(exposure_tables):
    e = department_exposure(exposure_tables).set_index(["quarter", "department"])
    # Q1: S1 (2 h) a1 a2 | b1 ; Q2: S2 (1 h) a1 | b1 b2 b3 ; S3 was cancelled (a3 not counted)
    assert e.loc[("2016-Q1", "A"), "reach_rate"] == 2 / 10
    assert e.loc[("2016-Q1", "A"), "hours_per_staff"] == 4 / 10
    assert e.loc[("2016-Q1", "B"), "reach_rate"] == 1 / 20
    assert e.loc[("2016-Q2", "A"), "reach_rate"] == 1 / 10
    assert e.loc[("2016-Q2", "B"), "reach_rate"] == 3 / 20
    assert e.loc[("2016-Q2", "B"), "hours_per_staff"] == 3 / 20
    assert e.loc[("2016-Q3", "A"), "reach_rate"] == 0  # nobody came: 0, not missing
    assert len(department_exposure(exposure_tables, until="2016-Q2")) == 4


def test_panel_changes_by_hand(exposure_tables):
    panel = exposure_panel(exposure_tables, outcomes=["absence_rate", "turnover_rate"])
    assert list(panel.columns) == PANEL_COLUMNS
    p = panel.set_index(["outcome", "horizon", "department", "quarter"])["response"]
    # absence A: 5 % -> 4 % -> 6 % ; B: 8 % -> 9 % -> 7 %
    assert p[("absence_rate", 1, "A", "2016-Q1")] == pytest.approx(-0.01)
    assert p[("absence_rate", 1, "A", "2016-Q2")] == pytest.approx(0.02)
    assert p[("absence_rate", 1, "B", "2016-Q2")] == pytest.approx(-0.02)
    assert p[("absence_rate", 2, "A", "2016-Q1")] == pytest.approx(0.02)  # Q2 -> Q3
    assert p[("absence_rate", 2, "B", "2016-Q1")] == pytest.approx(-0.02)
    assert ("absence_rate", 1, "A", "2016-Q3") not in p.index  # no Q4
    assert len(p.loc["absence_rate"]) == 4 + 2
    # turnover A: 1/10, 0/10, 2/10
    assert p[("turnover_rate", 1, "A", "2016-Q2")] == pytest.approx(0.2)
    row = panel[(panel.outcome == "absence_rate") & (panel.horizon == 2)].iloc[0]
    assert row["outcome_quarter"] == "2016-Q3" and row["kind"] == "change"


def test_until_cuts_the_outcomes_too(exposure_tables):
    panel = exposure_panel(exposure_tables, until="2016-Q2", outcomes=["absence_rate"])
    assert set(panel["quarter"]) == {"2016-Q1"} and set(panel["horizon"]) == {1}


def test_unknown_outcome_and_bad_horizon(exposure_tables):
    with pytest.raises(StatsInputError, match='did you mean "absence_rate"'):
        exposure_panel(exposure_tables, outcomes=["absence_rat"])
    with pytest.raises(StatsInputError, match="horizons must be >= 0"):
        exposure_panel(exposure_tables, horizons=(-1,))
    # a change needs two quarters: horizon 0 only applies to levels
    assert exposure_panel(exposure_tables, outcomes=["absence_rate"], horizons=(0,)).empty


def synthetic_panel(
    slope: float,
    *,
    noise: float = 0.0,
    n_departments: int = 25,
    n_quarters: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """change(d, t) = common(t) + slope x reach(d, t) + noise, reach persistent per department."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.1, 0.6, n_departments)
    rows = []
    for t in range(n_quarters):
        common = rng.normal(0, 0.01)  # season: shared by every department of the quarter
        for d in range(n_departments):
            reach = float(np.clip(level[d] + rng.normal(0, 0.05), 0, 1))
            rows.append(
                {
                    "department": f"D{d:02d}",
                    "quarter": f"{2015 + t // 4}-Q{t % 4 + 1}",
                    "outcome": "absence_rate",
                    "horizon": 1,
                    "kind": "change",
                    "outcome_quarter": "",
                    "headcount": float(rng.integers(15, 400)),
                    "reach_rate": reach,
                    "hours_per_staff": 1.5 * reach,
                    "response": common + slope * reach + rng.normal(0, noise),
                }
            )
    return pd.DataFrame(rows, columns=PANEL_COLUMNS)


@pytest.mark.parametrize("weights", ["headcount", "none"])
def test_noise_free_slope_is_recovered_exactly(weights):
    rel = exposure_relations(synthetic_panel(-0.015), weights=weights, exposures=["reach_rate"])
    assert list(rel.columns) == RELATION_COLUMNS
    r = rel.iloc[0]
    assert r["estimate"] == pytest.approx(-0.015, abs=1e-12)
    assert r["se"] < 1e-10
    assert r["n_departments"] == 25 and r["n_observations"] == 250 and r["n_quarters"] == 10
    assert r["design"] == "correlational_panel" and r["sms_level"] == 2
    assert not r["causal_wording_allowed"]


def test_quarter_effects_absorb_what_departments_share():
    """A common shock correlated with the average reach would bias a slope without quarter
    effects; within quarters it does not."""
    panel = synthetic_panel(0.0)
    mean_reach = panel.groupby("quarter")["reach_rate"].transform("mean")
    panel["response"] = 0.3 * mean_reach  # season-like, shared by all
    r = exposure_relations(panel, exposures=["reach_rate"]).iloc[0]
    assert r["estimate"] == pytest.approx(0.0, abs=1e-12)


def test_noisy_slope_covered_and_null_not_reported():
    hits, false_alarms = 0, 0
    for seed in range(40):
        planted = exposure_relations(synthetic_panel(-0.015, noise=0.004, seed=seed)).iloc[0]
        hits += planted["ci_low"] <= -0.015 <= planted["ci_high"]
        null = exposure_relations(synthetic_panel(0.0, noise=0.004, seed=100 + seed)).iloc[0]
        false_alarms += not (null["ci_low"] <= 0 <= null["ci_high"])
    print(
        f"\ncoverage of the planted slope {hits}/40, null reported as a relation {false_alarms}/40"
    )
    assert hits >= 34 and false_alarms <= 6  # 95 % intervals, 25 clusters


def test_too_few_departments_gives_no_slope():
    r = exposure_relations(synthetic_panel(-0.01, n_departments=5)).iloc[0]
    assert np.isnan(r["estimate"]) and "at least 8" in r["note"]


def test_few_clusters_are_flagged():
    r = exposure_relations(synthetic_panel(-0.01, noise=0.01, n_departments=12)).iloc[0]
    assert "only 12 departments" in r["note"]


def test_arguments_are_checked():
    panel = synthetic_panel(0.0)
    with pytest.raises(StatsInputError, match="weights"):
        exposure_relations(panel, weights="staff")
    with pytest.raises(StatsInputError, match="level"):
        exposure_relations(panel, level=95)
    with pytest.raises(StatsInputError, match="exposure 'reach'"):
        exposure_relations(panel, exposures=["reach"])
    with pytest.raises(StatsInputError, match="no column 'response'"):
        exposure_relations(panel.drop(columns="response"))


def test_department_means():
    panel = synthetic_panel(-0.015)
    m = department_means(panel, "absence_rate")
    assert len(m) == 25 and (m["n_quarters"] == 10).all()
    d0 = panel[panel.department == "D00"]
    assert m.set_index("department").loc["D00", "exposure"] == pytest.approx(
        d0["reach_rate"].mean()
    )
