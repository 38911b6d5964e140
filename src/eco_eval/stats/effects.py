"""Effect sizes, multiple-testing control and minimum detectable effects."""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass

import lazy_loader
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower

from eco_eval.stats._checks import StatsInputError, as_1d_float, check_level, checked

# pingouin imports matplotlib and xarray: it is loaded on the first Hedges' g, which a
# publication whose impact rows all come from regressions never needs.
pg = lazy_loader.load("pingouin")

__all__ = [
    "EffectSize",
    "benjamini_hochberg",
    "design_effect",
    "hedges_correction",
    "hedges_g",
    "minimum_detectable_effect",
]

NAN = float("nan")


@dataclass(frozen=True)
class EffectSize:
    """Hedges' g of x versus y with its confidence interval."""

    g: float
    ci_low: float
    ci_high: float
    se: float
    n_x: int
    n_y: int
    level: float

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict."""
        return asdict(self)


def hedges_correction(df: float) -> float:
    """Small-sample correction factor J = 1 - 3 / (4 df - 1) (Hedges, 1981); NaN if df < 1."""
    return 1 - 3 / (4 * df - 1) if df >= 1 else NAN


@checked
def hedges_g(x: object, y: object, level: float = 0.95) -> EffectSize:
    """Hedges' g (bias-corrected standardised mean difference, x minus y) with a t interval.

    Parameters
    ----------
    x, y : array-like
        The two independent samples (e.g. participants and non-participants); NaN dropped.
    level : float
        Confidence level, default 0.95.

    Returns
    -------
    EffectSize
        ``g``, ``ci_low``, ``ci_high``, ``se``, ``n_x``, ``n_y``, ``level``. NaN when a group has
        fewer than 2 values or the pooled SD is 0.

    Notes
    -----
    :math:`d = (\\bar x - \\bar y)/s_p`, :math:`s_p^2 = [(n_x-1)s_x^2 + (n_y-1)s_y^2]/(n_x+n_y-2)`,
    :math:`g = J d` with :math:`J = 1 - 3/(4(n_x+n_y-2)-1)` (computed by
    :func:`pingouin.compute_effsize`). Standard error (Hedges & Olkin, 1985):
    :math:`SE = \\sqrt{(n_x+n_y)/(n_x n_y) + g^2/(2(n_x+n_y))}` and interval
    :math:`g \\pm t_{n_x+n_y-2} SE`, the same formula as :func:`pingouin.compute_esci` (computed
    here because pingouin rounds the bounds).

    References
    ----------
    Hedges, L. V. & Olkin, I. (1985). Statistical methods for meta-analysis. Academic Press.
    Borenstein, M., Hedges, L. V., Higgins, J. P. T. & Rothstein, H. R. (2009). Introduction to
    meta-analysis. Wiley, ch. 4.

    Examples
    --------
    >>> r = hedges_g([5, 6, 7, 8, 9], [3, 4, 5, 6, 7])
    >>> round(r.g, 4)
    1.1425
    """
    level = check_level(level)
    a = as_1d_float(x, "x")
    b = as_1d_float(y, "y")
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    nx, ny = int(a.size), int(b.size)
    if nx < 2 or ny < 2:
        return EffectSize(NAN, NAN, NAN, NAN, nx, ny, level)
    pooled = ((nx - 1) * a.var(ddof=1) + (ny - 1) * b.var(ddof=1)) / (nx + ny - 2)
    if pooled == 0:
        return EffectSize(NAN, NAN, NAN, NAN, nx, ny, level)
    g = float(pg.compute_effsize(a, b, paired=False, eftype="hedges"))
    se = math.sqrt((nx + ny) / (nx * ny) + g**2 / (2 * (nx + ny)))
    crit = stats.t.ppf(1 - (1 - level) / 2, nx + ny - 2)
    return EffectSize(g, float(g - crit * se), float(g + crit * se), se, nx, ny, level)


@checked
def benjamini_hochberg(pvalues: object, alpha: float = 0.05) -> pd.DataFrame:
    """Benjamini-Hochberg false discovery rate control over a family of p-values.

    Parameters
    ----------
    pvalues : array-like or pandas.Series
        p-values; NaN (test not run) are kept as NaN and left out of the family.
    alpha : float
        False discovery rate, default 0.05.

    Returns
    -------
    pandas.DataFrame
        Index of ``pvalues`` when a Series; columns ``p_value``, ``p_adjusted`` (BH q-value,
        NaN where the p-value is NaN) and ``rejected`` (bool, False where NaN).

    Notes
    -----
    With the m p-values sorted :math:`p_{(1)} \\le \\dots \\le p_{(m)}`, the adjusted value is
    :math:`\\min_{j \\ge i} \\min(1, m p_{(j)} / j)`; hypotheses with adjusted value
    :math:`\\le \\alpha` are rejected. Wraps ``statsmodels.stats.multitest.multipletests(
    method="fdr_bh")``.

    References
    ----------
    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57(1),
    289-300.
    """
    alpha = check_level(alpha, "alpha")
    index = pvalues.index if isinstance(pvalues, pd.Series) else None
    p = as_1d_float(pvalues, "pvalues")
    ok = ~np.isnan(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise StatsInputError("p-values must lie in [0, 1]")
    adjusted = np.full(p.shape, NAN)
    rejected = np.zeros(p.shape, dtype=bool)
    if ok.any():
        rej, adj, _, _ = multipletests(p[ok], alpha=alpha, method="fdr_bh")
        adjusted[ok] = adj
        rejected[ok] = rej
    return pd.DataFrame({"p_value": p, "p_adjusted": adjusted, "rejected": rejected}, index=index)


def design_effect(icc: float, cluster_size: float) -> float:
    """Kish design effect for cluster sampling: 1 + (m - 1) ICC."""
    if not 0 <= icc <= 1:
        raise StatsInputError(f"icc must lie in [0, 1], got {icc}")
    if cluster_size < 1:
        raise StatsInputError(f"cluster_size must be >= 1, got {cluster_size}")
    return 1 + (cluster_size - 1) * icc


@checked
def minimum_detectable_effect(
    n1: float,
    n2: float,
    alpha: float = 0.05,
    power: float = 0.8,
    icc: float = 0.0,
    cluster_size: float = 1.0,
) -> float:
    """Smallest standardised difference (Cohen's d) a two-sided two-sample t-test detects.

    Parameters
    ----------
    n1, n2 : float
        Group sizes (e.g. treated and control respondents).
    alpha : float
        Two-sided significance level, default 0.05.
    power : float
        Required power, default 0.8.
    icc : float
        Intra-cluster correlation of the outcome when groups are formed of whole clusters
        (departments); 0 for individually assigned groups.
    cluster_size : float
        Mean number of respondents per cluster.

    Returns
    -------
    float
        Minimum detectable effect in standard-deviation units; NaN when an effective group size is
        below 2. Multiply by the outcome's SD to get score points.

    Notes
    -----
    Sizes are divided by the design effect :math:`DE = 1 + (m-1)\\rho` (Kish, 1965), then
    ``statsmodels.stats.power.TTestIndPower.solve_power`` solves the noncentral-t power equation
    for the effect size. For large samples
    :math:`MDE \\approx (z_{1-\\alpha/2} + z_{power}) \\sqrt{DE (1/n_1 + 1/n_2)}` (Bloom, 1995).

    References
    ----------
    Bloom, H. S. (1995). Minimum detectable effects. Evaluation Review 19(5), 547-556. Kish, L.
    (1965). Survey sampling. Wiley.

    Examples
    --------
    >>> round(minimum_detectable_effect(64, 64), 3)
    0.499
    """
    alpha = check_level(alpha, "alpha")
    power = check_level(power, "power")
    de = design_effect(icc, cluster_size)
    e1, e2 = n1 / de, n2 / de
    if not (np.isfinite(e1) and np.isfinite(e2)) or min(e1, e2) < 2:
        return NAN
    return _solved_effect(float(e1), float(e2), float(alpha), float(power))


@functools.lru_cache(maxsize=4096)
def _solved_effect(e1: float, e2: float, alpha: float, power: float) -> float:
    # A release asks for the same group sizes many times (every score of a wave pair), and each
    # solution is a root search over the noncentral t: solved once per sizes.
    solved = TTestIndPower().solve_power(
        effect_size=None, nobs1=e1, alpha=alpha, power=power, ratio=e2 / e1, alternative="two-sided"
    )
    # solve_power returns a 0-d or a 1-element array depending on the root finder it fell back to.
    return float(np.asarray(solved, dtype=float).ravel()[0])
