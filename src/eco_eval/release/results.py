"""The organisational-results part of a release: the period's results by department, the
results since launch, the departments' exposure panel and its relations, the ideas funnel."""

from __future__ import annotations

from typing import Any

import pandas as pd

from eco_eval.indicators.core import Tables
from eco_eval.indicators.results import funnel_counts, organisational_results
from eco_eval.periods import Period, cumulative
from eco_eval.release.model import RESULTS_FRAMES, period_entry
from eco_eval.results.exposure import exposure_panel, exposure_relations

__all__ = ["FRAMES", "SOURCES", "results_part"]

#: The release's frames of this part, by name.
FRAMES = RESULTS_FRAMES
#: The sources of the section; the manifest says which ones the store lacks.
SOURCES = ("ideas", "hr_results", "citizen_satisfaction")


def results_part(
    tables: Tables, period: Period, eco: Any, *, weights: str = "headcount"
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The frames (:data:`FRAMES`) and the manifest entry: ``since_launch`` (the cumulative
    period), ``missing_sources`` and ``funnel`` (ideas filed since launch at each stage, as the
    register stands; None without a register)."""
    since = cumulative(period, eco.launch)
    panel = exposure_panel(tables, until=period)
    frames = {
        "results_current": organisational_results(tables, period, eco, by=("department",)),
        "results_cumulated": organisational_results(tables, since, eco, by=()),
        "results_panel": panel,
        "results_relations": exposure_relations(panel, weights=weights),
    }
    ideas = tables.ideas
    funnel = None
    if ideas is not None and not ideas.empty:
        filed = pd.to_datetime(ideas["proposed_on"], errors="coerce")
        cohort = ideas[(filed >= pd.Timestamp(since.start)) & (filed <= pd.Timestamp(since.end))]
        funnel = funnel_counts(cohort)
    meta = {
        "since_launch": period_entry(since),
        "missing_sources": [s for s in SOURCES if getattr(tables, s) is None],
        "funnel": funnel,
    }
    return frames, meta
