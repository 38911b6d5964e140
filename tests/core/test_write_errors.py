"""A folder that cannot be written or a full disk: ``ingest``, ``run`` and ``bilan`` end with one
line naming the folder and the fix (exit code 10), never "internal error ... a bug".

The tests run as any user, root included (who may write into a read-only folder), so the
operating system's refusal is simulated where eco_eval meets it: DuckDB refusing to create the
store's copy, the rename of the store on a full disk, the release folder refused.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from eco_eval import store
from eco_eval.cli import main
from eco_eval.errors import WriteFailed
from eco_eval.publish.release import PeriodRelease

KEY = "test-key-0123456789abcdef0123456789abcdef"


@pytest.fixture
def city(demo_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the ingested demo city (the failing commands may write their logs)."""
    root = tmp_path / "city"
    shutil.copytree(demo_project, root)
    monkeypatch.setenv("ECO_EVAL_KEY", KEY)
    return root


def _one_line_error(result: Any, folder: Path, words: str) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("eco-eval:")]
    assert result.exit_code == WriteFailed.exit_code, result.output
    assert len(lines) == 1 and lines[0].startswith("eco-eval: error: "), result.output
    message = lines[0]
    assert str(folder) in message and words in message and "bug" not in message
    return message


@pytest.mark.slow
def test_a_read_only_store_folder_stops_ingest_with_its_name_and_the_fix(
    city: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect = duckdb.connect

    def refuse(path: str = ":memory:", *args: Any, **kwargs: Any) -> Any:
        if str(path).endswith(".tmp"):  # the copy the transaction writes
            raise duckdb.IOException(f'IO Error: Cannot open file "{path}": Permission denied')
        return connect(path, *args, **kwargs)

    monkeypatch.setattr(store.duckdb, "connect", refuse)
    result = CliRunner().invoke(main, ["ingest", "--project", str(city), "--force"])
    message = _one_line_error(result, city / "data" / "processed", "cannot write there")
    assert "make the folder writable" in message


@pytest.mark.slow
def test_a_full_disk_stops_ingest_with_the_folder_and_the_fix(
    city: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    replace = store.os.replace

    def full(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if str(dst).endswith("eco_eval.duckdb"):
            raise OSError(errno.ENOSPC, "No space left on device", str(src))
        replace(src, dst, *args, **kwargs)

    before = (city / "data" / "processed" / "eco_eval.duckdb").read_bytes()
    monkeypatch.setattr(store.os, "replace", full)
    result = CliRunner().invoke(main, ["ingest", "--project", str(city), "--force"])
    message = _one_line_error(result, city / "data" / "processed", "the disk is full")
    assert "free some space" in message
    # the store is the one before the ingest
    assert (city / "data" / "processed" / "eco_eval.duckdb").read_bytes() == before


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "bilan"])
def test_a_read_only_processed_folder_stops_run_and_bilan(
    city: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    releases = city / "data" / "processed" / "releases"

    def refuse(self: PeriodRelease) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(self.path))

    monkeypatch.setattr(PeriodRelease, "get", refuse)
    result = CliRunner().invoke(
        main, [command, "--project", str(city), "--period", "2017-Q4", "--no-pdf"]
    )
    message = _one_line_error(result, releases, "cannot write there")
    assert "move the project to a writable folder" in message
