"""Headcount as HR publishes it: period labels for ``as_of``, department-only totals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from eco_eval.config import load_project
from eco_eval.indicators.core import ALL, Tables, headcount_at
from eco_eval.indicators.reach import reach
from eco_eval.ingest import ingest
from eco_eval.periods import label_end, parse_period
from eco_eval.store import open_store

# (label as HR writes it, the day it stands for: the period's last day)
LABELS = [
    ("30/09/2016", date(2016, 9, 30)),
    ("2016-09-30", date(2016, 9, 30)),
    ("2016-06", date(2016, 6, 30)),
    ("06/2016", date(2016, 6, 30)),
    ("2/2016", date(2016, 2, 29)),
    ("2016-12", date(2016, 12, 31)),
    ("2016-T2", date(2016, 6, 30)),
    ("T2 2016", date(2016, 6, 30)),
    ("2016Q2", date(2016, 6, 30)),
    ("2016-Q2", date(2016, 6, 30)),
    ("2e trimestre 2016", date(2016, 6, 30)),
    ("2ème trimestre 2016", date(2016, 6, 30)),
    ("1er trimestre 2016", date(2016, 3, 31)),
    ("4e trimestre 2015", date(2015, 12, 31)),
    ("2016-S1", date(2016, 6, 30)),
    ("2016", date(2016, 12, 31)),
]


def _set_headcount(root: Path, text: str, columns: dict[str, str]) -> None:
    """Replace the tiny project's HR file and its mapping (configuration only)."""
    (root / "data" / "raw" / "rh" / "effectifs_trimestriels.csv").write_text(text, "utf-8")
    cfg_path = root / "eco_eval.yaml"
    cfg = yaml.safe_load(cfg_path.read_text("utf-8"))
    cfg["sources"]["headcount"]["columns"] = columns
    cfg["sources"]["headcount"]["values"] = {
        k: v for k, v in cfg["sources"]["headcount"].get("values", {}).items() if k in columns
    }
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), "utf-8")


@pytest.mark.parametrize(("label", "expected"), LABELS[2:])
def test_label_end(label, expected):
    assert label_end(label) == expected


@pytest.mark.parametrize(("text", "_day"), LABELS[:2])
def test_a_date_is_no_period_label(text, _day):
    assert label_end(text) is None


def test_french_ordinal_quarter_is_a_period():
    assert parse_period("2e trimestre 2016") == parse_period("2016-Q2")


@pytest.mark.parametrize("text", ["2016-13", "13/2016", "T5 2016", "5e trimestre 2016", "abc"])
def test_not_a_label(text):
    assert label_end(text) is None


def test_every_headcount_format_ingests_to_its_day(tiny_project):
    rows = "".join(
        f"{label};Direction des Finances;{i + 1}\n" for i, (label, _) in enumerate(LABELS)
    )
    _set_headcount(
        tiny_project,
        "Trimestre;Direction;Effectif\n" + rows,
        {"as_of": "Trimestre", "department": "Direction", "headcount": "Effectif"},
    )
    report = ingest(load_project(tiny_project))
    hc_file = next(f for f in report.files if f.table == "headcount")
    assert (hc_file.rows_read, hc_file.rows_accepted) == (len(LABELS), len(LABELS))
    hc = open_store(load_project(tiny_project).store_path).table("headcount", provenance=True)
    got = dict(zip(hc["headcount"].astype(int), pd.to_datetime(hc["as_of"]).dt.date, strict=True))
    for i, (label, expected) in enumerate(LABELS):
        assert got[i + 1] == expected, label
    # the quarter is the one of that day, as for any date
    quarters = dict(zip(hc["headcount"].astype(int), hc["quarter"], strict=True))
    for i, (_, expected) in enumerate(LABELS):
        assert quarters[i + 1] == f"{expected.year}-Q{(expected.month - 1) // 3 + 1}"
    assert hc["category"].isna().all() and hc["gender"].isna().all()


def test_unreadable_label_is_quarantined_with_its_reason(tiny_project):
    _set_headcount(
        tiny_project,
        "Trimestre;Direction;Effectif\n2016-T5;Direction des Finances;3\n"
        "2016-T3;Direction des Finances;4\n",
        {"as_of": "Trimestre", "department": "Direction", "headcount": "Effectif"},
    )
    report = ingest(load_project(tiny_project))
    hc_file = next(f for f in report.files if f.table == "headcount")
    assert (hc_file.rows_accepted, hc_file.rows_quarantined) == (1, 1)
    assert "parse:as_of" in hc_file.top_reasons


def test_department_only_headcount_gives_reach(tiny_project):
    _set_headcount(
        tiny_project,
        "Trimestre;Direction;Effectif\n"
        "2016-T3;Direction des Finances;40\n"
        "2016-T3;Direction de l'Éducation;25\n",
        {"as_of": "Trimestre", "department": "Direction", "headcount": "Effectif"},
    )
    project = load_project(tiny_project)
    report = ingest(project)
    assert all(f.rows_read == f.rows_accepted + f.rows_quarantined for f in report.files)
    store = open_store(project.store_path)
    hc = store.table("headcount")
    assert len(hc) == 2 and list(hc.columns)[:4] == ["quarter", "department", "category", "gender"]
    out = reach(Tables.from_store(store), parse_period("2016-Q3"), project.ecosystem())
    rates = out[(out["indicator"] == "reach_rate") & (out["lever"] == ALL)]
    # independent count from the raw attendance list: held, dated Q3 sessions S1 and S2
    att = store.table("attendance")
    ses = store.table("sessions").set_index("session_id")
    held = {s for s in ses.index if ses.loc[s, "status"] == "held" and ses.loc[s, "quarter"]}
    held = {s for s in held if ses.loc[s, "quarter"] == "2016-Q3"}
    people = att[att["session_id"].isin(held)]
    total = rates[rates["dimension"] == "*"]["value"].iloc[0]
    assert total == pytest.approx(people["person_key"].nunique() / 65)
    by_dept = rates[rates["dimension"] == "department"].set_index("group")["value"]
    for dept, staff in (("Direction des Finances", 40), ("Direction de l'Éducation", 25)):
        expected = people[people["department"] == dept]["person_key"].nunique() / staff
        assert by_dept[dept] == pytest.approx(expected)


def test_monthly_headcount_counts_the_quarters_last_month(tiny_project):
    months = {"2016-07": 30, "2016-08": 35, "2016-09": 50}
    _set_headcount(
        tiny_project,
        "Mois;Direction;Effectif\n"
        + "".join(f"{m};Direction des Finances;{n}\n" for m, n in months.items()),
        {"as_of": "Mois", "department": "Direction", "headcount": "Effectif"},
    )
    project = load_project(tiny_project)
    ingest(project)
    tables = Tables.from_store(open_store(project.store_path))
    assert headcount_at(tables.headcount, parse_period("2016-Q3"))["headcount"].sum() == 50
    assert headcount_at(tables.headcount, parse_period("2017-Q1"))["headcount"].sum() == 50
