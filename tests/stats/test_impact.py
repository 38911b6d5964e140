"""Tests for eco_eval.stats.impact on simulated cities with a known (planted) effect."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from scipy.special import expit

from eco_eval.errors import EcoEvalError
from eco_eval.stats.effects import benjamini_hochberg, hedges_correction, minimum_detectable_effect
from eco_eval.stats.impact import (
    IMPACT_COLUMNS,
    cross_sectional_estimate,
    did_estimate,
    impact_by_lever,
    wave_change,
)

try:  # threadpoolctl is only a transitive dependency: keep the test runnable without it
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    from contextlib import nullcontext

    def threadpool_limits(limits: int) -> nullcontext[None]:  # type: ignore[misc]
        return nullcontext()


WAVES = ("2015-05", "2016-05")


def simulate_city(
    rng: np.random.Generator,
    tau: float | dict[str, float] = 1.0,
    n_departments: int = 24,
    mean_size: int = 25,
    selection: str = "observables",
    dept_level: bool = False,
) -> pd.DataFrame:
    """A small city's two-wave barometer: linked panel, department clusters, planted effects.

    Score = 22 + stable person trait (SD 3) + department level (SD 1) + category level + noise
    (SD 2). Between the waves: a common trend (+0.5), a department shock (SD 0.5), an extra trend
    for category C (+0.2, so the category covariate matters), and for participants the effect
    ``tau`` plus a department deviation (SD 0.6, so clustering matters). People join more in some
    departments and categories; with ``selection="fixed_effect"`` also when their stable trait is
    high; with ``dept_level=True`` whole departments join or not. 80 % answer each wave; about
    60 % of the staff are linked across waves under the same key, the others get a new key.
    """
    taus = tau if isinstance(tau, dict) else {"x": tau}
    sizes = rng.poisson(mean_size, n_departments) + 5
    dept = np.repeat(np.arange(n_departments), sizes)
    n = dept.size
    cat = rng.choice(np.array(["A", "B", "C"]), size=n, p=[0.2, 0.3, 0.5])
    trait = rng.normal(0, 3.0, n)
    level = 22 + trait + rng.normal(0, 1.0, n_departments)[dept]
    level += np.select([cat == "A", cat == "B"], [1.0, 0.3], 0.0)
    y0 = level + rng.normal(0, 2.0, n)
    y1 = level + 0.5 + rng.normal(0, 0.5, n_departments)[dept] + 0.2 * (cat == "C")
    y1 += rng.normal(0, 2.0, n)
    parts = {}
    for lever, effect in taus.items():
        lin = -0.7 + rng.normal(0, 0.8, n_departments)[dept]
        lin += np.select([cat == "A", cat == "B"], [0.5, 0.0], -0.3)
        if selection == "fixed_effect":
            lin += 0.3 * trait
        if dept_level:
            lin = np.where(rng.random(n_departments)[dept] < 0.5, 8.0, -8.0)
        joined = rng.random(n) < expit(lin)
        y1 += (effect + rng.normal(0, 0.6, n_departments)[dept]) * joined
        parts[f"part_{lever}"] = joined.astype(int)
    key0 = np.array([f"p{i}" for i in range(n)], dtype=object)
    key1 = key0.copy()
    unlinked = rng.random(n) > 0.6 / 0.64
    key1[unlinked] = [f"q{i}" for i in np.flatnonzero(unlinked)]
    common = {
        "department": np.array([f"D{d:02d}" for d in range(n_departments)])[dept],
        "category": cat,
    }
    pre = pd.DataFrame({"person_key": key0, "wave": WAVES[0], **common, "score": y0})
    pre = pre.assign(**dict.fromkeys(parts, 0))
    post = pd.DataFrame({"person_key": key1, "wave": WAVES[1], **common, "score": y1, **parts})
    return pd.concat([pre[rng.random(n) < 0.8], post[rng.random(n) < 0.8]], ignore_index=True)


def linked_changes(panel: pd.DataFrame, treated: str = "part_x") -> pd.DataFrame:
    """Independent construction of the change-score frame (for the formula route)."""
    pre = panel[panel["wave"] == WAVES[0]]
    post = panel[panel["wave"] == WAVES[1]]
    both = pre.merge(post[["person_key", "score", treated]], on="person_key", suffixes=("", "_1"))
    return both.assign(dy=both["score_1"] - both["score"], treated=both[f"{treated}_1"])


def _clustered(formula: str, data: pd.DataFrame):
    """The formula route: OLS with department-clustered SE and t inference (statsmodels)."""
    groups = pd.factorize(data["department"])[0]
    return smf.ols(formula, data).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)


# --- difference in differences --------------------------------------------------------------


def test_did_equals_statsmodels_formula_route():
    panel = simulate_city(np.random.default_rng(1))
    row = did_estimate(panel, "score", "part_x", waves=WAVES).iloc[0]
    data = linked_changes(panel)
    fit = _clustered("dy ~ treated + C(category) + C(department) + score", data)
    assert row["estimate"] == pytest.approx(fit.params["treated"], abs=1e-9)
    assert row["se"] == pytest.approx(fit.bse["treated"], abs=1e-9)
    assert row["p_value"] == pytest.approx(fit.pvalues["treated"], abs=1e-9)
    low, high = fit.conf_int().loc["treated"]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-9)
    assert row["n_clusters"] == 24 and row["n_linked"] == len(data)
    plain = smf.ols("dy ~ treated + C(category) + C(department)", data).fit()
    assert row["estimate_without_baseline"] == pytest.approx(plain.params["treated"], abs=1e-9)


def test_without_a_power_the_estimates_are_the_same_and_no_mde_is_solved():
    panel = simulate_city(np.random.default_rng(1))
    full = did_estimate(panel, "score", "part_x", waves=WAVES).iloc[0]
    bare = did_estimate(panel, "score", "part_x", waves=WAVES, power=None).iloc[0]
    assert full["mde"] > 0 and np.isnan(bare["mde"])
    same = ["estimate", "se", "ci_low", "ci_high", "p_value", "hedges_g"]
    assert bare[same].tolist() == full[same].tolist()
    cross = cross_sectional_estimate(panel, "score", "part_x", wave=WAVES[1], power=None)
    assert np.isnan(cross["mde"].iloc[0]) and np.isfinite(cross["estimate"].iloc[0])
    with pytest.raises(EcoEvalError, match="power"):
        did_estimate(panel, "score", "part_x", waves=WAVES, power=1.5)


def test_did_recovers_the_planted_effect_and_fills_the_row():
    panel = simulate_city(np.random.default_rng(2), tau=1.5, n_departments=40, mean_size=60)
    out = did_estimate(panel, "score", "part_x", waves=WAVES, lever="audace")
    assert list(out.columns[: len(IMPACT_COLUMNS)]) == list(IMPACT_COLUMNS)
    row = out.iloc[0]
    assert abs(row["estimate"] - 1.5) < 3 * row["se"]
    assert row["ci_low"] < 1.5 < row["ci_high"]
    assert (row["lever"], row["design"], row["sms_level"]) == ("audace", "did_linked_panel", 3)
    assert bool(row["causal_wording_allowed"]) and row["p_value"] < 0.01
    # g = J * estimate / pooled baseline SD (Morris 2008), computed here from the raw frame
    data = linked_changes(panel)
    t, c = data.loc[data["treated"] == 1, "score"], data.loc[data["treated"] == 0, "score"]
    sd = np.sqrt(((len(t) - 1) * t.var() + (len(c) - 1) * c.var()) / (len(t) + len(c) - 2))
    j = 1 - 3 / (4 * (len(t) + len(c) - 2) - 1)
    assert row["hedges_g"] == pytest.approx(j * row["estimate"] / sd, rel=1e-9)
    assert row["g_ci_low"] < row["hedges_g"] < row["g_ci_high"]
    assert (row["n_treated"], row["n_control"]) == (len(t), len(c))
    assert 0 < row["mde"] < 1.5


def test_baseline_adjustment_is_biased_by_selection_on_stable_traits():
    # People with a high stable trait join: DiD without the baseline score is unbiased, the
    # baseline-adjusted estimate is pulled upwards (regression to the mean), and the row says so.
    panel = simulate_city(np.random.default_rng(3), tau=1.0, n_departments=40, mean_size=60,
                          selection="fixed_effect")  # fmt: skip
    row = did_estimate(panel, "score", "part_x", waves=WAVES).iloc[0]
    assert row["estimate"] - 1.0 > 3 * row["se"]
    assert abs(row["estimate_without_baseline"] - 1.0) < 3 * row["se_without_baseline"]
    assert "bracket" in row["note"]
    plain = did_estimate(
        panel, "score", "part_x", waves=WAVES, covariates=("category", "department")
    )
    assert plain["estimate"].iloc[0] == pytest.approx(row["estimate_without_baseline"])
    assert np.isnan(plain["estimate_without_baseline"].iloc[0])


def test_department_level_participation_drops_department_and_uses_design_effect():
    panel = simulate_city(np.random.default_rng(4), tau=1.0, dept_level=True)
    row = did_estimate(panel, "score", "part_x", waves=WAVES).iloc[0]
    assert "department dropped (participation constant" in row["note"]
    assert np.isfinite(row["estimate"])
    no_de = minimum_detectable_effect(row["n_treated"], row["n_control"])
    data = linked_changes(panel)
    assert row["mde"] > no_de * data["dy"].std()  # the design effect widens the MDE


def test_did_with_too_few_participants_reports_why():
    panel = simulate_city(np.random.default_rng(5))
    panel["part_x"] = 0
    panel.loc[panel.index[-3:], "part_x"] = 1
    row = did_estimate(panel, "score", "part_x", waves=WAVES).iloc[0]
    assert np.isnan(row["estimate"]) and "too few" in row["note"]


def test_did_input_errors():
    panel = simulate_city(np.random.default_rng(6))
    bad = panel.assign(part_x=panel["part_x"].replace({1: "Oui"}))
    with pytest.raises(EcoEvalError, match="0/1"):
        did_estimate(bad, "score", "part_x", waves=WAVES)
    with pytest.raises(EcoEvalError, match="waves present"):
        did_estimate(panel, "score", "part_x", waves=("2014-05", WAVES[1]))
    dup = pd.concat([panel, panel.iloc[[0]]])
    with pytest.raises(EcoEvalError, match="several rows"):
        did_estimate(dup, "score", "part_x", waves=WAVES)
    with pytest.raises(EcoEvalError, match='did you mean "score"'):
        did_estimate(panel, "scroe", "part_x", waves=WAVES)
    text = panel.assign(score=panel["score"].astype(object))
    text.loc[text.index[2], "score"] = "bien"
    with pytest.raises(EcoEvalError, match="'score' must be numeric, got 'bien'"):
        did_estimate(text, "score", "part_x", waves=WAVES)
    with pytest.raises(EcoEvalError, match="waves must be a pair"):
        did_estimate(panel, "score", "part_x", waves=("w1",))
    with pytest.raises(EcoEvalError, match="infinite"):
        did_estimate(panel.assign(score=panel["score"].replace(panel["score"].iloc[0], np.inf)),
                     "score", "part_x", waves=WAVES)  # fmt: skip


def test_did_without_category_adjusts_for_what_is_there_and_covers_the_truth():
    """A barometer without category (empty column): no category adjustment, every linked
    respondent kept, the same numbers as the formula without it, and the planted effect covered."""
    panel = simulate_city(np.random.default_rng(2), tau=1.5, n_departments=40, mean_size=60)
    blank = panel.assign(category=pd.Series([None] * len(panel), dtype=object))
    row = did_estimate(blank, "score", "part_x", waves=WAVES).iloc[0]
    data = linked_changes(panel)
    fit = _clustered("dy ~ treated + C(department) + score", data)
    assert row["estimate"] == pytest.approx(fit.params["treated"], abs=1e-9)
    assert row["se"] == pytest.approx(fit.bse["treated"], abs=1e-9)
    assert row["n_treated"] + row["n_control"] == len(data)
    assert row["ci_low"] < 1.5 < row["ci_high"]
    assert "category not adjusted for" in row["note"] and "dropped" not in row["note"]
    # no department either: no adjustment, no clustering (HC1), still every respondent
    bare = blank.assign(department=None)
    row = did_estimate(bare, "score", "part_x", waves=WAVES).iloc[0]
    fit = smf.ols("dy ~ treated + score", data).fit(cov_type="HC1", use_t=True)
    assert row["estimate"] == pytest.approx(fit.params["treated"], abs=1e-9)
    assert row["se"] == pytest.approx(fit.bse["treated"], abs=1e-9)
    assert "no clustering by department" in row["note"]
    assert row["ci_low"] < 1.5 < row["ci_high"]


# --- cross-section --------------------------------------------------------------------------


def test_cross_sectional_equals_formula_route_and_is_level_2():
    panel = simulate_city(np.random.default_rng(7))
    row = cross_sectional_estimate(panel, "score", "part_x", wave=WAVES[1]).iloc[0]
    post = panel[panel["wave"] == WAVES[1]]
    fit = smf.ols("score ~ part_x + C(category) + C(department)", post).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(post["department"])[0]}, use_t=True
    )
    assert row["estimate"] == pytest.approx(fit.params["part_x"], abs=1e-9)
    assert row["se"] == pytest.approx(fit.bse["part_x"], abs=1e-9)
    assert (row["design"], row["sms_level"], bool(row["causal_wording_allowed"])) == (
        "cross_sectional", 2, False,
    )  # fmt: skip


def test_cross_section_without_category_is_the_formula_without_it():
    panel = simulate_city(np.random.default_rng(7))
    post = panel[panel["wave"] == WAVES[1]]
    blank = panel.assign(category=np.nan)
    row = cross_sectional_estimate(blank, "score", "part_x", wave=WAVES[1]).iloc[0]
    fit = _clustered("score ~ part_x + C(department)", post)
    assert row["estimate"] == pytest.approx(fit.params["part_x"], abs=1e-9)
    assert row["n_treated"] + row["n_control"] == len(post)
    assert "category not adjusted for (known for 0 of" in row["note"]


# --- wave change ----------------------------------------------------------------------------


def test_wave_change_paired_by_hand():
    panel = simulate_city(np.random.default_rng(8))
    row = wave_change(panel, "score", waves=WAVES).iloc[0]
    pairs = linked_changes(panel)
    d = pairs["dy"]
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    assert row["design"] == "before_after_paired" and row["n_treated"] == len(d)
    assert row["estimate"] == pytest.approx(d.mean(), abs=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((d.mean() - half, d.mean() + half))
    assert not row["causal_wording_allowed"] and "no comparison group" in row["note"]


def test_wave_change_welch_by_hand_when_not_linked():
    panel = simulate_city(np.random.default_rng(9))
    row = wave_change(panel, "score", waves=WAVES, person_col=None).iloc[0]
    a = panel.loc[panel["wave"] == WAVES[1], "score"]
    b = panel.loc[panel["wave"] == WAVES[0], "score"]
    va, vb = a.var() / len(a), b.var() / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))  # Welch-Satterthwaite
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    diff = a.mean() - b.mean()
    assert row["design"] == "before_after_independent"
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((diff - half, diff + half), abs=1e-10)
    assert row["hedges_g"] == pytest.approx(
        hedges_correction(len(a) + len(b) - 2)
        * diff
        / np.sqrt(((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / (len(a) + len(b) - 2))
    )


# --- all levers ----------------------------------------------------------------------------


def test_impact_by_lever_fallback_fdr_and_templates():
    rng = np.random.default_rng(10)
    panel = simulate_city(rng, tau={"audace": 2.0, "reve": 0.0, "temps": 0.5}, n_departments=30,
                          mean_size=40)  # fmt: skip
    # "temps": nobody linked took part -> DiD impossible, cross-section at the second wave
    linked = set(panel.loc[panel["wave"] == WAVES[0], "person_key"])
    panel.loc[panel["person_key"].isin(linked), "part_temps"] = 0
    panel["score_audace"] = panel["score"]
    panel["score_reve"] = panel["score"]
    panel["score_temps"] = panel["score"]
    out = impact_by_lever(panel, "score_{lever}", ["audace", "reve", "temps", "curiosite"],
                          waves=WAVES)  # fmt: skip
    by = out.set_index("lever")
    assert by.loc["audace", "design"] == "did_linked_panel" and by.loc["audace", "sms_level"] == 3
    assert by.loc["temps", "design"] == "cross_sectional" and by.loc["temps", "sms_level"] == 2
    assert "cross-sectional fallback" in by.loc["temps", "note"]
    assert np.isnan(by.loc["curiosite", "estimate"]) and "absent" in by.loc["curiosite", "note"]
    assert not by.loc["curiosite", "causal_wording_allowed"]
    bh = benjamini_hochberg(out["p_value"])
    np.testing.assert_allclose(out["p_adjusted"], bh["p_adjusted"])
    assert by.loc["audace", "significant_fdr"] and not by.loc["curiosite", "significant_fdr"]
    assert by.loc["audace", "outcome"] == "score_audace"


# --- calibration on many simulated cities -----------------------------------------------------


@pytest.mark.slow
def test_did_interval_covers_the_truth_95_percent_of_the_time():
    """1000 small cities (24 departments, ~25 staff each, ~250 linked): the 95 % DiD interval
    must cover the planted effect between 93 % and 97 % of the time."""
    rng = np.random.default_rng(20150601)
    truth, reps = 1.0, 1000
    hits = 0
    start = time.perf_counter()
    with threadpool_limits(1):  # tiny OLS fits: BLAS threads only contend
        for _ in range(reps):
            city = simulate_city(rng, tau=truth)
            row = did_estimate(city, "score", "part_x", waves=WAVES, power=None)
            hits += bool(row["ci_low"].iloc[0] <= truth <= row["ci_high"].iloc[0])
    coverage = hits / reps
    print(f"\nDiD 95% interval coverage over {reps} simulated cities: {coverage:.3f} "
          f"({time.perf_counter() - start:.0f} s)")  # fmt: skip
    assert 0.93 <= coverage <= 0.97
