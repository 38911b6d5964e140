"""The demo city from raw files to the published bilan."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from eco_eval.ecosystem import load_ecosystem
from eco_eval.report.typography import french_text


@pytest.mark.slow
def test_bilan_names_all_levers_and_tools_in_french(demo_run):
    html = (demo_run["root"] / "reports" / "2017-Q4" / "bilan.html").read_text(encoding="utf-8")
    import html as htmlmod

    text = htmlmod.unescape(re.sub(r"<[^>]+>", " ", html))
    eco = load_ecosystem()
    for lever in eco.levers:
        assert lever.fr.capitalize() in text or lever.fr in text, lever.fr
    for tool in eco.tools:  # in French typography (« audace up ! » with its narrow spaces)
        assert french_text(f"« {tool.fr} »") in text, tool.fr
    assert '<html lang="fr"' in html
    assert not re.search(r"<script[^>]+src=\"https?:", html), "no CDN"
    for section in (
        "Synthèse",
        "Les leviers côte à côte",
        "Qualité des données",
        "Méthodes",
        "Traçabilité",
    ):
        assert section in text, section


@pytest.mark.slow
def test_run_publishes_everything_and_a_second_run_changes_nothing(demo_run, tmp_path):
    from eco_eval.pipeline import run_all

    # the second run works on a copy (file times kept): the shared demo_run stays as built
    root: Path = Path(shutil.copytree(demo_run["root"], tmp_path / "city"))
    period_dir = root / "reports" / "2017-Q4"
    for name in (
        "bilan.html",
        "bilan.pdf",
        "provenance.json",
        "key_figures.json",
    ):
        assert (period_dir / name).exists(), name
    # the executed notebook, kept for audit beside the store, holds the machine's paths
    executed = root / "data" / "processed" / "notebooks" / "2017-Q4" / "bilan.executed.ipynb"
    assert executed.is_file() and not (period_dir / "bilan.executed.ipynb").exists()
    assert (root / "reports" / "index.html").exists()
    prov = json.loads((period_dir / "provenance.json").read_text(encoding="utf-8"))
    from eco_eval.config import load_project

    project = load_project(root)
    declared = {  # the data files and the codebooks (survey structures) of the sources
        p.relative_to(root).as_posix()
        for source in project.sources.values()
        for pattern in (source.pattern, source.codebook)
        if pattern
        for p in project.raw_dir.glob(pattern)
    }
    assert prov["parameters"]["period"] == "2017-Q4"
    assert (
        set(prov["inputs_sha256"]) == declared and len(declared) >= 23
    )  # 18 + 3 results + 2 codebooks
    before = {p: p.stat().st_mtime_ns for p in period_dir.rglob("*")}
    store = root / "data" / "processed" / "eco_eval.duckdb"
    store_before = store.read_bytes()
    # the cells the bilan hid are kept for the next bilans (and a run without change keeps them)
    suppression_log = root / "data" / "processed" / "bilan_suppression_log.csv"
    logged = pd.read_csv(suppression_log, dtype=str)
    assert {"2017-Q4", "2017-Q3", "2016-Q4"} <= set(logged["period"]) and len(logged) > 10
    log_before = suppression_log.read_bytes()
    summary = run_all(root, "2017-Q4", pdf=True)
    assert summary["ok"] and not summary["steps"][0]["changed"]
    assert not any(s.get("rebuilt") for s in summary["steps"]), summary["steps"]
    assert not any(s.get("published") for s in summary["steps"]), summary["steps"]
    assert {p: p.stat().st_mtime_ns for p in period_dir.rglob("*")} == before
    assert store.read_bytes() == store_before and suppression_log.read_bytes() == log_before
    logs = sorted((root / "reports" / "logs").glob("run-*.json"))
    assert len(logs) >= 1 and json.loads(logs[-1].read_text(encoding="utf-8"))["ok"]


def _texts(root: Path) -> dict[str, str]:
    """Every text a reader of data/processed or reports could see: store values, HTML, JSON, PDF text."""
    import subprocess

    import duckdb

    out = {}
    for p in [
        p for d in ("data/processed", "reports") for p in (root / d).rglob("*") if p.is_file()
    ]:
        if p.suffix == ".duckdb":
            con = duckdb.connect(str(p), read_only=True)
            parts = []
            for (table,) in con.execute(
                "SELECT table_name FROM information_schema.tables"
            ).fetchall():
                frame = con.execute(f'SELECT * FROM "{table}"').df()
                parts.append(frame.astype(str).to_csv(index=False))
            con.close()
            out[str(p)] = "\n".join(parts)
        elif p.suffix == ".pdf":
            out[str(p)] = subprocess.run(
                ["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True
            ).stdout
        else:
            out[str(p)] = p.read_bytes().decode("utf-8", errors="ignore")
    return out


@pytest.mark.slow
def test_no_raw_identifier_in_processed_or_reports(demo_run):
    root: Path = demo_run["root"]
    truth = pd.read_csv(root / "data" / "ground_truth" / "identities.csv", dtype=str)
    att = pd.concat(
        pd.read_csv(p, sep=";", dtype=str)
        for p in (root / "data" / "raw" / "presences").glob("*.csv")
    )
    needles = (
        set(att["Matricule"].dropna())
        | set(att["Courriel"].dropna())
        | set(truth["email"].dropna())
        | set(truth["text"].dropna())
        | set(truth["matricule"].dropna())
    )
    needles = {n for n in needles if len(n) >= 5}
    texts = _texts(root)
    blob = "\n".join(texts.values()).lower()
    # tokenise once (a regex per needle over tens of MB would take minutes): whole numbers not
    # part of a decimal, e-mail-like tokens, and plain substring checks for the few names
    numbers = set(
        re.findall(r"(?<![\w.])\d{5,}(?!\.?\w)", blob)
    )  # standalone tokens, not inside hex digests
    # every e-mail-like token, joined: an address anywhere in the blob lies inside one of them
    # (its characters are all in the token's classes), so searching this short text is enough
    emails = "\n".join(set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", blob)))
    found = []
    for n in needles:
        low = n.lower()
        if low.isdigit():
            hit = low in numbers
        elif "@" in low:
            hit = low in emails
        else:
            hit = low in blob
        if hit:
            found.append(n)
    print(
        f"searched {len(needles)} identifiers in {len(texts)} files ({len(blob) / 1e6:.1f} MB of text): {len(found)} found"
    )
    assert not found, found[:5]


@pytest.mark.slow
def test_bilan_export_and_open_data_hide_the_same_cells_and_resist_differencing(demo_run, tmp_path):
    """Every table the run published (the bilan and its deep dives, which show the same frames;
    the ``indicators`` export; the open data) hides what the bilan hid, and no subtraction between
    the bilan's published cells, across breakdowns, levers and its three periods, isolates fewer
    than k people."""
    from eco_eval.config import load_project
    from eco_eval.exports import compute_indicators
    from eco_eval.indicators.core import Tables
    from eco_eval.periods import parse_period
    from eco_eval.privacy.suppression import check_differencing, read_suppression_log
    from eco_eval.publish.open_data import read_release
    from eco_eval.release.disclosure import publication_frames as release
    from eco_eval.store import open_store

    root: Path = demo_run["root"]
    project = load_project(root)
    q4 = parse_period("2017-Q4")
    tables = Tables.for_indicators(open_store(project.store_path))
    periods = {"year": q4.year_before(), "previous": q4.previous(), "current": q4}
    frames, log = release(tables, project.ecosystem(), periods, k=project.privacy.k)
    key = ["period", "lever", "tool", "dimension", "group", "indicator"]

    def hidden(frame: pd.DataFrame) -> set[tuple[str, ...]]:
        return set(map(tuple, frame.loc[frame["suppressed"].astype(bool), key].astype(str).values))

    saved = read_suppression_log(project.processed_dir / "bilan_suppression_log.csv")
    assert saved is not None
    # the kept log holds these cells, and those its quarterly history and the audit hid
    assert set(map(tuple, log[key].values)) <= set(map(tuple, saved[key].values))
    # the export is recorded in the publication ledger: made on a copy, the shared run stays as
    # it was (a later run of a copy of it would otherwise compute its release again)
    export = compute_indicators(shutil.copytree(root, tmp_path / "city"), "2017-Q4")
    assert hidden(frames["current"]) <= hidden(export)
    od = read_release(root / "reports" / "2017-Q4" / "open-data")
    assert od is not None
    shown_od = set(map(tuple, od.loc[~od["suppressed"].astype(bool), key].astype(str).values))
    assert not shown_od & hidden(frames["current"])
    people = [frames[n][frames[n]["indicator"] == "unique_participants"] for n in periods]
    cells = sum(len(f) for f in people)
    offences = check_differencing(people, k=project.privacy.k)
    print(
        f"{cells} participant cells over 3 periods ({cells * (cells - 1) // 2} pairs), "
        f"{len(hidden(frames['current']))} hidden cells matched in the export and the open data "
        f"({len(shown_od)} open-data cells shown); {len(offences)} differencing offences"
    )
    assert offences.empty, offences.head()
    # the bilan's trend lines hide what its tables hide, quarter by quarter
    from eco_eval.bilan import Bilan

    b = Bilan.from_release(project.processed_dir / "releases" / "2017-Q4")
    in_history = set(map(tuple, b.history[key].astype(str).values))
    hidden_tables = set().union(*(hidden(f) for f in frames.values()))
    assert hidden_tables & in_history  # the trends show some of the same cells
    assert hidden_tables & in_history <= hidden(b.history)
