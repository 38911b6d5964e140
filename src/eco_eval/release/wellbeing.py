"""The well-being part of a release: the barometer's anonymised levels, reliability, per-lever
impact, key drivers, and the few numbers the sentences quote, computed once from the store.

Person-level scores never leave this module: the release keeps the tables the bilan shows (each
already anonymised by :mod:`eco_eval.wellbeing`) and small summaries — respondents per wave, the
change of the mean between the last two waves, the inputs of the phase-in power calculation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from eco_eval.indicators.core import Tables
from eco_eval.periods import Period
from eco_eval.privacy.wellbeing import suppress_wellbeing
from eco_eval.stats import wave_change
from eco_eval.wellbeing.drivers import key_drivers_table
from eco_eval.wellbeing.impact import impact_table
from eco_eval.wellbeing.inputs import design_inputs
from eco_eval.wellbeing.panel import wave_cuts
from eco_eval.wellbeing.scores import (
    WEIGHTED_COLUMNS,
    reliability_by_wave,
    score_barometer,
    wellbeing_by_wave,
)
from eco_eval.wellbeing.weights import barometer_weights

__all__ = ["FRAMES", "wellbeing_part"]

#: The release's frames of this part, by name.
FRAMES = ("wellbeing_levels", "wellbeing_reliability", "wellbeing_impact", "wellbeing_drivers")


def wave_windows(barometer: pd.DataFrame) -> dict[str, list[str]]:
    """Each wave's fielding window: first and last submission dates (empty without them)."""
    if not {"wave_start", "wave_end"} <= set(barometer.columns):
        return {}
    dates = barometer.groupby(barometer["wave"].astype(str)).agg(
        start=("wave_start", "min"), end=("wave_end", "max")
    )
    return {
        str(w): [_iso(r.start), _iso(r.end)]
        for w, r in dates.iterrows()
        if _iso(r.start) and _iso(r.end)
    }


def _iso(value: Any) -> str:
    stamp = pd.Timestamp(value) if value is not None and not pd.isna(value) else None
    return "" if stamp is None else stamp.date().isoformat()


def weighted_levels(
    barometer: pd.DataFrame, instruments: Mapping[str, Any], headcount: pd.DataFrame | None,
    *, tool_of: Mapping[str, str], k: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """The barometer's levels weighted to the headcount, anonymised, and the weights' summary.

    The anonymity rule decides on the respondents' own figures (the counts behind a share are
    people, not weighted people); the cells it hides are hidden in every column.
    """
    weights = barometer_weights(barometer, headcount)
    levels = wellbeing_by_wave(barometer, instruments, tool_of=tool_of, weights=weights)
    if levels.empty:
        return levels, weights.attrs["summary"]
    plain = levels.drop(columns=list(WEIGHTED_COLUMNS)).assign(
        value=levels["value_unweighted"],
        ci_low=levels["ci_low_unweighted"],
        ci_high=levels["ci_high_unweighted"],
    )
    hidden = suppress_wellbeing(plain, k=k)
    out = levels.loc[hidden.index].copy()
    mask = hidden["suppressed"].to_numpy(bool)
    out["suppressed"] = mask
    out.loc[mask, ["value", "n", "ci_low", "ci_high"]] = hidden.loc[
        mask, ["value", "n", "ci_low", "ci_high"]
    ].to_numpy()
    out.loc[mask, list(WEIGHTED_COLUMNS)] = float("nan")
    return out, weights.attrs["summary"]


def wellbeing_part(
    tables: Tables,
    period: Period,
    eco: Any,
    instruments: Mapping[str, Any],
    *,
    k: int,
    k_drivers: int,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The frames (:data:`FRAMES`) and the manifest entry of the barometer waves up to ``period``.

    The manifest entry holds ``waves`` (labels in order), ``wave_cuts`` and ``wave_windows`` (ISO
    dates), ``respondents`` per wave, ``change`` (the latest wave's mean SWEMWBS against the wave
    before, all respondents) and ``design`` (departments, SD, ICC and respondents per department
    of the latest wave, for the phase-in plan)."""
    empty = {name: pd.DataFrame() for name in FRAMES}
    baro = tables.barometer
    meta: dict[str, Any] = {"waves": [], "wave_cuts": {}, "wave_windows": {}, "respondents": {}}
    if baro is None or baro.empty:
        return empty, meta
    cuts = wave_cuts(baro)
    end = pd.Timestamp(period.end)
    waves = [w for w in sorted(cuts, key=cuts.__getitem__) if cuts[w] <= end]
    meta["wave_cuts"] = {w: _iso(cuts[w]) for w in waves}
    meta["wave_windows"] = {w: span for w, span in wave_windows(baro).items() if w in set(waves)}
    if not waves:
        return empty, {**meta}
    meta["waves"] = waves
    upto = baro.loc[baro["wave"].astype(str).isin(waves)]
    scored = score_barometer(baro, instruments)
    scored_upto = scored.loc[scored["wave"].astype(str).isin(waves)]
    counts = scored["wave"].astype(str).value_counts()
    meta["respondents"] = {w: int(counts.get(w, 0)) for w in waves}
    tool_of = {lv.id: ts[0].id for lv in eco.levers if len(ts := eco.tools_of(lv.id)) == 1}
    levels, summary = weighted_levels(upto, instruments, tables.headcount, tool_of=tool_of, k=k)
    meta["weights"] = summary.to_dict("records")
    frames = {
        "wellbeing_levels": levels,
        "wellbeing_reliability": reliability_by_wave(upto, instruments),
        "wellbeing_impact": (
            impact_table(
                replace(tables, barometer=upto),
                instruments,
                eco,
                outcomes=("climate", "swemwbs"),
                k=k,
            )
            if len(waves) >= 2
            else pd.DataFrame()
        ),
        "wellbeing_drivers": key_drivers_table(
            upto, instruments, wave=waves[-1], k_drivers=k_drivers, scored=scored_upto
        ),
    }
    if len(waves) >= 2:
        change = wave_change(
            scored, "swemwbs_score", "wave", (waves[-2], waves[-1]), pairing="independent"
        ).iloc[0]
        meta["change"] = {c: float(change[c]) for c in ("estimate", "ci_low", "ci_high")}
    inputs = design_inputs(upto, instruments, wave=waves[-1], scored=scored)
    meta["design"] = {
        "departments": [str(d) for d in inputs.departments],
        "sd": float(inputs.sd),
        "icc": float(inputs.icc),
        "cluster_size": float(inputs.cluster_size),
    }
    return frames, meta
