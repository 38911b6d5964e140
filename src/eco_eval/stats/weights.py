"""Survey weights: calibration of respondents on the staff's margins (raking), and what weighting
costs (Kish's effective sample size and design effect).

Raking (iterative proportional fitting, INSEE's « calage sur marges » with the raking ratio
method) is written here: about twenty lines of numpy. The kept library that implements it,
``samplics``, brings a second data-frame library (polars) into the project; statsmodels has no
raking. ``tests/stats/test_weights.py`` checks it against the closed form (post-stratification,
which raking on one margin or on a full cross-classification equals) and on simulated staffs
with a known truth.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from eco_eval.stats._checks import (
    StatsInputError,
    check_columns,
    check_level,
    checked,
    numeric_column,
)
from eco_eval.stats.intervals import t_half_widths, wilson_ci

__all__ = [
    "design_effect",
    "effective_n",
    "rake",
    "weighted_mean_ci",
    "weighted_moments",
    "weighted_share_ci",
]


def _check_margins(sample: pd.DataFrame, margins: Mapping[str, Mapping[object, float]]) -> None:
    if not isinstance(margins, Mapping) or not margins:
        raise StatsInputError("margins must map a column to its population counts by category")
    check_columns(sample, list(margins), "sample")
    for var, counts in margins.items():
        if not isinstance(counts, Mapping) or not counts:
            raise StatsInputError(f"margins[{var!r}] must map each category to a count")
        values = np.asarray(list(counts.values()), dtype=float)
        if not np.all(np.isfinite(values)) or (values < 0).any() or values.sum() <= 0:
            raise StatsInputError(f"margins[{var!r}]: counts must be finite, >= 0, not all 0")


@checked
def rake(
    sample: pd.DataFrame,
    margins: Mapping[str, Mapping[object, float]],
    *,
    max_iter: int = 200,
    tol: float = 1e-10,
) -> pd.Series:
    """Raking weights that make the respondents' weighted counts match the population margins.

    Parameters
    ----------
    sample : pandas.DataFrame
        One row per respondent, with a column per margin variable (a missing value: the
        respondent did not say; they keep their weight on that variable).
    margins : mapping of column -> mapping of category -> population count
        E.g. ``{"department": {"Finances": 120, ...}, "category": {"A": 80, ...}}``.
    max_iter, tol : int, float
        Stop when every weighted margin is within ``tol`` (relative) of its target.

    Returns
    -------
    pandas.Series
        Weights (index of ``sample``) summing to the population total: a respondent stands for
        ``weight`` staff. A category of the population without any respondent cannot be
        represented: its count is shared out over the others (``attrs["unmatched"]`` lists such
        categories); ``attrs["iterations"]`` and ``attrs["converged"]`` say how the fit went.

    Notes
    -----
    Raking ratio (Deming & Stephan, 1940): starting from :math:`w_i = N/n`, each variable in
    turn multiplies the weights of category *g* by :math:`T_g / \\sum_{i \\in g} w_i`, with the
    target :math:`T_g` scaled to the weight of the respondents who gave the variable, until
    every margin matches. With one variable, or the cells of a full cross-classification, this
    is post-stratification.

    References
    ----------
    Deming, W. E. & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency
    table when the expected marginal totals are known. Ann. Math. Stat. 11(4), 427-444.
    Deville, J.-C. & Särndal, C.-E. (1992). Calibration estimators in survey sampling. JASA
    87(418), 376-382. Sautory, O. (1993). La macro CALMAR. INSEE, document F9310.
    """
    _check_margins(sample, margins)
    n = len(sample)
    if n == 0:
        raise StatsInputError("sample has no respondent to weight")
    population = float(sum(margins[next(iter(margins))].values()))
    w = np.full(n, population / n)
    unmatched: list[str] = []
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for var, counts in margins.items():
        cats = [c for c in counts if counts[c] > 0]
        seen = set(sample[var].dropna().astype(str))
        unmatched += [f"{var}={c}" for c in cats if str(c) not in seen]
        cats = [c for c in cats if str(c) in seen]
        target = np.array([float(counts[c]) for c in cats])
        index = {str(c): j for j, c in enumerate(cats)}
        code = sample[var].map(lambda v, ix=index: ix.get(str(v), -1) if pd.notna(v) else -1)
        codes[var] = (code.to_numpy(dtype=np.int64), target / target.sum())
    converged, it = False, 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        worst = 0.0
        for cells, share in codes.values():
            known = cells >= 0
            totals = np.bincount(cells[known], weights=w[known], minlength=len(share))
            goal = share * w[known].sum()
            ratio = np.divide(goal, totals, out=np.ones_like(goal), where=totals > 0)
            worst = max(worst, float(np.max(np.abs(ratio - 1))))
            w[known] *= ratio[cells[known]]
        if worst < tol:
            converged = True
            break
    out = pd.Series(w * population / w.sum(), index=sample.index, name="weight")
    out.attrs.update(unmatched=unmatched, iterations=it, converged=converged)
    return out


@checked
def effective_n(weights: object) -> float:
    """Kish's effective sample size :math:`(\\sum w)^2 / \\sum w^2` (NaN weights ignored)."""
    w = np.asarray(weights, dtype=float)
    w = w[np.isfinite(w)]
    if (w < 0).any():
        raise StatsInputError("weights must be >= 0")
    return _kish(w)


def _kish(w: np.ndarray) -> float:
    return float(w.sum() ** 2 / (w**2).sum()) if (w**2).sum() > 0 else 0.0


def weighted_moments(y: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """``(mean, n_effective, variance)`` of values ``y`` with weights ``w``: clean float arrays
    (no NaN, weights >= 0 summing to more than 0), as :func:`weighted_mean_ci` uses them.

    :math:`\\bar y_w = \\sum w y / \\sum w`, Kish's :math:`n_e`, and
    :math:`s_w^2 = \\sum w (y - \\bar y_w)^2 / \\sum w \\cdot n_e / (n_e - 1)` (NaN when
    :math:`n_e \\le 1`). For tables of many weighted means, whose intervals
    :func:`eco_eval.stats.intervals.t_half_widths` then gives all at once.
    """
    mean = float(np.sum(w * y) / w.sum())
    n_e = _kish(w)
    if n_e <= 1:
        return mean, n_e, float("nan")
    return mean, n_e, float(np.sum(w * (y - mean) ** 2) / w.sum()) * n_e / (n_e - 1)


@checked
def design_effect(weights: object) -> float:
    """Kish's design effect of unequal weights :math:`n \\sum w^2 / (\\sum w)^2` (1: none)."""
    w = np.asarray(weights, dtype=float)
    w = w[np.isfinite(w)]
    n_eff = effective_n(w)
    return float(len(w) / n_eff) if n_eff > 0 else float("nan")


def _pairs(values: object, weights: object, name: str) -> tuple[np.ndarray, np.ndarray]:
    if weights is None or len(pd.Series(values)) != len(pd.Series(weights)):
        raise StatsInputError(f"{name} and weights must have the same length, one weight per value")
    frame = pd.DataFrame({"y": pd.Series(values).to_numpy(), "w": pd.Series(weights).to_numpy()})
    y = numeric_column(frame, "y", name)
    w = numeric_column(frame, "w", "weights")
    keep = y.notna() & w.notna()
    if (w[keep] < 0).any():
        raise StatsInputError("weights must be >= 0")
    return y[keep].to_numpy(), w[keep].to_numpy()


@checked
def weighted_mean_ci(
    values: object, weights: object, level: float = 0.95
) -> tuple[float, float, float, float]:
    """Weighted mean with a t interval on Kish's effective sample size.

    Returns ``(mean, n_effective, ci_low, ci_high)``: :math:`\\bar y_w = \\sum w y / \\sum w`,
    :math:`s_w^2 = \\sum w (y - \\bar y_w)^2 / \\sum w \\cdot n_e / (n_e - 1)`, interval
    :math:`\\bar y_w \\pm t_{n_e - 1} s_w / \\sqrt{n_e}` (Kish, 1965, Survey sampling, 8.2).
    With equal weights this is :func:`eco_eval.stats.mean_ci`.
    """
    level = check_level(level)
    y, w = _pairs(values, weights, "values")
    if w.sum() <= 0:
        return float("nan"), 0.0, float("nan"), float("nan")
    mean, n_e, var = weighted_moments(y, w)
    if n_e <= 1:
        return mean, n_e, float("nan"), float("nan")
    half = float(t_half_widths([var], [n_e], level)[0])
    return mean, n_e, mean - half, mean + half


@checked
def weighted_share_ci(
    flags: object, weights: object, level: float = 0.95
) -> tuple[float, float, float, float]:
    """Weighted share of True with a Wilson interval on the effective sample size.

    Returns ``(share, n_effective, ci_low, ci_high)`` (Kish's effective size in Wilson's
    formula, as in Korn & Graubard, 1998, Survey Methodology 24(2)).
    """
    level = check_level(level)
    y, w = _pairs(pd.Series(flags).astype(float), weights, "flags")
    if w.sum() <= 0:
        return float("nan"), 0.0, float("nan"), float("nan")
    share, n_e, _ = weighted_moments(y, w)
    ci = wilson_ci([share * n_e], [n_e], level).iloc[0]
    return share, n_e, float(ci["ci_low"]), float(ci["ci_high"])
