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
