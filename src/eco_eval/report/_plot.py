"""Pieces shared by the figures: theme template, row selection, value scaling, hover texts.

Private to :mod:`eco_eval.report.figures`; kept apart so that each module reads in one sitting.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from eco_eval.errors import ReportFailed, did_you_mean
from eco_eval.indicators.core import COLUMNS, FIGURES
from eco_eval.report.fmt import (
    fmt_interval,
    fmt_number,
    fmt_period,
    fmt_suppressed,
    fmt_value,
    is_missing,
    period_sort_key,
)
from eco_eval.report.i18n import Labels
from eco_eval.report.theme import Theme


# --- look --------------------------------------------------------------------------------------
def plotly_template(theme: Theme) -> go.layout.Template:
    """The theme as a plotly template (fonts, colours, grid, margins)."""
    axis = {
        "gridcolor": theme.color("grid"),
        "linecolor": theme.color("axis"),
        "zerolinecolor": theme.color("grid"),
        "automargin": True,
        "ticks": "",
    }
    font = {
        "family": theme.font["family"],
        "size": theme.font["size"],
        "color": theme.color("text"),
    }
    return go.layout.Template(
        layout={
            "font": font,
            "colorway": list(theme.series),
            "paper_bgcolor": theme.color("background"),
            "plot_bgcolor": theme.color("background"),
            "xaxis": axis,
            "yaxis": axis,
            "legend": {"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
            "hoverlabel": {"font": {"family": theme.font["family"]}},
            "margin": dict(theme.figure["margin"]),
            "title": {"x": 0, "xanchor": "left", "font": {"size": theme.font["size"] + 3}},
            "uniformtext": {"minsize": 8, "mode": "hide"},
        }
    )


#: Characters per line of a figure's title and notes: plotly does not wrap text, and a printed
#: A4 page (180 mm of content) holds about this many characters of the title's font.
TITLE_WIDTH = 80
NOTE_WIDTH = 120


def wrap(text: str, width: int) -> str:
    """``text`` with ``<br>`` line breaks so that no line is longer than ``width`` characters
    (existing ``<br>`` kept; words are never split)."""
    return "<br>".join(
        "<br>".join(textwrap.wrap(part, width, break_long_words=False) or [""])
        for part in text.split("<br>")
    )


def finish(fig: go.Figure, labels: Labels, theme: Theme, *, title: str, height: int) -> go.Figure:
    """Apply the theme, the language's number separators, the title (wrapped to fit a printed
    page) and the height."""
    fig.update_layout(
        template=plotly_template(theme),
        separators=",\u202f" if labels.lang == "fr" else ".,",
        title={"text": wrap(title, TITLE_WIDTH)},
        height=height,
        autosize=True,
    )
    return fig


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def hatched(theme: Theme) -> dict[str, Any]:
    """Marker of a bar hidden by the anonymity rule: white, grey outline, grey hatching."""
    grey = theme.color("suppressed")
    return {
        "color": "white",
        "line": {"color": grey, "width": 1},
        "pattern": {"shape": theme.suppressed_pattern, "fgcolor": grey, "solidity": 0.35},
    }


def legend_swatch(fig: go.Figure, name: str, theme: Theme) -> None:
    """A legend entry (grey square) for marks that are annotations, not traces."""
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=name,
            marker={"symbol": "square", "size": 12, "color": theme.color("suppressed")},
            hoverinfo="skip",
        )
    )


def mark_hidden(
    fig: go.Figure,
    hidden_at: dict[str, list[str]],
    labels: Labels,
    theme: Theme,
    k: int | None,
    *,
    axis: int = 1,
) -> None:
    """A grey ``< k`` label at the foot of each period where a line has a hidden value."""
    suffix = "" if axis == 1 else str(axis)
    for period, names in hidden_at.items():
        fig.add_annotation(
            x=period,
            y=0,
            xref=f"x{suffix}",
            yref=f"y{suffix} domain",
            yanchor="bottom",
            text=fmt_suppressed(k, labels.lang),
            showarrow=False,
            font={"color": theme.color("suppressed_text"), "size": 9},
            bgcolor=theme.color("suppressed"),
            hovertext="<br>".join(names),
        )


def ci_band(
    fig: go.Figure,
    x: list[str],
    data: pd.DataFrame,
    colour: str,
    theme: Theme,
    percent: bool,
    group: str,
    **where: int,
) -> None:
    """Filled polygons between ci_low and ci_high, one per run of periods that have both."""
    lo = [scale(v, percent) for v in data["ci_low"]]
    hi = [scale(v, percent) for v in data["ci_high"]]
    run: list[int] = []
    for i in [*range(len(x)), -1]:
        if i >= 0 and lo[i] is not None and hi[i] is not None:
            run.append(i)
            continue
        if run:
            fig.add_trace(
                go.Scatter(
                    x=[x[j] for j in run] + [x[j] for j in reversed(run)],
                    y=[hi[j] for j in run] + [lo[j] for j in reversed(run)],
                    fill="toself",
                    mode="lines",
                    line={"width": 0},
                    fillcolor=rgba(colour, theme.ci_band_opacity),
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=group,
                    name=group,
                ),
                **where,
            )
            run = []


# --- rows --------------------------------------------------------------------------------------
def check_frame(frame: pd.DataFrame, where: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ReportFailed(
            f"{where}: expected the tidy indicator frame (a DataFrame), got {type(frame).__name__}"
        )
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ReportFailed(
            f"{where}: the frame lacks the tidy column(s) {', '.join(missing)} (see docs/data-model.md)"
        )


def _pick(rows: pd.DataFrame, column: str, value: str, where: str, what: str) -> pd.DataFrame:
    picked = rows[rows[column] == value]
    if picked.empty:
        choices = sorted(map(str, rows[column].unique()))
        raise ReportFailed(
            f"{where}: no rows with {column} {value!r} for {what}{did_you_mean(value, choices)}; "
            f"the frame has {', '.join(choices) or 'none'}"
        )
    return picked


def select(
    frame: pd.DataFrame,
    where: str,
    indicator: str,
    *,
    dimension: str | None = None,
    lever: str | None = None,
    period: str | None = None,
    tool: str | None = None,
) -> pd.DataFrame:
    """Rows of ``indicator`` narrowed by the given columns, with hidden values blanked.

    Without ``tool``, a lever's rows for all its tools (``*``) are preferred when it has any (a
    lever with a single tool carries that tool's id on its rows).
    """
    check_frame(frame, where)
    rows = _pick(frame, "indicator", indicator, where, "this figure")
    what = f"indicator {indicator!r}"
    if dimension is not None:
        rows = _pick(rows, "dimension", dimension, where, what)
    if lever is not None:
        rows = _pick(rows, "lever", lever, where, what)
    if period is not None:
        rows = _pick(rows, "period", str(period), where, what)
    if tool is not None:
        rows = _pick(rows, "tool", tool, where, what)
    else:
        levers_with_all = set(rows.loc[rows["tool"] == "*", "lever"])
        rows = rows[(rows["tool"] == "*") | ~rows["lever"].isin(levers_with_all)]
    rows = rows.copy()
    # Defence in depth: a suppressed row never shows its value, whatever the frame holds.
    rows["suppressed"] = rows["suppressed"].astype("boolean").fillna(False).astype(bool)
    for column in FIGURES:
        rows[column] = pd.to_numeric(rows[column], errors="coerce").astype(float)
        rows.loc[rows["suppressed"], column] = np.nan
    return rows


def one_per(rows: pd.DataFrame, keys: Sequence[str], where: str, hint: str) -> None:
    """Refuse several rows for the same key (they would be drawn on top of each other)."""
    duplicated = rows.duplicated(list(keys), keep=False)
    if duplicated.any():
        sample = rows.loc[duplicated, list(keys)].drop_duplicates().head(3).to_dict("records")
        raise ReportFailed(f"{where}: several rows per {'/'.join(keys)} (e.g. {sample}); {hint}")


def single_period(rows: pd.DataFrame, where: str) -> str:
    periods = sorted(rows["period"].unique(), key=period_sort_key)
    if len(periods) != 1:
        raise ReportFailed(
            f"{where}: the rows cover several periods ({', '.join(map(str, periods))}); pass period="
        )
    return str(periods[0])


def lever_order(present: Sequence[str], labels: Labels, levers: Sequence[str] | None) -> list[str]:
    """``levers`` when given; else every lever of the ecosystem (data or not: an idle lever is
    news), then any other lever the frame has."""
    if levers:
        return list(levers)
    known = list(labels.lever_ids)
    return known + sorted(set(present) - set(known) - {"*"})


def group_order(present: Sequence[str], groups: Sequence[str] | None) -> list[str]:
    """``groups`` when given (a choice and an order), else the groups present, sorted."""
    return list(groups) if groups else sorted(set(present))


# --- values and texts --------------------------------------------------------------------------
def is_percent(labels: Labels, indicator: str, percent: bool | None) -> bool:
    return labels.is_percent(indicator) if percent is None else percent


def scale(value: object, percent: bool) -> float | None:
    """Plotted value: percentages on a 0–100 scale; missing as None (a gap, never 0)."""
    if is_missing(value):
        return None
    return float(value) * (100.0 if percent else 1.0)  # type: ignore[arg-type]


def hover(row: Any, labels: Labels, *, percent: bool, k: int | None) -> str:
    """Hover text of one tidy row (value, n, interval) written with the report's formats."""
    if row is None or is_missing(row.get("indicator")):
        return labels["figure.no_data"]
    if bool(row["suppressed"]):
        return (
            labels.format("value.suppressed_long", k=k)
            if k
            else labels["value.suppressed_long_nok"]
        )
    if is_missing(row["value"]):
        return labels["figure.no_data"]
    lang = labels.lang
    parts = [fmt_value(row["value"], lang, percent=percent)]
    if not is_missing(row["n"]):
        parts.append(labels.format("figure.n", n=fmt_number(row["n"], lang, digits=0)))
    if not is_missing(row["ci_low"]) and not is_missing(row["ci_high"]):
        parts.append(
            labels.format(
                "figure.ci",
                interval=fmt_interval(row["ci_low"], row["ci_high"], lang, percent=percent),
            )
        )
    return "<br>".join(parts)


def short_value(value: object, labels: Labels, percent: bool) -> str:
    """Value printed on a bar or point: percentages whole, other numbers as they come."""
    if is_missing(value):
        return ""
    return fmt_value(value, labels.lang, percent=percent, digits=0 if percent else None)


def suppressed_legend(labels: Labels, k: int | None) -> str:
    return (
        labels.format("figure.suppressed_legend", k=k)
        if k
        else labels["figure.suppressed_legend_nok"]
    )


def value_axis(labels: Labels, indicator: str, percent: bool) -> dict[str, Any]:
    """Axis of values: from zero, ``%`` suffix for percentages, else the unit as title."""
    axis: dict[str, Any] = {"rangemode": "tozero"}
    if percent:
        axis["ticksuffix"] = "\xa0%" if labels.lang == "fr" else "%"
    elif unit := labels.unit(indicator):
        axis["title"] = {"text": unit}
    return axis


def title_for(labels: Labels, indicator: str, period: str | None, title: str | None) -> str:
    if title is not None:
        return title
    name = labels.indicator(indicator)
    return f"{name} — {fmt_period(period, labels.lang)}" if period else name


def periods_of(rows: pd.DataFrame, periods: Sequence[str] | None) -> list[str]:
    return (
        list(periods)
        if periods is not None
        else sorted(rows["period"].unique(), key=period_sort_key)
    )
