"""``eco-eval run`` as a scheduler uses it: locked, atomic, idempotent, exit codes, JSON."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from eco_eval.publish.bilan import repo_notebooks
from eco_eval.store import open_store

from .conftest import ECO_EVAL, cli_env, run_cli, snapshot, store_contents


def _staging_left(reports: Path) -> list[str]:
    return [p.name for p in reports.iterdir() if p.name.startswith(".") and p.is_dir()]


@pytest.mark.slow
def test_a_second_concurrent_run_exits_with_lock_held_and_nothing_is_corrupted(run_copy, tmp_path):
    root = run_copy
    store = root / "data" / "processed" / "eco_eval.duckdb"
    store_before = store_contents(store)
    published_before = set(open_store(store).table("publication_ledger")["publication"])
    logs_before = len(list((root / "reports" / "logs").glob("run-*.json")))
    # a copy of the published demo, run again whole (its release read again): still a run of
    # several kernels, long enough for a second one to start beside it
    args = ["run", "--project", str(root), "--period", "2017-Q4", "--no-pdf", "--force", "--json"]
    first = subprocess.Popen(
        [str(ECO_EVAL), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(tmp_path),
    )
    try:
        lock = root / "reports" / ".run.lock"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the first run holds the lock
            if lock.exists() and lock.read_text() == f"pid {first.pid}":
                break
            time.sleep(0.1)
        else:
            pytest.fail("the first run never took the lock")
        second = run_cli(args, tmp_path, timeout=60)
        out, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    # the second run: exit code 7, one clear line, its JSON summary says why
    assert second.returncode == 7, second.stderr
    line = second.stderr.strip().splitlines()[-1]
    assert line.startswith("eco-eval: error: ") and second.stderr.count("in progress") == 1
    assert "already in progress" in line and f"pid {first.pid}" in line and "Traceback" not in line
    summary = json.loads(second.stdout)
    assert not summary["ok"] and summary["exit_code"] == 7 and summary["error_type"] == "LockHeld"
    # the first run published everything, as if it had been alone
    assert first.returncode == 0, err
    assert json.loads(out)["ok"]
    period = root / "reports" / "2017-Q4"
    assert (period / "bilan.html").is_file() and (period / "provenance.json").is_file()
    notebooks = root / "data" / "processed" / "notebooks" / "2017-Q4"
    assert len(list((notebooks / "leviers").glob("*.executed.ipynb"))) == 12
    assert (notebooks / "bilan.executed.ipynb").is_file() and not list(period.rglob("*.ipynb"))
    assert (period / "open-data" / "datapackage.json").is_file()
    assert (root / "reports" / "index.html").is_file()
    # no new raw file: the store's data are untouched; the run added its cells to the ledger
    assert store_contents(store) == store_before
    ledger = open_store(store).table("publication_ledger")
    added = {"bilan:2017-Q4", "open-data:2017-Q4"}
    assert set(ledger["publication"]) == published_before | added
    assert _staging_left(root / "reports") == []
    logs = sorted((root / "reports" / "logs").glob("run-*.json"))
    assert len(logs) == logs_before + 2, "each run logs itself, under its own name"


def _failing_bilan(root: Path) -> None:
    """A project-local bilan.ipynb (preferred over the shipped one) whose 2nd code cell fails."""
    nb = nbformat.read(repo_notebooks() / "bilan.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell('raise RuntimeError("the store is odd")'))
    (root / "notebooks").mkdir()
    nbformat.write(nb, root / "notebooks" / "bilan.ipynb")


@pytest.mark.slow
def test_a_failing_notebook_leaves_the_published_bilan_and_index_untouched(run_copy, tmp_path):
    reports = run_copy / "reports"
    before = snapshot(reports / "2017-Q4")
    index_before = (reports / "index.html").read_bytes()
    _failing_bilan(run_copy)
    result = run_cli(["run", "--project", str(run_copy), "--period", "2017-Q4", "--json"], tmp_path)
    assert result.returncode == 6, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("eco-eval: error: ") and "Traceback" not in result.stderr
    assert "RuntimeError: the store is odd" in line and "untouched" in line
    summary = json.loads(result.stdout)
    assert not summary["ok"] and summary["exit_code"] == 6 and not summary["published"]
    assert snapshot(reports / "2017-Q4") == before, "the previous period folder is untouched"
    assert (reports / "index.html").read_bytes() == index_before
    failed = reports / "2017-Q4.failed" / "bilan.executed.failed.ipynb"
    assert failed.is_file() and str(failed) in line
    assert _staging_left(reports) == []
    last = json.loads((reports / "logs" / "last-run.json").read_text(encoding="utf-8"))
    assert last["exit_code"] == 6 and "the store is odd" in last["error"]
    # the fix: remove the override; the next run rebuilds and clears the failure folder
    (run_copy / "notebooks" / "bilan.ipynb").unlink()
    again = run_cli(
        ["run", "--project", str(run_copy), "--period", "2017-Q4", "-q", "--no-pdf"], tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert not failed.parent.exists()


@pytest.mark.slow
def test_quiet_prints_nothing_and_json_says_nothing_was_rebuilt(run_copy, tmp_path):
    period = run_copy / "reports" / "2017-Q4"
    quiet = run_cli(["run", "--project", str(run_copy), "--period", "latest", "--quiet"], tmp_path)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    before = snapshot(period)  # (taken now: a commit since the fixture's run changes the keys)
    result = run_cli(
        ["run", "--project", str(run_copy), "--period", "2017-Q4", "--quiet", "--json"], tmp_path
    )
    assert result.returncode == 0 and result.stderr == ""
    summary = json.loads(result.stdout)
    steps = {s["step"]: s for s in summary["steps"]}
    assert summary["ok"] and summary["exit_code"] == 0 and summary["period"] == "2017-Q4"
    assert not steps["ingest"]["changed"]
    assert not any(steps[s]["rebuilt"] for s in ("bilan", "leviers", "open-data"))
    assert not steps["publish"]["published"] and not steps["index"]["changed"]
    assert snapshot(period) == before
    assert Path(summary["log"]).is_file()


@pytest.mark.slow
def test_a_period_without_data_fails_clearly_and_publishes_nothing(run_copy, tmp_path):
    result = run_cli(["run", "--project", str(run_copy), "--period", "2019-Q1"], tmp_path)
    assert result.returncode == 5
    assert "no session in the store for 2019-Q1" in result.stderr and "2017-Q4" in result.stderr
    assert not (run_copy / "reports" / "2019-Q1").exists()


@pytest.mark.slow
def test_a_second_period_updates_the_index_and_keeps_earlier_suppressions(run_copy, tmp_path):
    """2017-Q3 published after 2017-Q4: the index shows both; 2017-Q4's open data, rebuilt with
    2017-Q3 as an earlier release, still hides every cell its first release hid."""
    from eco_eval.publish.open_data import LOG_NAME, read_release

    reports = run_copy / "reports"
    q4_first = read_release(reports / "2017-Q4" / "open-data")
    args = ["run", "--project", str(run_copy), "-q", "--json"]
    q3 = run_cli([*args, "--period", "2017-Q3", "--no-pdf"], tmp_path)
    assert q3.returncode == 0, q3.stderr
    html = (reports / "index.html").read_text(encoding="utf-8")
    for label, words in (("2017-Q3", "3ᵉ trimestre 2017"), ("2017-Q4", "4ᵉ trimestre 2017")):
        assert words in html and f"{label}/leviers/index.html" in html
        assert f"{label}/open-data/datapackage.json" in html
    assert html.index("4ᵉ trimestre 2017") < html.index("3ᵉ trimestre 2017")
    q4 = run_cli([*args, "--period", "2017-Q4", "--no-pdf"], tmp_path)
    steps = {s["step"]: s for s in json.loads(q4.stdout)["steps"]}
    assert steps["open-data"]["rebuilt"], "an earlier release appeared: the package is redone"
    q4_second = read_release(reports / "2017-Q4" / "open-data")
    key = ["period", "lever", "tool", "dimension", "group", "indicator"]
    hidden_first = set(map(tuple, q4_first.loc[q4_first["suppressed"], key].to_numpy()))
    hidden_second = set(map(tuple, q4_second.loc[q4_second["suppressed"], key].to_numpy()))
    assert hidden_first <= hidden_second
    log = (run_copy / "data" / "processed" / LOG_NAME).read_text(encoding="utf-8")
    assert "2017-Q3" in log and "2017-Q4" in log
