"""Key drivers of well-being: how much of SWEMWBS's variance each lever's climate accounts for.

An association, never an effect: the climates and well-being may share a cause (the department's
management, workload). Privacy: a driver analysis rests on correlations between one person's
answers, so it needs ``k_drivers`` respondents (25 by default, ``privacy.k_drivers``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from eco_eval.instruments import Instrument
from eco_eval.stats import key_drivers
from eco_eval.stats._checks import StatsInputError, check_columns, checked
from eco_eval.wellbeing.scores import score_barometer

__all__ = ["DRIVER_COLUMNS", "key_drivers_table"]

DRIVER_COLUMNS = (
    "wave",
    "lever",
    "importance",
    "ci_low",
    "ci_high",
    "share",
    "rank",
    "r2",
    "r2_ci_low",
    "r2_ci_high",
    "n",
    "method",
    "interpretation",
    "suppressed",
)


@checked
def key_drivers_table(
    barometer: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    *,
    wave: str | None = None,
    outcome: str = "swemwbs_score",
    k_drivers: int = 25,
    method: str = "lmg",
    n_boot: int = 500,
    level: float = 0.95,
    seed: int | None = 0,
    scored: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Relative importance of the lever climate scores for well-being at one wave.

    Parameters
    ----------
    barometer : pandas.DataFrame
        The wide barometer.
    instruments : mapping of str to Instrument
        ``Project.instruments()``; its climate scales (one per lever) are the predictors.
    wave : str, optional
        Wave label; default the latest wave.
    outcome : str
        Score column of :func:`~eco_eval.wellbeing.scores.score_barometer` to explain (default the
        SWEMWBS metric score; ``who5_score`` works too).
    k_drivers : int
        Fewer complete respondents (every climate and the outcome answered) than this: nothing is
        published, every row is ``suppressed`` (``privacy.k_drivers``, at least 25 advised).
    method : {"lmg", "relative_weights"}
        LMG (Shapley) decomposition, exact, or Johnson's relative weights
        (:func:`eco_eval.stats.key_drivers`).
    n_boot : int
        Bootstrap resamples of the percentile intervals (0: no interval).
    level : float
        Confidence level.
    seed : int or None
        Seed of the bootstrap (fixed by default, so a bilan is reproducible).
    scored : pandas.DataFrame, optional
        :func:`score_barometer` of ``barometer`` when the caller already has it.

    Returns
    -------
    pandas.DataFrame
        One row per lever, by decreasing importance, columns :data:`DRIVER_COLUMNS`:
        ``importance`` (the lever's part of R², with its bootstrap interval ``ci_low``,
        ``ci_high``), ``share`` (of R²), ``rank``, ``r2`` (the 12 climates together, with its
        interval), ``n`` (complete respondents), ``method``, ``interpretation`` (always
        ``"association"``), ``suppressed``. When suppressed every figure is NaN.

    Notes
    -----
    See :func:`eco_eval.stats.key_drivers` for the decomposition (Lindeman, Merenda & Gold,
    1980; Grömping, 2006). Climates are strongly correlated with one another, so the ranking of
    close levers is uncertain: read the intervals before the ranks.
    """
    if scored is None:
        scored = score_barometer(barometer, instruments)
    check_columns(scored, ["wave", outcome], "scored barometer")
    waves = sorted(scored["wave"].dropna().astype(str).unique())
    if not waves:
        raise StatsInputError("the barometer has no wave")
    wave = waves[-1] if wave is None else str(wave)
    if wave not in waves:
        raise StatsInputError(f"no barometer wave {wave!r}; waves present: {waves}")
    predictors = {
        inst.lever: f"{iid}_score"
        for iid, inst in instruments.items()
        if inst.lever is not None and f"{iid}_score" in scored.columns
    }
    if not predictors:
        raise StatsInputError("no climate scale in the barometer: nothing to relate well-being to")
    data = scored.loc[scored["wave"].astype(str) == wave, [outcome, *predictors.values()]]
    n = int(data.dropna().shape[0])
    if n < max(k_drivers, len(predictors) + 10):
        return _suppressed(wave, list(predictors), n, method)
    result = key_drivers(
        data, outcome, predictors, method=method, n_boot=n_boot, level=level, seed=seed,
        min_n=k_drivers,
    )  # fmt: skip
    result = result.rename(columns={"predictor": "lever"})
    result.insert(0, "wave", wave)
    result["suppressed"] = False
    return result[list(DRIVER_COLUMNS)]


def _suppressed(wave: str, levers: list[str], n: int, method: str) -> pd.DataFrame:
    nan = np.nan
    rows = [
        {
            "wave": wave, "lever": lever, "importance": nan, "ci_low": nan, "ci_high": nan,
            "share": nan, "rank": pd.NA, "r2": nan, "r2_ci_low": nan, "r2_ci_high": nan,
            "n": nan, "method": method, "interpretation": "association", "suppressed": True,
        }
        for lever in levers
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(DRIVER_COLUMNS))
    frame["rank"] = frame["rank"].astype("Int64")
    frame.attrs["n_available"] = n
    return frame
