"""The layers hold (import-linter's contracts in pyproject.toml) and nothing hides an import
inside a function, except the command line's lazy loading of the library and Great Expectations'
import in the ingest's tuning module (both documented there)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "eco_eval"
#: The modules allowed to import inside functions, and why (see their docstrings).
LAZY = {
    "cli.py": "the command line loads a layer when a command needs it: --help answers at once",
    "ingest/tuning.py": "Great Expectations is imported only by an ingest that validates",
}


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], capture_output=True, text=True, cwd=SRC.parents[1], check=False
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "4 kept, 0 broken" in done.stdout


def _function_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += [
                f"{path.relative_to(SRC)}:{sub.lineno}"
                for sub in ast.walk(node)
                if isinstance(sub, (ast.Import, ast.ImportFrom))
            ]
    return found


def test_no_import_inside_a_function_outside_the_documented_places():
    found = [
        place
        for path in sorted(SRC.rglob("*.py"))
        if path.relative_to(SRC).as_posix() not in LAZY
        for place in _function_imports(path)
    ]
    assert found == []
    assert all(_function_imports(SRC / name) for name in LAZY), "an exception nobody needs"
