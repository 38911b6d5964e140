"""Helpers of the publication tests: copies of the demo project, the CLI as a subprocess.

The session fixtures ``demo_project`` (ingested) and ``demo_run`` (after one full ``run`` for
2017-Q4) come from tests/conftest.py and must not be modified: tests work on copies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eco_eval.store import DATA_TABLES, open_store

KEY = "test-key-0123456789abcdef0123456789abcdef"
ECO_EVAL = Path(sys.executable).with_name("eco-eval")


def copy_project(src: Path, dst: Path) -> Path:
    """A copy of a project folder (hard-linked files are copied, so the source stays intact)."""
    shutil.copytree(src, dst, symlinks=True)
    return dst


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess: the test key, no user configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECO_EVAL", "PYTEST", "COV_"))}
    env.update(
        ECO_EVAL_KEY=KEY,
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
        GX_ANALYTICS_ENABLED="False",
        **extra,
    )
    return env


def run_cli(
    args: list[str], tmp_path: Path, *, timeout: float = 300, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ECO_EVAL), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(tmp_path),
        cwd=cwd,
        check=False,
    )


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its (mtime_ns, size): equal snapshots, untouched files."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def run_copy(demo_run: dict, tmp_path: Path) -> Path:
    """A private copy of the demo project after its full 2017-Q4 run (checked unchanged: a test
    that published from the shared run itself would make every later copy compute its release
    again, and test something else than a published demo)."""
    root = copy_project(demo_run["root"], tmp_path / "city")
    ledger = open_store(root / "data" / "processed" / "eco_eval.duckdb").table("publication_ledger")
    published = set(ledger["publication"])
    assert published == {"bilan:2017-Q4", "open-data:2017-Q4"}, (
        f"the shared demo run was modified by a test (its ledger holds {sorted(published)}): "
        "work on a copy of it"
    )
    return root


NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def execute_cells(notebook: Path, parameters: dict[str, object]) -> list[str]:
    """Run a report notebook's code cells in this process, the parameters set after the
    ``parameters`` cell as papermill sets them, and return what each cell shows: its HTML, or
    ``"<figure>"`` for a plotly figure. An exception in a cell fails the test (no kernel, no
    Chromium: seconds instead of a run)."""
    import ast
    import json
    from unittest import mock

    shown: list[str] = []

    def collect(value: object) -> None:
        if value is None:
            return
        if isinstance(value, dict):  # show(): a raw mime bundle
            shown.append(str(value.get("text/html", "<figure>")))
        elif hasattr(value, "_repr_html_"):
            shown.append(str(value._repr_html_()))
        else:
            shown.append(repr(value))

    def display(*values: object, **_: object) -> None:
        for v in values:
            collect(v)

    namespace: dict[str, object] = {}
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    with mock.patch("IPython.display.display", display):
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            tree = ast.parse(source)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, notebook.name, "exec"), namespace)
            if last is not None:
                expr = ast.Expression(last.value)
                collect(eval(compile(expr, notebook.name, "eval"), namespace))
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                namespace.update(parameters)
    return shown


def store_contents(path: Path) -> dict[str, object]:
    """The store's files and the rows of its data tables, in a comparable form."""
    store = open_store(path)
    out: dict[str, object] = {"files": store.known_files()}
    for table in DATA_TABLES:
        frame = store.table(table)
        out[table] = (len(frame), frame.astype(str).to_csv(index=False).__hash__())
    return out
