"""Stepped-wedge roll-out of a tool across departments, and the power of that design.

A stepped wedge gives every department the tool, in a randomised order: at each step another group
of departments crosses from control to intervention, and nobody goes back. Randomising the order
(rather than letting the keenest departments go first) is what turns the roll-out into evidence of
SMS level 5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from eco_eval.stats._checks import StatsInputError, check_level, check_positive_int, checked

__all__ = [
    "SteppedWedgePower",
    "stepped_wedge_calendar",
    "stepped_wedge_matrix",
    "stepped_wedge_power",
    "stepped_wedge_variance",
]


def _label(period: pd.Period) -> str:
    if period.freqstr.startswith("Q"):
        return f"{period.year}-Q{period.quarter}"
    if period.freqstr.startswith("M"):
        return f"{period.year}-{period.month:02d}"
    return str(period)


@checked
def stepped_wedge_calendar(
    departments: Sequence[str],
    n_steps: int,
    start_period: str | pd.Period,
    seed: int | None = None,
    *,
    freq: str = "Q",
) -> pd.DataFrame:
    """Randomised stepped-wedge calendar: which department uses the tool in which period.

    Parameters
    ----------
    departments : sequence of str
        Distinct department names (the clusters).
    n_steps : int
        Number of crossover steps, 1..len(departments); departments are split into ``n_steps``
        sequences of (almost) equal size.
    start_period : str or pandas.Period
        First period, a baseline where no department has the tool (e.g. ``"2016-Q3"``).
    seed : int or None
        Seed of the random order; keep it with the calendar so the draw can be checked.
    freq : str
        Period frequency: ``"Q"`` (quarters, labels ``2016-Q3``) or ``"M"`` (``2016-09``).

    Returns
    -------
    pandas.DataFrame
        One row per department and period (``n_steps + 1`` periods), sorted by sequence,
        department, period, with columns ``department``, ``sequence`` (1..n_steps: the step at
        which it crosses over), ``crossover_period``, ``period``, ``period_index`` (0 = baseline)
        and ``treated`` (bool).

    Notes
    -----
    The order is a uniform random permutation (``numpy.random.default_rng(seed).permutation``),
    cut into consecutive sequences with :func:`numpy.array_split`.

    References
    ----------
    Hussey, M. A. & Hughes, J. P. (2007). Design and analysis of stepped wedge cluster randomized
    trials. Contemporary Clinical Trials 28(2), 182-191.
    """
    names = [str(d) for d in departments]
    if len(set(names)) != len(names) or not names:
        raise StatsInputError("departments must be a non-empty list of distinct names")
    n_steps = check_positive_int(n_steps, "n_steps")
    if n_steps > len(names):
        raise StatsInputError(
            f"n_steps ({n_steps}) cannot exceed the number of departments ({len(names)})"
        )
    try:
        first = pd.Period(start_period, freq=freq)
    except (ValueError, TypeError) as exc:
        raise StatsInputError(
            f"start_period {start_period!r} is not a {freq} period (e.g. 2016-Q3)"
        ) from exc
    if not isinstance(first, pd.Period):  # an empty text gives NaT
        raise StatsInputError(
            f"start_period {start_period!r} is not a {freq} period (e.g. 2016-Q3)"
        )
    order = np.random.default_rng(seed).permutation(len(names))
    rows = []
    for seq, members in enumerate(np.array_split(order, n_steps), start=1):
        for i in sorted(members, key=lambda k: names[k]):
            for t in range(n_steps + 1):
                rows.append(
                    {
                        "department": names[i],
                        "sequence": seq,
                        "crossover_period": _label(first + seq),
                        "period": _label(first + t),
                        "period_index": t,
                        "treated": t >= seq,
                    }
                )
    return pd.DataFrame(rows)


def stepped_wedge_matrix(n_clusters: int, n_steps: int) -> np.ndarray:
    """Standard design matrix X (clusters x periods, 0/1): ``n_steps + 1`` periods, one baseline."""
    n_clusters = check_positive_int(n_clusters, "n_clusters", minimum=2)
    n_steps = check_positive_int(n_steps, "n_steps")
    if n_steps > n_clusters:
        raise StatsInputError(f"n_steps ({n_steps}) cannot exceed n_clusters ({n_clusters})")
    x = np.zeros((n_clusters, n_steps + 1))
    for seq, members in enumerate(np.array_split(np.arange(n_clusters), n_steps), start=1):
        x[members, seq:] = 1
    return x


def stepped_wedge_variance(x: np.ndarray, sigma2: float, tau2: float) -> float:
    """Hussey & Hughes (2007) variance of the treatment effect for design matrix ``x``.

    ``sigma2`` is the variance of a cluster-period mean (individual variance / cluster size per
    period), ``tau2`` the between-cluster variance. See :func:`stepped_wedge_power`.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or not np.isin(x, [0, 1]).all():
        raise StatsInputError("design must be a 2-D 0/1 matrix (clusters x periods)")
    i, t = x.shape
    u = x.sum()
    w = float((x.sum(axis=0) ** 2).sum())
    v = float((x.sum(axis=1) ** 2).sum())
    denom = (i * u - w) * sigma2 + (u**2 + i * t * u - t * w - i * v) * tau2
    if denom <= 0:
        raise StatsInputError(
            "the design does not identify the treatment effect (no within-period contrast)"
        )
    return float(i * sigma2 * (sigma2 + t * tau2) / denom)


@dataclass(frozen=True)
class SteppedWedgePower:
    """Power of a stepped-wedge design and the quantities it rests on."""

    power: float
    se: float
    effect: float
    n_clusters: int
    n_periods: int
    cluster_size: float
    icc: float
    alpha: float

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict."""
        return asdict(self)


@checked
def stepped_wedge_power(
    effect: float,
    sd: float,
    icc: float,
    cluster_size: float,
    *,
    n_clusters: int | None = None,
    n_steps: int | None = None,
    design: np.ndarray | pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> SteppedWedgePower:
    """Power of a cross-sectional stepped-wedge design (Hussey & Hughes, 2007).

    Parameters
    ----------
    effect : float
        Effect to detect, in outcome units (e.g. 1.5 SWEMWBS points).
    sd : float
        Total standard deviation of the individual outcome.
    icc : float
        Intra-cluster (department) correlation, in [0, 1).
    cluster_size : float
        Respondents per department and period.
    n_clusters, n_steps : int
        Build the standard design (clusters split evenly over the steps, one baseline period).
    design : array or DataFrame, optional
        Instead, a 0/1 clusters x periods matrix, or a calendar from
        :func:`stepped_wedge_calendar`.
    alpha : float
        Two-sided significance level.

    Returns
    -------
    SteppedWedgePower
        ``power``, ``se`` (of the effect estimate), ``effect``, ``n_clusters``, ``n_periods``,
        ``cluster_size``, ``icc``, ``alpha``.

    Notes
    -----
    Model :math:`Y_{ijk} = \\mu + \\alpha_i + \\beta_j + X_{ij}\\theta + e_{ijk}` with
    :math:`\\alpha_i \\sim N(0, \\tau^2)`, :math:`\\tau^2 = \\rho\\,sd^2` and
    :math:`\\sigma^2 = (1-\\rho)\\,sd^2/m` the variance of a cluster-period mean. With I clusters,
    T periods, :math:`U = \\sum_{ij} X_{ij}`, :math:`W = \\sum_j (\\sum_i X_{ij})^2`,
    :math:`V = \\sum_i (\\sum_j X_{ij})^2`:

    .. math::
        \\mathrm{Var}(\\hat\\theta) = \\frac{I\\sigma^2(\\sigma^2 + T\\tau^2)}
        {(IU - W)\\sigma^2 + (U^2 + ITU - TW - IV)\\tau^2}

    and power :math:`= \\Phi(|\\theta|/\\sqrt{\\mathrm{Var}(\\hat\\theta)} - z_{1-\\alpha/2})`
    (Hussey & Hughes, 2007). Written by hand: no Python library ships it.

    References
    ----------
    Hussey, M. A. & Hughes, J. P. (2007). Design and analysis of stepped wedge cluster randomized
    trials. Contemporary Clinical Trials 28(2), 182-191.
    """
    alpha = check_level(alpha, "alpha")
    if not 0 <= icc < 1:
        raise StatsInputError(f"icc must lie in [0, 1), got {icc}")
    if sd <= 0 or cluster_size <= 0:
        raise StatsInputError("sd and cluster_size must be positive")
    if design is None:
        if n_clusters is None or n_steps is None:
            raise StatsInputError("give either n_clusters and n_steps, or a design")
        x = stepped_wedge_matrix(n_clusters, n_steps)
    elif isinstance(design, pd.DataFrame):
        x = design.pivot(index="department", columns="period_index", values="treated").to_numpy(
            float
        )
    else:
        x = np.asarray(design, dtype=float)
    tau2 = icc * sd**2
    sigma2 = (1 - icc) * sd**2 / cluster_size
    se = float(np.sqrt(stepped_wedge_variance(x, sigma2, tau2)))
    power = float(ndtr(abs(effect) / se - ndtri(1 - alpha / 2)))  # standard normal cdf, quantile
    return SteppedWedgePower(
        power, se, float(effect), x.shape[0], x.shape[1], float(cluster_size), float(icc), alpha
    )
