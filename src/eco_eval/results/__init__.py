"""Organisational results tied to programme exposure, department by department.

Pure functions over the store's tables (:class:`eco_eval.indicators.core.Tables`)::

    from eco_eval import results
    panel = results.exposure_panel(tables, until="2017-Q4")
    relations = results.exposure_relations(panel)  # slopes, intervals, n departments, design

The per-period indicators of the same sources (ideas funnel, absence, turnover, citizen
satisfaction) are in :mod:`eco_eval.indicators.results`.
"""

from eco_eval.results.exposure import (
    EXPOSURES,
    OUTCOMES,
    PANEL_COLUMNS,
    RELATION_COLUMNS,
    department_exposure,
    department_means,
    department_outcomes,
    exposure_analysis,
    exposure_panel,
    exposure_relations,
)

__all__ = [
    "EXPOSURES",
    "OUTCOMES",
    "PANEL_COLUMNS",
    "RELATION_COLUMNS",
    "department_exposure",
    "department_means",
    "department_outcomes",
    "exposure_analysis",
    "exposure_panel",
    "exposure_relations",
]
