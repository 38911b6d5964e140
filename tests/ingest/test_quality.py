from __future__ import annotations

from eco_eval.bilan import bilan_labels
from eco_eval.config import load_project
from eco_eval.pipeline import run_ingest
from eco_eval.report.i18n import Labels
from eco_eval.report.quality import reason_text, render_page, summary_by_source
from eco_eval.store import open_store
from eco_eval.store_quality import quality_tables


def test_quality_page_and_summary_by_source(tiny_project):
    outcome = run_ingest(tiny_project)
    page = outcome.quality_page
    assert page is not None and page.exists() and (page.parent / "latest.html").exists()
    html = page.read_text(encoding="utf-8")
    assert "séance inconnue du journal" in html and "doublon de soumission" in html
    assert "100001" not in html and "alice.martin" not in html  # quarantined rows are pseudonymised
    store = open_store(load_project(tiny_project).store_path)
    labels = Labels("fr").extend(bilan_labels("fr"))
    summary = summary_by_source(
        store.table("ingest_log"), store.table("quarantine"), labels
    ).set_index("table")
    assert (summary["read"] == summary["accepted"] + summary["quarantined"]).all()
    assert summary.loc["sessions", "source"] == "journal des animations"
    assert summary.loc["attendance", "quarantined"] == 1
    assert "séance inconnue du journal (1)" in summary.loc["attendance", "top_reasons"]
    # a second ingest with nothing new writes no new page
    assert run_ingest(tiny_project).quality_page is None


def test_reason_texts_in_both_languages():
    fr = Labels("fr").extend(bilan_labels("fr"))
    en = Labels("en").extend(bilan_labels("en"))
    assert reason_text("range:satisfaction", fr) == "valeur hors plage (satisfaction)"
    assert reason_text("range:satisfaction", en) == "value out of range (satisfaction)"
    assert reason_text("known_session", fr) == "séance inconnue du journal"
    # a canonical field is named in words, never by its English id
    assert reason_text("parse:training_days", fr) == "valeur illisible (jours de formation)"
    assert (
        reason_text("range:recommend", en) == "value out of range (recommendation mark out of 10)"
    )
    assert reason_text("something_new", fr) == "something_new"
    assert set(bilan_labels("fr")) == {
        k.replace("bilan_en", "bilan_fr") for k in bilan_labels("en")
    }


def test_page_from_the_store_counts_equals_the_page_from_every_row(demo_project):
    """The page written after an ingest reads reason counts and a few examples from the store
    (quality_tables); it must be the page built from every quarantined row."""
    store = open_store(load_project(demo_project).store_path)
    labels = Labels("fr").extend(bilan_labels("fr"))
    log, every = store.table("ingest_log"), store.table("quarantine")
    assert every["reasons"].str.split(";").str[0].value_counts().max() > 1  # examples are cut
    whole = render_page(log, every, labels, when="x")
    tables = quality_tables(store)
    counted = render_page(log, tables["quarantine"], labels, when="x", examples=tables["examples"])
    assert counted == whole and "doublon de soumission" in counted
