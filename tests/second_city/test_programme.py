"""Valbrune, differently shaped: its log names facilitators (« Dupont / Martin »), not by the
sign-in sheets' identifier; its sign-in sheets give departments. The « partage » figures are
published, the « valorisation » ones without the register's: their absence is said, not hidden."""

from __future__ import annotations

from html import unescape as html_text

import pytest

from eco_eval.bilan import Bilan
from eco_eval.config import load_project
from eco_eval.indicators.core import Tables
from eco_eval.indicators.engine import compute_raw
from eco_eval.periods import parse_period
from eco_eval.release.build import release_from_tables
from eco_eval.store import open_store


@pytest.fixture(scope="module")
def setting(valbrune_project):
    project = load_project(valbrune_project)
    tables = Tables.from_store(open_store(project.store_path))
    eco = project.ecosystem()
    quarter = sorted(tables.sessions["quarter"].dropna().unique())[-1]
    return project, tables, eco, parse_period(quarter, launch=eco.launch)


def test_indicators_on_valbrune(setting):
    _project, tables, eco, period = setting
    raw = compute_raw(tables, period, eco)
    ids = set(raw["indicator"])
    assert {"mixing_department_share", "encounters", "facilitators", "top3_share"} <= ids
    # two facilitators in one cell count as two people
    held = tables.sessions[
        (tables.sessions["quarter"] == period.label) & (tables.sessions["status"] == "held")
    ]
    names = {k for cell in held["facilitator_key"].dropna() for k in cell.split(";")}
    got = raw[(raw.indicator == "facilitators") & (raw.lever == "*") & (raw.dimension == "*")]
    assert got["value"].iloc[0] == len(names)
    # names are no person keys of the register: no department, no progression
    assert not {"progression_rate", "participants_turned_facilitators"} & ids
    assert set(raw.loc[raw.indicator == "facilitators", "dimension"]) == {"*"}


def test_the_bilan_says_what_the_log_cannot_give(setting):
    project, tables, eco, period = setting
    release, _ = release_from_tables(
        tables, period, eco, k=project.privacy.k, instruments=project.instruments()
    )
    b = Bilan.from_release(release, lang="fr", project=project)
    html = html_text(b.valorisation())
    assert "n'identifie pas les animateurs comme les feuilles d'émargement" in html
    assert "Animateurs par direction" not in html
    assert "paires de participants" in b.partage()
