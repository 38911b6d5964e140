"""Figures from the tidy frame: right rows, theme colours, French numbers, hidden values marked.

The frame is the tiny one of conftest.py; its suppressed rows are listed there.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from eco_eval.errors import ConfigError, ReportFailed
from eco_eval.report import figures as F
from eco_eval.report.i18n import Labels
from eco_eval.report.theme import load_theme

from .conftest import K, tidy_row

NBSP = "\xa0"
SUPPRESSED = "< 5 pers."


def _texts(fig: go.Figure) -> list[str]:
    out = [str(a.text) for a in fig.layout.annotations]
    for trace in fig.data:
        text = getattr(trace, "text", None)
        if text is not None:
            out += [str(t) for t in np.ravel(np.asarray(text, dtype=object))]
    return out


def test_every_figure_is_a_plotly_figure_in_the_theme(tidy: pd.DataFrame, labels: Labels) -> None:
    accent = load_theme().color("accent")
    figures = [
        F.lever_bars(tidy, "sessions_held", labels, period="2016-Q4"),
        F.trend(tidy, "reach_rate", labels),
        F.trend(tidy, "reach_rate", labels, by="lever"),
        F.trend(tidy, "reach_rate", labels, by="category"),
        F.group_heatmap(tidy, "reach_rate", "category", labels),
        F.bar_with_ci(tidy, "reach_rate", labels, period="2016-Q1"),
    ]
    for fig in figures:
        assert isinstance(fig, go.Figure)
        assert fig.layout.separators == ",\u202f"
        assert list(fig.layout.template.layout.colorway) == list(load_theme().series)
        assert fig.layout.height > 0
    assert figures[0].data[0].marker.color == accent
    assert figures[5].data[0].marker.color == accent


def test_english_figures_use_english_separators_and_names(
    tidy: pd.DataFrame, labels_en: Labels
) -> None:
    fig = F.bar_with_ci(tidy, "reach_rate", labels_en, period="2016-Q1")
    assert fig.layout.separators == ".,"
    assert "well-being" in list(fig.data[0].y)
    assert fig.layout.title.text == "Reach rate — 1st quarter 2016"
    assert fig.layout.xaxis.ticksuffix == "%"


def test_lever_bars_name_each_lever_once_with_one_axis_per_measure(
    tidy: pd.DataFrame, labels: Labels
) -> None:
    """The clearer chart than the wheel: one row per lever in the ecosystem's order, the
    sessions as bars carrying their values, the climate as dots on its own 1–5 axis."""
    fig = F.lever_bars(
        tidy, "sessions_held", labels, period="2016-Q4", climate_indicator="climate_mean", k=K
    )
    bars, dots = fig.data[0], next(t for t in fig.data if t.xaxis == "x2")
    assert isinstance(bars, go.Bar) and bars.orientation == "h"
    assert list(bars.y) == list(dots.y) and len(bars.y) == 12
    assert bars.y[0] == "la contrainte" and bars.y[-1] == "le temps"
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.yaxis2.matches == "y" and fig.layout.yaxis2.showticklabels is False
    assert [t for t in bars.text if t] and all(
        t == F.P.short_value(v, labels, False) for t, v in zip(bars.text, bars.x, strict=True) if v
    )
    assert list(fig.layout.xaxis2.range) == [1.0, 5.0]
    titles = [a.text for a in fig.layout.annotations]
    assert "Séances réalisées" in titles and any(t.startswith("Climat") for t in titles)
    # the climate of « le temps » is hidden: no dot, a grey '< 5 pers.' mark in its row
    assert dots.x[11] is None
    marks = next(t for t in fig.data if t.xaxis == "x2" and t.text and SUPPRESSED in t.text)
    assert marks.y[list(marks.text).index(SUPPRESSED)] == "le temps"


def test_lever_bars_never_draw_a_hidden_value_and_write_a_missing_one(
    tidy: pd.DataFrame, labels: Labels
) -> None:
    fig = F.lever_bars(tidy, "reach_rate", labels, period="2016-Q2", k=K, missing="aucune séance")
    reve = list(fig.data[0].y).index("le rêve")
    assert fig.data[0].x[reve] is None  # hidden: no bar, and certainly not 0
    hatched = [t for t in fig.data if isinstance(t, go.Bar) and t.marker.pattern.shape]
    assert len(hatched) == 1 and hatched[0].x[reve] is not None
    assert hatched[0].name == "masqué (< 5 pers.)"
    without = tidy[~((tidy["lever"] == "reve") & (tidy["indicator"] == "reach_rate"))]
    fig = F.lever_bars(
        without, "reach_rate", labels, period="2016-Q2", k=K, missing="aucune séance"
    )
    assert fig.data[0].text[reve] == "aucune séance" and fig.data[0].x[reve] == 0


def test_trend_overall_has_a_ci_band_and_french_percent_axis(
    tidy: pd.DataFrame, labels: Labels
) -> None:
    fig = F.trend(tidy, "reach_rate", labels, k=K)
    bands = [t for t in fig.data if t.fill == "toself"]
    line = next(t for t in fig.data if t.mode and "lines+markers" in t.mode)
    assert len(bands) == 1
    assert list(line.x) == ["2016-Q1", "2016-Q2", "2016-Q3", "2016-Q4"]
    assert list(fig.layout.xaxis.ticktext) == ["T1 2016", "T2 2016", "T3 2016", "T4 2016"]
    assert fig.layout.yaxis.ticksuffix == f"{NBSP}%"
    assert line.y[0] == pytest.approx(5.0)  # 0.05 drawn on a 0–100 scale
    assert line.text[0] == f"5{NBSP}%"


def test_trend_marks_hidden_values_with_a_gap_and_a_label(
    tidy: pd.DataFrame, labels: Labels
) -> None:
    fig = F.trend(tidy, "reach_rate", labels, by="category", k=K)
    line_a = next(t for t in fig.data if t.name == "catégorie A" and t.mode == "lines+markers")
    assert line_a.y[2] is None  # 2016-Q3 is suppressed for category A
    marks = [a for a in fig.layout.annotations if a.text == SUPPRESSED]
    assert len(marks) == 1 and marks[0].x == "2016-Q3" and marks[0].hovertext == "catégorie A"
    assert any(t.name == "masqué (< 5 pers.)" for t in fig.data)


def test_trend_by_lever_is_small_multiples(tidy: pd.DataFrame, labels: Labels) -> None:
    fig = F.trend(tidy, "reach_rate", labels, by="lever", k=K)
    titles = [a.text for a in fig.layout.annotations if a.text != SUPPRESSED]
    assert titles[:12] == [labels.lever(lv) for lv in labels.lever_ids]
    marks = [a for a in fig.layout.annotations if a.text == SUPPRESSED]
    assert len(marks) == 1 and marks[0].x == "2016-Q2"  # « le rêve », panel 10
    assert marks[0].xref == "x10" and marks[0].yref == "y10 domain"


def test_heatmap_never_colours_a_hidden_cell(tidy: pd.DataFrame, labels: Labels) -> None:
    fig = F.group_heatmap(tidy, "reach_rate", "category", labels, k=K)
    values, hidden = fig.data[0], fig.data[1]
    row, col = list(values.y).index("catégorie A"), list(values.x).index("T3 2016")
    assert values.z[row][col] is None and values.text[row][col] == ""
    assert hidden.z[row][col] == 1.0 and hidden.text[row][col] == SUPPRESSED
    assert hidden.showscale is False
    grey = load_theme().color("suppressed")
    assert all(stop[1] == grey for stop in hidden.colorscale)
    # every other cell is in the value trace, not in the hidden one
    assert sum(v is not None for line in hidden.z for v in line) == 1
    assert values.z[0][0] == pytest.approx(10.0)


def test_heatmap_across_levers_puts_levers_in_rows(tidy: pd.DataFrame, labels: Labels) -> None:
    fig = F.group_heatmap(
        tidy, "reach_rate", "gender", labels, across="lever", period="2016-Q4", k=K
    )
    values, hidden = fig.data[0], fig.data[1]
    assert list(values.x) == ["femmes", "hommes"] and len(values.y) == 12
    row = list(values.y).index("l'audace")
    assert values.z[row][1] is None and hidden.text[row][1] == SUPPRESSED


def test_bar_with_ci_marks_a_hidden_bar_and_draws_intervals(
    tidy: pd.DataFrame, labels: Labels
) -> None:
    fig = F.bar_with_ci(tidy, "reach_rate", labels, period="2016-Q2", k=K)
    bars, hidden = fig.data[0], fig.data[1]
    reve = list(bars.y).index("le rêve")
    assert bars.x[reve] is None and hidden.x[reve] is not None
    assert hidden.marker.pattern.shape == load_theme().suppressed_pattern
    assert hidden.text[reve] == SUPPRESSED
    assert bars.error_x.array[0] == pytest.approx(4.0) and bars.error_x.arrayminus[
        0
    ] == pytest.approx(3.0)


def test_a_value_that_leaked_through_suppression_is_not_drawn(labels: Labels) -> None:
    frame = pd.DataFrame(
        [
            tidy_row(lever="reve", value=0.9, n=2, ci_low=0.5, ci_high=1.0, suppressed=True),
            tidy_row(lever="audace", value=0.2, n=50),
        ]
    )
    fig = F.bar_with_ci(frame, "reach_rate", labels, k=K)
    reve = list(fig.data[0].y).index("le rêve")
    assert fig.data[0].x[reve] is None
    assert (
        "90" not in " ".join(_texts(fig))
        and fig.data[0].customdata[reve] == "masqué : moins de 5 personnes"
    )


def test_a_lever_without_data_says_so(labels: Labels) -> None:
    frame = pd.DataFrame([tidy_row(lever="audace", value=0.2, n=50)])
    fig = F.bar_with_ci(frame, "reach_rate", labels)
    assert len(fig.data[0].y) == 12
    assert sum(a.text == "pas de données" for a in fig.layout.annotations) == 11


def test_unknown_indicator_gets_a_close_match(tidy: pd.DataFrame, labels: Labels) -> None:
    with pytest.raises(ReportFailed, match='did you mean "reach_rate"'):
        F.trend(tidy, "reach_rates", labels)


def test_several_periods_need_period(tidy: pd.DataFrame, labels: Labels) -> None:
    with pytest.raises(ReportFailed, match="pass period="):
        F.lever_bars(tidy, "sessions_held", labels)


def test_frame_without_tidy_columns_is_refused(labels: Labels) -> None:
    with pytest.raises(ReportFailed, match="lacks the tidy column"):
        F.trend(pd.DataFrame({"period": ["2016-Q1"]}), "reach_rate", labels)


def test_heatmap_across_must_be_period_or_lever(tidy: pd.DataFrame, labels: Labels) -> None:
    with pytest.raises(ReportFailed, match='did you mean "lever"'):
        F.group_heatmap(tidy, "reach_rate", "gender", labels, across="levers")


def test_figure_html_does_not_carry_plotlyjs(tidy: pd.DataFrame, labels: Labels) -> None:
    fig = F.trend(tidy, "reach_rate", labels)
    fragment = F.figure_html(fig)
    assert F.figure_html(fig.to_plotly_json()).count("Plotly.newPlot") == 1
    assert "Plotly.newPlot" in fragment
    assert "plotly.js v" not in fragment and len(fragment) < 100_000
    assert "<script src" not in fragment and "cdn" not in fragment


def test_show_displays_plotly_json_and_html_without_plotlyjs(
    tidy: pd.DataFrame, labels: Labels, monkeypatch: pytest.MonkeyPatch
) -> None:
    import IPython.display

    shown: list[tuple[object, dict[str, object]]] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append((obj, kw)))
    F.show(F.trend(tidy, "reach_rate", labels))
    assert len(shown) == 1
    bundle, options = shown[0]
    assert options == {"raw": True}
    assert isinstance(bundle, dict)
    assert set(bundle) == {F.PLOTLY_MIME, "text/plain"}  # the figure once
    figure = bundle[F.PLOTLY_MIME]
    assert figure["layout"]["separators"] == ",\u202f"  # type: ignore[index]
    assert "plotly.js v" not in json.dumps(figure)
    ys = [y for trace in figure["data"] for y in trace.get("y") or [] if y is not None]  # type: ignore[index]
    assert ys and all(len(repr(y).replace("0.", "").lstrip("0")) <= 8 for y in ys)  # 6 digits
    html = F.figure_html(figure)  # what the page draws
    assert html.startswith('<div class="eco-figure">') and "Plotly.newPlot" in html


def test_chart_helpers_take_a_language_code_as_a_keyword(
    tidy: pd.DataFrame, labels: Labels
) -> None:
    """An analyst writes labels="en" (or nothing: French), not Labels("fr") positionally."""
    french = F.trend(tidy, "reach_rate", k=K)  # default: French
    assert list(french.layout.xaxis.ticktext)[:2] == ["T1 2016", "T2 2016"]
    assert french.layout.title.text == "Taux de participation (portée)"
    english = F.trend(tidy, "reach_rate", labels="en", k=K)
    assert english.layout.xaxis.ticktext[0] != french.layout.xaxis.ticktext[0]
    assert F.bar_with_ci(tidy, "reach_rate", labels="fr", period="2016-Q2", k=K).data
    with pytest.raises(ConfigError, match="language"):
        F.trend(tidy, "reach_rate", labels=3, k=K)
