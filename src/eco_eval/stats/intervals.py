"""Point estimates with confidence intervals: proportions, means, Net Promoter Score, top-box shares.

Every function drops missing values (NaN) before computing and reports the ``n`` it used, so that a
figure is never shown without the number of answers it rests on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from eco_eval.stats._checks import (
    StatsInputError,
    as_1d_float,
    check_level,
    check_positive_int,
    checked,
)

__all__ = [
    "Interval",
    "NPSResult",
    "bootstrap_mean_ci",
    "bootstrap_rows",
    "mean_ci",
    "nps",
    "t_half_widths",
    "top_box_share",
    "wilson_ci",
]

NAN = float("nan")


@dataclass(frozen=True)
class Interval:
    """An estimate with its two-sided confidence interval.

    ``count`` is the number of "successes" for a proportion (None otherwise); ``se`` is NaN when the
    method does not give one (bootstrap, Wilson).
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    level: float
    method: str
    se: float = NAN
    count: int | None = None

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict (handy for building a tidy row)."""
        return asdict(self)


@dataclass(frozen=True)
class NPSResult:
    """Net Promoter Score on the -100..100 scale with its interval and the category counts."""

    score: float
    ci_low: float
    ci_high: float
    se: float
    n: int
    n_promoters: int
    n_passives: int
    n_detractors: int
    level: float
    method: str

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict."""
        return asdict(self)


@checked
def wilson_ci(successes: object, n: object, level: float = 0.95) -> pd.DataFrame:
    """Wilson score interval for one or many binomial proportions (vectorised).

    Parameters
    ----------
    successes : int, array-like or pandas.Series
        Number of successes (e.g. staff reached). NaN gives a NaN row.
    n : int, array-like or pandas.Series
        Number of trials (e.g. headcount), same length as ``successes``. ``n == 0`` gives NaN.
    level : float
        Confidence level, default 0.95.

    Returns
    -------
    pandas.DataFrame
        One row per pair, index taken from ``successes`` when it is a Series, with columns:

        * ``successes``, ``n``: the inputs as floats;
        * ``proportion``: successes / n;
        * ``ci_low``, ``ci_high``: Wilson interval bounds, in [0, 1].

    Notes
    -----
    With :math:`\\hat p = x/n` and :math:`z = \\Phi^{-1}(1 - (1-\\text{level})/2)`, the Wilson
    interval is

    .. math::
        \\frac{\\hat p + z^2/(2n) \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}.

    Unlike the Wald interval it stays inside [0, 1] and keeps close to nominal coverage for small n
    and proportions near 0 or 1 (Brown, Cai & DasGupta, 2001). Computed by
    ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    JASA 22(158), 209-212. Brown, L. D., Cai, T. T. & DasGupta, A. (2001). Interval estimation for
    a binomial proportion. Statistical Science 16(2), 101-133.

    Examples
    --------
    >>> wilson_ci([3, 0], [10, 10]).round(4)
       successes     n  proportion  ci_low  ci_high
    0        3.0  10.0         0.3  0.1078   0.6032
    1        0.0  10.0         0.0  0.0000   0.2775
    """
    level = check_level(level)
    index = successes.index if isinstance(successes, pd.Series) else None
    x = as_1d_float(successes, "successes")
    m = as_1d_float(n, "n")
    if x.shape != m.shape:
        if m.size == 1:
            m = np.full_like(x, m[0])
        else:
            raise StatsInputError(
                f"successes and n must have the same length, got {x.size} and {m.size}"
            )
    ok = np.isfinite(x) & np.isfinite(m)
    if np.any(ok & ((x < 0) | (m < 0))):
        raise StatsInputError("successes and n must be >= 0")
    if np.any(ok & (x > m)):
        bad = int(np.argmax(ok & (x > m)))
        raise StatsInputError(
            f"successes cannot exceed n (row {bad}: {x[bad]:g} successes out of {m[bad]:g})"
        )
    usable = ok & (m > 0)
    prop = np.full(x.shape, NAN)
    low = np.full(x.shape, NAN)
    high = np.full(x.shape, NAN)
    if usable.any():
        prop[usable] = x[usable] / m[usable]
        lo, hi = proportion_confint(x[usable], m[usable], alpha=1 - level, method="wilson")
        low[usable] = np.clip(lo, 0.0, 1.0)
        high[usable] = np.clip(hi, 0.0, 1.0)
    return pd.DataFrame(
        {"successes": x, "n": m, "proportion": prop, "ci_low": low, "ci_high": high},
        index=index,
    )


def _clean(values: object, name: str = "values") -> np.ndarray:
    arr = as_1d_float(values, name)
    return arr[~np.isnan(arr)]


@checked
def mean_ci(values: object, level: float = 0.95) -> Interval:
    """Mean with a Student-t confidence interval.

    Parameters
    ----------
    values : array-like
        Observations; NaN are dropped.
    level : float
        Confidence level, default 0.95.

    Returns
    -------
    Interval
        ``estimate`` (mean), ``ci_low``, ``ci_high``, ``se`` (s / sqrt(n)), ``n``, ``level``,
        ``method="t"``. With fewer than two values the interval is NaN.

    Notes
    -----
    :math:`\\bar x \\pm t_{n-1,\\,1-(1-\\text{level})/2}\\; s/\\sqrt{n}`, computed with
    ``statsmodels.stats.weightstats.DescrStatsW.tconfint_mean``.

    References
    ----------
    Student (1908). The probable error of a mean. Biometrika 6(1), 1-25.

    Examples
    --------
    >>> r = mean_ci([1, 2, 3, 4, 5])
    >>> round(r.estimate, 3), round(r.ci_low, 3), round(r.ci_high, 3)
    (3.0, 1.037, 4.963)
    """
    level = check_level(level)
    x = _clean(values)
    n = int(x.size)
    if n == 0:
        return Interval(NAN, NAN, NAN, 0, level, "t")
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, NAN, NAN, n, level, "t")
    d = DescrStatsW(x)
    low, high = d.tconfint_mean(alpha=1 - level)
    return Interval(mean, float(low), float(high), n, level, "t", se=float(d.std_mean))


def t_half_widths(variance: object, n: object, level: float = 0.95) -> np.ndarray:
    """Half-widths of Student-t intervals of many means at once, from their variances and sizes.

    Parameters
    ----------
    variance, n : array-like
        Per mean, the variance of the observations and their number (or an effective size,
        which need not be whole: Kish's for a weighted mean); same length.
    level : float
        Confidence level, default 0.95.

    Returns
    -------
    numpy.ndarray
        :math:`t_{n-1,\\,1-(1-\\text{level})/2}\\;\\sqrt{v/n}`; NaN where ``n <= 1``.

    Notes
    -----
    :func:`mean_ci` gives one sample's interval (statsmodels); this is the same interval for a
    table of means whose variances are known, with one quantile call for all of them: a
    barometer's levels have hundreds of cells, where a library call per cell costs more than
    the arithmetic. ``tests/stats/test_intervals.py`` checks it against :func:`mean_ci`.
    """
    level = check_level(level)
    v = np.asarray(variance, dtype=float).ravel()
    m = np.asarray(n, dtype=float).ravel()
    if v.shape != m.shape:
        raise StatsInputError(
            f"variance and n must have the same length, got {v.size} and {m.size}"
        )
    out = np.full(v.shape, NAN)
    ok = m > 1
    out[ok] = stats.t.ppf(0.5 + level / 2, m[ok] - 1) * np.sqrt(v[ok] / m[ok])
    return out


def bootstrap_rows(
    data: np.ndarray, statistic: Callable[[np.ndarray], object], n_boot: int, seed: int | None
) -> np.ndarray:
    """``statistic`` of ``n_boot`` resamples of the rows of ``data`` (same seed, same draws).

    Resamples in which a column is constant are skipped (a correlation is undefined there).
    Returns the stacked results: shape ``(draws,)`` or ``(draws, p)``.
    """
    rng = np.random.default_rng(seed)
    n = data.shape[0]
    draws = []
    for _ in range(n_boot):
        sample = data[rng.integers(0, n, n)]
        if np.all(sample.std(axis=0) > 0):
            draws.append(statistic(sample))
    return np.array(draws, dtype=float)


@checked
def bootstrap_mean_ci(
    values: object,
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int | None = None,
    method: str = "BCa",
) -> Interval:
    """Mean with a bootstrap confidence interval (BCa by default).

    Parameters
    ----------
    values : array-like
        Observations; NaN are dropped.
    level : float
        Confidence level, default 0.95.
    n_boot : int
        Number of bootstrap resamples, default 2000.
    seed : int or None
        Seed of the random generator; give one for reproducible reports.
    method : {"BCa", "percentile", "basic"}
        Bootstrap interval type, passed to :func:`scipy.stats.bootstrap`.

    Returns
    -------
    Interval
        ``estimate`` (mean), ``ci_low``, ``ci_high``, ``n``, ``level``, ``method="bootstrap-BCa"``.
        When every value is equal the interval is the single value; with fewer than 2 values it is
        NaN.

    Notes
    -----
    The bias-corrected and accelerated (BCa) interval adjusts the percentile interval for bias and
    skewness of the bootstrap distribution (Efron, 1987). Useful for bounded, skewed Likert means.

    References
    ----------
    Efron, B. (1987). Better bootstrap confidence intervals. JASA 82(397), 171-185.

    Examples
    --------
    >>> r = bootstrap_mean_ci([1, 2, 3, 4, 5, 5, 5], seed=1)
    >>> r.ci_low < r.estimate < r.ci_high
    True
    """
    level = check_level(level)
    n_boot = check_positive_int(n_boot, "n_boot", minimum=100)
    if method not in {"BCa", "percentile", "basic"}:
        raise StatsInputError(f'method must be "BCa", "percentile" or "basic", got {method!r}')
    x = _clean(values)
    n = int(x.size)
    label = f"bootstrap-{method}"
    if n == 0:
        return Interval(NAN, NAN, NAN, 0, level, label)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, NAN, NAN, n, level, label)
    if np.all(x == x[0]):
        # scipy warns and returns NaN for degenerate data; the mean is then known exactly.
        return Interval(mean, mean, mean, n, level, label)
    res = stats.bootstrap(
        (x,),
        np.mean,
        confidence_level=level,
        n_resamples=n_boot,
        method=method,
        rng=np.random.default_rng(seed),
        vectorized=True,
    )
    ci = res.confidence_interval
    return Interval(mean, float(ci.low), float(ci.high), n, level, label)


@checked
def nps(scores_0_10: object, level: float = 0.95, method: str = "adjusted_wald") -> NPSResult:
    """Net Promoter Score (-100..100) with a confidence interval.

    Parameters
    ----------
    scores_0_10 : array-like
        Answers to "would you recommend ..." on 0..10; NaN are dropped. Other values raise.
    level : float
        Confidence level, default 0.95.
    method : {"adjusted_wald", "wald"}
        ``"adjusted_wald"`` (default) adds 3/4 promoter and 3/4 detractor to the counts and 3 to n
        before the Wald interval, which Rocks (2016) found to have the best coverage; ``"wald"``
        uses the counts as they are.

    Returns
    -------
    NPSResult
        ``score`` = 100 (P - D) from the raw counts; ``ci_low``, ``ci_high`` (clipped to
        [-100, 100]); ``se`` (of the score, on the -100..100 scale, for the chosen method); ``n``;
        ``n_promoters`` (9-10), ``n_passives`` (7-8), ``n_detractors`` (0-6); ``level``;
        ``method``. With no answer everything is NaN.

    Notes
    -----
    With promoter and detractor shares :math:`p` and :math:`d` of a multinomial sample of size n,
    :math:`\\mathrm{Var}(\\hat p - \\hat d) = [p(1-p) + d(1-d) + 2pd]/n = [p + d - (p-d)^2]/n`,
    since :math:`\\mathrm{Cov}(\\hat p, \\hat d) = -pd/n`. The interval is
    :math:`100\\,[(\\tilde p - \\tilde d) \\pm z\\sqrt{(\\tilde p + \\tilde d - (\\tilde p -
    \\tilde d)^2)/\\tilde n}]` with, for the adjusted Wald, :math:`\\tilde n = n + 3`,
    :math:`\\tilde p = (x_P + 3/4)/\\tilde n`, :math:`\\tilde d = (x_D + 3/4)/\\tilde n`.

    References
    ----------
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score". The American Statistician
    70(4), 365-372 (arXiv:1601.07235). Reichheld, F. F. (2003). The one number you need to grow.
    Harvard Business Review 81(12), 46-54.

    Examples
    --------
    >>> r = nps([10, 9, 9, 8, 7, 6, 3, 10, 10, 5])
    >>> r.score, r.n_promoters, r.n_detractors
    (20.0, 5, 3)
    """
    level = check_level(level)
    if method not in {"adjusted_wald", "wald"}:
        raise StatsInputError(f'method must be "adjusted_wald" or "wald", got {method!r}')
    x = _clean(scores_0_10, "scores_0_10")
    bad = (x < 0) | (x > 10) | (x != np.round(x))
    if bad.any():
        raise StatsInputError(
            f"NPS answers must be integers 0..10; found {x[bad][:5].tolist()} "
            f"({int(bad.sum())} value(s))"
        )
    n = int(x.size)
    n_pro = int((x >= 9).sum())
    n_det = int((x <= 6).sum())
    n_pas = n - n_pro - n_det
    if n == 0:
        return NPSResult(NAN, NAN, NAN, NAN, 0, 0, 0, 0, level, method)
    score = 100.0 * (n_pro - n_det) / n
    add_pd, add_n = (0.75, 3.0) if method == "adjusted_wald" else (0.0, 0.0)
    n_t = n + add_n
    p_t = (n_pro + add_pd) / n_t
    d_t = (n_det + add_pd) / n_t
    centre = p_t - d_t
    se = math.sqrt(max(p_t + d_t - centre**2, 0.0) / n_t)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    low = max(-1.0, centre - z * se)
    high = min(1.0, centre + z * se)
    return NPSResult(score, 100 * low, 100 * high, 100 * se, n, n_pro, n_pas, n_det, level, method)


@checked
def top_box_share(
    values: object,
    top: int = 2,
    scale_max: int = 5,
    scale_min: int = 1,
    level: float = 0.95,
) -> Interval:
    """Share of answers in the top ``top`` categories of a rating scale, with a Wilson interval.

    Parameters
    ----------
    values : array-like
        Ratings on ``scale_min..scale_max``; NaN are dropped, other values raise.
    top : int
        Number of top categories counted (2 = "top-2 box": 4 or 5 on a 1-5 scale).
    scale_max, scale_min : int
        Bounds of the rating scale.
    level : float
        Confidence level, default 0.95.

    Returns
    -------
    Interval
        ``estimate`` (share in [0, 1]), ``ci_low``, ``ci_high`` (Wilson), ``n`` (answers),
        ``count`` (answers in the top box), ``level``, ``method="wilson"``.

    Notes
    -----
    Counts :math:`x = \\#\\{v \\ge \\text{scale\\_max} - \\text{top} + 1\\}` and applies
    :func:`wilson_ci` to (x, n).

    References
    ----------
    See :func:`wilson_ci`.

    Examples
    --------
    >>> r = top_box_share([5, 4, 3, 2, 5, 1, 4, 4])
    >>> r.count, r.n, r.estimate
    (5, 8, 0.625)
    """
    level = check_level(level)
    top = check_positive_int(top, "top")
    if scale_max <= scale_min:
        raise StatsInputError(f"scale_max ({scale_max}) must exceed scale_min ({scale_min})")
    if top > scale_max - scale_min:
        raise StatsInputError(
            f"top={top} would count every category of a {scale_min}..{scale_max} scale"
        )
    x = _clean(values)
    bad = (x < scale_min) | (x > scale_max) | (x != np.round(x))
    if bad.any():
        raise StatsInputError(
            f"ratings must be integers {scale_min}..{scale_max}; found {x[bad][:5].tolist()}"
        )
    n = int(x.size)
    count = int((x >= scale_max - top + 1).sum())
    if n == 0:
        return Interval(NAN, NAN, NAN, 0, level, "wilson", count=0)
    row = wilson_ci(count, n, level).iloc[0]
    return Interval(
        float(row["proportion"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
        n,
        level,
        "wilson",
        count=count,
    )
