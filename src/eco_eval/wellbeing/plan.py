"""Planning the next step: a randomised stepped-wedge roll-out of a tool across departments.

Today's estimates rest on who chose to take part (SMS level 3 at best). Giving a tool to the
departments in a random order, a group of departments at a time, is the design that would let the
next bilan say "the tool caused" (SMS level 5) while still giving every department the tool. This
module turns :mod:`eco_eval.stats.design` into a plan: the calendar, its power for the effect the
city wants to detect (the barometer figures the power rests on come from
:func:`eco_eval.wellbeing.inputs.design_inputs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from scipy.special import ndtri

from eco_eval.stats import stepped_wedge_calendar, stepped_wedge_power
from eco_eval.stats._checks import StatsInputError, checked
from eco_eval.stats.design import SteppedWedgePower

__all__ = ["PhaseInPlan", "phase_in_plan"]


@dataclass(frozen=True)
class PhaseInPlan:
    """A randomised stepped-wedge calendar and its power.

    ``calendar``: one row per department and period (:func:`eco_eval.stats.stepped_wedge_calendar`
    columns: ``department``, ``sequence``, ``crossover_period``, ``period``, ``period_index``,
    ``treated``); ``power``: the :class:`~eco_eval.stats.design.SteppedWedgePower` for ``effect``;
    ``mde``: the smallest effect (outcome units) detected with power ``target_power``; ``seed``:
    the seed of the random order, to be kept with the calendar.
    """

    calendar: pd.DataFrame
    power: SteppedWedgePower
    mde: float
    target_power: float
    seed: int | None
    n_steps: int

    @property
    def schedule(self) -> pd.DataFrame:
        """One row per department: ``department``, ``sequence``, ``crossover_period``."""
        cols = ["department", "sequence", "crossover_period"]
        return self.calendar[cols].drop_duplicates().reset_index(drop=True)


def _label(period: pd.Period) -> str:
    """``2018-Q2`` for a quarter, ``2018-05`` for a month (the labels of the calendar)."""
    if period.freqstr.startswith("Q"):
        return f"{period.year}-Q{period.quarter}"
    return f"{period.year}-{period.month:02d}"


@checked
def phase_in_plan(
    departments: Sequence[str],
    n_steps: int,
    *,
    effect: float,
    sd: float,
    icc: float,
    cluster_size: float,
    start_period: str,
    seed: int | None = None,
    alpha: float = 0.05,
    target_power: float = 0.8,
    freq: str = "Q",
    step: int = 1,
) -> PhaseInPlan:
    """Randomised stepped-wedge calendar of a tool across departments, with its power.

    Parameters
    ----------
    departments : sequence of str
        The departments (clusters), e.g. :attr:`DesignInputs.departments`.
    n_steps : int
        Number of crossover steps (groups of departments), 1..len(departments).
    effect : float
        Effect to detect, in outcome units (e.g. 1 SWEMWBS point, 0.3 climate point).
    sd, icc, cluster_size : float
        Outcome SD, intra-department correlation and respondents per department and period
        (:func:`design_inputs` reads them from the barometer).
    start_period : str
        Baseline period, before any department has the tool (``"2018-Q1"``; a month ``2018-05``
        with ``freq="M"``).
    seed : int or None
        Seed of the random order (keep it: it proves the order was drawn, not chosen).
    alpha : float
        Two-sided significance level.
    target_power : float
        Power at which ``mde`` is computed.
    freq : {"Q", "M"}
        Unit of the periods: quarters or months.
    step : int
        Units of ``freq`` between two steps: a barometer every six months measures each step
        with ``freq="M", step=6`` (periods then labelled ``2018-05``, ``2018-11``...).

    Returns
    -------
    PhaseInPlan
        ``calendar``, ``power`` (Hussey & Hughes, 2007), ``mde`` (smallest effect with power
        ``target_power``), ``target_power``, ``seed``, ``n_steps``.

    Notes
    -----
    The Hussey & Hughes variance assumes equal cluster sizes and a cross-sectional sample at each
    period; with departments of very different sizes, or the same staff answering each period,
    it is an approximation (cohort designs have more power). ``mde`` solves
    :math:`\\Phi(\\theta/SE - z_{1-\\alpha/2}) = power`, i.e.
    :math:`\\theta = (z_{1-\\alpha/2} + z_{power})\\,SE`.

    References
    ----------
    Hussey, M. A. & Hughes, J. P. (2007). Design and analysis of stepped wedge cluster randomized
    trials. Contemporary Clinical Trials 28(2), 182-191. Hemming, K. et al. (2015). The stepped
    wedge cluster randomised trial: rationale, design, analysis, and reporting. BMJ 350:h391.

    Examples
    --------
    >>> plan = phase_in_plan(["A", "B", "C", "D"], 2, effect=1.0, sd=4.0, icc=0.02,
    ...                      cluster_size=50, start_period="2018-Q1", seed=1)
    >>> plan.calendar["period"].nunique(), round(plan.power.power, 2)
    (3, 0.34)
    """
    if not 0 < target_power < 1:
        raise StatsInputError(f"target_power must be between 0 and 1, got {target_power}")
    calendar = stepped_wedge_calendar(departments, n_steps, start_period, seed, freq=freq)
    if step != 1:
        if isinstance(step, bool) or not isinstance(step, int) or step < 1:
            raise StatsInputError(f"step must be a whole number of periods >= 1, got {step!r}")
        first = pd.Period(start_period, freq=freq)
        label = {i: _label(first + step * i) for i in range(n_steps + 1)}
        calendar = calendar.assign(
            period=calendar["period_index"].map(label),
            crossover_period=calendar["sequence"].map(label),
        )
    power = stepped_wedge_power(effect, sd, icc, cluster_size, design=calendar, alpha=alpha)
    z = ndtri(1 - alpha / 2) + ndtri(target_power)  # standard normal quantiles
    return PhaseInPlan(
        calendar=calendar,
        power=power,
        mde=float(z * power.se),
        target_power=float(target_power),
        seed=seed,
        n_steps=int(n_steps),
    )
