"""Pure statistical functions: intervals, scale scoring, reliability, effects, impact, design, drivers.

Frames and arrays in, frames and frozen dataclasses out; no I/O, no plotting, no configuration
reads (the instrument definitions are package data read by :func:`load_instruments`).
"""

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
from eco_eval.stats.reliability import cronbach_alpha, mcdonald_omega, reliability_table
from eco_eval.stats.scales import Instrument, load_instruments, score, score_all

__all__ = [
    "IMPACT_COLUMNS",
    "Instrument",
    "StatsInputError",
    "benjamini_hochberg",
    "bootstrap_mean_ci",
    "cronbach_alpha",
    "cross_sectional_estimate",
    "did_estimate",
    "hedges_g",
    "impact_by_lever",
    "key_drivers",
    "load_instruments",
    "mcdonald_omega",
    "mean_ci",
    "minimum_detectable_effect",
    "nps",
    "reliability_table",
    "score",
    "score_all",
    "stepped_wedge_calendar",
    "stepped_wedge_power",
    "top_box_share",
    "wave_change",
    "wilson_ci",
]
