"""Measuring the immaterial: well-being, climate and the impact of each lever.

Pure functions over the store's tables (:class:`eco_eval.indicators.core.Tables`), the project's
instruments (``Project.instruments()``) and its ecosystem; the caller applies the anonymity rule
to what it publishes (:func:`eco_eval.privacy.wellbeing.suppress_wellbeing` for the levels)::

    from eco_eval.wellbeing.impact import impact_table
    from eco_eval.wellbeing.scores import score_barometer, wellbeing_by_wave

    scored = score_barometer(tables.barometer, project.instruments())
    levels = wellbeing_by_wave(tables.barometer, project.instruments())
    impact = impact_table(tables, project.instruments(), project.ecosystem())

Modules: :mod:`~eco_eval.wellbeing.scores` (scores, levels per wave, reliability),
:mod:`~eco_eval.wellbeing.panel` (linked respondents and attendance between waves),
:mod:`~eco_eval.wellbeing.impact` (per-lever DiD / cross-section, FDR),
:mod:`~eco_eval.wellbeing.drivers` (key drivers, an association),
:mod:`~eco_eval.wellbeing.plan` (a randomised stepped-wedge roll-out and its power). Import
from the modules: the package itself loads none of them, so that a reader of one (the bilan
reads the plan) does not pay for the statistics of the others.
"""
