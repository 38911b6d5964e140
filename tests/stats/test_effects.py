"""Tests for eco_eval.stats.effects against published examples, pingouin and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats
from statsmodels.stats.power import TTestIndPower

from eco_eval.stats.effects import (
    benjamini_hochberg,
    design_effect,
    hedges_g,
    minimum_detectable_effect,
)


def sample_with(mean: float, sd: float, n: int, seed: int) -> np.ndarray:
    """n values with exactly this sample mean and SD (ddof=1)."""
    z = np.random.default_rng(seed).normal(size=n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + sd * z


def test_hedges_g_matches_borenstein_worked_example():
    # Borenstein, Hedges, Higgins & Rothstein (2009), Introduction to Meta-Analysis, ch. 4:
    # means 103 vs 100, SDs 5.5 and 4.5, n = 50 each -> d = 0.5970, J = 0.9923, g = 0.5924.
    x, y = sample_with(103, 5.5, 50, 1), sample_with(100, 4.5, 50, 2)
    res = hedges_g(x, y)
    assert res.g == pytest.approx(0.5924, abs=5e-5)
    # Their V_g = J^2 V_d gives SE_g = 0.2028; the Hedges & Olkin form used here (and by
    # pingouin) plugs g into V_d instead: sqrt(0.04 + g^2 / 200) = 0.2043.
    assert res.se == pytest.approx(math.sqrt(0.04 + res.g**2 / 200), abs=1e-12)
    assert res.se == pytest.approx(0.2028, abs=2e-3)


def test_hedges_g_matches_pingouin_effsize_and_esci():
    rng = np.random.default_rng(5)
    x, y = rng.normal(3.4, 0.8, 23), rng.normal(3.0, 0.9, 31)
    res = hedges_g(x, y, level=0.9)
    assert res.g == pytest.approx(pg.compute_effsize(x, y, eftype="hedges"), abs=1e-12)
    ci = pg.compute_esci(stat=res.g, nx=23, ny=31, eftype="hedges", confidence=0.9, decimals=12)
    assert (res.ci_low, res.ci_high) == pytest.approx(tuple(ci), abs=1e-10)
    assert (res.n_x, res.n_y) == (23, 31)


def test_hedges_g_by_hand_and_degenerate():
    x, y = np.array([5.0, 6, 7, 8, 9]), np.array([3.0, 4, 5, 6, 7])
    d = 2 / math.sqrt(2.5)  # both SDs are sqrt(2.5)
    assert hedges_g(x, y).g == pytest.approx(d * (1 - 3 / (4 * 8 - 1)), abs=1e-12)
    assert np.isnan(hedges_g([1.0], [2.0, 3.0]).g)
    assert np.isnan(hedges_g([2.0, 2.0], [2.0, 2.0]).g)


def test_bh_published_example():
    # Benjamini & Hochberg (1995), section 4: 15 p-values; at q = 0.05 the procedure rejects the
    # four smallest (Bonferroni only three).
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
         0.4262, 0.5719, 0.6528, 0.7590, 1.0000]  # fmt: skip
    out = benjamini_hochberg(p)
    assert out["rejected"].sum() == 4 and out["rejected"].iloc[:4].all()


def test_bh_adjusted_values_by_hand_with_nan_and_index():
    p = pd.Series([0.04, np.nan, 0.01, 0.03, 0.2], index=list("abcde"))
    out = benjamini_hochberg(p, alpha=0.05)
    # by hand on the 4 non-missing values sorted 0.01, 0.03, 0.04, 0.2 (m = 4):
    # raw m p / rank = 0.04, 0.06, 0.0533, 0.2 -> step-up minimum: 0.04, 0.0533, 0.0533, 0.2
    assert out.loc["c", "p_adjusted"] == pytest.approx(0.04)
    assert out.loc["d", "p_adjusted"] == pytest.approx(0.16 / 3)
    assert out.loc["a", "p_adjusted"] == pytest.approx(0.16 / 3)
    assert out.loc["e", "p_adjusted"] == pytest.approx(0.2)
    assert np.isnan(out.loc["b", "p_adjusted"]) and not out.loc["b", "rejected"]
    assert out["rejected"].tolist() == [False, False, True, False, False]


def test_mde_cohen_table_and_normal_approximation():
    # Cohen (1988), Table 2.4.1: n = 64 per group detects d = 0.50 with power 0.80 at alpha .05.
    assert minimum_detectable_effect(64, 64) == pytest.approx(0.50, abs=0.005)
    # Bloom (1995) large-sample form: (z_.975 + z_.80) sqrt(1/n1 + 1/n2)
    approx = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * math.sqrt(1 / 2000 + 1 / 500)
    assert minimum_detectable_effect(2000, 500) == pytest.approx(approx, rel=0.005)


def test_mde_gives_requested_power_and_applies_design_effect():
    mde = minimum_detectable_effect(40, 70, alpha=0.05, power=0.9)
    power = TTestIndPower().power(effect_size=mde, nobs1=40, ratio=70 / 40, alpha=0.05)
    assert power == pytest.approx(0.9, abs=1e-6)
    de = design_effect(0.05, 21)
    assert de == pytest.approx(2.0)
    assert minimum_detectable_effect(200, 300, icc=0.05, cluster_size=21) == pytest.approx(
        minimum_detectable_effect(100, 150), rel=1e-9
    )
    assert np.isnan(minimum_detectable_effect(3, 50, icc=0.5, cluster_size=10))
    with pytest.raises(ValueError, match="icc"):
        design_effect(1.5, 10)
