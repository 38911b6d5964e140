"""A kernel started ahead of its notebook: the notebook runs in it, it is stopped afterwards, and
one nobody takes, or that cannot start, costs nothing but its start."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from eco_eval.errors import ReportFailed
from eco_eval.report.kernels import EarlyKernel
from eco_eval.report.runner import execute_notebook

from .conftest import code

WriteNotebook = Callable[..., Path]


def _alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state != "Z"


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _outputs(nb_path: Path) -> list[str]:
    nb = nbformat.read(nb_path, as_version=4)
    return [
        "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").strip()
        for cell in nb.cells
        if cell.cell_type == "code"
    ]


def test_the_notebook_runs_in_the_early_kernel_which_then_stops(
    write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    template = write_notebook(
        [
            code("lang = 'fr'", "parameters"),
            code("import os, sys\nprint(os.getpid())\nprint(os.getcwd())"),
            # the report code is imported while the kernel starts, and no name is left behind
            code("print('eco_eval.bilan' in sys.modules, 'eco_eval' in dir(), lang)"),
        ]
    )
    with EarlyKernel(tmp_path) as early:
        km = early.take(tmp_path)
        assert km is not None
        pid = km.provisioner.pid
        out = execute_notebook(template, tmp_path / "o.ipynb", {"lang": "en"}, km=km)
        assert early.take(tmp_path) is None  # taken once
    printed = _outputs(out)
    assert printed[2].splitlines() == [str(pid), str(tmp_path.resolve())]  # after the injected cell
    assert printed[-1] == "True False en"
    assert _gone(pid), "the notebook's end stops the kernel it was given"


def test_a_failing_cell_in_the_early_kernel_is_reported_and_the_kernel_stopped(
    write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    template = write_notebook([code("x = 1", "parameters"), code("1 / 0")])
    with EarlyKernel(tmp_path) as early:
        km = early.take(tmp_path)
        assert km is not None
        pid = km.provisioner.pid
        with pytest.raises(ReportFailed, match="ZeroDivisionError"):
            execute_notebook(template, tmp_path / "o.ipynb", km=km)
    assert _gone(pid)
    assert (tmp_path / "o.failed.ipynb").is_file() and not (tmp_path / "o.ipynb").exists()


def test_an_early_kernel_nobody_takes_or_in_another_folder_is_stopped(tmp_path: Path) -> None:
    with EarlyKernel(tmp_path) as unused:
        assert unused._km is not None
        pid = unused._km.provisioner.pid
        assert _alive(pid)
    assert _gone(pid), "stopped on exit when the report was up to date"
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    with EarlyKernel(tmp_path) as early:
        assert early._km is not None
        pid = early._km.provisioner.pid
        assert early.take(elsewhere) is None  # the notebook starts its own where it runs
        assert _gone(pid)


def test_a_kernel_that_cannot_start_leaves_the_notebook_to_start_its_own(tmp_path: Path) -> None:
    with EarlyKernel(tmp_path, kernel_name="no-such-kernel") as early:
        assert early.take(tmp_path) is None
    with EarlyKernel(tmp_path / "missing-folder") as early:
        assert early.take(tmp_path / "missing-folder") is None
