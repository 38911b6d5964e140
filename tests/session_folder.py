"""Where a test session keeps its temporary folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding every temporary folder of this test session, both workers'."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
