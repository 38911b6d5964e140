"""bilan/results.py: the "innovation and results" section, its labels, figures and wording."""

from __future__ import annotations

import re
import string
from dataclasses import replace
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml

from eco_eval.bilan.results import ResultsSection, results_labels
from eco_eval.ecosystem import load_ecosystem
from eco_eval.indicators.core import Tables
from eco_eval.periods import parse_period
from eco_eval.release.model import Release
from eco_eval.release.results import results_part
from eco_eval.report.i18n import Labels
from eco_eval.report.theme import data_path
from eco_eval.store import open_store

ECO = load_ecosystem()
Q4 = parse_period("2017-Q4", launch=ECO.launch)
CAUSAL = re.compile(
    r"grâce|a permis|a réduit|fait baisser|impact du programme|effet du programme sur", re.I
)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_label_files_have_the_same_keys_and_placeholders():
    fr, en = (
        yaml.safe_load(data_path("labels", f"results_{lang}.yaml").read_text(encoding="utf-8"))[
            "results"
        ]
        for lang in ("fr", "en")
    )
    assert set(fr) == set(en)
    for key in fr:
        assert _placeholders(fr[key]) == _placeholders(en[key]), key
    assert results_labels("fr")["results.heading"].startswith("Innovation")


def _section(tables: Tables, period, eco, *, lang: str = "fr", k: int = 5) -> ResultsSection:
    """The section of ``period`` computed from ``tables`` as a release holds it."""
    frames, facts = results_part(tables, period, eco)
    labels = Labels(lang, ecosystem=eco)
    return ResultsSection.from_parts(frames, facts, period, lang=lang, k=k, labels=labels)


@pytest.fixture(scope="module")
def demo_tables(demo_project) -> Tables:
    tables = Tables.from_store(open_store(demo_project / "data" / "processed" / "eco_eval.duckdb"))
    if tables.ideas is None:
        pytest.skip("the store has no ideas, HR results or citizen satisfaction tables")
    return tables


@pytest.fixture(scope="module")
def section(demo_tables) -> ResultsSection:
    return _section(demo_tables, Q4, ECO, lang="fr", k=5)


@pytest.fixture(scope="module")
def funnel_truth(demo_project):
    """The generator's funnel of every idea filed since launch (ground truth)."""
    funnel = pd.read_csv(demo_project / "data" / "ground_truth" / "ideas_funnel.csv")
    return funnel.set_index(["quarter", "tool_id"]).loc[("*", "*")]


def test_sentences_say_what_is_and_is_not_shown(section, funnel_truth):
    sentences = section.sentences()
    print("\n" + "\n".join(f"- {s}" for s in sentences))
    text = " ".join(sentences)
    assert f"{int(funnel_truth.ideas)} idées ont été déposées" in text
    assert "26 directions" in text and "17 directions" in text
    assert "pas d'effets causaux" in text and "échelle de Maryland" in text
    assert "Ne sont pas montrés" in text
    # the planted relation is reported as an association, the null one is not
    absence = next(s for s in sentences if "variation du taux d'absentéisme" in s)
    assert absence.startswith("Entre directions, 10 points de portée de plus")
    satisfaction = next(s for s in sentences if "satisfaction des usagers au trimestre" in s)
    assert "ne montrent pas d'association" in satisfaction and "contient 0" in satisfaction
    claims = [s for s in sentences if not s.startswith("Ne sont pas montrés")]
    assert not any(CAUSAL.search(s) for s in claims)


def test_summary_and_table_are_escaped_html(section):
    html = section.heading() + section.summary() + section.relations_table()
    assert html.startswith('<h2 id="results">')
    assert "d&#x27;absentéisme" in html and "<script" not in html
    assert html.count("<tr>") == 1 + 8  # header + 4 outcomes x 2 horizons


def test_funnel_figure_counts(section, funnel_truth):
    fig = section.funnel()
    assert isinstance(fig, go.Figure)
    funnel = fig.data[0]
    t = funnel_truth
    assert list(funnel.x) == [t.ideas, t.reached_studied, t.reached_trialled, t.adopted]
    assert f"{int(t.ideas)} idées déposées" in fig.layout.title.text
    share = round(100 * t.reached_studied / t.ideas)
    assert f"{share}\xa0% de l'étape précédente" in funnel.text[1].replace("<br>", " ")


def test_scatter_has_the_departments_the_line_and_the_interval(section, demo_tables):
    fig = section.scatter("absence_rate")
    title = fig.layout.title.text
    assert "26 directions" in title
    points = next(t for t in fig.data if t.mode == "markers+text")
    assert len(points.x) == 26
    # printed pages have no hover: each point's number is named in the key under the chart
    assert sorted(map(int, points.text)) == list(range(1, 27))
    note = next(a.text for a in fig.layout.annotations if "Directions" in a.text)
    key = dict(
        re.findall(r"(\d+)\xa0(.+?)(?= · |$)", note.split("Directions : ")[1].replace("<br>", " "))
    )
    names = [str(h).split("<br>")[0] for h in points.customdata]
    assert len(key) == 26
    for number, hover in zip(points.text, names, strict=True):
        assert key[number] in hover, (number, hover)  # the hover names the same department
    line = next(t for t in fig.data if t.mode == "lines" and t.fill is None)
    slope = (line.y[-1] - line.y[0]) / (line.x[-1] - line.x[0])
    est = section.relation("absence_rate")["estimate"]
    assert slope == pytest.approx(est)  # points of absence per point of reach
    assert any(t.fill == "toself" for t in fig.data)  # the 95 % band
    en = _section(demo_tables, Q4, ECO, lang="en").scatter("citizen_satisfaction")
    assert "17 departments" in en.layout.title.text


def test_department_names_are_escaped_in_the_figure(exposure_tables):
    hc = exposure_tables.headcount.replace({"A": "<b>Dir & Co</b>"})
    att = exposure_tables.attendance.replace({"A": "<b>Dir & Co</b>"})
    hr = exposure_tables.hr_results.replace({"A": "<b>Dir & Co</b>"})
    tables = replace(exposure_tables, headcount=hc, attendance=att, hr_results=hr)
    r = _section(tables, parse_period("2016-Q3"), ECO, lang="fr")
    # two departments only: no slope, a plain statement
    assert any("Trop peu de directions (2)" in s for s in r.sentences())
    fig = r.scatter("absence_rate")
    hover = " ".join(next(t for t in fig.data if t.mode == "markers+text").customdata)
    assert "&lt;b&gt;Dir &amp; Co&lt;/b&gt;" in hover and "<b>Dir" not in hover
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "&lt;b&gt;Dir &amp; Co&lt;/b&gt;" in notes and "<b>Dir" not in notes


def test_missing_sources_are_said(exposure_tables):
    r = _section(exposure_tables, parse_period("2016-Q3"), ECO, lang="fr")
    text = " ".join(r.sentences())
    assert "Source absente de ce projet : registre des idées, enquête de satisfaction" in text
    fig = r.funnel()
    assert "Pas de registre des idées" in fig.layout.annotations[0].text


def test_from_bilan_uses_the_bilan_s_period_labels_and_release(demo_tables):
    labels = Labels("en", ecosystem=ECO)
    frames, facts = results_part(demo_tables, Q4, ECO)
    release = Release({"results": facts}, frames)
    b = SimpleNamespace(release=release, period=Q4, eco=ECO, lang="en", k=5, labels=labels)
    r = ResultsSection.from_bilan(b)  # type: ignore[arg-type]
    assert r.lang == "en" and r.period == Q4
    assert r.t("heading") == "Innovation and organisational results"
    assert "Between departments" in " ".join(r.sentences())
