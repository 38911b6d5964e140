"""Sign-in data as it comes: exact duplicate rows, undated sessions, several facilitators."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from eco_eval.config import load_project
from eco_eval.indicators.core import ALL, Tables
from eco_eval.indicators.implementation import implementation
from eco_eval.indicators.reach import reach
from eco_eval.ingest import ingest
from eco_eval.ingest.mapping import NAME_SEPARATORS
from eco_eval.periods import cumulative, parse_period
from eco_eval.store import open_store

from .conftest import ATTENDANCE, SESSIONS

FACILITATOR = "Matricule animateur"


def _write_sessions(root: Path, rows: list[tuple], header: tuple = SESSIONS[0]) -> Path:
    path = root / "data" / "raw" / "animations" / "journal_animations.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Journal"
    ws.append(["Journal des animations"])
    ws.append([])
    for r in [header, *rows]:
        ws.append(list(r))
    wb.save(path)
    return path


def _attendance_path(root: Path) -> Path:
    return root / "data" / "raw" / "presences" / "emargements_2016-T3.csv"


def _value(frame: pd.DataFrame, indicator: str, lever: str = ALL) -> float:
    sel = frame[(frame["indicator"] == indicator) & (frame["lever"] == lever)]
    sel = sel[sel["dimension"] == "*"]
    return float(sel["value"].iloc[0])


def test_exact_duplicate_sign_ins_are_quarantined(tiny_project):
    lines = ATTENDANCE.splitlines()
    # an exact copy of row 2 (file line 3), and a row differing by one letter (kept)
    text = "\n".join([*lines, lines[2], lines[2].replace("Bruno", "Brunot")]) + "\n"
    _attendance_path(tiny_project).write_text(text, encoding="utf-8")
    report = ingest(load_project(tiny_project))
    att = next(f for f in report.files if f.table == "attendance")
    assert att.rows_read == len(lines) - 1 + 2
    assert att.rows_read == att.rows_accepted + att.rows_quarantined
    assert att.top_reasons.get("duplicate") == 1 and att.duplicates == 1
    store = open_store(load_project(tiny_project).store_path)
    q = store.table("quarantine")
    dup = q[q["reasons"] == "duplicate"]
    assert len(dup) == 1 and int(dup["source_line"].iloc[0]) == len(lines) + 1
    assert "100002" not in dup["raw"].iloc[0]  # the matricule is pseudonymised there too
    stored = store.table("attendance", provenance=True)
    assert len(stored) == att.rows_accepted
    assert int(len(lines) + 1) not in set(stored["source_line"].astype(int))


def test_undated_session_sign_ins_kept_out_of_every_period(tiny_project):
    # S4 is logged, held, without a date: two people sign in there
    lines = ATTENDANCE.splitlines()
    extra = [
        "S4;100001;Martin;Alice;alice.martin@ville-exemple.fr;Direction des Finances;A;F;administrative",
        "S4;100005;Leroy;Emma;emma.leroy@ville-exemple.fr;Direction des Finances;B;F;technique",
    ]
    _attendance_path(tiny_project).write_text("\n".join([*lines, *extra]) + "\n", "utf-8")
    project = load_project(tiny_project)
    report = ingest(project)
    by_table = {f.table: f for f in report.files}
    assert by_table["sessions"].meta["undated_sessions"] == 1
    assert by_table["attendance"].meta["undated_sign_ins"] == 2
    store = open_store(project.store_path)
    q = store.table("quarantine")
    unknown = q[(q["table_name"] == "attendance") & q["reasons"].str.contains("known_session")]
    assert set(unknown["source_line"].astype(int)) == {6}  # S9 only: the session nobody logged
    ses = store.table("sessions").set_index("session_id")
    assert pd.isna(ses.loc["S4", "date"]) and pd.isna(ses.loc["S4", "quarter"])
    att = store.table("attendance")
    assert (att["session_id"] == "S4").sum() == 2  # in the programme's totals
    tables = Tables.from_store(store)
    eco = project.ecosystem()
    # in no period: the quarter's and the cumulative figures count S1, S2 only
    dated = att[att["session_id"].isin(["S1", "S2"])]
    for period in (parse_period("2016-Q3"), cumulative(parse_period("2016-Q4"), eco.launch)):
        out = reach(tables, period, eco)
        assert _value(out, "participations") == len(dated)
        assert _value(out, "unique_participants") == dated["person_key"].nunique()
        assert _value(implementation(tables, period, eco), "sessions_planned") == 3


def test_undated_sign_ins_on_the_quality_page(tiny_project):
    from eco_eval.pipeline import run_ingest

    lines = ATTENDANCE.splitlines()
    extra = "S4;100001;Martin;Alice;alice.martin@ville-exemple.fr;Direction des Finances;A;F;administrative"
    _attendance_path(tiny_project).write_text("\n".join([*lines, extra]) + "\n", "utf-8")
    outcome = run_ingest(tiny_project)
    html = outcome.quality_page.read_text("utf-8")
    assert "Séances sans date : 1 séance(s) du journal, 1 émargement(s) acceptés" in html


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Marie Curie / Jean Moulin", 2),
        ("Marie Curie et Jean Moulin", 2),
        ("Marie Curie, Jean Moulin & Lise Meitner", 3),
        ("Marie Curie; Jean Moulin", 2),
        ("Marie Curie", 1),
    ],
)
def test_facilitator_hours_count_every_facilitator(tiny_project, cell, names):
    rows = [list(r) for r in SESSIONS[1:]]
    rows[0][3] = cell  # S1, held, 1,5 h
    # the column the demo configuration reads facilitators from (the sign-in sheets' matricule)
    header = (*SESSIONS[0][:3], FACILITATOR, *SESSIONS[0][4:])
    path = _write_sessions(tiny_project, [tuple(r) for r in rows], header)
    project = load_project(tiny_project)
    ingest(project)
    store = open_store(project.store_path)
    ses = store.table("sessions").set_index("session_id")
    assert ses.loc["S1", "n_facilitators"] == names
    assert len(ses.loc["S1", "facilitator_key"].split(";")) == names
    # independently, from the raw workbook: held sessions of Q3 with a known tool and a date
    raw = pd.read_excel(path, sheet_name="Journal", header=2, dtype=str, engine="openpyxl")
    raw = raw[(raw["Statut"] == "Réalisée") & raw["Date"].notna()]
    raw = raw[raw["N° séance"].isin(["S1", "S2"])]  # S5: unknown tool
    people = raw[FACILITATOR].map(lambda c: len([n for n in NAME_SEPARATORS.split(c) if n]))
    hours = raw["Durée (h)"].str.replace(",", ".").astype(float)
    expected = float((hours * people).sum())
    assert expected == pytest.approx(1.5 * names + 2 * 1)
    out = implementation(Tables.from_store(store), parse_period("2016-Q3"), project.ecosystem())
    assert _value(out, "facilitator_hours") == pytest.approx(expected)
    participant_h = _value(out, "participant_hours")
    assert _value(out, "staff_time_days") == pytest.approx((expected + participant_h) / 7)
    # no facilitator's name in clear anywhere in the store
    data = b"".join(
        p.read_bytes() for p in (tiny_project / "data" / "processed").rglob("*") if p.is_file()
    )
    for name in ("Marie Curie", "Jean Moulin", "Lise Meitner", "Curie", "Meitner"):
        assert name.encode() not in data
