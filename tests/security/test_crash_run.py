"""Crash safety of a whole ``eco-eval run``: killed at random points, then run again normally.

The scheduler's machine can lose power, or systemd can kill the service's whole control group,
at any moment: while the bilan's kernel runs, while Chromium prints, while the deep dives run,
while the period folder is renamed into place. Nothing half-made may be published, the lock must
not outlive its process, and the next normal run must publish exactly what an uninterrupted run
publishes.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from publish.conftest import ECO_EVAL, cli_env, copy_project, store_contents

#: the open-data files' names start with the day they were published (AAAAMMJJ_)
DAY = re.compile(r"(?<=/open-data/)\d{8}_")


def _published(reports: Path) -> dict[str, Path]:
    """The files a run publishes under reports/ (not the lock or staging folders), the day out
    of the open-data files' names (a run on the next day publishes the same files)."""
    return {
        DAY.sub("AAAAMMJJ_", p.relative_to(reports).as_posix()): p
        for p in sorted(reports.rglob("*"))
        if p.is_file()
        and not p.relative_to(reports).parts[0].startswith(".")
        # the run logs, and the data-quality pages, which the ingest of each test worker's own
        # copy of the demo wrote (named by its time)
        and p.relative_to(reports).parts[0] not in {"logs", "data-quality"}
    }


def _build_keys(reports: Path) -> dict[str, str]:
    keys = {}
    for p in reports.rglob("provenance.json"):
        if not p.relative_to(reports).parts[0].startswith("."):
            keys[p.relative_to(reports).as_posix()] = json.loads(p.read_text("utf-8"))["build_key"]
    return keys


def _open_data(reports: Path) -> dict[str, pd.DataFrame]:
    """Each open-data CSV as a frame, without the publication date (the day of the run)."""
    out = {}
    for p in sorted(reports.glob("*/open-data/*.csv")):
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
        frame = frame.drop(columns=[c for c in frame.columns if "date" in c.lower()])
        name = p.relative_to(reports).as_posix().split("_", 1)[-1]  # file names carry the date
        out[name] = frame
    return out


@pytest.mark.slow
def test_sigkill_during_a_run_then_a_normal_run_equals_an_uninterrupted_run(
    demo_project: Path, demo_run: dict, tmp_path: Path
):
    reference = demo_run["root"] / "reports"
    duration = float(demo_run["summary"]["seconds"])
    root = copy_project(demo_project, tmp_path / "city")
    store = root / "data" / "processed" / "eco_eval.duckdb"
    store_before = store_contents(store)
    args = [str(ECO_EVAL), "-q", "run", "--project", str(root), "--period", "2017-Q4"]
    env = cli_env(tmp_path)
    # one kill per run, at a point drawn from ECO_EVAL_TEST_SEED (0 in CI: reproducible; set it
    # to explore other points)
    seed = int(os.environ.get("ECO_EVAL_TEST_SEED", "0"))
    rng = random.Random(seed)
    fractions = [rng.uniform(0.05, 0.95)]
    killed = []
    for fraction in fractions:
        proc = subprocess.Popen(
            args,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own group: the kernels and Chromium die with it
        )
        time.sleep(duration * fraction)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed.append(round(duration * fraction, 1))
        proc.wait(timeout=60)
        # whatever was killed, nothing half-made is published: the folder is complete or absent
        period = root / "reports" / "2017-Q4"
        if period.exists():
            assert (period / "bilan.html").exists() and (period / "provenance.json").exists()
    print(
        f"seed {seed}: run of {duration:.0f} s killed at {killed} s "
        f"({len(killed)} of {len(fractions)} kills landed before the run ended)"
    )
    # a normal run afterwards: the lock is free, it succeeds
    done = subprocess.run(
        [*args[:2], "run", "--project", str(root), "--period", "2017-Q4", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["ok"]
    # ... and publishes what the uninterrupted run published
    got, want = _published(root / "reports"), _published(reference)
    assert sorted(got) == sorted(want)
    assert _build_keys(root / "reports") == _build_keys(reference)
    for name in ("2017-Q4/key_figures.json",):
        mine_fig, ref_fig = (json.loads(p[name].read_text("utf-8")) for p in (got, want))
        mine_fig.pop("generated_at"), ref_fig.pop("generated_at")  # the time of the build
        assert mine_fig == ref_fig
    mine, theirs = _open_data(root / "reports"), _open_data(reference)
    assert sorted(mine) == sorted(theirs) and len(mine) >= 3
    for name, frame in mine.items():
        pd.testing.assert_frame_equal(frame, theirs[name])
    # no staging folder is left behind, and the store's data (nothing new to ingest) are
    # untouched: the run only adds its cells to the publication ledger
    assert not [p.name for p in (root / "reports").iterdir() if p.is_dir() and p.name[0] == "."]
    assert store_contents(store) == store_before
    print(f"{len(got)} published files, {sum(len(f) for f in mine.values())} open-data rows equal")
