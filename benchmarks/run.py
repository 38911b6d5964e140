"""``make bench``: benchmark eco_eval at three sizes against plain DuckDB and papermill baselines.

Usage::

    python benchmarks/run.py [--sizes city,metropolis,national] [--only ingest,compute_raw,...]
                             [--help-runs 10] [--ingest-timeout 1800] [--limit-mib 14000]

Each figure is one fresh child process (see :mod:`measure`): wall time, CPU time, peak RSS and the
load average before and after. Results go to ``benchmarks/results/<time>.json`` (git-ignored)
and ``latest.json``; :mod:`report` writes ``docs/benchmarks.md`` from them.
The data sets are generated once under ``benchmarks/data/`` (git-ignored), see :mod:`datasets`.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import datasets  # noqa: E402
import measure  # noqa: E402

import report  # noqa: E402

REPO = HERE.parent
#: the interpreter running the harness runs the tasks, and its environment's ``eco-eval`` script
#: the CLI (a git worktree has no ``.venv`` of its own; ``PYTHONPATH`` passes on to the children)
PY = sys.executable
CLI = str(Path(sys.executable).parent / "eco-eval")
RESULTS = HERE / "results"

# task -> sizes it runs at (``national-tiled``: the metropolis store copied 50 times, see tile.py).
# The reports and their baselines run at city size: their cost is the notebooks', not the data's.
PLAN: dict[str, tuple[str, ...]] = {
    "generate": ("city",),
    "duckdb_csv": ("city", "metropolis", "national"),
    "ingest": ("city", "metropolis", "national"),
    "load_tables": ("city", "metropolis", "national", "national-tiled"),
    "compute_raw": ("city", "metropolis", "national", "national-tiled"),
    "compute_full": ("city", "metropolis", "national", "national-tiled"),
    "sql_store": ("city", "metropolis", "national", "national-tiled"),
    "bilan_no_pdf": ("city",),
    "bilan_pdf": ("city",),
    "run_end_to_end": ("city",),
    "release_compute": ("city",),
    "run_recompute": ("city",),
    "papermill_empty": ("city",),
    "papermill_plotly_nbconvert": ("city",),
    "help": ("city",),
}


def _task(name: str, size: str, **kw: float) -> measure.Measurement:
    return measure.run(name, size, [PY, str(HERE / "tasks.py"), name, size], cwd=str(REPO), **kw)


def _cli(name: str, size: str, *args: str) -> measure.Measurement:
    root = str(datasets.project_dir(size))
    return measure.run(name, size, [CLI, *args, "--project", root], cwd=str(REPO))


def measure_help(runs: int) -> measure.Measurement:
    """``eco-eval --help``: median wall time of ``runs`` fresh processes (after one warm-up)."""
    subprocess.run([CLI, "--help"], capture_output=True, check=True)
    ms = [measure.run("help", "-", [CLI, "--help"]) for _ in range(runs)]
    walls = [m.wall_s for m in ms]
    best = ms[walls.index(sorted(walls)[len(walls) // 2])]
    best.detail = {
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "runs": runs,
    }
    best.wall_s = statistics.median(walls)
    return best


#: tasks that publish from the store: it is ingested (untimed) first when absent, so that they
#: time the publication; ``eco-eval run`` then finds no new raw file and its ingest step only
#: checks the raw files' checksums
PUBLISHING = {"bilan_no_pdf", "bilan_pdf", "run_end_to_end", "run_recompute", "release_compute"}


def ensure_store(size: str) -> None:
    root = datasets.project_dir(size)
    if not (root / "data" / "processed" / "eco_eval.duckdb").exists():
        subprocess.run(
            [CLI, "ingest", "--project", str(root)], cwd=str(REPO), capture_output=True, check=True
        )


def measure_one(task: str, size: str, args: argparse.Namespace) -> measure.Measurement:
    if task == "help":
        return measure_help(args.help_runs)
    if task == "generate":  # a fresh city in a scratch folder: the cached one is kept as is
        scratch = datasets.DATA_DIR / "_generate"
        subprocess.run(["rm", "-rf", str(scratch)], check=True)
        m = measure.run(
            "generate",
            size,
            [
                CLI,
                "demo",
                "--project",
                str(scratch),
                "--seed",
                str(datasets.SEED),
                "--staff",
                str(datasets.SIZES[size]),
            ],
            cwd=str(REPO),
        )
        subprocess.run(["rm", "-rf", str(scratch)], check=True)
        return m
    if task == "bilan_no_pdf":
        return _cli(task, size, "bilan", "--period", "2017-Q4", "--no-pdf", "--force")
    if task == "bilan_pdf":
        return _cli(task, size, "bilan", "--period", "2017-Q4", "--pdf", "--force")
    if task == "run_end_to_end":  # the published files rebuilt from the period's release
        return _cli(task, size, "run", "--period", "2017-Q4", "--force", "--quiet")
    if task == "run_recompute":  # the same, the release computed again first
        releases = datasets.project_dir(size) / "data" / "processed" / "releases"
        subprocess.run(["rm", "-rf", str(releases)], check=True)
        return _cli(task, size, "run", "--period", "2017-Q4", "--force", "--quiet")
    if task == "ingest":
        return _task(task, size, timeout_s=args.ingest_timeout, limit_mib=args.limit_mib)
    return _task(task, size, limit_mib=args.limit_mib)


def median_run(runs: list[measure.Measurement]) -> measure.Measurement:
    """The run of median wall time among ``runs`` (a failed one, if any: failures are shown);
    with several runs, ``repeats`` and every wall time go into its detail. A shared machine's
    speed drifts by a third from one minute to the next: the median of three is steadier."""
    failed = [m for m in runs if not m.ok]
    if failed:
        return failed[0]
    chosen = sorted(runs, key=lambda m: m.wall_s)[len(runs) // 2]
    if len(runs) > 1:
        chosen.detail["repeats"] = len(runs)
        chosen.detail["walls"] = "/".join(f"{m.wall_s:.1f}" for m in runs)
    return chosen


def compile_package() -> None:
    """Compile the eco_eval modules the tasks import: where ``PYTHONDONTWRITEBYTECODE`` is set,
    each task's process (and its kernels) would otherwise compile them again, a cost no
    installed package pays."""
    spec = importlib.util.find_spec("eco_eval")
    if spec is not None and spec.origin is not None:
        compileall.compile_dir(Path(spec.origin).parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(datasets.SIZES))
    ap.add_argument("--only", default="", help="comma-separated task names (default: all)")
    ap.add_argument("--help-runs", type=int, default=10)
    ap.add_argument("--ingest-timeout", type=float, default=1800)
    ap.add_argument("--limit-mib", type=float, default=14_000)
    ap.add_argument("--no-report", action="store_true", help="do not rewrite docs/benchmarks.md")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per task; the one of median wall time is kept"
    )
    args = ap.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    only = {t for t in args.only.split(",") if t}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if dirty:
        commit += "+changes"
    out = RESULTS / f"{stamp}.json"
    compile_package()
    results: list[dict[str, object]] = []
    for size in sizes:
        datasets.ensure_dataset(size)
        for task, at in PLAN.items():
            if size not in at or (only and task not in only):
                continue
            if (
                task in {"load_tables", "compute_raw", "compute_full", "sql_store"}
                and not (
                    datasets.project_dir(size) / "data" / "processed" / "eco_eval.duckdb"
                ).exists()
            ):
                print(f"{size:<10} {task:<16} skipped: no store (ingest did not finish)")
                continue
            if task in PUBLISHING:
                ensure_store(size)
            m = median_run([measure_one(task, size, args) for _ in range(max(1, args.repeat))])
            results.append(
                {
                    **m.as_dict(),
                    "run": stamp,
                    "measured": datetime.now().strftime("%Y-%m-%d %H:%M"),
                    "commit": commit,
                }
            )
            timed = m.detail.get("seconds")
            print(
                f"{size:<10} {task:<16} wall {m.wall_s:8.1f} s  cpu {m.cpu_s:8.1f} s  "
                f"timed {timed if timed is None else round(timed, 1)!s:>8}  "
                f"rss {m.peak_rss_mib:8.0f} MiB  load {m.load_before:.1f}"
                + ("" if m.ok else f"  FAILED: {m.error.strip().splitlines()[-1][:160]}"),
                flush=True,
            )
            out.write_text(
                json.dumps({"machine": report.machine(), "results": results}, indent=1),
                encoding="utf-8",
            )
            time.sleep(1)
    for line in report.promise_lines(results):
        print(line)
    merged = report.merge_latest(RESULTS, results)
    if not args.no_report:
        report.write_doc(merged, REPO / "docs" / "benchmarks.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
