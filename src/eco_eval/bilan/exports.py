"""The bilan's well-being tables as flat frames: what ``eco-eval impact|reliability|wellbeing
--out`` write, so that analysts and schedulers need not parse the HTML.

Each export takes the bilan's own :class:`~eco_eval.bilan.wellbeing.WellbeingSection` (built with
``WellbeingSection.for_period``), so its numbers are the ones the bilan of the same period shows,
anonymised as there: estimates resting on fewer than ``k`` participants or non-participants are
suppressed by :func:`~eco_eval.wellbeing.impact.impact_table`, well-being levels by complementary
suppression (:func:`~eco_eval.wellbeing.scores.wellbeing_by_wave`); on top of that no count of fewer
than ``k`` people is written (a blank cell, ``suppressed`` true). Nothing is per person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from eco_eval.bilan.wellbeing import WellbeingSection

__all__ = [
    "IMPACT_EXPORT_COLUMNS",
    "RELIABILITY_EXPORT_COLUMNS",
    "WELLBEING_EXPORT_COLUMNS",
    "impact_export",
    "reliability_export",
    "wellbeing_export",
]

#: The bilan's impact outcomes, in its order.
BILAN_OUTCOMES = ("climate", "swemwbs")
#: export column <- impact_table column
_IMPACT = {
    "period": None,
    "outcome": "outcome",
    "lever": "lever",
    "estimate": "estimate",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "p": "p_value",
    "p_adj": "p_adjusted",
    "n_treated": "n_treated",
    "n_control": "n_control",
    "design": "design",
    "sms_level": "sms_level",
    "effect_size": "hedges_g",
    "effect_size_ci_low": "g_ci_low",
    "effect_size_ci_high": "g_ci_high",
    "significant_fdr": "significant_fdr",
    "causal_wording_allowed": "causal_wording_allowed",
    "mde": "mde",
    "wave_from": "wave_from",
    "wave_to": "wave_to",
    "pooled": "pooled",
    "suppressed": "suppressed",
}
IMPACT_EXPORT_COLUMNS = tuple(_IMPACT)
_IMPACT_FIGURES = (
    "estimate", "ci_low", "ci_high", "p", "p_adj", "effect_size", "effect_size_ci_low",
    "effect_size_ci_high", "mde",
)  # fmt: skip
RELIABILITY_EXPORT_COLUMNS = (
    "period", "wave", "instrument", "lever", "items", "n", "alpha", "alpha_ci_low",
    "alpha_ci_high", "omega", "spearman_brown", "reliability", "trusted", "suppressed",
)  # fmt: skip
WELLBEING_EXPORT_COLUMNS = (
    "period", "wave", "indicator", "lever", "tool", "dimension", "group", "value", "n",
    "ci_low", "ci_high", "suppressed",
)  # fmt: skip


def _hide_small(frame: pd.DataFrame, counts: tuple[str, ...], k: int) -> pd.DataFrame:
    """Blank every count of fewer than ``k`` people (zero included) and flag the row; counts
    become whole numbers (blank when missing)."""
    out = frame.copy()
    if "suppressed" not in out:
        out["suppressed"] = False
    for col in counts:
        values = pd.to_numeric(out[col], errors="coerce")
        small = values.notna() & (values < k)
        out[col] = values.where(~small).round().astype("Int64")
        out["suppressed"] = out["suppressed"].astype(bool) | small
    return out


def impact_export(section: WellbeingSection) -> pd.DataFrame:
    """One row per outcome and lever the bilan's impact tables show (pooled over the wave pairs
    when there are several, else the last pair), with the columns of
    :data:`IMPACT_EXPORT_COLUMNS`: ``p`` and ``p_adj`` (Benjamini-Hochberg across the levers of
    the outcome), ``design`` and ``sms_level`` (Maryland scale), ``effect_size`` (Hedges' g)."""
    parts = [section.headline(o) for o in BILAN_OUTCOMES]
    rows = (
        pd.concat([p for p in parts if len(p)], ignore_index=True) if any(map(len, parts)) else None
    )
    if rows is None:
        return pd.DataFrame(columns=list(IMPACT_EXPORT_COLUMNS))
    order = {lv.id: i for i, lv in enumerate(section.b.eco.levers)}
    rows = rows.assign(
        _lever=rows["lever"].map(order), _outcome=rows["outcome"].map(BILAN_OUTCOMES.index)
    )
    rows = rows.sort_values(["_outcome", "_lever"], kind="stable")
    out = pd.DataFrame({new: rows[old].to_numpy() for new, old in _IMPACT.items() if old})
    out.insert(0, "period", section.b.period.label)
    out = _hide_small(out, ("n_treated", "n_control"), section.k)
    out.loc[out["suppressed"], list(_IMPACT_FIGURES)] = np.nan
    out.loc[out["suppressed"], "significant_fdr"] = False
    return out[list(IMPACT_EXPORT_COLUMNS)].reset_index(drop=True)


def reliability_export(section: WellbeingSection) -> pd.DataFrame:
    """Reliability of every scale at every barometer wave up to the period (the bilan shows the
    last one), columns :data:`RELIABILITY_EXPORT_COLUMNS` (``items``: the scale's items,
    ``n``: complete responses)."""
    rel = section.reliability_frame
    if rel.empty:
        return pd.DataFrame(columns=list(RELIABILITY_EXPORT_COLUMNS))
    out = rel.rename(columns={"k": "items"}).assign(period=section.b.period.label)
    out = _hide_small(out, ("n",), section.k)
    figures = ["alpha", "alpha_ci_low", "alpha_ci_high", "omega", "spearman_brown", "reliability"]
    out.loc[out["suppressed"], figures] = np.nan
    out.loc[out["suppressed"], "trusted"] = False
    return out[list(RELIABILITY_EXPORT_COLUMNS)].reset_index(drop=True)


def wellbeing_export(section: WellbeingSection) -> pd.DataFrame:
    """Well-being and climate levels per barometer wave up to the period, anonymised as the bilan
    (complementary suppression), columns :data:`WELLBEING_EXPORT_COLUMNS` (``wave``: the
    barometer wave, ``period``: the bilan's period)."""
    levels = section.levels
    if levels.empty:
        return pd.DataFrame(columns=list(WELLBEING_EXPORT_COLUMNS))
    out = levels.rename(columns={"period": "wave"}).assign(period=section.b.period.label)
    out = _hide_small(out, ("n",), section.k)
    out.loc[out["suppressed"], ["value", "ci_low", "ci_high"]] = np.nan
    out.loc[out["suppressed"], "n"] = pd.NA
    return out[list(WELLBEING_EXPORT_COLUMNS)].reset_index(drop=True)
