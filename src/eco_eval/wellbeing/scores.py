"""Scores of the staff barometer, their level per wave and their reliability.

Three pure functions over the wide barometer table (``Tables.barometer``, docs/data-model.md):

* :func:`score_barometer`: one row per response, every declared instrument scored (SWEMWBS metric
  score, WHO-5 0-100 with its two screening flags, WEMWBS when asked, the climate of each lever),
  each with its missing-item status;
* :func:`wellbeing_by_wave`: the tidy indicator frame of the mean scores and screening shares, per
  wave, overall and per department, category and gender, before disclosure control
  (:func:`eco_eval.privacy.wellbeing.suppress_wellbeing` hides its small cells);
* :func:`reliability_by_wave`: Cronbach's alpha (Feldt interval), McDonald's omega and, for the
  two-item climate scales, Spearman-Brown, per scale and wave, with whether it reaches 0.7.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from eco_eval.config import DIMENSIONS
from eco_eval.indicators.core import row, tidy
from eco_eval.instruments import Instrument
from eco_eval.stats import reliability_table, score_all, wilson_ci
from eco_eval.stats._checks import StatsInputError, check_columns, check_level, checked
from eco_eval.stats.intervals import t_half_widths
from eco_eval.stats.weights import weighted_moments

__all__ = [
    "BREAKDOWNS",
    "ID_COLUMNS",
    "RELIABILITY_THRESHOLD",
    "WEIGHTED_COLUMNS",
    "WELLBEING_INDICATORS",
    "reliability_by_wave",
    "score_barometer",
    "wellbeing_by_wave",
]

#: Columns of the barometer carried over to the scored frame, in this order.
ID_COLUMNS = ("response_id", "wave", "wave_date", "person_key", "department", "category", "gender")
#: Breakdowns of :func:`wellbeing_by_wave` (the barometer has no filière).
BREAKDOWNS = tuple(d for d in DIMENSIONS if d != "filiere")
#: Conventional floor of internal consistency for group comparisons (Nunnally, 1978).
RELIABILITY_THRESHOLD = 0.7

#: Indicator id -> (score column, kind). ``mean``: t interval; ``share``: Wilson interval of a flag.
WELLBEING_INDICATORS: dict[str, tuple[str, str]] = {
    "swemwbs_mean": ("swemwbs_score", "mean"),
    "wemwbs_mean": ("wemwbs_score", "mean"),
    "who5_mean": ("who5_score", "mean"),
    "who5_poor_wellbeing_share": ("who5_flag_poor_wellbeing", "share"),
    "who5_likely_depression_share": ("who5_flag_likely_depression", "share"),
}
CLIMATE_INDICATOR = "climate_mean"
#: Columns :func:`wellbeing_by_wave` adds when given survey weights.
WEIGHTED_COLUMNS = ("value_unweighted", "ci_low_unweighted", "ci_high_unweighted", "n_effective")
_KEEP = ("score", "raw", "status", "reason")


@checked
def score_barometer(barometer: pd.DataFrame, instruments: Mapping[str, Instrument]) -> pd.DataFrame:
    """Score every declared instrument of every barometer response.

    Parameters
    ----------
    barometer : pandas.DataFrame
        The wide barometer (``open_store(...).table("barometer")`` or ``Tables.barometer``): the
        :data:`ID_COLUMNS`, then one column per item code.
    instruments : mapping of str to Instrument
        ``Project.instruments()`` (it carries the project's reverse-keyed items), or
        :func:`eco_eval.instruments.load_instruments`. Instruments none of whose items are in the
        barometer are skipped (WEMWBS is rarely asked next to SWEMWBS).

    Returns
    -------
    pandas.DataFrame
        Same index as ``barometer``. The :data:`ID_COLUMNS` present, the ``part_<lever>``
        columns (0/1 self-reported participation since the last wave), then per scored
        instrument ``<id>_score`` (SWEMWBS: metric score 7-35 from the Rasch conversion table;
        WHO-5: 0-100; WEMWBS: 14-70; climate ``clim_<lever>``: mean of its two items, 1-5),
        ``<id>_raw`` for summed scales (SWEMWBS raw total 7-35, the scale of the demo's ground
        truth), ``<id>_status`` (``complete``, ``prorated``, ``too_many_missing``,
        ``not_answered``, ``invalid``) and ``<id>_reason``; WHO-5 adds the nullable booleans
        ``who5_flag_poor_wellbeing`` (score <= 50) and ``who5_flag_likely_depression`` (<= 28).

    Notes
    -----
    Scoring rules (reverse keys, proration, conversion, flags) are those of
    :func:`eco_eval.stats.score` and ``docs/instruments.md``.

    Examples
    --------
    >>> from eco_eval.instruments import load_instruments
    >>> frame = pd.DataFrame({"wave": ["2016-05"], **{f"who5_{i}": [3] for i in range(1, 6)}})
    >>> score_barometer(frame, load_instruments())[["who5_score", "who5_status"]]
       who5_score who5_status
    0        60.0    complete
    """
    if not isinstance(barometer, pd.DataFrame):
        raise StatsInputError(f"barometer must be a DataFrame, got {type(barometer).__name__}")
    scored = score_all(barometer, instruments)
    keep = [
        c
        for c in scored.columns
        if c.rsplit("_", 1)[-1] in _KEEP or "_flag_" in c
        if not (c.endswith("_raw") and instruments[c[: -len("_raw")]].aggregate == "mean")
    ]
    ids = [c for c in ID_COLUMNS if c in barometer.columns]
    parts = [c for c in barometer.columns if str(c).startswith("part_")]
    out = pd.concat(
        [barometer[ids], barometer[parts].apply(pd.to_numeric, errors="coerce"), scored[keep]],
        axis=1,
    )
    return out


class _Levels:
    """The rows of :func:`wellbeing_by_wave`, their intervals computed for all cells at once.

    Each cell keeps its sums (mean, size, variance or count of flags; with weights, the
    weighted mean, Kish's effective size and the weighted variance); :meth:`frame` then gives
    every Student-t interval in one quantile call and every Wilson interval in one
    :func:`~eco_eval.stats.wilson_ci` call. A library call per cell would cost more than the
    arithmetic: the demo's barometer has 700 weighted cells.
    """

    def __init__(self, level: float, weighted: bool) -> None:
        self.level, self.weighted = level, weighted
        self.keys: list[tuple[str, str, str, str, str, str]] = []
        self.means: list[bool] = []
        self.plain: list[tuple[float, float, float]] = []
        self.by_weight: list[tuple[float, float, float]] = []

    def add(
        self, key: tuple[str, str, str, str, str, str], values: pd.Series,
        weights: pd.Series | None, kind: str,
    ) -> None:  # fmt: skip
        """One cell: the ``values`` of its respondents (a score, or a 0/1 flag for a share)."""
        v = values.to_numpy(dtype=float, na_value=np.nan)
        known = ~np.isnan(v)
        x = v[known]
        n = float(x.size)
        if kind == "mean":
            mean = float(x.mean()) if x.size else np.nan
            self.plain.append((mean, n, float(x.var(ddof=1)) if x.size > 1 else np.nan))
        else:  # a flag counts when true
            self.plain.append((np.nan, n, float((x != 0).sum())))
        self.keys.append(key)
        self.means.append(kind == "mean")
        if weights is None:
            return
        w = weights.to_numpy(dtype=float)[known]
        keep = ~np.isnan(w)
        if w[keep].sum() <= 0:
            self.by_weight.append((np.nan, 0.0, np.nan))
        else:
            self.by_weight.append(weighted_moments(x[keep], w[keep]))

    def _intervals(
        self, sums: list[tuple[float, float, float]], shares_from_counts: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(value, size, low, high) of every cell from its sums."""
        est, n, third = np.array(sums, dtype=float).reshape(-1, 3).T.copy()
        low, high = np.full(len(est), np.nan), np.full(len(est), np.nan)
        mean = np.array(self.means, dtype=bool)
        half = t_half_widths(third[mean], n[mean], self.level)
        low[mean], high[mean] = est[mean] - half, est[mean] + half
        if (~mean).any():
            hits = third[~mean] if shares_from_counts else est[~mean] * n[~mean]
            ci = wilson_ci(hits, n[~mean], self.level)
            if shares_from_counts:  # the weighted share is already the estimate
                est[~mean] = ci["proportion"]
            low[~mean], high[~mean] = ci["ci_low"], ci["ci_high"]
        return est, n, low, high

    def frame(self) -> pd.DataFrame:
        value, n, low, high = self._intervals(self.plain, shares_from_counts=True)
        rows = [
            row(*key, value[i], n[i], low[i], high[i]) for i, key in enumerate(self.keys)
        ]  # fmt: skip
        if not self.weighted:
            return tidy(rows)
        w_value, n_e, w_low, w_high = self._intervals(self.by_weight, shares_from_counts=False)
        for i, r in enumerate(rows):
            r.update(value=w_value[i], ci_low=w_low[i], ci_high=w_high[i])
        out = tidy(rows)
        out[list(WEIGHTED_COLUMNS)] = np.column_stack([value, low, high, n_e])
        return out


@checked
def wellbeing_by_wave(
    barometer: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    *,
    by: Sequence[str] = BREAKDOWNS,
    climate_by: Sequence[str] = (),
    tool_of: Mapping[str, str] | None = None,
    level: float = 0.95,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Mean well-being and climate scores and screening shares per wave, in the tidy frame.

    Parameters
    ----------
    barometer : pandas.DataFrame
        The wide barometer (see :func:`score_barometer`).
    instruments : mapping of str to Instrument
        ``Project.instruments()``.
    by : sequence of str
        Breakdowns of the well-being indicators (default department, category, gender); each
        gives one row per group present in the wave (answers without the group are in the
        overall row only).
    climate_by : sequence of str
        Breakdowns of the climate indicators (default none: climate per lever and wave).
    tool_of : mapping lever id -> tool id, optional
        Fills the ``tool`` column of the climate rows (``*`` otherwise), e.g.
        ``{lv.id: eco.tools_of(lv.id)[0].id for lv in eco.levers}``.
    level : float
        Confidence level of the intervals.
    weights : pandas.Series, optional
        Survey weights indexed like ``barometer``
        (:func:`eco_eval.wellbeing.weights.barometer_weights`): ``value`` and its interval are
        then the weighted mean (or share) with an interval on Kish's effective size, and the
        columns :data:`WEIGHTED_COLUMNS` give the respondents' unweighted figures and the
        effective size beside them. ``n`` stays the number of respondents (the anonymity rule
        counts people).

    Returns
    -------
    pandas.DataFrame
        The tidy indicator frame (docs/data-model.md): ``period`` (the wave label, ``2016-05``),
        ``lever`` (``*`` for the well-being scales, the lever id for its climate), ``tool``,
        ``dimension``, ``group``, ``indicator``, ``value``, ``n`` (respondents with a score),
        ``ci_low``, ``ci_high``, ``suppressed``. Indicators: ``swemwbs_mean`` (metric score),
        ``wemwbs_mean`` (when asked), ``who5_mean`` (0-100), ``who5_poor_wellbeing_share`` and
        ``who5_likely_depression_share`` (proportions 0-1 of respondents at or under 50 and 28),
        ``climate_mean`` (1-5, per lever). No cell is hidden yet: the caller applies the
        anonymity rule (:func:`eco_eval.privacy.wellbeing.suppress_wellbeing`).

    Notes
    -----
    Means: :math:`\\bar x \\pm t_{n-1} s/\\sqrt n` (:func:`eco_eval.stats.mean_ci`); shares: Wilson
    score interval (:func:`eco_eval.stats.wilson_ci`). The WHO-5 cut-offs screen individuals
    (Topp et al., 2015); only their share is reported, never a person.
    """
    level = check_level(level)
    by = () if by is None else (by,) if isinstance(by, str) else tuple(by)
    climate_by = (climate_by,) if isinstance(climate_by, str) else tuple(climate_by)
    check_columns(barometer, ["wave"], "barometer")
    scored = score_barometer(barometer, instruments)
    for dim in {*by, *climate_by}:
        check_columns(scored, [dim], "barometer")
    climate = [(iid, inst.lever) for iid, inst in instruments.items() if inst.lever is not None]
    if weights is not None:
        if not isinstance(weights, pd.Series) or not weights.index.equals(barometer.index):
            raise StatsInputError("weights must be a Series indexed like the barometer")
        scored = scored.assign(_weight=weights.astype(float))
    levels = _Levels(level, weighted=weights is not None)
    tools = dict(tool_of or {})
    for wave, part in scored.groupby("wave", sort=True):
        cuts: list[tuple[str, str, pd.DataFrame]] = [("*", "*", part)]
        for dim in by:
            cuts += [(dim, str(g), sub) for g, sub in part.groupby(dim, sort=True)]
        for dim, group, sub in cuts:
            weight = sub["_weight"] if weights is not None else None
            for ind, (col, kind) in WELLBEING_INDICATORS.items():
                if col in sub.columns:
                    levels.add((str(wave), "*", "*", dim, group, ind), sub[col], weight, kind)
        ccuts: list[tuple[str, str, pd.DataFrame]] = [("*", "*", part)]
        for dim in climate_by:
            ccuts += [(dim, str(g), sub) for g, sub in part.groupby(dim, sort=True)]
        for dim, group, sub in ccuts:
            weight = sub["_weight"] if weights is not None else None
            for iid, lever in climate:
                col = f"{iid}_score"
                if col in sub.columns and lever is not None:
                    key = (str(wave), lever, tools.get(lever, "*"), dim, group, CLIMATE_INDICATOR)
                    levels.add(key, sub[col], weight, "mean")
    return levels.frame()


@checked
def reliability_by_wave(
    barometer: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    *,
    level: float = 0.95,
    min_n: int = 30,
    omega_boot: int = 0,
    seed: int | None = 0,
    threshold: float = RELIABILITY_THRESHOLD,
) -> pd.DataFrame:
    """Internal consistency of every scale at every wave, and whether it can be trusted.

    Parameters
    ----------
    barometer : pandas.DataFrame
        The wide barometer with item columns and ``wave``.
    instruments : mapping of str to Instrument
        ``Project.instruments()`` (reverse-keyed items are turned around before computing).
    level : float
        Confidence level of the alpha (Feldt) and omega (bootstrap) intervals.
    min_n : int
        Fewer complete responses than this in a wave: not estimated (a note says so). 30 by
        default: alpha's interval is too wide to judge a scale below that.
    omega_boot : int
        Bootstrap resamples for an interval of omega (0: none, the default; 200 takes seconds).
    seed : int or None
        Seed of the omega bootstrap.
    threshold : float
        Reliability a scale needs to be ``trusted`` (0.7).

    Returns
    -------
    pandas.DataFrame
        One row per instrument and wave: ``instrument``, ``wave``, ``lever`` (the lever id of a
        climate scale, ``*`` otherwise), ``k`` (items), ``n`` (complete responses), ``alpha``,
        ``alpha_ci_low``, ``alpha_ci_high``, ``omega``, ``omega_ci_low``, ``omega_ci_high``,
        ``spearman_brown`` (two-item scales), ``reliability`` (the coefficient judged: alpha, or
        Spearman-Brown for a two-item scale), ``trusted`` (``reliability >= threshold``; False when
        not estimated), ``note``.

    Notes
    -----
    Alpha, its Feldt interval and omega total come from
    :func:`eco_eval.stats.reliability_table` (listwise deletion of incomplete responses). For a
    two-item scale, omega is not identified and alpha understates reliability when the item
    variances differ; the Spearman-Brown coefficient :math:`2r/(1+r)` is the recommended estimate
    (Eisinga, te Grotenhuis & Pelzer, 2013) and is the one judged. Reliability describes the
    scale in this population, not a person: it needs no anonymity threshold beyond ``min_n``.

    References
    ----------
    Nunnally, J. C. (1978). Psychometric theory (2nd ed.). McGraw-Hill. Eisinga, R., te
    Grotenhuis, M. & Pelzer, B. (2013). The reliability of a two-item scale: Pearson, Cronbach, or
    Spearman-Brown? International Journal of Public Health 58(4), 637-642.
    """
    level = check_level(level)
    check_columns(barometer, ["wave"], "barometer")
    table = reliability_table(
        barometer, instruments, by="wave", level=level, min_n=min_n, omega_boot=omega_boot,
        seed=seed,
    )  # fmt: skip
    table["wave"] = table["wave"].astype(str)
    levers = {iid: inst.lever or "*" for iid, inst in instruments.items()}
    table.insert(2, "lever", table["instrument"].map(levers).fillna("*"))
    table["reliability"] = np.where(table["k"] == 2, table["spearman_brown"], table["alpha"])
    table["trusted"] = (table["reliability"] >= threshold).fillna(False).astype(bool)
    cols = [c for c in table.columns if c != "note"] + ["note"]
    return table[cols].reset_index(drop=True)
