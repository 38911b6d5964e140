"""The departments' exposure panel as a frame: its columns, and the per-department means a
scatter shows. Pure pandas, so the bilan draws the panel of its release without loading the
regression behind the slopes (:mod:`eco_eval.results.exposure`)."""

from __future__ import annotations

import pandas as pd

from eco_eval.stats._checks import check_columns

__all__ = ["PANEL_COLUMNS", "department_means"]

#: One row per department, quarter, outcome and horizon (:func:`~eco_eval.results.exposure_panel`).
PANEL_COLUMNS = [
    "department",
    "quarter",
    "outcome",
    "horizon",
    "kind",
    "outcome_quarter",
    "headcount",
    "reach_rate",
    "hours_per_staff",
    "response",
]


def department_means(
    panel: pd.DataFrame, outcome: str, *, exposure: str = "reach_rate", horizon: int = 1
) -> pd.DataFrame:
    """One row per department for a scatter: mean exposure, mean response, quarters, headcount.

    Columns ``department``, ``exposure`` (mean over its quarters), ``response`` (mean change or
    level), ``n_quarters``, ``headcount`` (mean).
    """
    check_columns(panel, PANEL_COLUMNS, "panel")
    sub = panel[(panel["outcome"] == outcome) & (panel["horizon"] == horizon)].dropna(
        subset=[exposure, "response"]
    )
    g = sub.groupby("department")
    return pd.DataFrame(
        {
            "exposure": g[exposure].mean(),
            "response": g["response"].mean(),
            "n_quarters": g.size(),
            "headcount": g["headcount"].mean(),
        }
    ).reset_index()
