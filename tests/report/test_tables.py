"""HTML tables: escaped text, numbers per language, hidden values never shown as numbers."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from eco_eval.errors import ReportFailed
from eco_eval.report.i18n import Labels
from eco_eval.report.tables import html_table

from .conftest import HOSTILE_IMG, HOSTILE_SCRIPT, tidy_row

NNBSP, NBSP = "\u202f", "\xa0"


class _Cells(HTMLParser):
    """Collects element names and the text of every th/td."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.cells: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("td", "th"):
            self._in, self._text = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in = False
            self.cells.append(self._text)

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


def parse(markup: str) -> _Cells:
    parser = _Cells()
    parser.feed(markup)
    return parser


def test_text_cells_headers_and_caption_are_escaped(labels: Labels) -> None:
    frame = pd.DataFrame({"<b>col</b>": [HOSTILE_SCRIPT, HOSTILE_IMG, "R&D"]})
    markup = html_table(frame, ["<b>col</b>"], labels, caption="<i>titre</i>").data
    parsed = parse(markup)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "b" not in parsed.tags
    assert parsed.cells == ["<b>col</b>", HOSTILE_SCRIPT, HOSTILE_IMG, "R&D"]
    assert "&lt;i&gt;titre&lt;/i&gt;" in markup


def test_numbers_follow_the_language(labels: Labels, labels_en: Labels) -> None:
    frame = pd.DataFrame({"effectif": [1234.5], "part": [0.123]})
    fr = parse(html_table(frame, ["effectif", "part"], labels, percent=["part"]).data).cells
    en = parse(html_table(frame, ["effectif", "part"], labels_en, percent=["part"]).data).cells
    assert fr[2:] == [f"1{NNBSP}234,5", f"12,3{NBSP}%"]
    assert en[2:] == ["1,234.5", "12.3%"]


def test_tidy_rows_show_names_and_intervals(labels: Labels) -> None:
    frame = pd.DataFrame(
        [
            tidy_row(
                lever="bien_etre",
                period="2016-Q2",
                dimension="gender",
                group="F",
                value=0.25,
                n=40,
                ci_low=0.2,
                ci_high=0.31,
            ),
        ]
    )
    cells = parse(
        html_table(
            frame, ["period", "lever", "group", "value", "n", "ci"], labels, percent=True
        ).data
    ).cells
    assert cells[:6] == ["Période", "Levier", "Groupe", "Valeur", "Effectif", "IC à 95 %"]
    assert cells[6:] == [
        "2ᵉ trimestre 2016",
        "le bien-être",
        "femmes",
        f"25,0{NBSP}%",
        "40",
        f"[20,0{NBSP}%{NNBSP}; 31,0{NBSP}%]",
    ]


def test_suppressed_rows_show_the_label_even_when_a_value_leaked(labels: Labels) -> None:
    # The second row is suppressed but still holds numbers (a bug upstream): they must not show.
    frame = pd.DataFrame(
        [
            tidy_row(lever="reve", value=0.0, n=3, ci_low=0.0, ci_high=0.1, suppressed=True),
            tidy_row(lever="audace", value=np.nan, n=np.nan, suppressed=True),
        ]
    )
    markup = html_table(frame, ["lever", "value", "n", "ci"], labels, k=5, percent=True).data
    cells = parse(markup).cells[4:]
    assert cells == [
        "le rêve",
        "< 5 pers.",
        "< 5 pers.",
        "< 5 pers.",
        "l'audace",
        "< 5 pers.",
        "< 5 pers.",
        "< 5 pers.",
    ]
    assert ">0<" not in markup and "0,0" not in markup
    assert 'class="num suppressed"' in markup
    assert "masqué : moins de 5 personnes" in markup  # the tooltip


def test_missing_values_are_a_dash(labels: Labels) -> None:
    frame = pd.DataFrame([tidy_row(value=np.nan, n=np.nan)])
    cells = parse(html_table(frame, ["value", "ci"], labels).data).cells
    assert cells[2:] == ["–", "–"]


def test_unknown_column_is_refused_with_a_close_match(labels: Labels) -> None:
    frame = pd.DataFrame([tidy_row()])
    with pytest.raises(ReportFailed, match='did you mean "value"'):
        html_table(frame, ["valeu"], labels)


def test_mapping_gives_the_headers(labels: Labels) -> None:
    frame = pd.DataFrame({"x": ["a"]})
    cells = parse(html_table(frame, {"x": "Libellé <choisi>"}, labels).data).cells
    assert cells == ["Libellé <choisi>", "a"]
