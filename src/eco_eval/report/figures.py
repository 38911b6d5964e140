"""Plotly figures of the bilan, drawn from the tidy indicator frame (``docs/data-model.md``).

Every function takes the tidy frame, an indicator id and the report's :class:`Labels`, and returns
a ``plotly.graph_objects.Figure``; nothing is displayed or written. In a notebook cell, put a
figure in the page with :func:`show` (never ``fig.show()``): it emits the figure as HTML that does
not carry plotly.js, which the page template adds once for the whole page.

Conventions shared by all figures:

- colours from the theme (Okabe–Ito, colour-blind safe, ``_data/report/theme.yaml``);
- a value hidden by the anonymity rule (``suppressed`` true) is never drawn as a value: bars become
  white with grey hatching, heatmap cells grey, both labelled ``< k pers.``; lines have a gap and a
  grey ``< k pers.`` mark at the foot of the axis. ``k`` is the threshold to print (the project's
  ``privacy.k``); without it the label says ``masqué``. A missing value is a gap, never 0;
- printed pages have no hover, so bars, cells and single lines carry their values; hover texts
  add ``n`` and the 95 % interval, written with :mod:`eco_eval.report.fmt` (``1 234,5``,
  ``12,3 %``, ``[1,2 ; 3,4]``); axes use plotly's ``separators`` (decimal comma and narrow space in
  French); percentages are drawn on a 0–100 scale with a ``%`` suffix;
- a figure selects its rows (indicator, dimension, lever, period) and refuses ambiguous ones with a
  :class:`~eco_eval.errors.ReportFailed` that says which argument to give.

Whether an indicator is a percentage comes from the catalogue's unit (``%``) through the labels;
``percent=`` overrides it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import IPython.display
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from eco_eval.errors import ReportFailed, did_you_mean
from eco_eval.report import _plot as P
from eco_eval.report.fmt import fmt_period, fmt_suppressed, fmt_value
from eco_eval.report.i18n import Labels, as_labels
from eco_eval.report.theme import Theme, load_theme
from eco_eval.schema import ALL, as_sentinel

PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: No toolbar over the titles (a reader of a report reads, zooms with the browser).
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "displayModeBar": False,
}


def figure_html(fig: go.Figure | dict[str, Any]) -> str:
    """The figure as an HTML fragment (a div and its ``Plotly.newPlot`` call), without plotly.js.

    Accepts a figure or plotly's JSON form (``{"data", "layout", "config"}``).
    """
    if isinstance(fig, dict):
        fig = dict(fig)
        config = {**PLOTLY_CONFIG, **fig.pop("config", {})}
    else:
        config = PLOTLY_CONFIG
    html = pio.to_html(fig, full_html=False, include_plotlyjs=False, config=config, validate=False)
    return f'<div class="eco-figure">{html}</div>'


def _rounded(value: Any, digits: int = 6) -> Any:
    """``value`` (plotly's JSON form) with every float to ``digits`` significant digits: what a
    reader can see, a third of the bytes of a float's 17 digits."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, list):
        return [_rounded(v, digits) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    return value


def mimebundle(fig: go.Figure) -> dict[str, Any]:
    """What :func:`show` displays: plotly's JSON (floats to 6 significant digits, no plotly.js)
    and a plain-text stand-in."""
    as_json = _rounded(json.loads(pio.to_json(fig, validate=False, remove_uids=False)))
    as_json["config"] = PLOTLY_CONFIG
    return {
        PLOTLY_MIME: as_json,
        "text/plain": f"<{type(fig).__name__}: {fig.layout.title.text or ''}>",
    }


def show(fig: go.Figure) -> None:
    """Display ``fig`` in a notebook cell (use this, not ``fig.show()``).

    The output carries the figure once, as plotly's JSON: JupyterLab draws it with the plotly
    extension while an analyst works, and :func:`eco_eval.report.html.notebook_to_html` turns it
    into a ``Plotly.newPlot`` call on a page that loads plotly.js once (one copy of each figure
    keeps the executed notebook small). Anything else
    that renders as HTML (``_repr_html_``: a section replaced by its sentence,
    :class:`eco_eval.bilan.unavailable.Unavailable`) is shown as that HTML.
    """
    if not isinstance(fig, go.Figure) and hasattr(fig, "_repr_html_"):
        IPython.display.display({"text/html": fig._repr_html_()}, raw=True)
        return
    IPython.display.display(mimebundle(fig), raw=True)


# --- one row per lever ------------------------------------------------------------------------
@dataclass
class _LeverRows:
    """One indicator's whole-staff rows, one per lever in the figure's order, ready to draw."""

    period: str
    percent: bool
    order: list[str]
    names: list[str]
    data: pd.DataFrame
    values: list[float | None]
    hidden: list[bool]
    hover: list[str]


def _lever_rows(
    frame: pd.DataFrame,
    where: str,
    indicator: str,
    labels: Labels,
    *,
    period: str | None,
    k: int | None,
    percent: bool | None = None,
    levers: Sequence[str] | None = None,
    order: list[str] | None = None,
) -> _LeverRows:
    """``indicator`` per lever (whole staff, one period), in ``order`` or the ecosystem's order
    (``levers`` to choose); hidden values blanked (:func:`eco_eval.report._plot.select`)."""
    rows = P.select(frame, where, indicator, dimension="*", period=period)
    rows = rows[rows["lever"] != "*"]
    period = P.single_period(rows, where)
    P.one_per(rows, ["lever"], where, "pass a frame with one row per lever (tool '*')")
    percent = P.is_percent(labels, indicator, percent)
    order = order if order is not None else P.lever_order(list(rows["lever"]), labels, levers)
    data = rows.set_index("lever").reindex(order)
    return _LeverRows(
        period=period,
        percent=percent,
        order=order,
        names=[labels.lever(lv) for lv in order],
        data=data,
        values=[P.scale(v, percent) for v in data["value"]],
        hidden=list(data["suppressed"].astype("boolean").fillna(False).astype(bool)),
        hover=[P.hover(data.loc[lv], labels, percent=percent, k=k) for lv in order],
    )


# --- the levers side by side -------------------------------------------------------------------
def lever_bars(
    frame: pd.DataFrame,
    value_indicator: str,
    labels: Labels | str = "fr",
    *,
    period: str | None = None,
    climate_indicator: str | None = None,
    climate_range: tuple[float, float] = (1.0, 5.0),
    levers: Sequence[str] | None = None,
    k: int | None = None,
    percent: bool | None = None,
    title: str | None = None,
    missing: str | None = None,
) -> go.Figure:
    """The levers one per row: ``value_indicator`` as horizontal bars with their values (whole
    staff, one period) and, with ``climate_indicator``, the levers' climate score as a dot with
    its value in a second panel on its own axis ``climate_range``.

    One axis per measure, so that a reader compares the levers on one scale at a time, each lever
    named once at the left of its row, in the ecosystem's order (``labels.lever_ids``
    or ``levers``) from the top; a lever without data keeps its row. A value hidden by the
    anonymity rule is a hatched bar or a grey mark labelled ``< k pers.``, never a value; a lever
    without a value has ``missing`` written in its row (default: « pas de données »).
    """
    labels = as_labels(labels)
    theme = load_theme()
    lr = _lever_rows(
        frame, "lever_bars", value_indicator, labels, period=period, k=k, percent=percent,
        levers=levers,
    )  # fmt: skip
    period, percent, order, names = lr.period, lr.percent, lr.order, lr.names
    values, hidden, hover = lr.values, lr.hidden, lr.hover
    top = max([v for v in values if v is not None] or [1.0])
    no_data = labels["figure.no_data"]
    two = climate_indicator is not None
    fig = make_subplots(
        rows=1,
        cols=2 if two else 1,
        shared_yaxes=True,
        column_widths=[0.56, 0.44] if two else None,
        horizontal_spacing=0.05,
        subplot_titles=[labels.indicator(value_indicator)]
        + ([labels.indicator(climate_indicator)] if climate_indicator else []),
    )
    fig.add_trace(
        go.Bar(
            x=[0.0 if v is None and not h else v for v, h in zip(values, hidden, strict=True)],
            y=names,
            orientation="h",
            marker={"color": theme.color("accent")},
            text=[
                P.short_value(v, labels, percent) if v is not None or h else (missing or no_data)
                for v, h in zip(values, hidden, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            customdata=hover,
            hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    if any(hidden):
        fig.add_trace(
            go.Bar(
                x=[top * 0.3 if h else None for h in hidden],
                y=names,
                orientation="h",
                name=P.suppressed_legend(labels, k),
                marker=P.hatched(theme),
                customdata=hover,
                hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    fig.update_xaxes(range=[0, top * 1.15], showticklabels=False, showgrid=False, row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    if climate_indicator is not None:
        _climate_dots(
            fig, frame, climate_indicator, labels, theme, period, order, names, k, climate_range[0]
        )
        fig.update_xaxes(range=list(climate_range), dtick=1, row=1, col=2)
    fig.update_layout(barmode="overlay", bargap=0.35, legend={"y": -0.04})
    height = 120 + int(theme.figure["row_height"]) * max(len(order), 2)
    fig = P.finish(
        fig, labels, theme, title=P.title_for(labels, value_indicator, period, title), height=height
    )
    fig.update_layout(margin={"t": 90})
    fig.update_annotations(font={"size": theme.font["size"] + 1})  # the panels' titles
    return fig


def _climate_dots(
    fig: go.Figure,
    frame: pd.DataFrame,
    indicator: str,
    labels: Labels,
    theme: Theme,
    period: str,
    order: list[str],
    names: list[str],
    k: int | None,
    low: float,
) -> None:
    """The levers' climate as dots with their values in the second panel (hidden: a grey mark)."""
    lr = _lever_rows(
        frame, "lever_bars(climate_indicator)", indicator, labels, period=period, k=k,
        percent=False, order=order,
    )  # fmt: skip
    values, hidden = lr.values, lr.hidden
    colour = theme.color("overlay")
    fig.add_trace(
        go.Scatter(
            x=values,
            y=names,
            mode="markers+text",
            marker={"size": 9, "color": colour},
            text=[fmt_value(v, labels.lang, digits=2) if v is not None else "" for v in values],
            textposition="middle right",
            textfont={"size": 10, "color": colour},
            cliponaxis=False,
            customdata=lr.hover,
            hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
            showlegend=False,
        ),
        row=1,
        col=2,
    )
    if any(hidden):
        fig.add_trace(
            go.Scatter(
                x=[low if h else None for h in hidden],
                y=names,
                mode="markers+text",
                text=[fmt_suppressed(k, labels.lang) if h else "" for h in hidden],
                textposition="middle right",
                textfont={"color": theme.color("suppressed_text"), "size": 9},
                marker={
                    "symbol": "x-thin-open",
                    "size": 9,
                    "color": theme.color("suppressed_text"),
                },
                name=f"{labels.indicator(indicator)}{' :' if labels.lang == 'fr' else ':'} "
                f"{P.suppressed_legend(labels, k)}",
                hoverinfo="skip",
            ),
            row=1,
            col=2,
        )


# --- trends ------------------------------------------------------------------------------------
def trend(
    frame: pd.DataFrame,
    indicator: str,
    labels: Labels | str = "fr",
    *,
    by: str = "overall",
    lever: str = "*",
    levers: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
    ci: bool | None = None,
    k: int | None = None,
    percent: bool | None = None,
    title: str | None = None,
    from_zero: bool = True,
    digits: int | None = None,
) -> go.Figure:
    """``indicator`` across periods, for the programme, per lever or per group.

    ``by="overall"`` (or ``"*"``, ``"all"``): one line, the whole staff (``dimension == "*"``) for ``lever`` (``*``: the
    programme), with its values printed. ``by="lever"``: small multiples, one panel per lever (in
    the ecosystem's order or ``levers``), each with the programme's line in grey for reference.
    ``by=<dimension>`` (``"category"``...): one line per group (``groups`` to choose and order them)
    for ``lever``. ``ci``: draw the 95 % band where ``ci_low``/``ci_high`` exist (default: when at
    most three lines share a panel). Periods are in time order, or ``periods``. ``from_zero``:
    the value axis starts at 0 (counts, rates); False lets it fit the values, so that the change of
    a score far from 0 shows (SWEMWBS, 7 to 35); ``digits``: decimals of the printed values.
    """
    labels = as_labels(labels)
    theme = load_theme()
    where = "trend"
    lever = as_sentinel(lever)
    if as_sentinel(by) == ALL:  # the whole staff, however the analyst names it
        by = "overall"
    if by == "lever":
        return _trend_panels(
            frame, indicator, labels, theme, levers, periods, ci, k, percent, title
        )
    if by == "overall":
        rows = P.select(frame, where, indicator, dimension="*", lever=lever).assign(series=lever)
        order = [lever]
    else:
        rows = P.select(frame, where, indicator, dimension=by, lever=lever)
        rows = rows.assign(series=rows["group"])
        order = P.group_order(list(rows["series"]), groups)
    P.one_per(
        rows, ["series", "period"], where, "narrow the frame (tool=, lever=) before calling trend"
    )
    percent = P.is_percent(labels, indicator, percent)
    x = P.periods_of(rows, periods)
    bands = len(order) <= 3 if ci is None else ci
    fig = go.Figure()
    hidden_at: dict[str, list[str]] = {}
    for i, series in enumerate(order):
        data = rows[rows["series"] == series].set_index("period").reindex(x)
        name = labels.lever(series) if by == "overall" else labels.group(by, series)
        colour, dash = (
            (theme.color("accent"), "solid") if len(order) == 1 else theme.series_style(i)
        )
        if bands:
            P.ci_band(fig, x, data, colour, theme, percent, name)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[P.scale(v, percent) for v in data["value"]],
                mode="lines+markers+text" if len(order) == 1 else "lines+markers",
                text=[
                    P.short_value(v, labels, percent)
                    if digits is None
                    else fmt_value(v, labels.lang, percent=percent, digits=digits)
                    for v in data["value"]
                ],
                textposition="top center",
                name=name,
                legendgroup=name,
                line={"color": colour, "dash": dash, "width": 2},
                marker={"size": 6},
                connectgaps=False,
                customdata=[P.hover(data.loc[p], labels, percent=percent, k=k) for p in x],
                hovertemplate=f"<b>{name}</b><br>%{{x}}<br>%{{customdata}}<extra></extra>",
            )
        )
        for p, hid in zip(x, data["suppressed"].astype("boolean").fillna(False), strict=True):
            if hid:
                hidden_at.setdefault(p, []).append(name)
    P.mark_hidden(fig, hidden_at, labels, theme, k)
    if hidden_at:
        P.legend_swatch(fig, P.suppressed_legend(labels, k), theme)
    _period_axis(fig, x, labels)
    fig.update_yaxes(**P.value_axis(labels, indicator, percent))
    if not from_zero:
        fig.update_yaxes(rangemode="normal", nticks=6)
    height = int(theme.figure["height"])
    return P.finish(
        fig, labels, theme, title=P.title_for(labels, indicator, None, title), height=height
    )


def _period_axis(fig: go.Figure, x: list[str], labels: Labels) -> None:
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=x,
        tickvals=x,
        ticktext=[fmt_period(p, labels.lang, short=True) for p in x],
    )


def _trend_panels(
    frame: pd.DataFrame,
    indicator: str,
    labels: Labels,
    theme: Theme,
    levers: Sequence[str] | None,
    periods: Sequence[str] | None,
    ci: bool | None,
    k: int | None,
    percent: bool | None,
    title: str | None,
) -> go.Figure:
    """One small panel per lever, same axes, the programme's line in grey in each."""
    where = "trend(by='lever')"
    rows = P.select(frame, where, indicator, dimension="*")
    P.one_per(rows, ["lever", "period"], where, "narrow the frame (tool=) before calling trend")
    percent = P.is_percent(labels, indicator, percent)
    overall = rows[rows["lever"] == "*"]
    rows = rows[rows["lever"] != "*"]
    if rows.empty:
        raise ReportFailed(
            f"{where}: no per-lever rows for indicator {indicator!r} (only lever '*')"
        )
    order = P.lever_order(list(rows["lever"]), labels, levers)
    x = P.periods_of(rows, periods)
    cols = 3 if len(order) > 4 else 2
    nrows = math.ceil(len(order) / cols)
    fig = make_subplots(
        rows=nrows,
        cols=cols,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=[labels.lever(lv) for lv in order],
        horizontal_spacing=0.05,
        vertical_spacing=min(0.5 / nrows, 0.12),
    )
    fig.update_annotations(font_size=11)  # the panel titles
    accent, grey = theme.color("accent"), theme.color("axis")
    reference = overall.set_index("period").reindex(x)
    name = labels.indicator(indicator)
    for i, lv in enumerate(order):
        where_ = {"row": i // cols + 1, "col": i % cols + 1}
        data = rows[rows["lever"] == lv].set_index("period").reindex(x)
        if not overall.empty:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=[P.scale(v, percent) for v in reference["value"]],
                    mode="lines",
                    name=labels.lever("*"),
                    legendgroup="overall",
                    showlegend=i == 0,
                    line={"color": grey, "width": 1, "dash": "dot"},
                    hoverinfo="skip",
                ),
                **where_,
            )
        if ci is not False:
            P.ci_band(fig, x, data, accent, theme, percent, name, **where_)
        values = [P.scale(v, percent) for v in data["value"]]
        last = max((j for j, v in enumerate(values) if v is not None), default=None)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                mode="lines+markers+text",
                text=[
                    P.short_value(v, labels, percent) if j == last else ""
                    for j, v in enumerate(data["value"])
                ],
                textposition="top center",
                textfont={"size": 9},
                name=name,
                legendgroup="lever",
                showlegend=i == 0,
                line={"color": accent, "width": 2},
                marker={"size": 5},
                connectgaps=False,
                customdata=[P.hover(data.loc[p], labels, percent=percent, k=k) for p in x],
                hovertemplate=f"<b>{labels.lever(lv)}</b><br>%{{x}}<br>%{{customdata}}<extra></extra>",
            ),
            **where_,
        )
        hidden = {
            p: [labels.lever(lv)]
            for p, h in zip(x, data["suppressed"].astype("boolean").fillna(False), strict=True)
            if h
        }
        P.mark_hidden(fig, hidden, labels, theme, k, axis=i + 1)
    _period_axis(fig, x, labels)
    fig.update_yaxes(**P.value_axis(labels, indicator, percent))
    fig.update_yaxes(title=None)
    height = 120 + 170 * nrows
    return P.finish(
        fig, labels, theme, title=P.title_for(labels, indicator, None, title), height=height
    )


# --- groups ------------------------------------------------------------------------------------
def group_heatmap(
    frame: pd.DataFrame,
    indicator: str,
    dimension: str,
    labels: Labels | str = "fr",
    *,
    across: str = "period",
    lever: str = "*",
    period: str | None = None,
    groups: Sequence[str] | None = None,
    k: int | None = None,
    percent: bool | None = None,
    title: str | None = None,
    columns: str | None = None,
) -> go.Figure:
    """``indicator`` for each group of ``dimension`` across periods or across levers.

    ``across="period"``: groups in rows, periods in columns, for ``lever`` (``*``: the programme).
    ``across="lever"``: levers in rows, groups in columns, for one ``period``. Each cell shows its
    value; a hidden cell is grey and says ``< k pers.`` (it has no colour of the scale and is never
    0); a cell without data stays blank. (``columns``, when given, is read as ``across``.)
    """
    labels = as_labels(labels)
    theme = load_theme()
    where = "group_heatmap"
    across = columns or across
    if across == "period":
        rows = P.select(frame, where, indicator, dimension=dimension, lever=lever)
        others = P.periods_of(rows, None)
        other_names = [fmt_period(p, labels.lang, short=True) for p in others]
        key = "period"
        shown_period = None
    elif across == "lever":
        rows = P.select(frame, where, indicator, dimension=dimension, period=period)
        rows = rows[rows["lever"] != "*"]
        shown_period = P.single_period(rows, where)
        others = P.lever_order(list(rows["lever"]), labels, None)
        other_names = [labels.lever(lv) for lv in others]
        key = "lever"
    else:
        raise ReportFailed(
            f"{where}: across={across!r} must be 'period' or 'lever'{did_you_mean(across, ('period', 'lever'))}"
        )
    P.one_per(rows, ["group", key], where, "pass lever=, period= or narrow the frame")
    percent = P.is_percent(labels, indicator, percent)
    group_ids = P.group_order(list(rows["group"]), groups)
    group_names = [labels.group(dimension, g) for g in group_ids]
    table = rows.set_index(["group", key])
    # cells[i][j]: group i, other j; transposed below when levers are the rows
    cells: list[list[Any]] = [
        [table.loc[(g, o)] if (g, o) in table.index else None for o in others] for g in group_ids
    ]
    if across == "lever":
        cells = [list(col) for col in zip(*cells, strict=True)] if cells else []
        y_names, x_names = other_names, group_names
    else:
        y_names, x_names = group_names, other_names
    z = [
        [None if c is None or c["suppressed"] else P.scale(c["value"], percent) for c in line]
        for line in cells
    ]
    text = [
        [
            "" if c is None or c["suppressed"] else P.short_value(c["value"], labels, percent)
            for c in line
        ]
        for line in cells
    ]
    hover = [[P.hover(c, labels, percent=percent, k=k) for c in line] for line in cells]
    hidden = [[1.0 if c is not None and c["suppressed"] else None for c in line] for line in cells]
    common = {
        "x": x_names,
        "y": y_names,
        "customdata": hover,
        "xgap": 2,
        "ygap": 2,
        "texttemplate": "%{text}",
        "hovertemplate": "<b>%{y}</b> · %{x}<br>%{customdata}<extra></extra>",
    }
    fig = go.Figure()
    colourbar: dict[str, Any] = {"thickness": 12}
    if percent:
        colourbar["ticksuffix"] = "\xa0%" if labels.lang == "fr" else "%"
    fig.add_trace(
        go.Heatmap(
            z=z,
            text=text,
            colorscale=[list(s) for s in theme.sequential],
            zmin=0,
            colorbar=colourbar,
            name=labels.indicator(indicator),
            **common,
        )
    )
    if any(v is not None for line in hidden for v in line):
        grey = theme.color("suppressed")
        fig.add_trace(
            go.Heatmap(
                z=hidden,
                text=[
                    [fmt_suppressed(k, labels.lang) if v else "" for v in line] for line in hidden
                ],
                textfont={"color": theme.color("suppressed_text")},
                colorscale=[[0, grey], [1, grey]],
                showscale=False,
                name=P.suppressed_legend(labels, k),
                **common,
            )
        )
    fig.update_yaxes(
        autorange="reversed",
        title={"text": labels.dimension(dimension) if across == "period" else None},
    )
    fig.update_xaxes(
        side="top"
    )  # the group names say the dimension; a title would meet the figure's
    height = 150 + int(theme.figure["row_height"]) * max(len(y_names), 2)
    return P.finish(
        fig, labels, theme, title=P.title_for(labels, indicator, shown_period, title), height=height
    )


def bar_with_ci(
    frame: pd.DataFrame,
    indicator: str,
    labels: Labels | str = "fr",
    *,
    by: str = "lever",
    lever: str = "*",
    period: str | None = None,
    groups: Sequence[str] | None = None,
    k: int | None = None,
    percent: bool | None = None,
    title: str | None = None,
) -> go.Figure:
    """Horizontal bars of ``indicator`` for one period, with 95 % intervals as error bars.

    ``by="lever"``: one bar per lever (whole staff), in the ecosystem's order; ``by=<dimension>``:
    one bar per group of that dimension (``groups`` to choose and order them) for ``lever``. A
    hidden value is a hatched grey bar across the axis labelled ``< k pers.``; a lever without data
    says so.
    """
    labels = as_labels(labels)
    theme = load_theme()
    where = "bar_with_ci"
    if by == "lever":
        rows = P.select(frame, where, indicator, dimension="*", period=period)
        rows = rows[rows["lever"] != "*"]
        ids = P.lever_order(list(rows["lever"]), labels, groups)
        rows = rows.assign(cat=rows["lever"])
        names = [labels.lever(lv) for lv in ids]
    else:
        rows = P.select(frame, where, indicator, dimension=by, lever=lever, period=period)
        ids = P.group_order(list(rows["group"]), groups)
        rows = rows.assign(cat=rows["group"])
        names = [labels.group(by, g) for g in ids]
    period = P.single_period(rows, where)
    P.one_per(rows, ["cat"], where, "pass a frame with one row per bar (tool '*')")
    percent = P.is_percent(labels, indicator, percent)
    data = rows.set_index("cat").reindex(ids)
    values = [P.scale(v, percent) for v in data["value"]]
    lo = [P.scale(v, percent) for v in data["ci_low"]]
    hi = [P.scale(v, percent) for v in data["ci_high"]]
    plus = [
        h - v if h is not None and v is not None else None for v, h in zip(values, hi, strict=True)
    ]
    minus = [
        v - low if low is not None and v is not None else None
        for v, low in zip(values, lo, strict=True)
    ]
    hidden = list(data["suppressed"].astype("boolean").fillna(False).astype(bool))
    hover = [P.hover(data.loc[c], labels, percent=percent, k=k) for c in ids]
    top = (
        max([h for h in hi if h is not None] + [v for v in values if v is not None] + [1.0]) * 1.05
    )
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            name=labels.indicator(indicator),
            marker={"color": theme.color("accent")},
            text=[P.short_value(v, labels, percent) for v in data["value"]],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": "white"},
            error_x={
                "type": "data",
                "array": plus,
                "arrayminus": minus,
                "color": theme.color("text"),
                "thickness": 1.2,
                "width": 4,
            },
            customdata=hover,
            hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
        )
    )
    if any(hidden):
        fig.add_trace(
            go.Bar(
                x=[top if h else None for h in hidden],
                y=names,
                orientation="h",
                name=P.suppressed_legend(labels, k),
                marker=P.hatched(theme),
                text=[fmt_suppressed(k, labels.lang) if h else "" for h in hidden],
                textposition="inside",
                insidetextanchor="start",
                textfont={"color": theme.color("suppressed_text")},
                customdata=hover,
                hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
            )
        )
    for name, v, hid in zip(names, values, hidden, strict=True):
        if v is None and not hid:
            fig.add_annotation(
                x=0,
                y=name,
                xanchor="left",
                showarrow=False,
                text=labels["figure.no_data"],
                font={"color": theme.color("muted"), "size": 10},
            )
    fig.update_layout(barmode="overlay", bargap=0.3)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names)
    fig.update_xaxes(range=[0, top], **P.value_axis(labels, indicator, percent))
    height = 140 + int(theme.figure["row_height"]) * max(len(ids), 2)
    return P.finish(
        fig, labels, theme, title=P.title_for(labels, indicator, period, title), height=height
    )
