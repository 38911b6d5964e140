"""The benchmark between cities drawn for a page: a table and a figure (escaped, no CDN).

Both read the frame :func:`eco_eval.benchmark.compute.benchmark` returns, for one period: each
city's value against the median and interquartile range of the *other* cities. A secret cell is
shown as the words « secret statistique » and never as a number or a point; a measure no city
published is left out (the page says so). Texts come from ``_data/labels/benchmark_<lang>.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from eco_eval.benchmark.compute import Measure, load_measures
from eco_eval.report._plot import finish
from eco_eval.report.fmt import fmt_number, fmt_period
from eco_eval.report.i18n import Labels, section_labels
from eco_eval.report.tables import html_table
from eco_eval.report.theme import load_theme

ROW_PX = 34


def benchmark_labels(lang: str) -> Mapping[str, str]:
    """The benchmark's labels (``benchmark.<key>``) of ``lang``."""
    return section_labels("benchmark", lang)


def _text(value: float, measure: Measure, lang: str) -> str:
    return fmt_number(value * measure.scale, lang, digits=measure.digits)


def shown_measures(bench: pd.DataFrame) -> list[Measure]:
    """The measures at least one city published in ``bench``, in the declared order."""
    published = set(bench.loc[bench["status"] == "published", "measure"])
    return [m for m in load_measures()[0] if m.id in published]


def unpublished_measures(bench: pd.DataFrame) -> list[Measure]:
    """The measures no city published (all missing; secret ones count as published)."""
    present = set(bench.loc[bench["status"] != "missing", "measure"])
    return [m for m in load_measures()[0] if m.id not in present]


def display_frame(bench: pd.DataFrame, lang: str, *, only: str | None = None) -> pd.DataFrame:
    """One row per measure and city (``only``: that city's rows), every cell as the text shown
    (numbers in ``lang``); the measures are those some city published."""
    t = benchmark_labels(lang)
    rows = []
    for m in shown_measures(bench):
        r: Any
        at = bench[bench["measure"] == m.id]
        for r in (at if only is None else at[at["city"] == only]).itertuples(index=False):
            if r.status == "published":
                value = _text(r.value, m, lang)
            else:
                value = t[f"benchmark.{'secret' if r.status == 'secret' else 'missing'}"]
            stats = np.isfinite(r.others_median)
            rows.append(
                {
                    "measure": t[f"benchmark.m_{m.id}"],
                    "city": r.city,
                    "figure": value,
                    "median": _text(r.others_median, m, lang) if stats else "",
                    "iqr": (
                        f"{_text(r.others_q1, m, lang)} – {_text(r.others_q3, m, lang)}"
                        if stats
                        else ""
                    ),
                    "others": str(r.others_n),
                    "position": t[f"benchmark.pos_{r.position}"],
                }
            )
    return pd.DataFrame(
        rows, columns=["measure", "city", "figure", "median", "iqr", "others", "position"]
    )


def benchmark_table(bench: pd.DataFrame, lang: str, *, only: str | None = None) -> str:
    """The benchmark of one period as an HTML table (every text escaped); ``only``: one
    city's rows."""
    t = benchmark_labels(lang)
    columns = {
        "measure": t["benchmark.col_measure"],
        "city": t["benchmark.col_city"],
        "figure": t["benchmark.col_value"],
        "median": t["benchmark.col_median"],
        "iqr": t["benchmark.col_iqr"],
        "others": t["benchmark.col_others"],
        "position": t["benchmark.col_position"],
    }
    if only is not None:
        del columns["city"]  # one city: named in the sentence above the table
    return str(html_table(display_frame(bench, lang, only=only), columns, Labels(lang)).data)


def benchmark_figure(
    bench: pd.DataFrame, lang: str, *, period: str, focus: str | None = None
) -> go.Figure:
    """One panel per measure: each city's value (a dot; the words « secret statistique » when
    hidden), the others' interquartile range (a bar) and median (a tick). ``focus``: the city
    drawn in the accent colour (the bilan's own city)."""
    t = benchmark_labels(lang)
    theme = load_theme()
    measures = shown_measures(bench)
    cities = list(dict.fromkeys(bench["city"]))
    fig = make_subplots(
        rows=max(1, len(measures)),
        cols=1,
        subplot_titles=[t[f"benchmark.m_{m.id}"] for m in measures] or [""],
        vertical_spacing=0.5 / max(1, len(measures)) ** 0.5 / 3,
    )
    for row, m in enumerate(measures, start=1):
        at = bench[bench["measure"] == m.id].set_index("city").reindex(cities)
        for city, r in at.iterrows():
            if np.isfinite(r["others_q1"]):
                fig.add_trace(
                    go.Scatter(
                        x=[r["others_q1"] * m.scale, r["others_q3"] * m.scale],
                        y=[city, city],
                        mode="lines",
                        line={"color": theme.color("grid"), "width": 10},
                        name=t["benchmark.iqr_band"],
                        legendgroup="iqr",
                        showlegend=row == 1 and city == cities[0],
                        hoverinfo="skip",
                    ),
                    row=row,
                    col=1,
                )
                fig.add_trace(
                    go.Scatter(
                        x=[r["others_median"] * m.scale],
                        y=[city],
                        mode="markers",
                        marker={
                            "symbol": "line-ns",
                            "size": 14,
                            "line": {"width": 2, "color": theme.color("muted")},
                        },
                        name=t["benchmark.median"],
                        legendgroup="median",
                        showlegend=row == 1 and city == cities[0],
                        hovertemplate=f"{escape(t['benchmark.median'])} : "
                        f"{_text(r['others_median'], m, lang)}<extra></extra>",
                    ),
                    row=row,
                    col=1,
                )
            if r["status"] == "published":
                colour = (
                    theme.color("accent") if city == focus or focus is None else theme.color("axis")
                )
                fig.add_trace(
                    go.Scatter(
                        x=[r["value"] * m.scale],
                        y=[city],
                        mode="markers",
                        marker={"size": 11, "color": colour},
                        showlegend=False,
                        hovertemplate=f"{escape(str(city))} : {_text(r['value'], m, lang)}"
                        "<extra></extra>",
                    ),
                    row=row,
                    col=1,
                )
            elif r["status"] == "secret":
                fig.add_annotation(
                    text=escape(t["benchmark.secret"]),
                    x=0.98, xref=f"x{row if row > 1 else ''} domain", y=city, yref=f"y{row if row > 1 else ''}",
                    showarrow=False, xanchor="right",
                    font={"color": theme.color("suppressed_text"), "size": 10},
                )  # fmt: skip
        fig.update_yaxes(categoryorder="array", categoryarray=cities[::-1], row=row, col=1)
    height = 80 + sum(40 + ROW_PX * len(cities) for _ in measures)
    return finish(
        fig,
        Labels(lang),
        theme,
        title=t["benchmark.page_title"].format(period=fmt_period(period, lang)),
        height=height,
    )


def caveats(
    values: pd.DataFrame, tools: Mapping[str, Mapping[str, int]], period: str, lang: str
) -> list[str]:
    """The sentences on reading the benchmark with care, for ``period``.

    ``values``: :func:`eco_eval.benchmark.compute.city_values`; ``tools``: city -> tool id ->
    generation (each city's ecosystem in that period)."""
    t = benchmark_labels(lang)
    at = values[values["period"] == period].drop_duplicates("city")
    sizes = ", ".join(
        f"{c} {fmt_number(p, lang, digits=0) if np.isfinite(p) else t['benchmark.secret']}"
        for c, p in zip(at["city"], at["participants"], strict=True)
    )
    counts = ", ".join(f"{c} {len(tools.get(c, {}))}" for c in at["city"])
    second = [c for c in at["city"] if any(g >= 2 for g in tools.get(c, {}).values())]
    out = [
        t["benchmark.caveat_questionnaires"],
        t["benchmark.caveat_sizes"].format(sizes=sizes),
        t["benchmark.caveat_ecosystems"].format(tools=counts),
        t["benchmark.caveat_secret"],
        t["benchmark.caveat_rounding"],
    ]
    if second:
        out.append(t["benchmark.caveat_generations"].format(cities=", ".join(second)))
    return out


def caveats_html(sentences: Sequence[str], lang: str) -> str:
    """The caveats as an escaped list under their heading."""
    t = benchmark_labels(lang)
    items = "".join(f"<li>{escape(s)}</li>" for s in sentences)
    return f'<h3>{escape(t["benchmark.caveats"])}</h3><ul class="eco-caveats">{items}</ul>'
