"""A run's release is computed once and read again while what it depends on is unchanged: the
store's inputs, the configuration, the earlier suppressions (its own kept log aside), the code —
not the folder the project lives in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from eco_eval.bilan import Bilan
from eco_eval.config import load_project
from eco_eval.periods import parse_period
from eco_eval.privacy.suppression import read_suppression_log, write_suppression_log
from eco_eval.publish.release import BILAN_SUPPRESSION_LOG, PeriodRelease
from eco_eval.release.files import load_release


@pytest.fixture(scope="module")
def city(demo_run: dict) -> Path:
    """The demo city after its 2017-Q4 run, which saved the period's release (tests work on
    copies)."""
    return Path(demo_run["root"])


def _copy(city: Path, tmp_path: Path) -> Path:
    shutil.copytree(city, tmp_path / "city")
    return tmp_path / "city"


def _step(root: Path) -> PeriodRelease:
    project = load_project(root)
    return PeriodRelease(project, parse_period("2017-Q4", launch=project.ecosystem().launch))


def _get(root: Path) -> PeriodRelease:
    step = _step(root)
    step.get()
    return step


def _keys(step: PeriodRelease) -> list[str]:
    assert step.release is not None
    return [step.release.manifest["build_key"], *step.release.manifest.get("build_keys", [])]


def test_a_release_is_read_again_until_its_inputs_change(city, tmp_path):
    # a copy of the project in another folder reads it again
    city = _copy(city, tmp_path)
    first = _get(city)
    assert not first.rebuilt and first.release is not None
    again = _get(city)
    assert not again.rebuilt and again.release is not None
    assert _keys(again) == _keys(first)
    pd.testing.assert_frame_equal(again.release.frame("current"), first.release.frame("current"))
    assert again.suppression_log is not None and first.suppression_log is not None
    assert len(again.suppression_log) == len(first.suppression_log)
    assert Bilan.from_release(again.path).figure("sessions_held") is not None
    # once the bilan keeps its own suppression log, a run with nothing new reads it again
    log_path = city / "data" / "processed" / BILAN_SUPPRESSION_LOG
    write_suppression_log(log_path, first.suppression_log)
    kept = _get(city)
    assert not kept.rebuilt
    # another publication's suppressions are an input
    other = first.suppression_log.head(1).assign(period="2015-Q2", indicator="sessions_held")
    logged = pd.concat([first.suppression_log, other], ignore_index=True)
    write_suppression_log(log_path, logged)
    step = _step(city)
    assert step.build_key(read_suppression_log(log_path)) not in _keys(first)
    # so is the configuration (a stricter threshold)
    config = yaml.safe_load((city / "eco_eval.yaml").read_text(encoding="utf-8"))
    config.setdefault("privacy", {})["k"] = 7
    (city / "eco_eval.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    stricter = _step(city)
    assert stricter.project.privacy.k == 7
    assert stricter.build_key(read_suppression_log(log_path)) not in _keys(first)


def test_a_damaged_release_is_computed_again(city, tmp_path):
    city = _copy(city, tmp_path)
    step = _get(city)
    assert not step.rebuilt
    (step.path / "current.parquet").write_bytes(b"not parquet")
    again = _get(city)
    assert again.rebuilt
    assert load_release(again.path).frame("current").shape == step.release.frame("current").shape  # type: ignore[union-attr]
