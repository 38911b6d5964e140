"""Pure statistical functions: intervals, scale scoring, reliability, effects, impact, design, drivers.

Frames and arrays in, frames and frozen dataclasses out; no I/O, no plotting, no configuration
reads (the instrument definitions come from :func:`eco_eval.instruments.load_instruments`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names resolve on first use: importing one submodule (the indicators need only ``intervals``)
# does not load pingouin, matplotlib and statsmodels.api with the others.
_LAZY = {
    "StatsInputError": "_checks",
    "stepped_wedge_calendar": "design",
    "stepped_wedge_power": "design",
    "key_drivers": "drivers",
    "benjamini_hochberg": "effects",
    "hedges_g": "effects",
    "minimum_detectable_effect": "effects",
    "IMPACT_COLUMNS": "impact",
    "cross_sectional_estimate": "impact",
    "did_estimate": "impact",
    "impact_by_lever": "impact",
    "wave_change": "impact",
    "bootstrap_mean_ci": "intervals",
    "mean_ci": "intervals",
    "nps": "intervals",
    "top_box_share": "intervals",
    "twfe_estimate": "panel_did",
    "rake": "weights",
    "weighted_mean_ci": "weights",
    "weighted_share_ci": "weights",
    "wilson_ci": "intervals",
    "cronbach_alpha": "reliability",
    "item_statistics": "reliability",
    "mcdonald_omega": "omega",
    "reliability_table": "reliability",
    "score": "scales",
    "score_all": "scales",
}

if TYPE_CHECKING:
    from eco_eval.stats._checks import StatsInputError
    from eco_eval.stats.design import stepped_wedge_calendar, stepped_wedge_power
    from eco_eval.stats.drivers import key_drivers
    from eco_eval.stats.effects import benjamini_hochberg, hedges_g, minimum_detectable_effect
    from eco_eval.stats.impact import (
        IMPACT_COLUMNS,
        cross_sectional_estimate,
        did_estimate,
        impact_by_lever,
        wave_change,
    )
    from eco_eval.stats.intervals import (
        bootstrap_mean_ci,
        mean_ci,
        nps,
        top_box_share,
        wilson_ci,
    )
    from eco_eval.stats.omega import mcdonald_omega
    from eco_eval.stats.panel_did import twfe_estimate
    from eco_eval.stats.reliability import cronbach_alpha, item_statistics, reliability_table
    from eco_eval.stats.scales import score, score_all
    from eco_eval.stats.weights import rake, weighted_mean_ci, weighted_share_ci


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"eco_eval.stats.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'eco_eval.stats' has no attribute {name!r}")


def __dir__() -> list[str]:  # tab completion in JupyterLab lists the lazy names too
    return sorted({*(n for n in globals() if n.startswith("__")), *_LAZY})


__all__ = [
    "IMPACT_COLUMNS",
    "StatsInputError",
    "benjamini_hochberg",
    "bootstrap_mean_ci",
    "cronbach_alpha",
    "cross_sectional_estimate",
    "did_estimate",
    "hedges_g",
    "impact_by_lever",
    "item_statistics",
    "key_drivers",
    "mcdonald_omega",
    "mean_ci",
    "minimum_detectable_effect",
    "nps",
    "rake",
    "reliability_table",
    "score",
    "score_all",
    "stepped_wedge_calendar",
    "stepped_wedge_power",
    "top_box_share",
    "twfe_estimate",
    "wave_change",
    "weighted_mean_ci",
    "weighted_share_ci",
    "wilson_ci",
]
