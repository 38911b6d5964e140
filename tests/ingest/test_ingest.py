from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from eco_eval.config import load_project
from eco_eval.errors import InputFileError
from eco_eval.ingest import ingest
from eco_eval.store import open_store


def _ingest(root: Path):
    return ingest(load_project(root))


def test_every_row_is_accepted_or_quarantined_with_its_reason(tiny_project):
    report = _ingest(tiny_project)
    by_table = {f.table: f for f in report.files}
    for f in report.files:
        assert f.rows_read == f.rows_accepted + f.rows_quarantined, f
    assert (by_table["headcount"].rows_read, by_table["headcount"].rows_accepted) == (3, 3)
    # S4 (no date) is kept as an undated session; S5 (unknown tool) is quarantined
    assert (by_table["sessions"].rows_read, by_table["sessions"].rows_accepted) == (5, 4)
    assert by_table["sessions"].meta["undated_sessions"] == 1
    assert (by_table["attendance"].rows_read, by_table["attendance"].rows_accepted) == (5, 4)
    assert by_table["feedback"].rows_read == 4 and by_table["feedback"].duplicates == 1
    store = open_store(load_project(tiny_project).store_path)
    q = store.table("quarantine", provenance=False)
    reasons = dict(
        zip(
            q["source_line"].astype(int).astype(str) + "@" + q["table_name"],
            q["reasons"],
            strict=True,
        )
    )
    assert "7@sessions" not in reasons  # header on row 3, S4 (undated, kept) on row 7
    assert "unknown_tool" in reasons["8@sessions"]
    assert "known_session" in reasons["6@attendance"]
    assert "duplicate_submission" in reasons["3@feedback"]
    assert "range:recommend" in reasons["4@feedback"]
    assert "codebook:clim_bien_etre_2" in reasons["3@barometer"]  # 7 is no answer of CLIM


def test_canonical_values(tiny_project):
    _ingest(tiny_project)
    store = open_store(load_project(tiny_project).store_path)
    ses = store.table("sessions").set_index("session_id")
    assert ses.loc["S1", "tool_id"] == "point_silence" and ses.loc["S1", "lever_id"] == "bien_etre"
    assert ses.loc["S1", "duration_h"] == 1.5 and ses.loc["S1", "quarter"] == "2016-Q3"
    assert ses.loc["S3", "status"] == "cancelled"
    hc = store.table("headcount")
    assert hc["headcount"].sum() == 60 and set(hc["quarter"]) == {"2016-Q3"}
    assert "Direction de l'Éducation" in set(hc["department"])  # Windows-1252 decoded
    att = store.table("attendance")
    assert (
        att["person_key"].nunique() == 3 and att["person_key"].str.fullmatch(r"[0-9a-f]{16}").all()
    )
    bar = store.table("barometer")
    assert (
        list(bar["wave"]) == ["2016-11"]
        and bar.loc[0, "swemwbs_1"] == 4
        and bar.loc[0, "who5_1"] == 4
    )
    assert bar.loc[0, "part_bien_etre"] == 1
    # the barometer respondent links to attendance through the same pseudonym
    assert bar.loc[0, "person_key"] in set(att["person_key"])
    fb = store.table("feedback")
    assert fb["satisfaction"].tolist() == [5.0, 2.0]


def test_no_identifier_reaches_the_store(tiny_project):
    _ingest(tiny_project)
    data = b"".join(
        p.read_bytes() for p in (tiny_project / "data" / "processed").rglob("*") if p.is_file()
    )
    for needle in (
        "100001",
        "alice.martin@ville-exemple.fr",
        "Alice Martin",
        "Marie Curie",
        "Durand",
    ):
        assert needle.encode() not in data, needle


def test_comments_are_masked(tiny_project):
    _ingest(tiny_project)
    fb = open_store(load_project(tiny_project).store_path).table("feedback")
    text = " ".join(fb["comment"].dropna())
    assert "alice.martin" not in text and "Alice Martin" not in text
    assert "<script>" in text  # kept as text: escaping is the renderer's job


def test_idempotent_and_changed_file_replaces_rows(tiny_project):
    first = _ingest(tiny_project)
    assert first.changed
    store_path = load_project(tiny_project).store_path
    before = store_path.read_bytes()
    again = _ingest(tiny_project)
    assert not again.changed and store_path.read_bytes() == before
    att = tiny_project / "data" / "raw" / "presences" / "emargements_2016-T3.csv"
    att.write_text(
        att.read_text(encoding="utf-8").rsplit("\n", 2)[0] + "\n", encoding="utf-8"
    )  # drop the bad last row
    third = _ingest(tiny_project)
    assert third.changed
    store = open_store(store_path)
    assert len(store.table("attendance")) == 4
    q = store.table("quarantine")
    assert not (q["table_name"] == "attendance").any()


def test_missing_required_column_stops_and_keeps_the_store(tiny_project):
    _ingest(tiny_project)
    store_path = load_project(tiny_project).store_path
    before = store_path.read_bytes()
    hc = tiny_project / "data" / "raw" / "rh" / "effectifs_trimestriels.csv"
    hc.write_bytes(hc.read_bytes().replace("Effectif".encode("cp1252"), b"Effectifz"))
    with pytest.raises(InputFileError) as err:
        _ingest(tiny_project)
    msg = str(err.value)
    assert (
        "effectifs_trimestriels.csv" in msg
        and "'Effectif'" in msg
        and "did you mean" in msg
        and "\n" not in msg
    )
    assert store_path.read_bytes() == before


def test_raw_files_are_never_modified(tiny_project):
    raw = tiny_project / "data" / "raw"
    snapshot = {p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in raw.rglob("*") if p.is_file()}
    _ingest(tiny_project)
    assert snapshot == {
        p: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in raw.rglob("*") if p.is_file()
    }


def test_removed_file_rows_disappear(tiny_project):
    _ingest(tiny_project)
    shutil.rmtree(tiny_project / "data" / "raw" / "barometre")
    _ingest(tiny_project)
    store = open_store(load_project(tiny_project).store_path)
    assert store.table("barometer").empty
