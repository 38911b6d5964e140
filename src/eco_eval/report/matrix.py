"""The department × department encounter matrix as a heatmap.

One row and one column per department (sorted), the matrix symmetric; a hidden cell (fewer than
k people on one side, or hidden to protect another) is left blank — no colour, no number — and
so is a pair of departments that never met.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from eco_eval.report import _plot as P
from eco_eval.report.i18n import Labels
from eco_eval.report.theme import load_theme

__all__ = ["encounter_heatmap"]


def encounter_heatmap(matrix: pd.DataFrame, labels: Labels, *, title: str) -> go.Figure:
    """``matrix``: the release's ``encounter_matrix`` frame (``department_a``, ``department_b``,
    ``value``, ``suppressed``); returns the heatmap with hidden cells blank."""
    theme = load_theme()
    depts = sorted(set(matrix["department_a"]) | set(matrix["department_b"]))
    at = {d: i for i, d in enumerate(depts)}
    z: list[list[float | None]] = [[None] * len(depts) for _ in depts]
    for a, b, value, hidden in zip(
        matrix["department_a"],
        matrix["department_b"],
        matrix["value"],
        matrix["suppressed"],
        strict=True,
    ):
        if not hidden:
            z[at[a]][at[b]] = z[at[b]][at[a]] = float(value)
    names = [labels.group("department", d) for d in depts]
    text = [["" if v is None else P.short_value(v, labels, False) for v in line] for line in z]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=names,
            y=names,
            text=text,
            texttemplate="%{text}",
            colorscale=[list(s) for s in theme.sequential],
            zmin=0,
            xgap=2,
            ygap=2,
            hoverongaps=False,
            colorbar={"thickness": 12},
            hovertemplate="<b>%{y}</b> · %{x}<br>%{z}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    # column names slanted below the matrix: plotly grows the bottom margin for them (above it,
    # they would run into the title and out of the figure)
    fig.update_xaxes(tickangle=-45, automargin=True)
    fig.update_yaxes(automargin=True)
    # compact rows: the matrix of a city of twenty departments stays within half a printed page
    height = 140 + 20 * max(len(depts), 2)
    return P.finish(fig, labels, theme, title=title, height=height)
