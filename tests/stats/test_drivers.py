"""Tests for eco_eval.stats.drivers: LMG and relative weights against closed forms and brute force."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from eco_eval.errors import EcoEvalError
from eco_eval.stats.drivers import key_drivers, lmg, relative_weights


def r2_ols(frame: pd.DataFrame, outcome: str, cols: list[str]) -> float:
    if not cols:
        return 0.0
    return float(sm.OLS(frame[outcome], sm.add_constant(frame[cols])).fit().rsquared)


def shapley_by_permutations(frame: pd.DataFrame, outcome: str, cols: list[str]) -> np.ndarray:
    """LMG by its definition: average gain in OLS R^2 over all p! orders of entry."""
    gains = np.zeros(len(cols))
    orders = list(permutations(range(len(cols))))
    for order in orders:
        entered: list[str] = []
        for j in order:
            before = r2_ols(frame, outcome, entered)
            entered.append(cols[j])
            gains[j] += r2_ols(frame, outcome, entered) - before
    return gains / len(orders)


@pytest.fixture(scope="module")
def climate() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    n = 400
    common = rng.normal(size=n)
    frame = pd.DataFrame({f"clim_{k}": 0.6 * common + rng.normal(size=n) for k in "abcd"})
    frame["wellbeing"] = (
        0.5 * frame["clim_a"] + 0.3 * frame["clim_b"] + 0.1 * frame["clim_c"] + rng.normal(size=n)
    )
    return frame


def test_lmg_equals_brute_force_shapley_over_orders(climate):
    cols = [f"clim_{k}" for k in "abcd"]
    expected = shapley_by_permutations(climate, "wellbeing", cols)
    corr = climate[[*cols, "wellbeing"]].corr().to_numpy()
    np.testing.assert_allclose(lmg(corr), expected, atol=1e-10)
    assert lmg(corr).sum() == pytest.approx(r2_ols(climate, "wellbeing", cols), abs=1e-10)


def test_lmg_two_predictors_closed_form():
    # LMG_1 = (r1^2 + (R^2 - r2^2)) / 2 (Grömping 2006, eq. for p = 2)
    r1, r2, r12 = 0.5, 0.3, 0.4
    corr = np.array([[1, r12, r1], [r12, 1, r2], [r1, r2, 1]])
    full = (r1**2 + r2**2 - 2 * r1 * r2 * r12) / (1 - r12**2)
    expected = [(r1**2 + full - r2**2) / 2, (r2**2 + full - r1**2) / 2]
    np.testing.assert_allclose(lmg(corr), expected, atol=1e-12)


def test_uncorrelated_predictors_get_their_squared_correlation():
    r = np.array([0.4, 0.2, 0.1])
    corr = np.eye(4)
    corr[:3, 3] = corr[3, :3] = r
    np.testing.assert_allclose(lmg(corr), r**2, atol=1e-12)
    np.testing.assert_allclose(relative_weights(corr), r**2, atol=1e-12)


def test_relative_weights_sum_to_r2_and_track_lmg(climate):
    cols = [f"clim_{k}" for k in "abcd"]
    corr = climate[[*cols, "wellbeing"]].corr().to_numpy()
    rw = relative_weights(corr)
    assert rw.sum() == pytest.approx(r2_ols(climate, "wellbeing", cols), abs=1e-10)
    # Johnson (2000) / LeBreton et al. (2004): relative weights approximate LMG closely.
    np.testing.assert_allclose(rw, lmg(corr), atol=0.02)


def test_key_drivers_output(climate):
    labels = {"audace": "clim_a", "reve": "clim_b", "temps": "clim_c", "curiosite": "clim_d"}
    out = key_drivers(climate, "wellbeing", labels, n_boot=200, seed=1)
    assert out["predictor"].tolist()[:2] == ["audace", "reve"]
    assert out["rank"].tolist() == [1, 2, 3, 4]
    assert (out["interpretation"] == "association").all()
    assert out["share"].sum() == pytest.approx(1.0)
    assert ((out["ci_low"] <= out["importance"]) & (out["importance"] <= out["ci_high"])).all()
    assert out.loc[0, "r2_ci_low"] < out.loc[0, "r2"] < out.loc[0, "r2_ci_high"]
    again = key_drivers(climate, "wellbeing", labels, n_boot=200, seed=1)
    pd.testing.assert_frame_equal(out, again)


def test_key_drivers_twelve_levers_runs_fast_enough():
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame(rng.normal(size=(n, 12)), columns=[f"x{i}" for i in range(12)])
    frame["y"] = frame.iloc[:, :3].sum(axis=1) + rng.normal(size=n)
    out = key_drivers(frame, "y", list(frame.columns[:12]), n_boot=20, seed=0)
    assert set(out["predictor"].head(3)) == {"x0", "x1", "x2"}
    rw = key_drivers(frame, "y", list(frame.columns[:12]), method="relative_weights", n_boot=0)
    assert rw["r2"].iloc[0] == pytest.approx(out["r2"].iloc[0], abs=1e-10)
    assert rw["ci_low"].isna().all()


def test_key_drivers_input_errors(climate):
    with pytest.raises(EcoEvalError, match="complete rows"):
        key_drivers(climate.head(12), "wellbeing", ["clim_a", "clim_b"])
    with pytest.raises(EcoEvalError, match="did you mean"):
        key_drivers(climate, "wellbeing", ["clim_a", "clim_e"])
    with pytest.raises(EcoEvalError, match="method"):
        key_drivers(climate, "wellbeing", ["clim_a"], method="shapley")
