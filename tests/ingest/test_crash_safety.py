"""SIGKILL an ingest at several points: the store is always consistent, and a normal run after
the kills gives exactly the store of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eco_eval.store import open_store

INGEST = [sys.executable, "-m", "eco_eval.cli", "-q", "ingest", "--force"]


def _consistent(store_path: Path) -> dict[str, int]:
    """Every file in the ingest log has exactly its accepted rows in its table."""
    store = open_store(store_path)
    log = store.sql(
        "SELECT source_file, table_name, arg_max(rows_accepted, ingested_at) AS n FROM ingest_log GROUP BY ALL"
    )
    counts = {}
    for _, r in log.iterrows():
        table = r["table_name"]
        n = store.sql(
            f'SELECT count(*) AS c FROM "{table}" WHERE source_file = ?', [r["source_file"]]
        )["c"].iloc[0]
        assert n == r["n"], (r["source_file"], n, r["n"])
        counts[r["source_file"]] = int(n)
    return counts


def _snapshot(store_path: Path) -> dict[str, list]:
    store = open_store(store_path)
    out = {}
    for t in ("headcount", "sessions", "attendance", "feedback", "barometer", "quarantine"):
        frame = store.table(t)
        out[t] = sorted(map(str, frame.astype(str).itertuples(index=False)))
    return out


@pytest.mark.slow
def test_sigkill_during_ingest_leaves_a_consistent_store(demo_ingested: dict, tmp_path: Path):
    import shutil

    root = tmp_path / "city"
    shutil.copytree(demo_ingested["root"], root)
    store_path = root / "data" / "processed" / "eco_eval.duckdb"
    reference = _snapshot(store_path)
    env = {**os.environ, "ECO_EVAL_KEY": "test-key-0123456789abcdef0123456789abcdef"}
    # the kills are timed on the session's own ingest of the demo (in process: a subprocess
    # adds its start-up, so every fraction lands a little earlier in the work)
    duration = demo_ingested["ingest_seconds"]
    kills = 0
    # early fractions too: a run slowed by a busy machine must still be killed three times; a
    # run that ends before its kill (the machine got quieter than for the session's ingest) is
    # started again with the kill earlier, up to three times per point
    for fraction in (0.15, 0.4, 0.7, 0.95):
        for _ in range(3):
            proc = subprocess.Popen(
                [*INGEST, "--project", str(root)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(duration * fraction)
            killed = proc.poll() is None
            if killed:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
            counts = _consistent(store_path)
            assert sum(counts.values()) > 0
            if killed:
                break
            duration *= 0.7
    print(f"ingest killed {kills} times, the last kills timed on {duration:.1f} s; consistent")
    assert kills >= 3
    subprocess.run([*INGEST, "--project", str(root)], env=env, check=True, capture_output=True)
    assert _snapshot(store_path) == reference
