"""Every command and its Python function default to the latest quarter with data, not the
calendar's last quarter (which, for a store of past data, holds no session)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import eco_eval.exports
import eco_eval.pipeline
from eco_eval.cli import main
from eco_eval.config import load_project
from eco_eval.exports import compute_indicators
from eco_eval.pipeline import resolve_period
from eco_eval.store import open_store


@pytest.mark.parametrize(
    ("command", "module", "function"),
    [
        ("bilan", eco_eval.pipeline, "build_bilan"),
        ("run", eco_eval.pipeline, "run_all"),
        ("indicators", eco_eval.exports, "compute_indicators"),
        ("impact", eco_eval.exports, "compute_wellbeing_table"),
    ],
)
def test_commands_without_period_ask_for_the_latest_quarter_with_data(
    command, module, function, monkeypatch, tmp_path
):
    asked: list[str] = []

    def record(root, period, *args, **kwargs):
        asked.append(period)
        raise SystemExit(0)

    monkeypatch.setattr(module, function, record)
    CliRunner().invoke(main, [command, "--project", str(tmp_path)])
    assert asked == ["latest"]


def _latest_held_quarter(root: Path) -> str:
    sessions = open_store(load_project(root).store_path).table("sessions")
    last = pd.Timestamp(sessions.loc[sessions["status"] == "held", "date"].max())
    return f"{last.year}-Q{(last.month - 1) // 3 + 1}"


@pytest.mark.parametrize("word", [None, "latest", "Latest", " dernier "])
def test_latest_words_resolve_to_the_stores_latest_quarter(demo_project, word):
    project = load_project(demo_project)
    assert resolve_period(project, word).label == _latest_held_quarter(demo_project)


def test_python_export_defaults_to_the_latest_quarter(demo_project):
    frame = compute_indicators(demo_project)
    assert set(frame["period"]) == {_latest_held_quarter(demo_project)}
    assert frame["value"].notna().any()
