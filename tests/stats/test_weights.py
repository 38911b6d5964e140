"""Tests for eco_eval.stats.weights: raking, Kish's effective size, weighted intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eco_eval.errors import EcoEvalError
from eco_eval.stats.intervals import mean_ci, wilson_ci
from eco_eval.stats.weights import (
    design_effect,
    effective_n,
    rake,
    weighted_mean_ci,
    weighted_moments,
    weighted_share_ci,
)


def staff(rng: np.random.Generator, n_staff: int = 2400) -> pd.DataFrame:
    """A staff whose well-being depends on category and department; response depends on both."""
    dept = rng.choice([f"D{i}" for i in range(8)], n_staff)
    cat = rng.choice(["A", "B", "C"], n_staff, p=[0.2, 0.3, 0.5])
    gender = rng.choice(["F", "M"], n_staff)
    dep_effect = {f"D{i}": (i - 3.5) * 0.4 for i in range(8)}
    score = 24 + np.select([cat == "A", cat == "B"], [2.5, 1.0], -1.0)
    score = score + pd.Series(dept).map(dep_effect).to_numpy() + rng.normal(0, 3, n_staff)
    respond = np.select([cat == "A", cat == "B"], [0.8, 0.6], 0.35)
    respond = respond + pd.Series(dept).map(lambda d: 0.1 if d in {"D6", "D7"} else 0).to_numpy()
    return pd.DataFrame(
        {"department": dept, "category": cat, "gender": gender, "score": score,
         "responds": rng.random(n_staff) < respond}
    )  # fmt: skip


def margins_of(population: pd.DataFrame, variables: list[str]) -> dict[str, dict[str, float]]:
    return {v: population[v].value_counts().astype(float).to_dict() for v in variables}


def test_raking_on_one_margin_is_post_stratification():
    sample = pd.DataFrame({"category": ["A", "A", "B", "C", "C", "C"]})
    w = rake(sample, {"category": {"A": 10, "B": 30, "C": 60}})
    # closed form: N_g / n_g
    np.testing.assert_allclose(w.to_numpy(), [5, 5, 30, 20, 20, 20], rtol=1e-12)
    assert w.attrs["converged"]


def test_raking_matches_every_margin_and_sums_to_the_population():
    population = staff(np.random.default_rng(1))
    sample = population[population["responds"]]
    margins = margins_of(population, ["department", "category", "gender"])
    w = rake(sample, margins)
    assert w.sum() == pytest.approx(len(population))
    for var, counts in margins.items():
        got = w.groupby(sample[var]).sum()
        for cat, count in counts.items():
            assert got[cat] == pytest.approx(count, rel=1e-8)
    assert 1 < design_effect(w) < 2
    assert effective_n(w) == pytest.approx(len(sample) / design_effect(w))


def test_raking_a_respondent_who_did_not_say_keeps_the_margins_of_the_others():
    sample = pd.DataFrame(
        {"category": ["A", "A", "B", "B", None], "gender": ["F", "M", "F", "M", "F"]}
    )
    w = rake(sample, {"category": {"A": 50, "B": 50}, "gender": {"F": 40, "M": 60}})
    known = sample["category"].notna()
    by_cat = w[known].groupby(sample.loc[known, "category"]).sum()
    assert by_cat["A"] == pytest.approx(by_cat["B"], rel=1e-8)
    assert w.groupby(sample["gender"]).sum()["F"] == pytest.approx(40, rel=1e-8)
    assert w.attrs["converged"] and w.iloc[4] > 0


def test_a_category_without_respondents_is_reported():
    w = rake(pd.DataFrame({"category": ["A", "A"]}), {"category": {"A": 10, "C": 5}})
    assert w.attrs["unmatched"] == ["category=C"] and w.sum() == pytest.approx(15)


def test_weighted_means_are_closer_to_the_staff_truth_than_respondent_means():
    """50 simulated staffs where response depends on category and department: the raked mean
    is closer to the staff's mean than the respondents' mean, and its interval covers it."""
    rng = np.random.default_rng(2024)
    err_w, err_u, covered = [], [], 0
    for _ in range(50):
        population = staff(rng)
        sample = population[population["responds"]]
        w = rake(sample, margins_of(population, ["department", "category", "gender"]))
        truth = population["score"].mean()
        mean, _, low, high = weighted_mean_ci(sample["score"], w)
        err_w.append(abs(mean - truth))
        err_u.append(abs(sample["score"].mean() - truth))
        covered += low <= truth <= high
    assert np.mean(err_w) < 0.25 * np.mean(err_u)
    assert covered >= 45


def test_equal_weights_give_the_unweighted_intervals():
    y = np.random.default_rng(3).normal(20, 4, 80)
    mean, n_e, low, high = weighted_mean_ci(y, np.full(80, 2.5))
    ref = mean_ci(y)
    assert (mean, n_e, low, high) == pytest.approx((ref.estimate, 80, ref.ci_low, ref.ci_high))
    flags = y > 21
    share, _, slow, shigh = weighted_share_ci(flags, np.ones(80))
    ci = wilson_ci([int(flags.sum())], [80]).iloc[0]
    assert (share, slow, shigh) == pytest.approx((ci["proportion"], ci["ci_low"], ci["ci_high"]))


def test_weighted_moments_by_hand():
    rng = np.random.default_rng(5)
    y, w = rng.normal(50, 10, 40), rng.uniform(0.5, 3.0, 40)
    mean, n_e, var = weighted_moments(y, w)
    assert mean == pytest.approx(np.average(y, weights=w))
    assert n_e == pytest.approx(effective_n(w)) and n_e == pytest.approx(
        w.sum() ** 2 / (w**2).sum()
    )
    by_hand = (w * (y - np.average(y, weights=w)) ** 2).sum() / w.sum() * n_e / (n_e - 1)
    assert var == pytest.approx(by_hand)
    one = weighted_moments(np.array([3.0, 4.0]), np.array([1.0, 0.0]))
    assert one[:2] == (3.0, 1.0) and np.isnan(one[2])  # one effective respondent: no variance


def test_bad_inputs_are_one_line_errors():
    sample = pd.DataFrame({"category": ["A", "B"]})
    with pytest.raises(EcoEvalError, match="margins"):
        rake(sample, {})
    with pytest.raises(EcoEvalError, match="did you mean"):
        rake(sample, {"categroy": {"A": 1}})
    with pytest.raises(EcoEvalError, match="finite"):
        rake(sample, {"category": {"A": np.inf}})
    with pytest.raises(EcoEvalError, match="weights must be >= 0"):
        weighted_mean_ci([1.0, 2.0, 3.0], [1.0, -1.0, 1.0])
    with pytest.raises(EcoEvalError, match="infinite"):
        weighted_mean_ci([1.0, np.inf, 3.0], [1.0, 1.0, 1.0])
