"""Shared fixtures: the real LimeSurvey samples (read in place, never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).parents[3] / "shared" / "samples" / "limesurvey"


@pytest.fixture
def samples() -> Path:
    """The folder of real LimeSurvey exports; the test is skipped when it is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"{SAMPLES} not found")
    return SAMPLES
