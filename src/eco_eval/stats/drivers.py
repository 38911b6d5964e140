"""Key-driver analysis: how much of an outcome's variance each lever's climate score accounts for.

The result is an **association**: the share of explained variance a lever's climate carries when
the 12 climates are considered together. It does not say that improving a lever's climate would
improve well-being (both can depend on a third factor, such as the department's management); the
output's ``interpretation`` column says so in every row.

Neither LMG nor Johnson's relative weights exist in scipy, statsmodels or pingouin (R has them in
``relaimpo`` and ``rwa``), hence the implementations below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from eco_eval.stats._checks import StatsInputError, check_columns, check_level, checked
from eco_eval.stats.intervals import bootstrap_rows

__all__ = ["key_drivers", "lmg", "relative_weights"]

_MAX_LMG = 15  # 2**15 subsets: beyond that use relative weights


@cache
def _subsets(p: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """For each size k = 1..p: (index array (m, k), bit masks (m,)) of all k-subsets."""
    out = []
    for k in range(1, p + 1):
        idx = np.array(list(combinations(range(p), k)), dtype=np.int64)
        out.append((idx, (1 << idx).sum(axis=1)))
    return tuple(out)


@cache
def _shapley_weights(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bit masks 0..2**p - 1, their sizes, and the Shapley weight of each size s < p."""
    masks = np.arange(1 << p)
    sizes = np.array([bin(m).count("1") for m in masks])
    weights = np.array(
        [factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)] + [0.0]
    )
    return masks, sizes, weights


def _all_r2(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """R-squared of every predictor subset, indexed by bit mask (entry 0 = empty set = 0)."""
    p = rxx.shape[0]
    r2 = np.zeros(1 << p)
    for idx, masks in _subsets(p):
        a = rxx[idx[:, :, None], idx[:, None, :]]
        b = rxy[idx]
        try:
            sol = np.linalg.solve(a, b[..., None])[..., 0]
        except np.linalg.LinAlgError:
            sol = (np.linalg.pinv(a) @ b[..., None])[..., 0]
        r2[masks] = (b * sol).sum(axis=1)
    return r2


def lmg(corr: np.ndarray) -> np.ndarray:
    """LMG (Shapley) decomposition of R-squared from a correlation matrix, outcome in the last row.

    ``LMG_j = sum over S not containing j of |S|! (p - |S| - 1)! / p! * (R2(S + j) - R2(S))``:
    the increase in R-squared when j enters, averaged over all p! orders of entry (Lindeman,
    Merenda & Gold, 1980; Grömping, 2006). The p values sum to the full-model R-squared.
    """
    corr = np.asarray(corr, dtype=float)
    p = corr.shape[0] - 1
    if p < 1 or p > _MAX_LMG:
        raise StatsInputError(f"LMG handles 1..{_MAX_LMG} predictors, got {p}")
    r2 = _all_r2(corr[:p, :p], corr[:p, p])
    masks, sizes, weights = _shapley_weights(p)
    out = np.empty(p)
    for j in range(p):
        without = masks[(masks >> j) & 1 == 0]
        out[j] = float((weights[sizes[without]] * (r2[without | (1 << j)] - r2[without])).sum())
    return out


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from a correlation matrix, outcome in the last row.

    With :math:`R_{xx} = Q \\Lambda Q'` and :math:`Z = Q \\Lambda^{1/2} Q'` (the correlations of the
    predictors with their closest orthogonal counterparts), :math:`\\beta = Z^{-1} r_{xy}` and
    :math:`\\varepsilon_j = \\sum_k Z_{jk}^2 \\beta_k^2`; the weights sum to R-squared.
    """
    corr = np.asarray(corr, dtype=float)
    p = corr.shape[0] - 1
    evals, evecs = np.linalg.eigh(corr[:p, :p])
    if evals.min() <= 1e-10:
        raise StatsInputError("predictors are collinear (singular correlation matrix)")
    z = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta = np.linalg.solve(z, corr[:p, p])
    return (z**2) @ (beta**2)


@checked
def key_drivers(
    frame: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str] | Mapping[str, str],
    *,
    method: str = "lmg",
    n_boot: int = 500,
    level: float = 0.95,
    seed: int | None = None,
    min_n: int = 30,
) -> pd.DataFrame:
    """Relative importance of predictors (lever climate scores) for an outcome, with bootstrap CIs.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent; rows with a missing value in the outcome or a predictor are
        dropped (listwise).
    outcome : str
        Outcome column (e.g. ``swemwbs_score``).
    predictors : sequence of str or mapping label -> column
        Predictor columns (e.g. the 12 ``clim_<lever>_score``); a mapping gives display labels
        (e.g. lever ids).
    method : {"lmg", "relative_weights"}
        LMG / Shapley decomposition (exact; default) or Johnson's relative weights (fast
        approximation, needed beyond 15 predictors).
    n_boot : int
        Bootstrap resamples (rows drawn with replacement) for percentile intervals; 0 for none.
    level : float
        Confidence level of the intervals.
    seed : int or None
        Seed of the bootstrap.
    min_n : int
        Fewer complete rows than this (or than predictors + 10) raises.

    Returns
    -------
    pandas.DataFrame
        One row per predictor, sorted by importance, columns: ``predictor`` (label),
        ``importance`` (its part of R-squared), ``ci_low``, ``ci_high`` (bootstrap percentile),
        ``share`` (importance / R-squared), ``rank`` (1 = largest), ``r2`` (full model),
        ``r2_ci_low``, ``r2_ci_high``, ``n``, ``method``, ``interpretation`` (always
        ``"association"``).

    Notes
    -----
    Both decompositions work on the Pearson correlation matrix of the complete rows; see
    :func:`lmg` and :func:`relative_weights`. Importances sum to the model R-squared. They rank
    associations: a high share is a lead for the deputy directorate to examine, not a causal
    effect.

    References
    ----------
    Lindeman, R. H., Merenda, P. F. & Gold, R. Z. (1980). Introduction to bivariate and
    multivariate analysis. Scott, Foresman. Grömping, U. (2006). Relative importance for linear
    regression in R: the package relaimpo. Journal of Statistical Software 17(1). Johnson, J. W.
    (2000). A heuristic method for estimating the relative weight of predictor variables in
    multiple regression. Multivariate Behavioral Research 35(1), 1-19.
    """
    level = check_level(level)
    if method not in {"lmg", "relative_weights"}:
        raise StatsInputError(f'method must be "lmg" or "relative_weights", got {method!r}')
    labels = list(predictors) if isinstance(predictors, Mapping) else [str(c) for c in predictors]
    columns = list(predictors.values()) if isinstance(predictors, Mapping) else labels
    if not columns or len(set(columns)) != len(columns) or outcome in columns:
        raise StatsInputError("predictors must be distinct columns, other than the outcome")
    check_columns(frame, [*columns, outcome])
    data = frame[[*columns, outcome]].apply(pd.to_numeric, errors="coerce").dropna().to_numpy(float)
    n, p = data.shape[0], len(columns)
    if n < max(min_n, p + 10):
        raise StatsInputError(
            f"{n} complete rows: key-driver analysis needs at least {max(min_n, p + 10)}"
        )
    if np.any(data.std(axis=0) == 0):
        raise StatsInputError("a predictor or the outcome is constant in the complete rows")
    decompose = lmg if method == "lmg" else relative_weights
    point = decompose(np.corrcoef(data, rowvar=False))
    low = high = np.full(p, np.nan)
    r2_low = r2_high = np.nan
    if n_boot:
        boot = bootstrap_rows(
            data, lambda sample: decompose(np.corrcoef(sample, rowvar=False)), n_boot, seed
        )
        tail = (1 - level) / 2
        low, high = np.quantile(boot, tail, axis=0), np.quantile(boot, 1 - tail, axis=0)
        r2_low, r2_high = np.quantile(boot.sum(axis=1), [tail, 1 - tail])
    r2 = float(point.sum())
    out = pd.DataFrame(
        {
            "predictor": labels,
            "importance": point,
            "ci_low": low,
            "ci_high": high,
            "share": point / r2 if r2 > 0 else np.nan,
            "rank": pd.Series(point).rank(ascending=False, method="min").astype(int).to_numpy(),
            "r2": r2,
            "r2_ci_low": float(r2_low),
            "r2_ci_high": float(r2_high),
            "n": n,
            "method": method,
            "interpretation": "association",
        }
    )
    return out.sort_values("rank", kind="stable").reset_index(drop=True)
