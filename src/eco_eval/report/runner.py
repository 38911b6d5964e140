"""Execute a parameterised report notebook with papermill, strictly.

papermill injects the parameters after the cell tagged ``parameters`` and records them in the
notebook's metadata (``metadata.papermill.parameters``). Three things are added here:

- an unknown parameter name is an error (papermill only warns), with the closest known name;
- the kernel runs this very interpreter (the project's virtual environment), never whatever
  ``python3`` a machine happens to have;
- the output notebook is replaced only when the whole notebook ran. It is written into
  ``<name>.partial.ipynb`` once, when the run ends (:class:`SaveAtEndEngine`); on success that file becomes ``<name>.ipynb``; on failure it is kept
  as ``<name>.failed.ipynb`` (papermill marks the failing cell in it) and :class:`ReportFailed` says
  which cell failed and why, in one line. A previous ``<name>.ipynb`` and anything published from it
  are left as they were.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.kernelspec import NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError

from eco_eval.errors import ConfigError, ReportFailed, did_you_mean
from eco_eval.report.kernels import PROJECT_KERNEL, default_kernel, kernel_manager_class

log = logging.getLogger(__name__)


class SaveAtEndEngine(NBClientEngine):
    """papermill's nbclient engine, writing the notebook once, when the run ends.

    papermill's own engine rewrites the whole notebook file when each cell starts and ends, so
    that a long job's progress can be followed on disk; a report's notebook carries its figures
    (megabytes of plotly JSON), so those writes cost more than its short cells. Here the output
    path is withheld while the cells run and restored before papermill's closing save, which
    runs whether the notebook succeeded, failed or stopped (timeout, dead kernel): the partial
    notebook of a failure is still kept for audit.

    A kernel started before (``km=``, :class:`~eco_eval.report.kernels.EarlyKernel`) is run by
    papermill's client like one it started, and stopped with its channels at the end (nbclient
    leaves a kernel it was given running), at once rather than asked to shut down and waited for.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        path, nb_man.output_path = nb_man.output_path, None
        try:
            if kwargs.get("km") is None:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            client = PapermillNotebookClient(
                nb_man,
                km=kwargs["km"],
                kernel_name=kernel_name,
                timeout=kwargs.get("execution_timeout"),
                startup_timeout=kwargs.get("start_timeout", 60),
                log=log,
                log_output=False,
                # every output has been received when the last cell replies: nothing to wait for
                shutdown_kernel="immediate",
            )
            return client.execute(cleanup_kc=True)
        finally:
            nb_man.output_path = path


ENGINE = "eco-eval-save-at-end"
papermill_engines.register(ENGINE, SaveAtEndEngine)


def notebook_parameters(template: Path) -> dict[str, Any]:
    """The parameters a notebook declares in its ``parameters`` cell, with their defaults."""
    try:
        return dict(papermill.inspect_notebook(str(template)))
    except ValueError as exc:  # no kernelspec / language in the notebook's metadata
        raise ConfigError(
            f"{template}: cannot read its parameters ({exc}); save the notebook from Jupyter "
            f"with the {PROJECT_KERNEL} kernel so that it records its kernel and language"
        ) from exc


def check_parameters(template: Path, parameters: Mapping[str, Any]) -> None:
    """Raise ConfigError when ``parameters`` names one the notebook does not declare."""
    if not parameters:
        return
    nb = nbformat.read(template, as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ConfigError(
            f"{template.name} has no cell tagged 'parameters', so it takes no parameters "
            f"(got {', '.join(sorted(parameters))})"
        )
    known = notebook_parameters(template)
    for name in parameters:
        if name not in known:
            raise ConfigError(
                f"unknown parameter {name!r} for {template.name}{did_you_mean(name, known)}; "
                f"it takes {', '.join(sorted(known)) or 'none'}"
            )


def _first_line(text: str, width: int = 70) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def _describe_cell(template: Path, index: int, parameters: Mapping[str, Any]) -> str:
    """'cell 7 [tags: wheel] "show(lever_bars(...))"' with the template's 1-based numbering.

    ``index`` counts the executed notebook's cells, which hold the injected-parameters cell just
    after the ``parameters`` cell; the template's numbering is what the author sees.
    """
    nb = nbformat.read(template, as_version=4)
    cells = list(nb.cells)
    if parameters:
        at = next(
            (
                i + 1
                for i, c in enumerate(cells)
                if "parameters" in c.get("metadata", {}).get("tags", [])
            ),
            0,
        )
        if index == at:
            return "the injected-parameters cell"
        if index > at:
            index -= 1
    if not 0 <= index < len(cells):
        return f"cell {index + 1}"
    cell = cells[index]
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t != "parameters"]
    tag_text = f" [tags: {', '.join(tags)}]" if tags else ""
    return f'cell {index + 1}{tag_text} "{_first_line(cell.source)}"'


def execute_notebook(
    template: Path,
    output: Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    kernel: str | None = None,
    cwd: Path | None = None,
    timeout: float | None = 600,
    start_timeout: float = 60,
    km: AsyncKernelManager | None = None,
) -> Path:
    """Run ``template`` with ``parameters`` and write the executed notebook to ``output``.

    Parameters
    ----------
    template
        The report notebook (one cell tagged ``parameters`` with the defaults).
    output
        Where the executed notebook goes; replaced only if every cell ran.
    parameters
        Values injected after the ``parameters`` cell; every name must be declared there.
    kernel
        Jupyter kernel name; by default one that runs this interpreter (:func:`default_kernel`).
    cwd
        Working directory of the kernel (default: the current one).
    timeout
        Seconds a single cell may run (None: no limit).
    start_timeout
        Seconds the kernel may take to start.
    km
        A kernel already started in ``cwd`` with ``kernel``
        (:meth:`eco_eval.report.kernels.EarlyKernel.take`); stopped once the notebook ran.

    Returns
    -------
    Path
        ``output``.

    Raises
    ------
    ConfigError
        Unknown parameter, or no kernel runs this interpreter.
    ReportFailed
        A cell failed or timed out, or the kernel died; the message names the cell and the error,
        and the partial notebook is kept as ``<output stem>.failed.ipynb``.
    """
    template, output = Path(template), Path(output)
    if not template.is_file():
        raise ReportFailed(f"report notebook not found: {template}")
    params = dict(parameters or {})
    check_parameters(template, params)
    kernel_name = kernel or (km.kernel_name if km is not None else default_kernel())
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f"{output.stem}.partial.ipynb")
    failed = output.with_name(f"{output.stem}.failed.ipynb")
    log.info("executing %s with kernel %s -> %s", template, kernel_name, output)
    try:
        papermill.execute_notebook(
            str(template),
            str(partial),
            parameters=params,
            kernel_name=kernel_name,
            cwd=str(cwd) if cwd is not None else None,
            execution_timeout=timeout,
            start_timeout=start_timeout,
            progress_bar=False,
            log_output=False,
            language="python",
            engine_name=ENGINE,
            **({"km": km} if km is not None else {"kernel_manager_class": kernel_manager_class()}),
        )
    except PapermillExecutionError as exc:
        _keep(partial, failed)
        where = _describe_cell(template, exc.cell_index, params)
        error = f"{exc.ename}: {_first_line(exc.evalue, 200)}" if exc.evalue else exc.ename
        raise ReportFailed(
            f"{template.name}: {where} failed: {error} (partial notebook: {failed})"
        ) from exc
    except NoSuchKernel as exc:
        partial.unlink(missing_ok=True)
        raise ConfigError(
            f"kernel {kernel_name!r} is not installed; omit kernel= to use this Python"
        ) from exc
    except Exception as exc:  # timeout, dead kernel: papermill lets nbclient's errors through
        _keep(partial, failed)
        where = _running_cell(failed, template, params)
        raise ReportFailed(
            f"{template.name}: {where}stopped: {type(exc).__name__}: {_first_line(str(exc), 200)} "
            f"(partial notebook: {failed})"
        ) from exc
    _publish(partial, output)
    failed.unlink(missing_ok=True)  # an older failure does not describe this output
    return output


def _publish(partial: Path, output: Path) -> None:
    """Record the final path in the notebook's papermill metadata, then rename it into place."""
    nb = nbformat.read(partial, as_version=4)
    nb.metadata.setdefault("papermill", {})["output_path"] = str(output)
    nbformat.write(nb, partial)
    os.replace(partial, output)


def _keep(partial: Path, failed: Path) -> None:
    if partial.exists():
        os.replace(partial, failed)


def _running_cell(saved: Path, template: Path, parameters: Mapping[str, Any]) -> str:
    """'cell 4 "..." ' for the last cell papermill started in the saved notebook, if any."""
    try:
        nb = nbformat.read(saved, as_version=4)
    except (OSError, ValueError):
        return ""
    started = [
        i
        for i, c in enumerate(nb.cells)
        if c.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    return _describe_cell(template, started[-1], parameters) + " " if started else ""
