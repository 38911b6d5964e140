"""Tests for eco_eval.stats.design: the randomised calendar and the Hussey & Hughes variance."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from eco_eval.stats.design import (
    stepped_wedge_calendar,
    stepped_wedge_matrix,
    stepped_wedge_power,
    stepped_wedge_variance,
)

DEPARTMENTS = [f"Direction {c}" for c in "ABCDEFGHIJK"]


# --- calendar ----------------------------------------------------------------------------------


def test_calendar_shape_monotone_and_balanced():
    cal = stepped_wedge_calendar(DEPARTMENTS, n_steps=4, start_period="2016-Q3", seed=7)
    assert len(cal) == len(DEPARTMENTS) * 5
    assert sorted(cal["period"].unique()) == ["2016-Q3", "2016-Q4", "2017-Q1", "2017-Q2", "2017-Q3"]
    assert not cal.loc[cal["period_index"] == 0, "treated"].any()  # baseline: nobody
    assert cal.loc[cal["period_index"] == 4, "treated"].all()  # end: everybody
    for _, rows in cal.groupby("department"):
        treated = rows.sort_values("period_index")["treated"].to_numpy()
        assert (np.diff(treated.astype(int)) >= 0).all()  # never goes back
        assert rows["crossover_period"].nunique() == 1
    sizes = cal.drop_duplicates("department")["sequence"].value_counts()
    assert sizes.max() - sizes.min() <= 1 and sizes.sum() == len(DEPARTMENTS)


def test_calendar_is_reproducible_and_random():
    def order(seed):
        cal = stepped_wedge_calendar(DEPARTMENTS, 11, "2016-09", seed=seed, freq="M")
        return tuple(cal.drop_duplicates("department").sort_values("sequence")["department"])

    assert order(1) == order(1)
    orders = {order(s) for s in range(30)}
    assert len(orders) > 25  # a permutation, not a fixed order
    # uniform first place: each department first about 1/11 of the time
    firsts = [order(s)[0] for s in range(550)]
    counts = np.array([firsts.count(d) for d in DEPARTMENTS])
    assert stats.chisquare(counts).pvalue > 0.001


def test_calendar_input_errors():
    with pytest.raises(ValueError, match="cannot exceed"):
        stepped_wedge_calendar(["a", "b"], 3, "2016-Q1")
    with pytest.raises(ValueError, match="distinct"):
        stepped_wedge_calendar(["a", "a"], 1, "2016-Q1")
    with pytest.raises(ValueError, match="period"):
        stepped_wedge_calendar(["a", "b"], 1, "spring")


# --- Hussey & Hughes variance ---------------------------------------------------------------


def gls_variance(x: np.ndarray, sigma2: float, tau2: float) -> float:
    """Var(theta) of the GLS estimator with period fixed effects, by matrix algebra."""
    n_clusters, t = x.shape
    v_inv = np.linalg.inv(sigma2 * np.eye(t) + tau2 * np.ones((t, t)))
    info = np.zeros((t + 1, t + 1))
    for i in range(n_clusters):
        z = np.column_stack([np.eye(t), x[i]])  # one mean per period, then the treatment
        info += z.T @ v_inv @ z
    return float(np.linalg.inv(info)[-1, -1])


@pytest.mark.parametrize(
    ("design", "sigma2", "tau2"),
    [
        (stepped_wedge_matrix(12, 4), 0.4, 0.1),
        (stepped_wedge_matrix(11, 11), 1.0, 0.0),
        (stepped_wedge_matrix(7, 3), 0.05, 0.3),
        # an unbalanced design with two baseline periods
        (np.array([[0, 0, 1, 1, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 1, 1]]), 0.7, 0.2),
    ],
)
def test_hh_closed_form_equals_gls_matrix_algebra(design, sigma2, tau2):
    assert stepped_wedge_variance(design, sigma2, tau2) == pytest.approx(
        gls_variance(design, sigma2, tau2), rel=1e-10
    )


def test_hh_variance_and_power_against_simulation():
    # Individual-level simulation of the Hussey & Hughes model: 10 departments, 5 steps,
    # 12 respondents per department-period, ICC 0.05, SD 4, effect 1.5 points.
    rng = np.random.default_rng(2007)
    x = stepped_wedge_matrix(10, 5)
    n_i, n_t = x.shape
    sd, icc, m, theta = 4.0, 0.05, 12, 1.5
    tau2, sigma_e2 = icc * sd**2, (1 - icc) * sd**2
    res = stepped_wedge_power(theta, sd, icc, m, n_clusters=10, n_steps=5)
    # GLS with the true covariance of the cluster-period means
    v_inv = np.linalg.inv(sigma_e2 / m * np.eye(n_t) + tau2 * np.ones((n_t, n_t)))
    zs = [np.column_stack([np.eye(n_t), x[i]]) for i in range(n_i)]
    info_inv = np.linalg.inv(sum(z.T @ v_inv @ z for z in zs))
    weights = np.stack([info_inv[-1] @ z.T @ v_inv for z in zs])  # (clusters, periods)
    reps = 4000
    period = np.linspace(0, 1, n_t)  # arbitrary secular trend
    cluster = rng.normal(0, np.sqrt(tau2), (reps, n_i, 1))
    people = rng.normal(0, np.sqrt(sigma_e2), (reps, n_i, n_t, m)).mean(axis=3)
    means = 20 + period + cluster + people + theta * x
    estimates = (weights * means).sum(axis=(1, 2))
    assert estimates.mean() == pytest.approx(theta, abs=4 * res.se / np.sqrt(reps))
    assert estimates.std(ddof=1) == pytest.approx(res.se, rel=0.05)
    rejected = np.abs(estimates / res.se) > stats.norm.ppf(0.975)
    assert rejected.mean() == pytest.approx(res.power, abs=0.03)


def test_power_grows_with_effect_and_accepts_a_calendar():
    base = stepped_wedge_power(1.0, 4.0, 0.05, 15, n_clusters=12, n_steps=4)
    bigger = stepped_wedge_power(2.0, 4.0, 0.05, 15, n_clusters=12, n_steps=4)
    assert 0.05 < base.power < bigger.power < 1
    cal = stepped_wedge_calendar([f"D{i}" for i in range(12)], 4, "2016-Q1", seed=3)
    from_cal = stepped_wedge_power(1.0, 4.0, 0.05, 15, design=cal)
    assert from_cal.power == pytest.approx(base.power, rel=1e-12)
    assert (from_cal.n_clusters, from_cal.n_periods) == (12, 5)
    with pytest.raises(ValueError, match="either"):
        stepped_wedge_power(1.0, 4.0, 0.05, 15)
    with pytest.raises(ValueError, match="does not identify"):
        stepped_wedge_variance(np.ones((4, 3)), 1.0, 0.1)
