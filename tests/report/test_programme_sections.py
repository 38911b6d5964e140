"""The bilan's « partage », « valorisation » and generations sections on the demo city's release,
and their sentences when the data lack facilitators or departments."""

from __future__ import annotations

import html as _html
import re
import string
from dataclasses import replace

import plotly.graph_objects as go
import pytest
import yaml

from eco_eval.bilan import Bilan
from eco_eval.bilan.sections import summary_sentences
from eco_eval.config import load_project
from eco_eval.indicators.core import Tables
from eco_eval.periods import parse_period
from eco_eval.release.build import release_from_tables
from eco_eval.report.theme import data_path
from eco_eval.store import open_store

CAUSAL = re.compile(r"grâce|a permis|a réduit|fait baisser|impact du programme|effet", re.I)
NEW_KEYS = re.compile(
    r"^(h_partage|h_valorisation|h_generations|s_partage|s_bridges|matrix_|u_partage|u_matrix|s_valorisation|s_concentration|s_load|s_progression|facilitators_by|u_valorisation|generations|gen_)"
)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_labels_in_both_languages_with_the_same_placeholders():
    fr, en = (
        yaml.safe_load(data_path("labels", f"bilan_{lang}.yaml").read_text(encoding="utf-8"))[
            "bilan"
        ]
        for lang in ("fr", "en")
    )
    keys = {k for k in fr if NEW_KEYS.match(k)}
    assert len(keys) >= 25 and keys <= set(en)
    for key in keys:
        assert _placeholders(fr[key]) == _placeholders(en[key]), key
        assert not CAUSAL.search(fr[key]), key


@pytest.fixture(scope="module")
def project(demo_project):
    return load_project(demo_project)


@pytest.fixture(scope="module")
def tables(demo_project) -> Tables:
    return Tables.from_store(open_store(demo_project / "data" / "processed" / "eco_eval.duckdb"))


@pytest.fixture(scope="module")
def bilan(project, demo_run) -> Bilan:
    """The bilan of the demo run's release (2017-Q4, first publication, k = 5)."""
    release = demo_run["root"] / "data" / "processed" / "releases" / "2017-Q4"
    return Bilan.from_release(release, lang="fr", project=project)


def test_partage_describes_the_mixing(bilan):
    html = bilan.partage()
    assert "paires de participants" in html and "%" in html
    assert "directions différentes" in html and not CAUSAL.search(html)
    assert "la balade" not in html  # levers by name, tools elsewhere
    assert html.count("<tr>") >= 12  # the header and each lever with sessions


def test_the_matrix_leaves_hidden_cells_blank(bilan):
    matrix = bilan.release.frame("encounter_matrix")
    assert matrix["suppressed"].any() and (~matrix["suppressed"]).any()
    fig = bilan.encounter_matrix()
    assert isinstance(fig, go.Figure)
    z = fig.data[0].z
    names = list(fig.data[0].x)
    at = {n: i for i, n in enumerate(names)}
    for a, b_, value, hidden in zip(
        matrix["department_a"],
        matrix["department_b"],
        matrix["value"],
        matrix["suppressed"],
        strict=True,
    ):
        cell = z[at[a]][at[b_]]
        assert (cell is None) if hidden else (cell == value), (a, b_)
    assert "masquée" in bilan.encounter_note()


def test_valorisation_shows_the_pool_and_hides_the_single_overloaded(bilan):
    html = _html.unescape(bilan.valorisation())
    since = bilan.figure("facilitators_since_launch")
    assert not since["suppressed"] and f"depuis le lancement : {since['value']:.0f}" in html
    row = bilan.figure("overloaded_facilitators")
    assert row["suppressed"]  # one overloaded facilitator: never published
    assert "< 5" in html and "40 heures" in html and "jamais qui" in html
    assert "venus à une séance avant d'en animer une" in html
    assert "Animateurs par direction" in html or "aucune direction ne compte" in html


def test_generations_are_listed_in_order(bilan):
    html = _html.unescape(bilan.generations())
    items = re.findall(r"<li>(.*?)</li>", html)
    assert len(items) == 3, items  # the retirement of « colle ton avis » is said by its successor
    assert "1er janvier 2017" in items[0] and "café des idées" in items[0]
    assert "remplace" in items[1] and "colle ton avis" in items[1]
    assert "retiré" in items[2] and "Walt" in items[2]
    assert "retiré" in bilan.generations("reve")
    assert "n'a pas changé d'outil" in _html.unescape(bilan.generations("temps"))


@pytest.mark.slow
def test_sections_say_why_without_facilitators_or_departments(project, tables):
    eco = project.ecosystem()
    bare = replace(
        tables,
        sessions=tables.sessions.assign(facilitator_key=None),
        attendance=tables.attendance.assign(department=None),
        barometer=None,  # the sections under test read no barometer: its part is not computed
    )
    release, _ = release_from_tables(
        bare,
        parse_period("2017-Q4", launch=eco.launch),
        eco,
        k=5,
        instruments=project.instruments(),
    )
    b = Bilan.from_release(release, lang="fr", project=project)
    assert "ne nomme aucun animateur" in b.valorisation()
    assert "sources.sessions.columns.facilitator" in b.valorisation()
    assert "ne donnent la direction d'aucun participant" in _html.unescape(b.partage())
    assert "aucune paire de directions" in str(b.encounter_matrix())


def test_the_synthesis_compares_with_the_same_quarter_a_year_before_first(bilan):
    """Activity is seasonal: the synthesis compares the sessions with the same quarter a year
    before, then with the quarter before."""
    held = bilan.figure("sessions_held")
    first = summary_sentences(bilan)[0]
    assert first.startswith(bilan.fmt("sessions_held", held["value"]))
    year = first.index("par rapport au même trimestre un an avant")
    assert year < first.index("par rapport au trimestre précédent")
    assert f"({bilan.fmt('sessions_held', held['year_before'])})" in first
