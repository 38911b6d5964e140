"""Alpha and omega against values printed by R (psych, semTools) on the Holzinger-Swineford data.

The data: the nine ability tests x1-x9 of Holzinger & Swineford (1939), 301 children, as
distributed with R's lavaan (``lavaan::HolzingerSwineford1939``; the copy in
``tests/stats/data/`` comes from semopy 2.3.11's ``examples/holzinger_swineford39_data.csv``, the
same 301 rows). The three scales of the classic model: visual (x1-x3), textual (x4-x6), speed
(x7-x9).

R reference values, as printed (R is not installed here; the numbers are copied, not recomputed):

* Alpha, ``psych::alpha(HolzingerSwineford1939[, c("x1", "x2", "x3")])$total$raw_alpha`` and
  the same for x4-x6 and x7-x9, printed to 10 decimals (native R 4.6.0) in the reference comment
  of a public test suite of a web R front end (``cfaReliability`` test, "Derived via Rscript:
  lavaan::cfa(std.lv=FALSE), semTools::compRelSEM, psych::alpha (raw_alpha)"): 0.6261171319,
  0.8827069129, 0.6884550230. semTools ``reliability(fit)`` prints the same alpha row.
* Omega, ``semTools::compRelSEM(lavaan::cfa(HS.model, data = HolzingerSwineford1939))`` with
  ``HS.model <- "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"``,
  printed to 7 decimals in the example of ``fa_reliability`` (MSBMisc, B. M. Wiernik; it passes
  the lavaan fit to ``semTools::compRelSEM``; reference page
  https://rdrr.io/github/mattansb/MSBMisc/man/fa_reliability.html): visual 0.6120052, textual
  0.8850608, speed 0.6858417. The same values to 10 decimals in the test suite above
  (0.6120051511, 0.8850607732, 0.6858416922).

compRelSEM's omega comes from the three-factor model (correlated factors), whose loadings borrow
strength from the other scales; the bilan's omega fits one factor per scale. So the test fits the
three-factor model by maximum likelihood here (independently of the package) and checks that
:func:`eco_eval.stats.omega.omega_from_loadings` — the formula behind ``mcdonald_omega`` — turns
those estimates into semTools' printed values; it then measures how far the per-scale omega is
from them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from eco_eval.errors import EcoEvalError
from eco_eval.stats import cronbach_alpha
from eco_eval.stats.omega import mcdonald_omega, omega_from_loadings

DATA = pd.read_csv(Path(__file__).parent / "data" / "holzinger_swineford_1939.csv")
SCALES = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
# psych::alpha(...)$total$raw_alpha, printed to 10 decimals.
R_ALPHA = {"visual": 0.6261171319, "textual": 0.8827069129, "speed": 0.6884550230}
# semTools::compRelSEM(fit) (obs.var = TRUE, its default), printed to 7 decimals.
R_OMEGA = {"visual": 0.6120052, "textual": 0.8850608, "speed": 0.6858417}


@pytest.mark.parametrize("scale", list(SCALES))
def test_alpha_equals_r_psych_raw_alpha(scale):
    # Alpha is a closed form of the covariance matrix: it agrees to the 10 printed decimals.
    assert cronbach_alpha(DATA[SCALES[scale]]).alpha == pytest.approx(R_ALPHA[scale], abs=1e-10)


def three_factor_ml() -> tuple[np.ndarray, np.ndarray]:
    """Raw-scale loadings and unique variances of the three-factor CFA, fitted by ML.

    The lavaan model ``cfa(HS.model)`` with the factors' variances fixed to 1 instead of the first
    loadings (the same model, another scale for the factors): maximises the normal likelihood
    ``log|Sigma| + tr(S Sigma^-1)`` on the covariance matrix with divisor n, as lavaan does.
    """
    x = DATA[[c for cols in SCALES.values() for c in cols]].to_numpy()
    cov = np.cov(x, rowvar=False, ddof=0)
    factor = np.repeat([0, 1, 2], 3)

    def unpack(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lam = np.zeros((9, 3))
        lam[np.arange(9), factor] = p[:9]
        phi = np.eye(3)
        phi[np.triu_indices(3, 1)] = np.tanh(p[18:])
        phi = np.triu(phi) + np.triu(phi, 1).T
        return lam, np.exp(p[9:18]), phi

    def discrepancy(p: np.ndarray) -> float:
        lam, psi, phi = unpack(p)
        sigma = lam @ phi @ lam.T + np.diag(psi)
        return float(np.linalg.slogdet(sigma)[1] + np.trace(cov @ np.linalg.inv(sigma)))

    start = np.r_[0.7 * np.sqrt(np.diag(cov)), np.log(0.5 * np.diag(cov)), np.zeros(3)]
    fit = minimize(discrepancy, start, method="BFGS", options={"gtol": 1e-9, "maxiter": 10_000})
    lam, psi, _ = unpack(fit.x)
    return lam[np.arange(9), factor], psi


def test_omega_formula_reproduces_semtools_comprelsem():
    loadings, unique = three_factor_ml()
    for k, scale in enumerate(SCALES):
        block = slice(3 * k, 3 * k + 3)
        # lavaan's sample covariance has divisor n, as the likelihood fitted above.
        observed = np.cov(DATA[SCALES[scale]].to_numpy(), rowvar=False, ddof=0)
        value = omega_from_loadings(loadings[block], unique[block], observed)
        # Printed to 7 decimals; the quasi-Newton fit stops within about 5e-7 of the optimum.
        assert value == pytest.approx(R_OMEGA[scale], abs=1e-6)
        # obs.var = FALSE (model-implied denominator) differs by the model's misfit only.
        implied = omega_from_loadings(loadings[block], unique[block])
        assert abs(implied - value) < 0.015


@pytest.mark.parametrize("scale", list(SCALES))
def test_per_scale_omega_is_close_to_the_three_factor_omega(scale):
    # One factor fitted to three items reproduces their covariances exactly, so the package's
    # "model" and "semtools" conventions agree; compRelSEM's three-factor loadings differ from
    # the per-scale ones by what the other scales tell about each factor: 0.021 on visual, 0.001
    # on textual, 0.010 on speed.
    model = mcdonald_omega(DATA[SCALES[scale]])
    semtools = mcdonald_omega(DATA[SCALES[scale]], convention="semtools")
    assert model.omega == pytest.approx(semtools.omega, abs=1e-6)
    assert model.omega == pytest.approx(R_OMEGA[scale], abs=0.025)
    assert model.unidimensional


def test_nine_tests_together_are_reported_as_several_dimensions():
    # The three-factor structure is the textbook reading of these data: a single omega over the
    # nine tests would describe no single construct, and the function says so.
    res = mcdonald_omega(DATA)
    assert not res.unidimensional
    assert "two or more dimensions" in res.note


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([0.5, 0.5], [0.2]), "unique_variances must be 2"),
        (([0.5, np.inf], [0.2, 0.2]), "infinite"),
        (([0.5, 0.5], [0.2, 0.2], np.eye(3)), "2 x 2"),
        ((["a", 0.5], [0.2, 0.2]), "numeric"),
    ],
)
def test_omega_from_loadings_refuses_malformed_input(args, message):
    with pytest.raises(EcoEvalError, match=message):
        omega_from_loadings(*args)
