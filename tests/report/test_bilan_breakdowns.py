"""The bilan shows the breakdowns the data has (or those configured), says in one sentence which
are absent and why, and its impact method says what the models could not adjust for."""

from __future__ import annotations

import html

import pandas as pd
import pytest

from eco_eval.bilan import Bilan
from eco_eval.bilan.wellbeing import (
    WellbeingSection,
    adjustment_text,
    not_adjusted_text,
    wellbeing_labels,
)
from eco_eval.indicators.core import DIMENSIONS, Tables
from eco_eval.release.build import release_from_tables
from eco_eval.report.i18n import Labels
from sparse_city import ECO, Q2, K, blank, city, department_only, sparse_city


def _bilan(tables: Tables, by=DIMENSIONS, lang: str = "fr") -> Bilan:
    """The bilan of 2016-Q2 from a release computed from tables instead of a store."""
    release, _ = release_from_tables(tables, Q2, ECO, k=K, by=by)
    return Bilan.from_release(release, lang=lang)


def test_sign_in_sheets_without_category_or_gender():
    b = _bilan(sparse_city())
    assert b.breakdowns == ("department",)
    total = b.figure("unique_participants")
    assert total is not None and not total["suppressed"] and total["value"] > 100
    note = html.unescape(b.breakdowns_note())
    assert note.count("<p") == 1  # one sentence
    assert note.startswith(
        '<p class="eco-unavailable">Pas de répartition par catégorie, sexe et filière : ni les '
        "feuilles d'émargement ni les effectifs RH ne donnent cette information ; déclarez la "
        "colonne (sources.attendance.columns.category, sources.headcount.columns.category"
    )
    assert "retirez category, gender, filiere de report.breakdowns" in note
    assert b.reach_breakdowns() == ""
    asked = b.reach_by("category")  # asked for by name: the sentence says what is missing
    assert "eco-unavailable" in asked and "sources.attendance.columns.category" in asked
    assert "Portée par direction" in b.reach_by("department")
    heatmap = b.reach_heatmap()
    assert heatmap is not None and "Finances" in list(heatmap.data[0].x)
    assert "eco-unavailable" not in b.methods()  # said once, in the reach section


def test_a_breakdown_missing_from_one_table_is_named_with_that_table():
    full = city()
    tables = Tables(
        full.sessions, blank(full.attendance, ("gender",)), department_only(full.headcount),
        full.feedback,
    )  # fmt: skip
    b = _bilan(tables, lang="en")
    assert b.breakdowns == ("department",)
    said = html.unescape(b.breakdowns_note()).split("</p>")[:-1]
    assert len(said) == 2  # one sentence per reason
    assert "No breakdown by category and job family: the HR headcount does not give it" in said[0]
    assert "(sources.headcount.columns.category, sources.headcount.columns.filiere)" in said[0]
    assert "No breakdown by gender: neither the sign-in sheets nor the HR headcount" in said[1]


def test_configured_breakdowns_are_the_ones_shown():
    b = _bilan(city(), by=("department", "gender"))
    assert b.breakdowns == ("department", "gender") and b.breakdowns_note() == ""
    shown = b.reach_breakdowns()
    assert "Portée par sexe" in shown and "catégorie" not in shown
    # the encounters between departments come with the department breakdown
    assert set(b.current["dimension"]) == {"*", "department", "department_pair", "gender"}
    gender_only = _bilan(city(), by=("gender",))
    assert "department_pair" not in set(gender_only.current["dimension"])
    heatmap = b.reach_heatmap()
    genders = [b.labels.group("gender", g) for g in ("F", "M")]
    assert heatmap is not None and list(heatmap.data[0].x) == genders
    assert b.reach_heatmap("category") is None
    none = _bilan(city(), by=())
    assert none.reach_heatmap() is None and none.reach_by("department") == ""


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_impact_method_says_what_the_model_held_fixed(lang):
    labels = Labels(lang).extend(wellbeing_labels(lang))
    s = WellbeingSection(None, labels, K, {}, *(pd.DataFrame(),) * 4)
    full = pd.DataFrame(
        {
            "estimate": [0.4, float("nan")],
            "design": ["did_linked_panel", "did_linked_panel"],
            "adjustment": ["category, department, wave pair", "wave pair"],
        }
    )
    text = s.t("impact_method", adjustment=adjustment_text(s, full))
    expected = {
        "fr": "ajustée sur la catégorie, la direction, la participation aux autres outils et la "
        "participation avant la première vague.",
        "en": "adjusted for category, department, attendance at the other tools and attendance "
        "before the first wave.",
    }
    assert expected[lang] in text
    assert not_adjusted_text(s, full) == ""
    no_category = full.assign(adjustment="department, wave pair")
    assert s.t("adj_category") not in adjustment_text(s, no_category)
    sentence = not_adjusted_text(s, no_category)
    assert s.t("adj_category") in sentence and s.t("adj_department") not in sentence
    bare = full.assign(adjustment="wave pair")
    assert s.t("adj_department") in not_adjusted_text(s, bare)
