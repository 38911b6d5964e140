"""Tests for eco_eval.stats.panel_did: the two-way fixed-effects DiD over every wave."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from linearmodels.panel import PanelOLS
from scipy.special import expit

from eco_eval.errors import EcoEvalError
from eco_eval.stats.effects import benjamini_hochberg
from eco_eval.stats.panel_did import pretrend_check, twfe_estimate

WAVES = ("2015-05", "2016-05", "2017-05", "2018-05", "2019-05")


def simulate_panel(
    rng: np.random.Generator,
    taus: dict[str, float],
    n_departments: int = 24,
    mean_size: int = 25,
    co_attendance: float = 0.0,
) -> pd.DataFrame:
    """A city's barometer over five waves, long format, with planted effects.

    Score = 22 + stable person trait (SD 3) + department level (SD 1) + wave trend + noise (SD 2)
    + sum of tau_L x recent participation in L. People with a high trait and some departments join
    more (selection on stable traits, which the person effects remove). With ``co_attendance``,
    participants of the first lever join the others more often. 80 % answer each wave.
    """
    sizes = rng.poisson(mean_size, n_departments) + 5
    dept = np.repeat(np.arange(n_departments), sizes)
    n, t_count = dept.size, len(WAVES)
    trait = rng.normal(0, 3.0, n)
    base = 22 + trait + rng.normal(0, 1.0, n_departments)[dept]
    trend = np.array([0.0, 0.5, 0.3, 0.8, 1.0])
    person = np.repeat(np.arange(n), t_count)
    wave = np.tile(np.arange(t_count), n)
    y = base[person] + trend[wave] + rng.normal(0, 2.0, n * t_count)
    pull = rng.normal(0, 0.8, n_departments)[dept][person] + 0.2 * trait[person]
    flags: dict[str, np.ndarray] = {}
    for j, (lever, tau) in enumerate(taus.items()):
        lin = -1.0 + pull + (co_attendance * (flags[next(iter(flags))] - 0.5) * 4 if j else 0)
        joined = (rng.random(n * t_count) < expit(lin)).astype(int)
        y = y + tau * joined
        flags[lever] = joined
    frame = pd.DataFrame(
        {
            "person_key": [f"p{i}" for i in person],
            "wave": np.array(WAVES)[wave],
            "department": np.array([f"D{d:02d}" for d in range(n_departments)])[dept][person],
            "score": y,
            **flags,
        }
    )
    return frame.loc[rng.random(len(frame)) < 0.8].reset_index(drop=True)


def _lsdv_cluster_se(data: pd.DataFrame, names: list[str]) -> dict[str, tuple[float, float]]:
    """Dummy-variable regression and the Stata CR1 formula written out by hand."""
    data = data.loc[data.groupby("person_key")["score"].transform("size") >= 2]
    fit = smf.ols(f"score ~ {' + '.join(names)} + C(person_key) + C(wave)", data).fit()
    x, u = fit.model.exog, fit.resid.to_numpy()
    g = pd.factorize(data["person_key"])[0]
    bread = np.linalg.pinv(x.T @ x)
    scores = np.zeros((g.max() + 1, x.shape[1]))
    np.add.at(scores, g, x * u[:, None])
    n_obs, n_groups = len(data), g.max() + 1
    k = len(names) + data["wave"].nunique() - 1  # person effects nested in the clusters
    cov = bread @ scores.T @ scores @ bread * n_groups / (n_groups - 1) * (n_obs - 1) / (n_obs - k)
    index = list(fit.params.index)
    return {t: (fit.params[t], np.sqrt(cov[index.index(t), index.index(t)])) for t in names}


def test_twfe_equals_a_dummy_variable_regression_with_stata_cluster_errors():
    panel = simulate_panel(np.random.default_rng(1), {"a": 1.5, "b": 0.0}, n_departments=8)
    found = twfe_estimate(panel, "score", ["a", "b"]).set_index("treatment")
    for t, (est, se) in _lsdv_cluster_se(panel, ["a", "b"]).items():
        assert found.loc[t, "estimate"] == pytest.approx(est, abs=1e-9)
        assert found.loc[t, "se"] == pytest.approx(se, rel=1e-9)
    assert found.loc["a", "n_clusters"] == found.loc["a", "n_persons"]
    assert found.loc["a", "df"] == found.loc["a", "n_clusters"] - 1


def _panel_ols(panel: pd.DataFrame, names: list[str], cluster: str | None) -> pd.DataFrame:
    """The same model fitted by linearmodels' PanelOLS (person effects absorbed, wave dummies,
    Stata's degrees of freedom), the panel library the estimator is checked against."""
    data = panel.loc[panel.groupby("person_key")["score"].transform("size") >= 2]
    frame = data.assign(
        _p=pd.factorize(data["person_key"])[0], _t=pd.factorize(data["wave"], sort=True)[0]
    ).set_index(["_p", "_t"])
    waves = pd.get_dummies(frame["wave"], prefix="_w", drop_first=True, dtype=float)
    model = PanelOLS(frame["score"], pd.concat([frame[names], waves], axis=1), entity_effects=True)
    how = (
        {"cluster_entity": True}
        if cluster is None
        else {"clusters": pd.factorize(frame[cluster])[0]}
    )
    fit = model.fit(cov_type="clustered", debiased=True, group_debias=True, **how)
    return pd.DataFrame({"estimate": fit.params[names], "se": fit.std_errors[names]})


@pytest.mark.parametrize("switchers", [0.0, 0.1])
@pytest.mark.parametrize("cluster", [None, "department"])
def test_twfe_equals_linearmodels_panel_ols(cluster, switchers):
    """Clustered by person (nested) or by department, with and without people who change
    department between waves (then the person effects are not nested in the clusters)."""
    rng = np.random.default_rng(11)
    panel = simulate_panel(rng, {"a": 1.0, "b": 0.3, "c": 0.0}, n_departments=12)
    moved = rng.random(len(panel)) < switchers
    panel.loc[moved, "department"] = "D00"
    names = ["a", "b", "c"]
    found = twfe_estimate(panel, "score", names, cluster=cluster).set_index("treatment")
    reference = _panel_ols(panel, names, cluster)
    np.testing.assert_allclose(found.loc[names, "estimate"], reference["estimate"], rtol=1e-10)
    np.testing.assert_allclose(found.loc[names, "se"], reference["se"], rtol=1e-10)
    assert found["n_clusters"].iloc[0] == (12 if cluster else found["n_persons"].iloc[0])


def test_a_treatment_collinear_with_another_gets_no_estimate_and_says_why():
    panel = simulate_panel(np.random.default_rng(5), {"a": 1.0}, n_departments=6)
    found = twfe_estimate(panel.assign(twin=panel["a"]), "score", ["a", "twin"])
    found = found.set_index("treatment")
    assert np.isfinite(found.loc["a", "estimate"])
    assert np.isnan(found.loc["twin", "estimate"]) and "collinear" in found.loc["twin", "note"]


def test_joint_model_removes_the_credit_taken_by_a_co_attended_tool():
    # Only lever a works; b's participants are mostly a's: alone, b takes a's credit.
    panel = simulate_panel(np.random.default_rng(2), {"a": 1.5, "b": 0.0}, co_attendance=1.0)
    joint = twfe_estimate(panel, "score", ["a", "b"]).set_index("treatment")
    alone = twfe_estimate(panel, "score", "b").iloc[0]
    assert joint.loc["a", "ci_low"] <= 1.5 <= joint.loc["a", "ci_high"]
    assert joint.loc["b", "ci_low"] <= 0.0 <= joint.loc["b", "ci_high"]
    assert alone["ci_low"] > 0.3  # the single-lever model is contaminated


def _first_difference_by_department(panel: pd.DataFrame, lever: str) -> tuple[float, float]:
    """The pooled first-difference estimator between consecutive waves, clustered by department
    (the estimator of eco_eval.wellbeing.impact for one lever, written with statsmodels)."""
    wide = panel.pivot(index="person_key", columns="wave", values=["score", lever])
    dept = panel.groupby("person_key")["department"].first()
    parts = []
    for a, b in itertools.pairwise(WAVES):
        part = pd.DataFrame(
            {
                "dy": wide[("score", b)] - wide[("score", a)],
                "d": wide[(lever, b)],
                "prior": wide[(lever, a)],
                "pair": a,
                "department": dept,
            }
        ).dropna()
        parts.append(part)
    stacked = pd.concat(parts)
    groups = pd.factorize(stacked["department"])[0]
    fit = smf.ols("dy ~ d + prior + C(pair)", stacked).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    low, high = fit.conf_int().loc["d"]
    return float(fit.params["d"]), float(high - low)


def test_twfe_intervals_are_narrower_than_the_pooled_first_difference():
    rng = np.random.default_rng(3)
    ratios = []
    for _ in range(5):
        panel = simulate_panel(rng, {"a": 1.5})
        row = twfe_estimate(panel, "score", "a").iloc[0]
        _, fd_width = _first_difference_by_department(panel, "a")
        ratios.append(fd_width / (row["ci_high"] - row["ci_low"]))
    assert min(ratios) > 1.1


def test_twfe_input_errors():
    panel = simulate_panel(np.random.default_rng(4), {"a": 1.0}, n_departments=4)
    with pytest.raises(EcoEvalError, match="several rows"):
        twfe_estimate(pd.concat([panel, panel.iloc[[0]]]), "score", "a")
    with pytest.raises(EcoEvalError, match="must be numeric"):
        twfe_estimate(panel.assign(score="bien"), "score", "a")
    with pytest.raises(EcoEvalError, match="dose >= 0"):
        twfe_estimate(panel.assign(a=-panel["a"] - 1), "score", "a")
    with pytest.raises(EcoEvalError, match="'b' must be 0/1 participation or a dose >= 0"):
        twfe_estimate(panel.assign(b=-1.0), "score", ["a", "b"])
    with pytest.raises(EcoEvalError, match="column 'b' must be numeric, got 'oui'"):
        twfe_estimate(panel.assign(b="oui"), "score", ["a", "b"])
    with pytest.raises(EcoEvalError, match="infinite"):
        twfe_estimate(panel.assign(b=np.inf), "score", ["a", "b"])
    with pytest.raises(EcoEvalError, match='did you mean "score"'):
        twfe_estimate(panel, "scroe", "a")
    never = twfe_estimate(panel.assign(a=0), "score", "a").iloc[0]
    assert np.isnan(never["estimate"]) and "never changes" in never["note"]


def test_pretrend_check_is_quiet_under_parallel_trends_and_flags_joining_after_a_low():
    rng = np.random.default_rng(5)
    quiet = 0
    for _ in range(10):
        panel = simulate_panel(rng, {"a": 1.5})
        lead = pretrend_check(panel, "score", "a").iloc[0]
        assert lead["treatment"] == "lead_a"
        quiet += bool(lead["ci_low"] <= 0 <= lead["ci_high"])
    assert quiet >= 8  # 95 % intervals around a true 0
    # people join the tool after a low: 1.5 points down the wave before they take part
    panel = simulate_panel(np.random.default_rng(6), {"a": 1.5})
    order = {w: i for i, w in enumerate(WAVES)}
    nxt = panel.assign(t=panel["wave"].map(order) - 1)[["person_key", "t", "a"]]
    merged = panel.assign(t=panel["wave"].map(order)).merge(
        nxt.rename(columns={"a": "next"}), on=["person_key", "t"], how="left"
    )
    panel = panel.assign(score=panel["score"] - 1.5 * merged["next"].fillna(0).to_numpy())
    lead = pretrend_check(panel, "score", "a").iloc[0]
    assert lead["ci_high"] < 0 and lead["estimate"] == pytest.approx(-1.5, abs=0.4)


@pytest.mark.slow
def test_twfe_coverage_and_false_discoveries_over_300_cities():
    """300 simulated cities, three levers (effects 1.5, 0.5 and a null), co-attended: the 95 %
    intervals cover the planted effects 93-97 % of the time (900 intervals), the false discovery
    rate after Benjamini-Hochberg is <= 5 %, and the intervals are narrower than the pooled
    first-difference estimator's in most cities."""
    rng = np.random.default_rng(20150601)
    taus = {"a": 1.5, "b": 0.5, "c": 0.0}
    hits = {t: 0 for t in taus}
    null_flagged, fdp, ratios = 0, [], []
    reps = 300
    start = time.perf_counter()
    for _ in range(reps):
        panel = simulate_panel(rng, taus, co_attendance=0.5)
        rows = twfe_estimate(panel, "score", list(taus)).set_index("treatment")
        for t, tau in taus.items():
            hits[t] += bool(rows.loc[t, "ci_low"] <= tau <= rows.loc[t, "ci_high"])
        rejected = benjamini_hochberg(rows["p_value"].to_numpy(), alpha=0.05)["rejected"]
        rejected = rejected.to_numpy(dtype=bool)
        null_flagged += int(rejected[2])
        fdp.append(rejected[2] / max(rejected.sum(), 1))
        _, fd_width = _first_difference_by_department(panel, "a")
        ratios.append(fd_width / (rows.loc["a", "ci_high"] - rows.loc["a", "ci_low"]))
    coverage = sum(hits.values()) / (reps * len(taus))
    print(f"\nTWFE over {reps} cities: coverage {coverage:.3f} "
          f"(per lever {({t: h / reps for t, h in hits.items()})}); FDR {np.mean(fdp):.3f}, "
          f"null flagged {null_flagged / reps:.3f}; first-difference / TWFE interval width: "
          f"median {np.median(ratios):.2f}, TWFE narrower in {np.mean(np.array(ratios) > 1):.0%} "
          f"({time.perf_counter() - start:.0f} s)")  # fmt: skip
    assert 0.93 <= coverage <= 0.97
    assert np.mean(fdp) <= 0.05
    assert np.median(ratios) > 1.15 and np.mean(np.array(ratios) > 1) >= 0.8
