"""Tests for eco_eval.stats.intervals against statsmodels/scipy, published tables and simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from eco_eval.errors import EcoEvalError
from eco_eval.stats.intervals import (
    bootstrap_mean_ci,
    mean_ci,
    nps,
    t_half_widths,
    top_box_share,
    wilson_ci,
)

# --- wilson_ci -------------------------------------------------------------------------------


def test_wilson_matches_newcombe_1998_table():
    # Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: comparison
    # of seven methods. Statistics in Medicine 17, 857-872, Table II, method 3 (score interval
    # without continuity correction), 95 %: 81/263, 15/148, 0/20, 1/29.
    published = [(0.2553, 0.3662), (0.0624, 0.1605), (0.0000, 0.1611), (0.0061, 0.1718)]
    out = wilson_ci([81, 15, 0, 1], [263, 148, 20, 29])
    for (low, high), (_, row) in zip(published, out.iterrows(), strict=True):
        assert row["ci_low"] == pytest.approx(low, abs=5e-5)
        assert row["ci_high"] == pytest.approx(high, abs=5e-5)


def test_wilson_matches_statsmodels_vectorised_and_keeps_index():
    x = pd.Series([0, 1, 5, 17, 40], index=list("abcde"))
    n = pd.Series([10, 10, 20, 40, 40], index=list("abcde"))
    out = wilson_ci(x, n, level=0.9)
    low, high = proportion_confint(x.to_numpy(), n.to_numpy(), alpha=0.1, method="wilson")
    assert list(out.index) == list("abcde")
    np.testing.assert_allclose(out["ci_low"], low, atol=1e-12)
    np.testing.assert_allclose(out["ci_high"], high, atol=1e-12)
    np.testing.assert_allclose(out["proportion"], x / n)


def test_wilson_closed_form_by_hand():
    # Wilson (1927) formula written out: x = 7, n = 20, z = 1.959964.
    x, n, z = 7, 20, stats.norm.ppf(0.975)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    row = wilson_ci(x, n).iloc[0]
    assert row["ci_low"] == pytest.approx(centre - half, abs=1e-12)
    assert row["ci_high"] == pytest.approx(centre + half, abs=1e-12)


def test_wilson_empty_group_is_nan_and_bad_input_raises():
    out = wilson_ci([0, 3], [0, 5])
    assert out.loc[0, ["proportion", "ci_low", "ci_high"]].isna().all()
    assert out.loc[1, "ci_low"] > 0
    with pytest.raises(EcoEvalError, match="cannot exceed n"):
        wilson_ci([6], [5])
    with pytest.raises(ValueError, match="level"):
        wilson_ci([1], [5], level=95)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_bounds_property(x, n):
    x = min(x, n)
    row = wilson_ci(x, n).iloc[0]
    assert 0 <= row["ci_low"] <= row["proportion"] + 1e-12
    assert row["proportion"] - 1e-12 <= row["ci_high"] <= 1


# --- mean_ci / bootstrap_mean_ci -------------------------------------------------------------


def test_mean_ci_matches_r_t_test():
    # R 4.x: t.test(c(1, 2, 3, 4, 5))$conf.int -> 1.036757 4.963243
    r = mean_ci([1, 2, 3, 4, 5, np.nan])
    assert (r.estimate, r.n) == (3.0, 5)
    assert r.ci_low == pytest.approx(1.036757, abs=1e-6)
    assert r.ci_high == pytest.approx(4.963243, abs=1e-6)


def test_mean_ci_matches_scipy_t_interval():
    x = np.random.default_rng(4).normal(3.7, 0.9, 37)
    r = mean_ci(x, level=0.9)
    low, high = stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (r.ci_low, r.ci_high) == pytest.approx((low, high), abs=1e-12)
    assert r.se == pytest.approx(stats.sem(x))


def test_t_half_widths_are_mean_cis_for_many_samples_at_once():
    rng = np.random.default_rng(11)
    samples = [rng.normal(3, 1.5, n) for n in (0, 1, 2, 3, 17, 250)]
    var = [x.var(ddof=1) if len(x) > 1 else np.nan for x in samples]
    half = t_half_widths(var, [len(x) for x in samples], level=0.9)
    for x, h in zip(samples, half, strict=True):
        ref = mean_ci(x, level=0.9)
        assert np.isnan(h) if len(x) < 2 else h == pytest.approx(ref.ci_high - ref.estimate)
    # an effective size need not be whole: t with n - 1 degrees of freedom all the same
    assert t_half_widths([4.0], [10.5])[0] == pytest.approx(
        stats.t.ppf(0.975, 9.5) * (4 / 10.5) ** 0.5
    )
    with pytest.raises(EcoEvalError, match="same length"):
        t_half_widths([1.0, 2.0], [5])


def test_mean_ci_small_samples():
    assert np.isnan(mean_ci([]).estimate)
    one = mean_ci([4.0])
    assert one.estimate == 4.0 and np.isnan(one.ci_low)


def test_bootstrap_close_to_t_interval_for_normal_data_and_reproducible():
    x = np.random.default_rng(11).normal(10, 2, 400)
    boot = bootstrap_mean_ci(x, n_boot=2000, seed=3)
    t = mean_ci(x)
    assert boot.estimate == pytest.approx(t.estimate)
    # Large normal sample: BCa and t intervals agree to a few percent of their width.
    width = t.ci_high - t.ci_low
    assert abs(boot.ci_low - t.ci_low) < 0.1 * width
    assert abs(boot.ci_high - t.ci_high) < 0.1 * width
    assert bootstrap_mean_ci(x, n_boot=2000, seed=3) == boot
    assert bootstrap_mean_ci(x, n_boot=2000, seed=4) != boot


def test_bootstrap_degenerate_and_bad_method():
    same = bootstrap_mean_ci([3, 3, 3, 3], seed=1)
    assert (same.ci_low, same.ci_high) == (3.0, 3.0)
    with pytest.raises(ValueError, match="method"):
        bootstrap_mean_ci([1, 2, 3], method="studentised")


# --- nps -------------------------------------------------------------------------------------


def test_nps_counts_and_wald_interval_by_hand():
    # 5 promoters (9-10), 2 passives (7-8), 3 detractors (0-6), n = 10.
    scores = [10, 9, 9, 10, 9, 8, 7, 6, 0, 3]
    r = nps(scores, method="wald")
    assert (r.score, r.n_promoters, r.n_passives, r.n_detractors) == (20.0, 5, 2, 3)
    # Var(P - D) = (p + d - (p - d)^2) / n = (0.5 + 0.3 - 0.04) / 10 = 0.076
    se = math.sqrt(0.076)
    z = 1.959963984540054
    assert r.se == pytest.approx(100 * se)
    assert r.ci_low == pytest.approx(100 * (0.2 - z * se))
    assert r.ci_high == pytest.approx(100 * (0.2 + z * se))


def test_nps_adjusted_wald_by_hand():
    # Rocks (2016) adjusted Wald: n + 3, promoters + 3/4, detractors + 3/4 (same data as above).
    r = nps([10, 9, 9, 10, 9, 8, 7, 6, 0, 3])
    p, d, n = 5.75 / 13, 3.75 / 13, 13
    se = math.sqrt((p + d - (p - d) ** 2) / n)
    z = 1.959963984540054
    assert r.score == 20.0  # the point estimate stays the observed score
    assert r.ci_low == pytest.approx(100 * (p - d - z * se))
    assert r.ci_high == pytest.approx(100 * (p - d + z * se))


def test_nps_wald_variance_equals_trinomial_score_variance():
    # The multinomial formula equals the variance of the +1 / 0 / -1 coding divided by n.
    x = np.random.default_rng(2).integers(0, 11, 250)
    coded = np.where(x >= 9, 1, np.where(x <= 6, -1, 0))
    assert nps(x, method="wald").se == pytest.approx(100 * coded.std() / math.sqrt(len(x)))


def test_nps_adjusted_wald_coverage_by_simulation():
    rng = np.random.default_rng(20160101)
    probs = np.array([0.20, 0.35, 0.45])  # detractor, passive, promoter
    truth = 100 * (probs[2] - probs[0])
    hits = 0
    reps = 2000
    for _ in range(reps):
        cat = rng.choice(3, size=40, p=probs)
        scores = np.choose(cat, [3, 8, 10])
        r = nps(scores)
        hits += r.ci_low <= truth <= r.ci_high
    assert 0.93 <= hits / reps <= 0.97


def test_nps_bounds_and_errors():
    all_promoters = nps([10] * 8)
    assert all_promoters.score == 100 and all_promoters.ci_high <= 100
    assert np.isnan(nps([np.nan]).score)
    with pytest.raises(ValueError, match=r"0\.\.10"):
        nps([3, 11])


# --- top_box_share ---------------------------------------------------------------------------


def test_top_box_share_counts_and_uses_wilson():
    r = top_box_share([5, 4, 3, 2, 5, 1, 4, 4, np.nan])
    assert (r.count, r.n, r.estimate) == (5, 8, 0.625)
    low, high = proportion_confint(5, 8, method="wilson")
    assert (r.ci_low, r.ci_high) == pytest.approx((low, high))
    top3 = top_box_share([7, 6, 5, 4, 1], top=3, scale_max=7)
    assert top3.count == 3


def test_top_box_share_rejects_out_of_scale():
    with pytest.raises(ValueError, match=r"integers 1\.\.5"):
        top_box_share([1, 6])
    with pytest.raises(ValueError, match="every category"):
        top_box_share([1, 2], top=5)
