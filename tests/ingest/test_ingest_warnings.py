"""``eco-eval ingest`` says when a source is mostly quarantined, and fails when the bilan loses one."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from eco_eval.cli import main
from eco_eval.config import load_project
from eco_eval.errors import EXIT_CODES, SourceQuarantined
from eco_eval.store import open_store

HEADER = "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif\n"


def _headcount(root: Path, dates: list[str]) -> None:
    rows = "".join(f"{d};Direction des Finances;A;F;administrative;10\n" for d in dates)
    path = root / "data" / "raw" / "rh" / "effectifs_trimestriels.csv"
    path.write_text(HEADER + rows, encoding="utf-8")


def _ingest(root: Path):
    return CliRunner().invoke(main, ["ingest", "--project", str(root)])


def test_entirely_quarantined_headcount_warns_and_exits_9(tiny_project):
    bad = ["trim. 3 / 2016", "trim. 4 / 2016", "trim. 4 / 2016"]
    _headcount(tiny_project, bad)
    result = _ingest(tiny_project)
    assert result.exit_code == SourceQuarantined.exit_code == 9
    assert 9 in EXIT_CODES
    warning = next(line for line in result.output.splitlines() if "headcount:" in line)
    assert warning.strip() == (
        f"warning: headcount: {len(bad)} of {len(bad)} rows quarantined "
        f"(parse:as_of, e.g. {bad[0]!r}); see reports/data-quality/latest.html"
    )
    error = [line for line in result.output.splitlines() if line.startswith("eco-eval: error")]
    assert len(error) == 1 and "headcount" in error[0] and "latest.html" in error[0]
    # the store and the data-quality page are written all the same: they show why
    project = load_project(tiny_project)
    q = open_store(project.store_path).table("quarantine")
    held = q[q["table_name"] == "headcount"]
    assert len(held) == len(bad) and held["reasons"].str.contains("parse:as_of").all()
    assert [json.loads(r)["Date d'arrêté"] for r in held["raw"]] == bad
    page = project.reports_dir / "data-quality" / "latest.html"
    assert "trim. 3 / 2016" in page.read_text("utf-8")


def test_mostly_quarantined_source_warns_but_succeeds(tiny_project):
    dates = ["30/09/2016", "septembre 2016 ?", "fin sept. 2016"]
    _headcount(tiny_project, dates)
    result = _ingest(tiny_project)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "rows quarantined" in line]
    assert warnings == [
        "  warning: headcount: 2 of 3 rows quarantined (parse:as_of, e.g. 'septembre 2016 ?'); "
        "see reports/data-quality/latest.html"
    ]


def test_no_warning_when_most_rows_are_accepted(tiny_project):
    result = _ingest(tiny_project)
    assert result.exit_code == 0, result.output
    assert "rows quarantined (" not in result.output


def test_ingest_prints_only_its_summary_no_library_chatter(tiny_project):
    """Great Expectations logs an INFO line of its own ("Created temporary directory ... for
    ephemeral docs site") from a logger with its own level: it must not reach the user."""
    result = _ingest(tiny_project)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ingest: "), result.output[:200]
    assert "INFO" not in result.output and "ephemeral" not in result.output
