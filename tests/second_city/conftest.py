"""Valbrune, the second fictional city: generated once per session (small: 300 agents for the
file-shape tests) and, for the end-to-end tests, written with its default size and ingested by
configuration alone (the packaged valbrune_project.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

KEY = "test-key-0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="session")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Raw files and truths of a 300-agent Valbrune (seed 3); tests must not modify them."""
    from eco_eval.second_city import generate_second_city

    root = tmp_path_factory.mktemp("valbrune_small")
    generate_second_city(root / "raw", root / "truth", seed=3, n_staff=300)
    return root


@pytest.fixture(scope="session")
def valbrune_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``eco-eval demo --city valbrune`` then ``eco-eval ingest``, once for the session."""
    from eco_eval.pipeline import run_ingest
    from eco_eval.projects import create_second_city_project

    root = tmp_path_factory.mktemp("valbrune") / "city"
    mp = pytest.MonkeyPatch()
    mp.setenv("ECO_EVAL_KEY", KEY)
    try:
        create_second_city_project(root)
        run_ingest(root)
    finally:
        mp.undo()
    return root
