"""The pseudonymisation key never leaves the environment; readers and writers of the store never
block or corrupt each other."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from eco_eval.cli import main
from eco_eval.store import open_store

KEY = "test-key-0123456789abcdef0123456789abcdef"


@pytest.mark.slow
def test_key_is_never_written_anywhere(demo_run):
    root: Path = demo_run["root"]
    hits = []
    checked = 0
    for p in root.rglob("*"):
        if p.is_file() and "raw" not in p.parts:
            checked += 1
            if KEY.encode() in p.read_bytes():
                hits.append(str(p))
    print(f"{checked} files checked for the key")
    assert checked > 10 and not hits


def test_missing_key_explains_how_to_create_one(tmp_path, monkeypatch):
    from eco_eval.config import demo_config_text

    monkeypatch.delenv("ECO_EVAL_KEY", raising=False)
    cfg = demo_config_text().replace("create_key_if_missing: true", "create_key_if_missing: false")
    (tmp_path / "eco_eval.yaml").write_text(cfg, encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", "--project", str(tmp_path)])
    assert result.exit_code == 8
    assert "eco-eval key create" in result.output and "ECO_EVAL_KEY" in result.output


@pytest.mark.slow
def test_ingest_while_an_analyst_reads_the_store(demo_project, tmp_path):
    """Copy-on-write: a reader keeps reading its snapshot while an ingest replaces the store."""
    root = tmp_path / "city"
    shutil.copytree(demo_project, root)
    store_path = root / "data" / "processed" / "eco_eval.duckdb"
    expected = len(open_store(store_path).table("attendance"))
    errors: list[BaseException] = []
    reads = 0
    stop = threading.Event()

    def reader() -> None:
        nonlocal reads
        while not stop.is_set():
            try:
                n = len(open_store(store_path).table("attendance"))
                assert n == expected, n
                reads += 1
            except BaseException as exc:
                errors.append(exc)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        env = {"ECO_EVAL_KEY": KEY, "PATH": "/usr/bin:/bin"}
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "eco_eval.cli",
                "-q",
                "ingest",
                "--force",
                "--project",
                str(root),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        stop.set()
        thread.join()
    assert out.returncode == 0, out.stderr
    print(f"{reads} reads of the store during a forced ingest, all consistent")
    assert not errors and reads > 5
