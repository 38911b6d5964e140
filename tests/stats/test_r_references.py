"""Alpha, item statistics and omega against values printed by R (psych, semTools) on the
Holzinger-Swineford data.

The data: the nine ability tests x1-x9 of Holzinger & Swineford (1939), 301 children, as
distributed with R's lavaan (``lavaan::HolzingerSwineford1939``; the copy in
``tests/stats/data/`` comes from semopy 2.3.11's ``examples/holzinger_swineford39_data.csv``, the
same 301 rows). The three scales of the classic model: visual (x1-x3), textual (x4-x6), speed
(x7-x9).

R reference values, as printed (the tests hold the numbers: they need no R):

* Alpha, ``psych::alpha(HolzingerSwineford1939[, c("x1", "x2", "x3")])$total$raw_alpha`` and
  the same for x4-x6 and x7-x9, printed to 10 decimals (native R 4.6.0) in the reference comment
  of a public test suite of a web R front end (``cfaReliability`` test, "Derived via Rscript:
  lavaan::cfa(std.lv=FALSE), semTools::compRelSEM, psych::alpha (raw_alpha)"): 0.6261171319,
  0.8827069129, 0.6884550230. semTools ``reliability(fit)`` prints the same alpha row, and R
  4.2.2 with psych 2.2.9 prints the same three values here.
* Omega, ``semTools::compRelSEM(lavaan::cfa(HS.model, data = HolzingerSwineford1939))`` with
  ``HS.model <- "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"``,
  printed to 7 decimals in the example of ``fa_reliability`` (MSBMisc, B. M. Wiernik; it passes
  the lavaan fit to ``semTools::compRelSEM``; reference page
  https://rdrr.io/github/mattansb/MSBMisc/man/fa_reliability.html): visual 0.6120052, textual
  0.8850608, speed 0.6858417. The same values to 10 decimals in the test suite above
  (0.6120051511, 0.8850607732, 0.6858416922).
* Item analysis, printed here by R 4.2.2 with psych 2.2.9 (Debian's ``r-cran-psych``; R is not
  needed to run the tests): ``a <- psych::alpha(HolzingerSwineford1939[, c("x1", "x2", "x3")])``,
  ``a$item.stats[, c("r.drop", "mean")]`` and ``a$alpha.drop[, "raw_alpha"]``, for each scale and
  for the nine tests together, with ``options(digits = 10)``; and the same with ``x2`` negated
  (an item left un-reversed), for which psych warns "Some items ( x2 ) were negatively correlated
  with the total scale and probably should be reversed".

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
from eco_eval.stats.reliability import item_statistics, item_warning

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


# psych::alpha(...)$item.stats$r.drop, $alpha.drop$raw_alpha and $item.stats$mean, per item.
R_ITEMS = {
    "visual": {
        "x1": (0.4490315413, 0.5069876394, 4.935769656),
        "x2": (0.3749679618, 0.6115414959, 6.088039867),
        "x3": (0.4842812342, 0.4583777276, 2.250415282),
    },
    "textual": {
        "x4": (0.7759812526, 0.8306932421, 3.060908087),
        "x5": (0.7871859320, 0.8257302897, 4.340531561),
        "x6": (0.7653525235, 0.8434591582, 2.185571902),
    },
    "speed": {
        "x7": (0.4861799459, 0.6197499544, 4.185902067),
        "x8": (0.5721533412, 0.5070702359, 5.527076412),
        "x9": (0.4555321229, 0.6536123367, 5.374123292),
    },
    "all nine": {
        "x1": (0.5220367208, 0.7248063129, 4.935769656),
        "x2": (0.2752430624, 0.7642312951, 6.088039867),
        "x3": (0.3701721208, 0.7489559626, 2.250415282),
        "x4": (0.5807066421, 0.7150013103, 3.060908087),
        "x5": (0.5253853810, 0.7235720486, 4.340531561),
        "x6": (0.5951390193, 0.7141539954, 2.185571902),
        "x7": (0.2457316445, 0.7664368385, 4.185902067),
        "x8": (0.3690554493, 0.7484244821, 5.527076412),
        "x9": (0.4947809977, 0.7310302035, 5.374123292),
    },
}
# The visual scale with x2 negated: raw_alpha, then per item r.drop and alpha if dropped.
R_REVERSED = (
    -0.2416485594,
    {
        "x1": (0.11175611222, -1.0283467109),
        "x2": (-0.37496796181, 0.6115414959),
        "x3": (0.08223209515, -0.8463051669),
    },
)


def _assert_r_drop_and_alpha_dropped(table: pd.DataFrame, item: str, r_drop, alpha_dropped):
    assert table.loc[item, "r_drop"] == pytest.approx(r_drop, abs=1e-9), item
    assert table.loc[item, "alpha_if_deleted"] == pytest.approx(alpha_dropped, abs=1e-9), item


@pytest.mark.parametrize("scale", list(R_ITEMS))
def test_item_statistics_equal_r_psych(scale):
    table = item_statistics(DATA[list(R_ITEMS[scale])]).set_index("item")
    for item, (r_drop, alpha_dropped, mean) in R_ITEMS[scale].items():
        _assert_r_drop_and_alpha_dropped(table, item, r_drop, alpha_dropped)
        assert table.loc[item, "mean"] == pytest.approx(mean, abs=1e-8), item
        assert table.loc[item, "n"] == 301 and table.loc[item, "flag"] == ""


def test_an_unreversed_item_is_flagged_as_psych_warns():
    data = DATA[["x1", "x2", "x3"]].assign(x2=-DATA["x2"])
    total, items = R_REVERSED
    assert cronbach_alpha(data).alpha == pytest.approx(total, abs=1e-9)
    table = item_statistics(data).set_index("item")
    for item, (r_drop, alpha_dropped) in items.items():
        _assert_r_drop_and_alpha_dropped(table, item, r_drop, alpha_dropped)
    assert table["flag"].to_dict() == {"x1": "", "x2": "negative", "x3": ""}
    assert "x2 (r = -0.37)" in item_warning(table.reset_index())


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
