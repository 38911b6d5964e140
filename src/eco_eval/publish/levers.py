"""The lever deep dives: ``lever.ipynb`` once per lever, published as ``<period>/leviers/<id>.html``.

Twelve notebooks that differ only by their ``lever`` parameter read the same release
(:mod:`eco_eval.release`) and draw one lever each. They run **one after the other in one
kernel**, started once with eco_eval imported, so that each notebook costs its own cells only. The
run executes the deep dives in a thread while the main thread builds the bilan in its own kernel,
so the two kernels use the two cores.

Each notebook gets its parameters from papermill (an injected cell, recorded in its metadata) and
is run by nbclient through the shared kernel's one client; a failing cell raises
:class:`ReportFailed` naming the lever and the cell, and the partial notebook is kept under
``reports/<period>.failed/leviers/``. ``leviers/index.html`` lists the deep dives and links back to
the bilan; ``leviers/provenance.json`` holds the build key (inputs, parameters, notebook, code),
so that a run with nothing new does not execute them again.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from eco_eval.digest import sha256_file
from eco_eval.errors import ReportFailed
from eco_eval.publish.provenance import LOCAL_PARAMETERS, STAMP, is_current, make_stamp, write_json
from eco_eval.publish.staging import PeriodStage
from eco_eval.report.fmt import fmt_period
from eco_eval.report.html import ASSETS_DIR, notebook_to_html
from eco_eval.report.kernels import kernel_manager_class
from eco_eval.report.runner import check_parameters

log = logging.getLogger(__name__)

LEVERS_DIR = "leviers"
NOTEBOOK = "lever.ipynb"


class Cancelled(Exception):
    """The run stopped the deep dives because another part failed (not an error of its own)."""


@dataclass
class LeversResult:
    folder: Path
    rebuilt: bool
    seconds: float
    levers: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)

    def as_step(self) -> dict[str, Any]:
        return {
            "step": "leviers",
            "folder": str(self.folder),
            "rebuilt": self.rebuilt,
            "count": len(self.levers),
            "seconds": round(self.seconds, 1),
            **({"seconds_per_lever": self.timings} if self.timings else {}),
        }


# --------------------------------------------------------------------------- kernel
class SharedKernel:
    """One kernel and one client for all the deep dives, started in ``cwd``, stopped on exit.

    Use from one thread: the kernel's sockets belong to that thread's event loop.
    """

    def __init__(self, kernel_name: str, cwd: Path, start_timeout: float = 60):
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.start_timeout = start_timeout
        self.km: Any = None
        self.kc: Any = None

    async def _start(self) -> dict[str, Any]:
        await self.km.start_kernel(cwd=str(self.cwd))  # the report kernels' environment
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=self.start_timeout)
        reply: dict[str, Any] = await self.kc.execute_interactive(
            "import eco_eval.bilan",
            timeout=self.start_timeout,
            output_hook=lambda msg: None,
        )
        return reply

    def __enter__(self) -> SharedKernel:
        self.km = kernel_manager_class()(kernel_name=self.kernel_name)
        try:
            reply = run_sync(self._start)()
        except (RuntimeError, TimeoutError) as exc:
            self.__exit__()
            raise ReportFailed(
                f"the deep-dive kernel {self.kernel_name!r} did not start: {exc}"
            ) from exc
        if reply["content"].get("status") != "ok":
            self.__exit__()
            content = reply["content"]
            raise ReportFailed(
                f"the deep-dive kernel cannot import eco_eval: {content.get('ename')}: "
                f"{content.get('evalue')}; is the {self.kernel_name!r} kernel this project's venv?"
            )
        return self

    def __exit__(self, *exc: object) -> None:

        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None and self.km.has_kernel:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # the kernel died already: nothing left to stop
                log.debug("kernel shutdown failed", exc_info=True)
        self.km = None


# --------------------------------------------------------------------------- execution
def _cell_label(template: Path, index: int | None) -> str:
    """The failing cell in the template's 1-based numbering (the injected cell not counted)."""

    if index is None:
        return "a cell"
    cells = list(nbformat.read(template, as_version=4).cells)
    at = next(
        (i + 1 for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])), None
    )
    if at is not None and index == at:
        return "the injected-parameters cell"
    if at is not None and index > at:
        index -= 1
    first = str(cells[index].source).strip().splitlines()[:1] if 0 <= index < len(cells) else []
    text = f' "{first[0][:60]}"' if first else ""
    return f"cell {index + 1}{text}"


def _failed_cell(nb: Any) -> int | None:
    for i, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i
    return None


def run_lever_notebook(
    kernel: SharedKernel,
    template: Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    timeout: float | None,
    on_failure: Callable[[Path], Path],
) -> Path:
    """Execute ``template`` with ``parameters`` in the shared kernel; write ``output``.

    Parameters are injected by papermill (an ``injected-parameters`` cell after the
    ``parameters`` cell, recorded in ``metadata.papermill.parameters``); the cells are run by
    nbclient on the shared kernel client. A failure keeps the partial notebook (``on_failure``).
    """

    nb = parameterize_notebook(
        load_notebook_node(str(template)),  # papermill's reader: every cell gets its tags list
        dict(parameters),
        kernel_name=kernel.kernel_name,
        language="python",
    )
    client = NotebookClient(nb, km=kernel.km, kernel_name=kernel.kernel_name, timeout=timeout)
    client.kc = kernel.kc
    partial = output.with_name(f"{output.stem}.partial.ipynb")
    lever = parameters.get("lever")
    try:
        client.execute()
    except CellExecutionError as exc:
        nbformat.write(client.nb, partial)
        kept = on_failure(partial)
        error = f"{exc.ename}: {str(exc.evalue).strip()[:200]}" if exc.evalue else exc.ename
        where = _cell_label(template, _failed_cell(client.nb))
        raise ReportFailed(
            f"{template.name} (lever {lever}): {where} failed: {error} (partial notebook: {kept})"
        ) from exc
    except Exception as exc:  # timeout, dead kernel
        nbformat.write(client.nb, partial)
        kept = on_failure(partial)
        raise ReportFailed(
            f"{template.name} (lever {lever}): stopped: {type(exc).__name__}: "
            f"{str(exc).strip()[:200]} (partial notebook: {kept})"
        ) from exc
    nbformat.write(client.nb, partial)
    os.replace(partial, output)
    return output


def build_levers(
    stage: PeriodStage,
    *,
    template: Path,
    ecosystem: Any,
    parameters: Mapping[str, Any],
    release: Callable[[], Path],
    basis: Mapping[str, Any],
    kernel_name: str,
    cwd: Path,
    timeout: float | None = 600,
    force: bool = False,
    progress: Any = None,
    cancel: threading.Event | None = None,
) -> LeversResult:
    """Build ``leviers/`` in ``stage``: one page per lever of ``ecosystem``, an index, a stamp.

    ``parameters``: what the deep dives depend on besides the inputs (period, language, threshold,
    organisation: :func:`eco_eval.publish.bilan.bilan_parameters`); ``release``: gives the
    release's folder, built on first call; ``basis`` what every part depends on (package version,
    git commit, inputs' sha256). Skipped, with ``rebuilt=False``, when the published stamp has the
    same key (unless ``force``). Each notebook receives the release's folder, the language and its
    lever.
    """

    t0 = time.perf_counter()
    levers = tuple(ecosystem.lever_ids)
    lang = str(parameters.get("lang", "fr"))
    final = stage.published(LEVERS_DIR)
    stamp = make_stamp(
        {
            **basis,
            "parameters": {k: v for k, v in parameters.items() if k not in LOCAL_PARAMETERS},
            "levers": list(levers),
            "notebook_sha256": sha256_file(template),
        }
    )
    required = [f"{lever}.html" for lever in levers] + ["index.html"]
    if not force and is_current(stage.path(LEVERS_DIR), stamp["build_key"], required):
        return LeversResult(final, False, time.perf_counter() - t0, levers)
    params = {**parameters, "output_dir": str(final)}
    timings: dict[str, float] = {}
    # the kernel starts (and imports eco_eval) while the release is built, on the other core
    with SharedKernel(kernel_name, cwd) as kernel:
        notebook = {"release": str(release()), "lang": lang}
        check_parameters(template, {**notebook, "lever": levers[0]})
        out = stage.fresh(LEVERS_DIR)
        out.mkdir(parents=True)
        notebooks = stage.notebooks(LEVERS_DIR)
        if progress is not None:
            progress.start("leviers", total=len(levers))
        for lever in levers:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            t1 = time.perf_counter()
            executed = run_lever_notebook(
                kernel,
                template,
                notebooks / f"{lever}.executed.ipynb",
                {**notebook, "lever": lever},
                timeout=timeout,
                on_failure=functools.partial(
                    _keep_failed, stage, f"{LEVERS_DIR}/{lever}.executed.failed.ipynb"
                ),
            )
            notebook_to_html(
                executed,
                out / f"{lever}.html",
                lang=lang,
                title=page_title(ecosystem, lever, params),
                assets=f"../{ASSETS_DIR}",
            )
            timings[lever] = round(time.perf_counter() - t1, 2)
            log.info("deep dive %s: %.1f s", lever, timings[lever])
            if progress is not None:
                progress.advance("leviers")
    (out / "index.html").write_text(render_levers_index(ecosystem, params), encoding="utf-8")
    write_json(out / STAMP, {**stamp, "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S")})
    stage.mark_changed(LEVERS_DIR)
    return LeversResult(final, True, time.perf_counter() - t0, levers, timings)


def _keep_failed(stage: PeriodStage, relative: str, partial: Path) -> Path:
    return stage.keep_failed(partial, relative)


# --------------------------------------------------------------------------- pages
def page_title(ecosystem: Any, lever_id: str, parameters: Mapping[str, Any]) -> str:

    lang = str(parameters.get("lang", "fr"))
    name = ecosystem.lever(lever_id).name(lang)
    period = fmt_period(str(parameters.get("period", "")), lang)
    return f"Levier : {name} — {period}" if lang == "fr" else f"Lever: {name} — {period}"


def render_levers_index(ecosystem: Any, parameters: Mapping[str, Any]) -> str:
    """``leviers/index.html``: the deep dives of the period, offline, every text escaped."""

    lang = str(parameters.get("lang", "fr"))
    period = fmt_period(str(parameters.get("period", "")), lang)
    fr = lang == "fr"
    title = f"Fiches leviers — {period}" if fr else f"Lever deep dives — {period}"
    items = []
    for lever in ecosystem.levers:
        tools = ", ".join(t.quoted(lang) for t in ecosystem.tools_of(lever.id))
        items.append(
            f'<li><a href="{escape(lever.id)}.html">{escape(lever.name(lang).capitalize())}</a>'
            f" — {escape(tools)}</li>"
        )
    back = "Bilan de la période" if fr else "Report of the period"
    all_reports = "Tous les bilans" if fr else "All reports"
    return (
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        "<style>body{font-family:DejaVu Sans,Arial,sans-serif;margin:2rem;max-width:50rem;line-height:1.5}</style>"
        f"</head><body><h1>{escape(title)}</h1>"
        f'<p><a href="../bilan.html">{escape(back)}</a> · <a href="../../index.html">{escape(all_reports)}</a></p>'
        f"<ul>{''.join(items)}</ul></body></html>\n"
    )
