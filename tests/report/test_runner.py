"""Executing report notebooks: strict parameters, the project's interpreter, failures that name
the cell and keep both the partial notebook and the previous output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from eco_eval.errors import ConfigError, ReportFailed
from eco_eval.report.kernels import _runs_this_python, default_kernel
from eco_eval.report.runner import execute_notebook, notebook_parameters

from .conftest import code, md

WriteNotebook = Callable[..., Path]


def _cells(*extra: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [
        md("# Essai"),
        code("period = '2016-Q2'\nlang = 'fr'", "parameters"),
        code("import sys\nprint(sys.executable)\nprint(sys.prefix)", "interpreter"),
        *extra,
    ]


def _stdout(nb_path: Path, tag: str) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if tag in c.metadata.get("tags", []))
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_parameters_are_read_from_the_parameters_cell(write_notebook: WriteNotebook) -> None:
    template = write_notebook(_cells())
    assert set(notebook_parameters(template)) == {"period", "lang"}


def test_unknown_parameter_is_refused_before_running(
    write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    template = write_notebook(_cells())
    output = tmp_path / "out" / "t.ipynb"
    with pytest.raises(ConfigError) as caught:
        execute_notebook(template, output, {"perod": "2017-Q1"})
    assert "'perod'" in str(caught.value) and 'did you mean "period"' in str(caught.value)
    assert "lang, period" in str(caught.value)
    assert not output.exists() and not output.with_name("t.partial.ipynb").exists()


def test_parameters_need_a_parameters_cell(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    template = write_notebook([code("x = 1")])
    with pytest.raises(ConfigError, match="no cell tagged 'parameters'"):
        execute_notebook(template, tmp_path / "o.ipynb", {"x": 2})


def test_default_kernel_runs_this_interpreter() -> None:
    spec = KernelSpecManager().get_kernel_spec(default_kernel())
    assert _runs_this_python(list(spec.argv))
    assert _runs_this_python(
        ["python3", "-m", "ipykernel_launcher"]
    )  # jupyter_client: sys.executable
    assert _runs_this_python([sys.executable, "-m", "ipykernel_launcher"])
    assert not _runs_this_python(["/opt/other-env/bin/python", "-m", "ipykernel_launcher"])


def test_run_injects_records_and_uses_the_venv_python(
    write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    template = write_notebook(_cells(code("print(period)", "echo")))
    output = execute_notebook(template, tmp_path / "out" / "t.ipynb", {"period": "2017-Q1"})
    assert output == tmp_path / "out" / "t.ipynb"
    executable, prefix = _stdout(output, "interpreter").split()
    assert executable == sys.executable and prefix == sys.prefix
    assert _stdout(output, "echo").strip() == "2017-Q1"
    metadata = json.loads(output.read_text(encoding="utf-8"))["metadata"]["papermill"]
    assert metadata["parameters"] == {"period": "2017-Q1"}
    assert metadata["output_path"] == str(output)
    assert not (tmp_path / "out" / "t.partial.ipynb").exists()


def test_the_kernels_sockets_are_not_in_its_working_directory(
    write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    """The kernel runs in the project's folder; its sockets live in Jupyter's runtime folder,
    not beside the project's files (a copy of the project made meanwhile would meet them)."""
    folder = tmp_path / "project"
    folder.mkdir()
    template = write_notebook(_cells(code("import os\nprint(sorted(os.listdir('.')))", "ls")))
    output = execute_notebook(template, tmp_path / "out" / "t.ipynb", {}, cwd=folder)
    assert _stdout(output, "ls").strip() == "[]"
    assert list(folder.iterdir()) == []


def test_failing_cell_is_named_partial_kept_previous_output_untouched(
    write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    output = tmp_path / "out" / "t.ipynb"
    output.parent.mkdir()
    output.write_text("previous executed notebook", encoding="utf-8")
    template = write_notebook(
        _cells(code("ratio = 1 / 0\nprint('never')", "ratio"), code("print('after')"))
    )
    with pytest.raises(ReportFailed) as caught:
        execute_notebook(template, output, {"period": "2017-Q1"})
    message = str(caught.value)
    assert "\n" not in message
    assert 'cell 4 [tags: ratio] "ratio = 1 / 0"' in message  # 1-based, as in the template
    assert "ZeroDivisionError: division by zero" in message
    failed = tmp_path / "out" / "t.failed.ipynb"
    assert str(failed) in message and failed.exists()
    assert output.read_text(encoding="utf-8") == "previous executed notebook"
    partial = nbformat.read(failed, as_version=4)
    assert any("papermill-error-cell-tag" in c.metadata.get("tags", []) for c in partial.cells)
    assert _stdout(failed, "interpreter")  # the cells before the failure ran and are kept


def test_success_after_failure_removes_the_stale_failed_notebook(
    write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    failed = tmp_path / "out" / "t.failed.ipynb"
    failed.parent.mkdir()
    failed.write_text("{}", encoding="utf-8")
    execute_notebook(write_notebook(_cells()), tmp_path / "out" / "t.ipynb")
    assert not failed.exists()


def test_cell_timeout_names_the_cell(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    template = write_notebook(_cells(code("import time\ntime.sleep(60)", "slow")))
    with pytest.raises(ReportFailed) as caught:
        execute_notebook(template, tmp_path / "t.ipynb", timeout=2)
    message = str(caught.value)
    assert "cell 4 [tags: slow]" in message and "t.failed.ipynb" in message
    assert "Timeout" in message or "timed out" in message


def test_missing_template_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ReportFailed, match="not found"):
        execute_notebook(tmp_path / "nope.ipynb", tmp_path / "o.ipynb")


@pytest.mark.parametrize("sockets", [True, False])
def test_the_kernel_is_not_interrupted_when_it_is_shut_down(
    monkeypatch: pytest.MonkeyPatch, sockets: bool
) -> None:
    """jupyter_client interrupts a kernel before shutting it down; after the last cell an
    interrupt can land while the kernel handles a message and print "KeyboardInterrupt caught
    in kernel" into a --quiet run. The managers papermill gets skip that interrupt only; an
    interrupt outside a shutdown (a cell's timeout) still reaches the kernel."""
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    import eco_eval.report.kernels as kernels

    sent: list[str] = []

    async def interrupt(self: AsyncKernelManager) -> None:
        sent.append("interrupt")

    monkeypatch.setattr(AsyncKernelManager, "_async_interrupt_kernel", interrupt)
    monkeypatch.setattr(kernels, "jupyter_runtime_dir", lambda: "/r" if sockets else "/r" * 60)
    manager = kernels.kernel_manager_class()()
    assert isinstance(manager, kernels.QuietShutdownKernelManager)
    manager.shutting_down = True
    asyncio.run(manager.interrupt_kernel())
    assert sent == []
    manager.shutting_down = False
    asyncio.run(manager.interrupt_kernel())
    assert sent == ["interrupt"]
