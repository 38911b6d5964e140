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
from eco_eval.stats import mean_ci, reliability_table, score_all, wilson_ci
from eco_eval.stats._checks import StatsInputError, check_columns, check_level, checked
from eco_eval.stats.weights import weighted_mean_ci, weighted_share_ci

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


def _mean_row(values: pd.Series, level: float) -> tuple[float, float, float, float]:
    x = values.dropna().astype(float)
    if len(x) == 0:
        return np.nan, 0.0, np.nan, np.nan
    if len(x) < 2:
        return float(x.mean()), float(len(x)), np.nan, np.nan
    ci = mean_ci(x.to_numpy(), level)
    return ci.estimate, float(ci.n), ci.ci_low, ci.ci_high


def _share_row(flags: pd.Series, level: float) -> tuple[float, float, float, float]:
    x = flags.dropna().astype(bool)
    if len(x) == 0:
        return np.nan, 0.0, np.nan, np.nan
    ci = wilson_ci([int(x.sum())], [len(x)], level).iloc[0]
    return float(ci["proportion"]), float(len(x)), float(ci["ci_low"]), float(ci["ci_high"])


def _weighted(values: pd.Series, weights: pd.Series, kind: str, level: float) -> tuple:
    """(value, n_effective, ci_low, ci_high) of the weighted mean or share of ``values``."""
    known = values.notna()
    if not known.any():
        return np.nan, 0.0, np.nan, np.nan
    fn = weighted_mean_ci if kind == "mean" else weighted_share_ci
    return fn(values[known].astype(float), weights[known], level)


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
    rows: list[dict[str, object]] = []
    extra: list[tuple] = []
    if weights is not None:
        if not isinstance(weights, pd.Series) or not weights.index.equals(barometer.index):
            raise StatsInputError("weights must be a Series indexed like the barometer")
        scored = scored.assign(_weight=weights.astype(float))

    def add(wave: str, lever: str, tool: str, dim: str, group: str, ind: str, stats: tuple) -> None:
        rows.append(row(wave, lever, tool, dim, str(group), ind, *stats))

    def figures(values: pd.Series, weight: pd.Series | None, kind: str) -> tuple:
        plain = _mean_row(values, level) if kind == "mean" else _share_row(values, level)
        if weight is None:
            return plain
        value, n_eff, low, high = _weighted(values, weight, kind, level)
        extra.append((plain[0], plain[2], plain[3], n_eff))
        return value, plain[1], low, high

    tools = dict(tool_of or {})
    for wave, part in scored.groupby("wave", sort=True):
        cuts: list[tuple[str, str, pd.DataFrame]] = [("*", "*", part)]
        for dim in by:
            cuts += [(dim, str(g), sub) for g, sub in part.groupby(dim, sort=True)]
        for dim, group, sub in cuts:
            for ind, (col, kind) in WELLBEING_INDICATORS.items():
                if col not in sub.columns:
                    continue
                weight = sub["_weight"] if weights is not None else None
                add(str(wave), "*", "*", dim, group, ind, figures(sub[col], weight, kind))
        ccuts: list[tuple[str, str, pd.DataFrame]] = [("*", "*", part)]
        for dim in climate_by:
            ccuts += [(dim, str(g), sub) for g, sub in part.groupby(dim, sort=True)]
        for dim, group, sub in ccuts:
            for iid, lever in climate:
                col = f"{iid}_score"
                if col in sub.columns and lever is not None:
                    weight = sub["_weight"] if weights is not None else None
                    stats = figures(sub[col], weight, "mean")
                    add(
                        str(wave),
                        lever,
                        tools.get(lever, "*"),
                        dim,
                        group,
                        CLIMATE_INDICATOR,
                        stats,
                    )
    out = tidy(rows)
    if weights is not None:
        out[list(WEIGHTED_COLUMNS)] = pd.DataFrame(extra, dtype=float).to_numpy().reshape(-1, 4)
    return out


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
