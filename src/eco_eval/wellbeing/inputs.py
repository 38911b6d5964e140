"""The barometer figures a power calculation rests on: the outcome's SD, the intra-department
correlation and the respondents per department at one wave (:func:`design_inputs`), for the
phase-in plan of :mod:`eco_eval.wellbeing.plan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import pandas as pd

from eco_eval.instruments import Instrument
from eco_eval.stats._checks import StatsInputError, check_columns, checked
from eco_eval.stats._regression import icc_anova
from eco_eval.wellbeing.scores import score_barometer

__all__ = ["DesignInputs", "design_inputs"]


@dataclass(frozen=True)
class DesignInputs:
    """What a power calculation needs, read from one barometer wave."""

    outcome: str
    wave: str
    departments: tuple[str, ...]
    sd: float
    icc: float
    cluster_size: float
    n: int

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a plain dict."""
        return asdict(self)


@checked
def design_inputs(
    barometer: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    *,
    outcome: str = "swemwbs_score",
    wave: str | None = None,
    scored: pd.DataFrame | None = None,
) -> DesignInputs:
    """SD, intra-department correlation and respondents per department of ``outcome`` at a wave.

    Parameters
    ----------
    barometer, instruments
        The wide barometer and ``Project.instruments()``.
    outcome : str
        Score column of :func:`~eco_eval.wellbeing.scores.score_barometer` (default SWEMWBS metric).
    wave : str, optional
        Default the latest wave.
    scored : pandas.DataFrame, optional
        :func:`score_barometer` of ``barometer`` when already computed.

    Returns
    -------
    DesignInputs
        ``departments`` (those with answers, sorted), ``sd`` (of the outcome), ``icc`` (ICC(1) by
        department, ANOVA estimator truncated at 0), ``cluster_size`` (mean respondents per
        department at that wave), ``n``.
    """
    if scored is None:
        scored = score_barometer(barometer, instruments)
    check_columns(scored, ["wave", "department", outcome], "scored barometer")
    waves = sorted(scored["wave"].dropna().astype(str).unique())
    wave = waves[-1] if wave is None else str(wave)
    data = scored.loc[scored["wave"].astype(str) == wave, ["department", outcome]].dropna()
    if data["department"].nunique() < 2:
        raise StatsInputError(f"wave {wave!r}: fewer than 2 departments with a {outcome}")
    y = data[outcome].astype(float)
    return DesignInputs(
        outcome=outcome,
        wave=wave,
        departments=tuple(sorted(data["department"].astype(str).unique())),
        sd=float(y.std(ddof=1)),
        icc=icc_anova(y, data["department"]),
        cluster_size=float(data["department"].value_counts().mean()),
        n=len(data),
    )
