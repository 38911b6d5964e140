"""One benchmark task, run alone in a fresh interpreter: ``python benchmarks/tasks.py TASK SIZE``.

The parent (:mod:`benchmarks.measure`) times the whole process and reads its peak RSS; the task
itself prints one JSON line with the time of its timed section (without interpreter start-up and
imports) and a few counts, so that the two can be told apart.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import project_dir

QUARTER = "2017-Q4"


def _store(root: Path) -> Any:
    from eco_eval.config import load_project
    from eco_eval.store import open_store

    return open_store(load_project(root).store_path)


def ingest(root: Path) -> dict[str, Any]:
    """``run_ingest(force=True)``: read, map, GX gate, quarantine, pseudonymise, write the store."""
    from eco_eval.pipeline import run_ingest

    t0 = time.perf_counter()
    outcome = run_ingest(root, force=True)
    t = outcome.report.totals
    return {
        "seconds": time.perf_counter() - t0,
        "rows_read": t["rows_read"],
        "rows_quarantined": t["rows_quarantined"],
        "files": t["files"],
    }


def load_tables(root: Path) -> dict[str, Any]:
    """``Tables.from_store``: the store's tables as pandas frames."""
    from eco_eval.indicators import Tables

    store = _store(root)
    t0 = time.perf_counter()
    tables = Tables.from_store(store)
    return {
        "seconds": time.perf_counter() - t0,
        "attendance_rows": len(tables.attendance),
        "feedback_rows": len(tables.feedback),
        "sessions_rows": len(tables.sessions),
    }


def compute_raw(root: Path) -> dict[str, Any]:
    """``compute_raw`` for one quarter, on the tables it reads (``Tables.for_indicators``: no
    barometer, no comments, categorical keys) as ``compute`` loads them. The timed section
    excludes loading the tables (``load_s``)."""
    from eco_eval.ecosystem import load_ecosystem
    from eco_eval.indicators import Tables
    from eco_eval.indicators.engine import compute_raw as cr
    from eco_eval.periods import parse_period

    eco = load_ecosystem()
    t0 = time.perf_counter()
    tables = Tables.for_indicators(_store(root))
    load_s = time.perf_counter() - t0
    p = parse_period(QUARTER, launch=eco.launch)
    t0 = time.perf_counter()
    frame = cr(tables, p, eco)
    return {"seconds": time.perf_counter() - t0, "load_s": round(load_s, 2), "rows": len(frame)}


def release_compute(root: Path) -> dict[str, Any]:
    """``build_release``: every figure of the period's publication, computed and anonymised."""
    from threadpoolctl import threadpool_limits

    from eco_eval.config import load_project
    from eco_eval.periods import parse_period
    from eco_eval.release.build import build_release

    project = load_project(root)
    period = parse_period(QUARTER, launch=project.ecosystem().launch)
    t0 = time.perf_counter()
    with threadpool_limits(limits=1):  # as eco_eval.publish.release builds it
        release, _ = build_release(project, period)
    return {"seconds": time.perf_counter() - t0, "frames": len(release.frames)}


def compute_full(root: Path) -> dict[str, Any]:
    """``compute(store, quarter)``: load + three periods (comparison) + suppression, as the CLI."""
    from eco_eval.exports import compute_indicators

    t0 = time.perf_counter()
    frame = compute_indicators(root, QUARTER)
    return {"seconds": time.perf_counter() - t0, "rows": len(frame)}


SQL_CORE = """
WITH held AS (
    SELECT session_id, lever_id, quarter FROM sessions WHERE status = 'held'
), att AS (
    SELECT a.person_key, a.department, a.category, a.gender, a.filiere, h.lever_id, h.quarter
    FROM attendance a JOIN held h USING (session_id)
), hc AS (
    SELECT quarter, department, category, gender, filiere, sum(headcount) AS headcount
    FROM headcount GROUP BY ALL
)
SELECT 'sessions_held' AS indicator, quarter, lever_id, NULL AS dimension, NULL AS grp,
       count(*)::DOUBLE AS value
FROM held GROUP BY GROUPING SETS ((quarter, lever_id), (quarter))
UNION ALL
SELECT 'unique_participants', quarter, lever_id, NULL, NULL, count(DISTINCT person_key)
FROM att GROUP BY GROUPING SETS ((quarter, lever_id), (quarter))
UNION ALL
SELECT 'reach_rate', p.quarter, p.lever_id, p.dimension, p.grp, p.n / h.headcount
FROM (
    SELECT quarter, lever_id, 'department' AS dimension, department AS grp,
           count(DISTINCT person_key) AS n FROM att GROUP BY ALL
    UNION ALL SELECT quarter, lever_id, 'category', category, count(DISTINCT person_key)
    FROM att GROUP BY ALL
    UNION ALL SELECT quarter, lever_id, 'gender', gender, count(DISTINCT person_key)
    FROM att GROUP BY ALL
    UNION ALL SELECT quarter, lever_id, 'filiere', filiere, count(DISTINCT person_key)
    FROM att GROUP BY ALL
) p JOIN (
    SELECT quarter, 'department' AS dimension, department AS grp, sum(headcount) AS headcount
    FROM hc GROUP BY ALL
    UNION ALL SELECT quarter, 'category', category, sum(headcount) FROM hc GROUP BY ALL
    UNION ALL SELECT quarter, 'gender', gender, sum(headcount) FROM hc GROUP BY ALL
    UNION ALL SELECT quarter, 'filiere', filiere, sum(headcount) FROM hc GROUP BY ALL
) h USING (quarter, dimension, grp)
"""


def sql_store(root: Path) -> dict[str, Any]:
    """Baseline: the core aggregations (sessions held, unique participants, reach by group, per
    lever and quarter, all quarters) in one DuckDB SQL query over the store, result to pandas."""
    import duckdb

    from eco_eval.config import load_project

    t0 = time.perf_counter()
    con = duckdb.connect(str(load_project(root).store_path), read_only=True)
    frame = con.sql(SQL_CORE).df()
    return {"seconds": time.perf_counter() - t0, "rows": len(frame)}


def _csv_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "data" / "raw").rglob("*.csv"))


def duckdb_csv(root: Path) -> dict[str, Any]:
    """Baseline: DuckDB's CSV reader over the same raw CSV files (``read_csv(delim=';')``, all
    columns as text, as eco_eval's readers do), materialised in an in-memory database."""
    import duckdb

    files = _csv_files(root)
    t0 = time.perf_counter()
    con = duckdb.connect()
    rows = 0
    for i, f in enumerate(files):
        enc = "latin-1" if f.name == "effectifs_trimestriels.csv" else "utf-8"
        con.execute(
            f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, delim=';', header=true, "
            f"all_varchar=true, encoding='{enc}')",
            [str(f)],
        )
        rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
    return {"seconds": time.perf_counter() - t0, "rows": rows, "files": len(files)}


def _baseline_notebook(tmp: Path, name: str, source: str) -> tuple[Path, str]:
    """A one-cell notebook in ``tmp`` and the kernel to run it with: the one the bilan uses
    (:func:`eco_eval.report.kernels.default_kernel`: ``eco-eval`` when installed for this
    interpreter, else ``python3``), so the baselines pay the same kernel start-up as the reports."""
    import nbformat

    from eco_eval.report.kernels import default_kernel

    kernel = default_kernel()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    src = tmp / f"{name}.ipynb"
    nbformat.write(nb, src)
    return src, kernel


def papermill_empty(root: Path) -> dict[str, Any]:
    """Baseline: papermill executing a notebook with one empty code cell (kernel start-up)."""
    import tempfile

    import papermill

    with tempfile.TemporaryDirectory() as tmp:
        src, kernel = _baseline_notebook(Path(tmp), "empty", "")
        t0 = time.perf_counter()
        papermill.execute_notebook(
            str(src),
            str(Path(tmp) / "out.ipynb"),
            progress_bar=False,
            kernel_name=kernel,
            log_output=False,
        )
        return {"seconds": time.perf_counter() - t0, "kernel": kernel}


PLOTLY_CELL = "import plotly.graph_objects as go\ngo.Figure(go.Bar(x=[1, 2], y=[3, 4])).show()"


def papermill_plotly_nbconvert(root: Path) -> dict[str, Any]:
    """Baseline: the fixed cost of any papermill report. Papermill executes a notebook whose one
    cell draws one plotly figure, then nbconvert's ``HTMLExporter`` exports the executed notebook
    to an HTML file. The bilan and ``eco-eval run`` are judged against it (``report.PROMISES``)."""
    import tempfile

    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    with tempfile.TemporaryDirectory() as tmp:
        src, kernel = _baseline_notebook(Path(tmp), "plotly", PLOTLY_CELL)
        executed = Path(tmp) / "out.ipynb"
        t0 = time.perf_counter()
        papermill.execute_notebook(
            str(src), str(executed), progress_bar=False, kernel_name=kernel, log_output=False
        )
        execute_s = time.perf_counter() - t0
        body, _ = HTMLExporter().from_notebook_node(nbformat.read(executed, as_version=4))
        html = Path(tmp) / "out.html"
        html.write_text(body, encoding="utf-8")
        return {
            "seconds": time.perf_counter() - t0,
            "execute_s": round(execute_s, 2),
            "html_bytes": html.stat().st_size,
            "kernel": kernel,
        }


TASKS = {
    f.__name__: f
    for f in (
        ingest,
        load_tables,
        compute_raw,
        compute_full,
        release_compute,
        sql_store,
        duckdb_csv,
        papermill_empty,
        papermill_plotly_nbconvert,
    )
}

if __name__ == "__main__":
    task, size = sys.argv[1], sys.argv[2]
    result = TASKS[task](project_dir(size))
    print("RESULT " + json.dumps(result))
