"""A run's release is computed once and read again while what it depends on is unchanged: the
store's inputs, the configuration, the earlier suppressions, the code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from eco_eval.bilan import Bilan
from eco_eval.config import load_project
from eco_eval.periods import parse_period
from eco_eval.pipeline import run_ingest
from eco_eval.privacy.suppression import write_suppression_log
from eco_eval.projects import create_demo_project
from eco_eval.publish.release import BILAN_SUPPRESSION_LOG, PeriodRelease
from eco_eval.release.files import load_release


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("release") / "city"
    create_demo_project(root, seed=11, n_staff=300)
    run_ingest(root)
    return root


def _get(root: Path) -> PeriodRelease:
    project = load_project(root)
    step = PeriodRelease(project, parse_period("2017-Q4", launch=project.ecosystem().launch), "q4")
    step.get()
    return step


def test_a_release_is_read_again_until_its_inputs_change(city):
    first = _get(city)
    assert first.rebuilt and first.release is not None
    key = first.release.manifest["build_key"]
    again = _get(city)
    assert not again.rebuilt and again.release is not None
    assert again.release.manifest["build_key"] == key
    pd.testing.assert_frame_equal(again.release.frame("current"), first.release.frame("current"))
    assert again.suppression_log is not None and first.suppression_log is not None
    assert len(again.suppression_log) == len(first.suppression_log)
    assert Bilan.from_release(again.path).figure("sessions_held") is not None
    # the earlier publications' suppressions are an input
    write_suppression_log(
        city / "data" / "processed" / BILAN_SUPPRESSION_LOG, first.suppression_log
    )
    logged = _get(city)
    assert logged.rebuilt and logged.release.manifest["build_key"] != key  # type: ignore[union-attr]
    # so is the configuration (a stricter threshold)
    config = yaml.safe_load((city / "eco_eval.yaml").read_text(encoding="utf-8"))
    config.setdefault("privacy", {})["k"] = 7
    (city / "eco_eval.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    stricter = _get(city)
    assert stricter.rebuilt and stricter.release is not None and stricter.release.k == 7


def test_a_damaged_release_is_computed_again(city):
    step = _get(city)
    (step.path / "current.parquet").write_bytes(b"not parquet")
    again = _get(city)
    assert again.rebuilt
    assert load_release(again.path).frame("current").shape == step.release.frame("current").shape  # type: ignore[union-attr]
