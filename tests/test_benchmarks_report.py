"""The generated tables of docs/benchmarks.md: ratios to the baselines and growth by size."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPORT = Path(__file__).resolve().parents[1] / "benchmarks" / "report.py"


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location("bench_report", REPORT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _result(name: str, size: str, wall: float, cpu: float, **detail: object) -> dict:
    return {"name": name, "size": size, "wall_s": wall, "cpu_s": cpu, "ok": True, "detail": detail}


def test_ratios_judge_national_scale_only(report):
    merged = {
        "results": [
            _result("ingest", "city", 5.0, 5.0, rows_read=40_000),
            _result("duckdb_csv", "city", 0.5, 0.5),
            _result("ingest", "national", 93.0, 180.0, rows_read=31_000_000),
            _result("duckdb_csv", "national", 30.0, 60.0),
            _result("compute_raw", "national", 19.5, 24.0),
            _result("sql_store", "national", 12.0, 24.0),
        ]
    }
    rows = [line for line in report.ratios(merged).splitlines() if line.startswith("| ")][1:]
    assert rows == [
        "| city | ingest / duckdb_csv | 10.00 | 10.00 | — | — |",
        "| national | ingest / duckdb_csv | 3.10 | 3.00 | 3 | **no** |",
        "| national | compute_raw / sql_store | 1.62 | 1.00 | 1.5 | **no** |",
    ]


def test_growth_against_the_rows_ingested(report):
    merged = {
        "results": [
            _result("ingest", "city", 4.0, 4.0, rows_read=40_000),
            _result("ingest", "metropolis", 8.0, 8.0, rows_read=600_000),
            _result("ingest", "national", 100.0, 180.0, rows_read=30_000_000),
            _result("compute_raw", "metropolis", 2.0, 2.0),
            _result("compute_raw", "national", 15.0, 18.0),
            {**_result("sql_store", "national", 1.0, 1.0), "ok": False},
        ]
    }
    lines = report.growth(merged).splitlines()
    assert "| ingest | city → metropolis | 15.0 | 2.0 | 2.0 | 0.13 |" in lines
    assert "| ingest | metropolis → national | 50.0 | 12.5 | 22.5 | 0.25 |" in lines
    assert "| compute_raw | metropolis → national | 50.0 | 7.5 | 9.0 | 0.15 |" in lines
    assert not any("sql_store" in line for line in lines)  # failed runs are left out
    assert not any("compute_raw | city" in line for line in lines)  # no city figure


def test_promises_are_judged_within_one_run(report):
    results = [
        # an older run: the bilan alone, then a newer run with the bilan and the baseline
        {**_result("bilan_pdf", "city", 5.0, 5.0), "run": "20261201T000000"},
        {**_result("bilan_pdf", "city", 9.0, 8.0), "run": "20261205T000000"},
        {**_result("papermill_plotly_nbconvert", "city", 4.0, 2.0), "run": "20261205T000000"},
        {**_result("run_end_to_end", "city", 12.0, 12.0), "run": "20261205T000000"},
    ]
    ratios = {p["task"]: p for p in report.promise_ratios(results)}
    assert ratios["bilan_pdf"]["wall"] == 9.0 / 4.0
    assert ratios["bilan_pdf"]["within"] is False  # 2.25 × against at most 2 ×
    assert ratios["run_end_to_end"]["wall"] == 3.0
    assert ratios["run_end_to_end"]["cpu"] == 6.0
    assert ratios["run_end_to_end"]["within"] is False  # CPU 6 × against at most 5 ×
    assert report.promise_lines(results)[0].startswith(
        "bilan_pdf / papermill_plotly_nbconvert: wall 2.25 ×, CPU 4.00 ×"
    )
    # without the baseline in the same run, no ratio
    assert report.promise_ratios(results[:1]) == []


def test_page_shows_where_each_figure_comes_from(report):
    machine = {
        "cpu": "CPU",
        "nproc": "2",
        "memory": "8Gi",
        "python": "3.11",
        "duckdb": "2",
        "pandas": "3",
    }
    recorded = {
        "measured": "2026-11-29 04:50",
        "commit": "abc1234",
        "machine": machine,
        "results": [
            {
                **_result("ingest", "national", 90.0, 170.0, rows_read=31_000_000),
                "peak_rss_mib": 7000,
                "load_before": 1.0,
            },
            {**_result("bilan_pdf", "city", 16.0, 16.0), "peak_rss_mib": 450, "load_before": 1.0},
        ],
    }
    latest = {
        "machine": {**machine, "cpu": "Other CPU"},
        "results": [
            {
                **_result("bilan_pdf", "city", 20.0, 17.0),
                "peak_rss_mib": 455,
                "load_before": 0.1,
                "measured": "2026-12-05 18:25",
                "commit": "def5678",
            }
        ],
    }
    page = report.render(report.combined(latest, recorded))
    assert "| bilan_pdf | 20.0 | 17.0 |" in page  # the newer figure replaces the recorded one
    assert "| bilan_pdf | 16.0 |" not in page
    assert "Measured 2026-12-05, commit `def5678` on Other CPU" in page
    assert "Measured 2026-11-29, commit `abc1234` on CPU" in page
    assert "## Targets" in page and "## Reproduce" in page


def test_repeated_runs_keep_the_median_one():
    spec = importlib.util.spec_from_file_location("bench_run", REPORT.with_name("run.py"))
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    make = run.measure.Measurement
    runs = [make("bilan_pdf", "city", wall, 100, wall, 1.0, 1.0, True) for wall in (3.0, 1.0, 2.0)]
    chosen = run.median_run(runs)
    assert chosen.wall_s == 2.0 and chosen.detail == {"repeats": 3, "walls": "3.0/1.0/2.0"}
    failed = make("bilan_pdf", "city", 9.0, 100, 9.0, 1.0, 1.0, False, error="boom")
    assert run.median_run([runs[0], failed]) is failed
    assert run.median_run([runs[1]]).detail == {}
