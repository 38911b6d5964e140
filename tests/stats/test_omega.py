"""Tests for eco_eval.stats.omega: reproducible omega, its conventions, its dimensionality check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import FactorAnalysis

from eco_eval.errors import EcoEvalError
from eco_eval.stats.omega import mcdonald_omega


def likert(loadings: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """n answers (1-5) to items loading on independent factors: ``loadings`` is items x factors."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, loadings.shape[1])) @ loadings.T
    unique = rng.normal(size=(n, loadings.shape[0])) * np.sqrt(1 - (loadings**2).sum(axis=1))
    x = np.clip(np.round(3 + common + unique), 1, 5)
    return pd.DataFrame(x, columns=[f"q{j + 1}" for j in range(loadings.shape[0])])


def one_dim(k: int = 7, lam: float = 0.7) -> np.ndarray:
    return np.full((k, 1), lam)


def two_dim() -> np.ndarray:
    """20 items, 10 on each of two uncorrelated factors (the scale of the reproducibility report)."""
    lam = np.zeros((20, 2))
    lam[:10, 0] = 0.7
    lam[10:, 1] = 0.7
    return lam


SCALES = {
    "swemwbs-like": likert(one_dim(7), 300, seed=1),
    "who5-like": likert(one_dim(5, 0.75), 150, seed=2),
    "two-dimensional 20 items": likert(two_dim(), 300, seed=3),
}


@pytest.mark.parametrize("name", list(SCALES))
def test_omega_identical_in_100_calls(name):
    data = SCALES[name]
    values = {mcdonald_omega(data).omega for _ in range(100)}
    assert len(values) == 1


def test_omega_bootstrap_identical_with_the_same_seed():
    data = SCALES["who5-like"]
    first = mcdonald_omega(data, n_boot=40, seed=11)
    again = mcdonald_omega(data, n_boot=40, seed=11)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert first.ci_low < first.omega < first.ci_high


@pytest.mark.parametrize("name", ["swemwbs-like", "who5-like"])
def test_omega_matches_an_independent_ml_factor_analysis(name):
    # scikit-learn's FactorAnalysis maximises the same likelihood by another algorithm (SVD-based
    # EM on the raw data); its raw-scale loadings and noise variances give omega directly.
    data = SCALES[name]
    fa = FactorAnalysis(n_components=1, tol=1e-12, max_iter=10_000).fit(data.to_numpy())
    lam, psi = np.abs(fa.components_.ravel()), fa.noise_variance_
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + psi.sum())
    res = mcdonald_omega(data)
    assert res.omega == pytest.approx(expected, abs=1e-4)
    np.testing.assert_allclose(res.loadings, lam / np.sqrt(lam**2 + psi), atol=1e-3)


def test_conventions_follow_their_published_formulas():
    data = SCALES["swemwbs-like"]
    model = mcdonald_omega(data)
    lam, u = np.array(model.loadings), np.array(model.uniquenesses)
    sd = data.std().to_numpy()
    # semTools compRelSEM(fit) (obs.var = TRUE): (sum lambda_raw)^2 / 1'S1
    semtools = mcdonald_omega(data, convention="semtools")
    assert semtools.omega == pytest.approx((lam * sd).sum() ** 2 / data.cov().to_numpy().sum())
    # psych::omega(x, nfactors = 1, fm = "ml")$omega.tot: 1 - sum(u2) / sum(R)
    psych = mcdonald_omega(data, convention="psych")
    assert psych.omega == pytest.approx(1 - u.sum() / data.corr().to_numpy().sum())
    # all three describe the same good-fitting scale: they differ by less than 0.01 here
    assert (
        max(model.omega, semtools.omega, psych.omega)
        - min(model.omega, semtools.omega, psych.omega)
        < 0.01
    )
    with pytest.raises(EcoEvalError, match="convention"):
        mcdonald_omega(data, convention="lavaan")


def test_two_dimensional_scale_is_reported_not_trusted():
    res = mcdonald_omega(SCALES["two-dimensional 20 items"])
    assert not res.unidimensional and res.eigen_ratio < 3
    assert "two or more dimensions" in res.note
    assert mcdonald_omega(SCALES["swemwbs-like"]).unidimensional


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_boot": 2.5}, "n_boot must be an integer"),
        ({"n_boot": -1}, "n_boot must be an integer >= 0"),
    ],
)
def test_bad_arguments_are_one_line_errors(kwargs, message):
    with pytest.raises(EcoEvalError, match=message):
        mcdonald_omega(SCALES["who5-like"], **kwargs)


def test_infinite_value_is_refused_with_a_message():
    data = SCALES["who5-like"].copy()
    data.iloc[3, 2] = np.inf
    with pytest.raises(EcoEvalError, match="infinite value"):
        mcdonald_omega(data)
