"""McDonald's omega total from a one-factor maximum-likelihood model, reproducible to the bit.

The factor model is fitted from analytic starting values (principal axes on squared multiple
correlations), so the same data give the same omega on every call, and a bootstrap with the same
seed gives the same interval. The scale's dimensionality is checked before omega is trusted.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from statsmodels.multivariate.factor import Factor

from eco_eval.stats._checks import (
    StatsInputError,
    as_1d_float,
    check_choice,
    check_finite,
    check_level,
    check_positive_int,
    checked,
    complete_numeric,
)
from eco_eval.stats.intervals import bootstrap_rows

__all__ = [
    "OMEGA_CONVENTIONS",
    "OmegaResult",
    "dimensionality",
    "mcdonald_omega",
    "omega_from_loadings",
]

NAN = float("nan")

OMEGA_CONVENTIONS = ("model", "semtools", "psych")
"""``model``: McDonald (1999), model-implied total variance of the raw sum (semTools
``compRelSEM(fit, obs.var = FALSE)``); ``semtools``: observed variance of the raw sum in the
denominator (semTools ``compRelSEM(fit)``, its default); ``psych``: standardised items,
:math:`1 - \\sum u^2 / \\mathbf 1' R \\mathbf 1` (``psych::omega(x, nfactors = 1, fm = "ml")$omega.tot``).
"""

#: A scale is reported as multidimensional when its correlation matrix's second eigenvalue
#: exceeds 1 and the first is less than this many times the second (Lord, 1980; Slocum-Gori &
#: Zumbo, 2011: a ratio above 3 to 4 indicates an essentially unidimensional scale).
EIGEN_RATIO = 3.0


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total from a one-factor model, with its loadings and a note.

    ``unidimensional`` is False when :func:`dimensionality` finds a second factor; omega is then
    computed but describes no single construct.
    """

    omega: float
    loadings: tuple[float, ...]
    uniquenesses: tuple[float, ...]
    n: int
    k: int
    ci_low: float = NAN
    ci_high: float = NAN
    level: float = NAN
    note: str = ""
    convention: str = "model"
    eigen_ratio: float = NAN
    unidimensional: bool = True

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict."""
        return asdict(self)


def dimensionality(corr: np.ndarray) -> tuple[float, bool]:
    """Ratio of the first to the second eigenvalue of ``corr`` and whether one factor suffices.

    Returns ``(ratio, unidimensional)``: unidimensional unless the second eigenvalue exceeds 1
    and the ratio is below :data:`EIGEN_RATIO`.
    """
    eig = np.linalg.eigvalsh(corr)[::-1]
    ratio = float(eig[0] / eig[1]) if eig[1] > 0 else float("inf")
    return ratio, not (eig[1] > 1.0 and ratio < EIGEN_RATIO)


def _start(corr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Principal-axis starting values: uniquenesses 1 - SMC, loadings of the reduced matrix."""
    psi = np.clip(1.0 / np.diag(np.linalg.pinv(corr)), 0.005, 0.995)
    values, vectors = np.linalg.eigh(corr - np.diag(psi))
    load = vectors[:, -1] * np.sqrt(max(values[-1], 1e-3))
    if load.sum() < 0:
        load = -load
    return load[:, None], psi


def one_factor_ml(corr: np.ndarray, nobs: int) -> tuple[np.ndarray, np.ndarray]:
    """Standardised loadings and uniquenesses of the one-factor ML model of ``corr``.

    Fitted by :class:`statsmodels.multivariate.factor.Factor` from :func:`_start` (no random
    draw); the loadings are signed so that their sum is positive.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = Factor(corr=corr, n_factor=1, method="ml", nobs=nobs).fit(start=_start(corr))
    loadings = np.asarray(fit.loadings, dtype=float).ravel()
    if loadings.sum() < 0:
        loadings = -loadings
    return loadings, np.asarray(fit.uniqueness, dtype=float).ravel()


def omega_from_loadings(
    loadings: object, unique_variances: object, observed_cov: object = None
) -> float:
    """Omega total of the unit-weighted sum of items from a factor model's raw-scale estimates.

    Parameters
    ----------
    loadings : sequence of float
        The items' loadings on their factor, on the items' raw scale, with the factor's variance
        fixed to 1 (multiply by the factor's standard deviation otherwise).
    unique_variances : sequence of float
        The items' unique (residual) variances, raw scale, same order and length.
    observed_cov : square array or None
        The items' observed covariance matrix. Given, the denominator is the observed variance of
        the sum, :math:`\\mathbf 1' S \\mathbf 1` (semTools ``compRelSEM(fit)``, ``obs.var =
        TRUE``, its default); None, the model-implied variance
        :math:`(\\sum\\lambda)^2 + \\sum\\psi` (``compRelSEM(fit, obs.var = FALSE)``; McDonald,
        1999).

    Returns
    -------
    float
        :math:`(\\sum_i \\lambda_i)^2` over the chosen total variance.

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment, ch. 6. Jorgensen, T. D. et al.
    (2022). semTools: ``compRelSEM``.
    """
    lam = as_1d_float(loadings, "loadings")
    psi = as_1d_float(unique_variances, "unique_variances")
    for values, name in ((lam, "loadings"), (psi, "unique_variances")):
        check_finite(values, name)
        if np.isnan(values).any() or values.size == 0:
            raise StatsInputError(f"{name} must be numbers with no missing value")
    if psi.size != lam.size or (psi < 0).any():
        raise StatsInputError(
            f"unique_variances must be {lam.size} variances >= 0 (one per loading), "
            f"got {psi.size} values"
        )
    common = float(lam.sum() ** 2)
    if observed_cov is None:
        return common / (common + float(psi.sum()))
    try:
        cov = np.asarray(observed_cov, dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError("observed_cov must be a numeric square matrix") from exc
    if cov.shape != (lam.size, lam.size) or not np.isfinite(cov).all():
        raise StatsInputError(
            f"observed_cov must be a finite {lam.size} x {lam.size} matrix (one row per loading), "
            f"got shape {cov.shape}"
        )
    return common / float(cov.sum())


def _omega(data: np.ndarray, convention: str) -> tuple[float, np.ndarray, np.ndarray]:
    corr = np.corrcoef(data, rowvar=False)
    loadings, uniq = one_factor_ml(corr, data.shape[0])
    if convention == "psych":
        return 1.0 - float(uniq.sum()) / float(corr.sum()), loadings, uniq
    sd = data.std(axis=0, ddof=1)
    # ML is scale invariant: the raw-scale loadings are lambda * sd, the unique variances psi * sd^2.
    observed = np.cov(data, rowvar=False) if convention == "semtools" else None
    return omega_from_loadings(loadings * sd, uniq * sd**2, observed), loadings, uniq


@checked
def mcdonald_omega(
    items: pd.DataFrame,
    n_boot: int = 0,
    level: float = 0.95,
    seed: int | None = None,
    convention: str = "model",
) -> OmegaResult:
    """McDonald's omega total from a one-factor maximum-likelihood model.

    Parameters
    ----------
    items : pandas.DataFrame
        One column per item (already keyed), one row per respondent; listwise deletion. Infinite
        values are refused.
    n_boot : int
        Bootstrap resamples for a percentile interval; 0 (default) gives no interval.
    level : float
        Confidence level of the bootstrap interval.
    seed : int or None
        Seed of the bootstrap: the same seed gives the same interval.
    convention : {"model", "semtools", "psych"}
        Which published definition to follow (:data:`OMEGA_CONVENTIONS`); they coincide when the
        model fits exactly and the items have equal variances.

    Returns
    -------
    OmegaResult
        ``omega``; ``loadings`` and ``uniquenesses`` (standardised, signed so that the loadings
        sum to a positive number); ``n``; ``k``; ``ci_low``/``ci_high``/``level`` (NaN without
        bootstrap); ``note`` (why omega is NaN, a Heywood case, a second dimension);
        ``convention``; ``eigen_ratio`` and ``unidimensional`` (:func:`dimensionality`).

    Notes
    -----
    For the congeneric model :math:`x_i = \\mu_i + \\lambda_i F + e_i` with
    :math:`\\mathrm{Var}(e_i) = \\psi_i`, the reliability of the unit-weighted sum is

    .. math:: \\omega_t = \\frac{(\\sum_i \\lambda_i)^2}{(\\sum_i \\lambda_i)^2 + \\sum_i \\psi_i}

    with loadings and unique variances on the scale of the raw items (the score actually used).
    The ML solution starts from principal axes on squared multiple correlations, so the result
    does not depend on a random draw. At least 3 items are needed (a one-factor model of 2 items
    is not identified: use :func:`eco_eval.stats.reliability.spearman_brown`).

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum, ch. 6. Revelle, W. &
    Zinbarg, R. E. (2009). Coefficients alpha, beta, omega, and the glb. Psychometrika 74(1),
    145-154. Jorgensen, T. D. et al. (2022). semTools: compRelSEM. Slocum-Gori, S. L. & Zumbo,
    B. D. (2011). Assessing the unidimensionality of psychological scales. Social Indicators
    Research 102(3), 443-461.
    """
    level = check_level(level)
    n_boot = check_positive_int(n_boot, "n_boot", minimum=0)
    convention = check_choice(convention, OMEGA_CONVENTIONS, "convention")
    if seed is not None:
        seed = check_positive_int(seed, "seed", minimum=0)
    data = complete_numeric(items).to_numpy()
    n, k = data.shape
    if k < 3:
        return OmegaResult(
            NAN, (), (), n, k, note=f"omega needs at least 3 items, got {k}", convention=convention
        )
    if n < k + 2 or np.any(data.std(axis=0) == 0):
        return OmegaResult(
            NAN,
            (),
            (),
            n,
            k,
            note=f"too few complete rows ({n}) or a constant item",
            convention=convention,
        )
    omega, loadings, uniq = _omega(data, convention)
    ratio, unidimensional = dimensionality(np.corrcoef(data, rowvar=False))
    notes = []
    if not unidimensional:
        notes.append(
            f"two or more dimensions (first/second eigenvalue {ratio:.2f} < {EIGEN_RATIO:g}): "
            "omega of one factor does not apply, report the subscales"
        )
    if uniq.min() < 0.005:
        notes.append("Heywood case: a unique variance is ~0, omega is unreliable")
    low = high = NAN
    if n_boot:
        draws = bootstrap_rows(data, lambda sample: _omega(sample, convention)[0], n_boot, seed)
        tail = (1 - level) / 2
        low, high = (float(q) for q in np.quantile(draws, [tail, 1 - tail]))
    return OmegaResult(
        float(omega),
        tuple(loadings.tolist()),
        tuple(uniq.tolist()),
        n,
        k,
        low,
        high,
        level if n_boot else NAN,
        "; ".join(notes),
        convention,
        ratio,
        unidimensional,
    )
