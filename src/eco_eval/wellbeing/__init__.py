"""Measuring the immaterial: well-being, climate and the impact of each lever.

Pure functions over the store's tables (:class:`eco_eval.indicators.core.Tables`), the project's
instruments (``Project.instruments()``) and its ecosystem; the caller applies the anonymity rule
to what it publishes (:func:`eco_eval.privacy.wellbeing.suppress_wellbeing` for the levels)::

    from eco_eval import wellbeing
    scored = wellbeing.score_barometer(tables.barometer, project.instruments())
    levels = wellbeing.wellbeing_by_wave(tables.barometer, project.instruments())
    impact = wellbeing.impact_table(tables, project.instruments(), project.ecosystem())

Modules: :mod:`~eco_eval.wellbeing.scores` (scores, levels per wave, reliability),
:mod:`~eco_eval.wellbeing.panel` (linked respondents and attendance between waves),
:mod:`~eco_eval.wellbeing.impact` (per-lever DiD / cross-section, FDR),
:mod:`~eco_eval.wellbeing.drivers` (key drivers, an association),
:mod:`~eco_eval.wellbeing.plan` (a randomised stepped-wedge roll-out and its power).
"""

from eco_eval.wellbeing.drivers import DRIVER_COLUMNS, key_drivers_table
from eco_eval.wellbeing.impact import IMPACT_TABLE_COLUMNS, OUTCOMES, impact_table
from eco_eval.wellbeing.panel import held_attendance, link_panel, wave_cuts
from eco_eval.wellbeing.plan import DesignInputs, PhaseInPlan, design_inputs, phase_in_plan
from eco_eval.wellbeing.scores import (
    RELIABILITY_THRESHOLD,
    WELLBEING_INDICATORS,
    reliability_by_wave,
    score_barometer,
    wellbeing_by_wave,
)

__all__ = [
    "DRIVER_COLUMNS",
    "IMPACT_TABLE_COLUMNS",
    "OUTCOMES",
    "RELIABILITY_THRESHOLD",
    "WELLBEING_INDICATORS",
    "DesignInputs",
    "PhaseInPlan",
    "design_inputs",
    "held_attendance",
    "impact_table",
    "key_drivers_table",
    "link_panel",
    "phase_in_plan",
    "reliability_by_wave",
    "score_barometer",
    "wave_cuts",
    "wellbeing_by_wave",
]
