"""The Jupyter kernels report notebooks run in: which kernel, how it is reached, how it stops, and
one started ahead of its notebook.

A report's kernel runs this very interpreter (the project's virtual environment), talks over Unix
sockets only its user can open, and is stopped without the interrupt jupyter_client sends first.
It needs only jupyter_client, so a command can start one (:class:`EarlyKernel`) before it imports
pandas, papermill and the rest: the kernel boots and imports eco_eval's report code on the other
core while the command loads its own libraries, reads the configuration and checks the release.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from jupyter_core.utils import run_sync
from traitlets import CaselessStrEnum

from eco_eval.errors import ConfigError
from eco_eval.report.kernel_environment import kernel_environment

log = logging.getLogger(__name__)

PROJECT_KERNEL = "eco-eval"
_SAME_PYTHON = {
    "python",
    f"python{sys.version_info[0]}",
    "python{}.{}".format(*sys.version_info[:2]),
}
#: What an early kernel imports while it starts (``exec_lines`` run before the kernel answers):
#: the bilan's and the deep dives' rendering code, no name left in the notebook's namespace.
PRELOAD = "import eco_eval.bilan; del eco_eval"


def _runs_this_python(argv: list[str]) -> bool:
    """True when a kernelspec's command starts this interpreter.

    jupyter_client replaces a bare ``python``/``python3`` by ``sys.executable`` of the process that
    starts the kernel; otherwise the path must be this interpreter's (not resolved: a venv's python
    is a symlink to the base interpreter but has its own ``sys.prefix``).
    """
    if not argv:
        return False
    if argv[0] in _SAME_PYTHON:
        return True
    return os.path.abspath(argv[0]) == os.path.abspath(sys.executable)


def default_kernel() -> str:
    """Name of a kernel that runs this interpreter: ``eco-eval`` if installed, else ``python3``.

    ``make venv`` installs ``eco-eval`` into the environment (``ipykernel install --sys-prefix``).
    """
    manager = KernelSpecManager()
    tried = []
    for name in (PROJECT_KERNEL, "python3"):
        try:
            spec = manager.get_kernel_spec(name)
        except NoSuchKernel:
            continue
        if _runs_this_python(list(spec.argv)):
            return name
        tried.append(f"{name} runs {spec.argv[0]}")
    raise ConfigError(
        f"no Jupyter kernel runs this Python ({sys.executable}){': ' + '; '.join(tried) if tried else ''}; "
        f"install one with `{sys.executable} -m ipykernel install --sys-prefix --name {PROJECT_KERNEL}` "
        f"(or `make venv`)"
    )


class QuietShutdownKernelManager(AsyncKernelManager):
    """Shuts the kernel down without interrupting it first.

    jupyter_client interrupts a kernel before asking it to shut down, to stop code still
    running; papermill shuts it down after the last cell, when nothing runs, and an interrupt
    that lands while the kernel still handles a message makes it log "KeyboardInterrupt caught
    in kernel" on stderr, into a scheduler's ``--quiet`` run (seen under load). A kernel that
    does not stop is still killed after jupyter_client's ``shutdown_wait_time``.
    """

    async def _async_interrupt_kernel(self) -> None:
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel

    async def _async_start_kernel(self, **kw: Any) -> None:
        kw.setdefault("env", kernel_environment())
        await super()._async_start_kernel(**kw)

    start_kernel = _async_start_kernel


class LocalSocketKernelManager(QuietShutdownKernelManager):
    """Talks to the kernel over Unix sockets in the Jupyter runtime directory, not local TCP.

    Only the user can open them (no other local user can connect to or read the kernel's channels)
    and ipykernel has no reason to warn about unencrypted TCP on every run. The connection file
    is named before the start: jupyter_client derives the socket paths from it, and without it
    they would be ``kernel-ipc-<n>`` in the kernel's working directory, the project's folder
    (where anything copying the project while a report runs would meet them).
    """

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        if not self.connection_file:
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(parents=True, exist_ok=True)
            self.connection_file = str(runtime / f"kernel-{uuid.uuid4()}.json")


def kernel_manager_class() -> type[AsyncKernelManager]:
    """Unix sockets where their path fits, else local TCP."""
    # A Unix socket path is limited to 107 bytes; the name papermill's kernel gets is ~60.
    if os.name == "posix" and len(os.fsencode(jupyter_runtime_dir())) < 56:
        return LocalSocketKernelManager
    return QuietShutdownKernelManager


class EarlyKernel:
    """A report kernel started now, in ``cwd``, for a notebook that runs later in this process.

    Use as a context manager around the work that precedes the notebook; :meth:`take` hands the
    running kernel to the notebook's execution, which then stops it; a kernel nobody took (the
    report was up to date, or an error came first) is stopped on exit. Starting is best effort: a
    kernel that cannot start here leaves :meth:`take` returning None, and the notebook starts its
    own, which reports the problem in its usual words.
    """

    def __init__(self, cwd: Path, kernel_name: str | None = None):
        self.cwd = Path(cwd).resolve()
        self.kernel_name = kernel_name
        self._km: AsyncKernelManager | None = None

    def __enter__(self) -> EarlyKernel:
        try:
            self.kernel_name = self.kernel_name or default_kernel()
            km = kernel_manager_class()(kernel_name=self.kernel_name)
            run_sync(km.start_kernel)(
                cwd=str(self.cwd), extra_arguments=[f"--IPKernelApp.exec_lines={PRELOAD}"]
            )
        except (
            Exception
        ) as exc:  # any failure is met again, and reported, by the notebook's own start
            log.debug("no early kernel: %s", exc)
            return self
        self._km = km
        return self

    def take(self, cwd: Path) -> AsyncKernelManager | None:
        """The started kernel when it runs in ``cwd`` (else None, and the caller starts its own);
        the caller stops it."""
        km, self._km = self._km, None
        if km is not None and Path(cwd).resolve() != self.cwd:
            self._stop(km)
            return None
        return km

    def __exit__(self, *exc: object) -> None:
        km, self._km = self._km, None
        if km is not None:
            self._stop(km)

    @staticmethod
    def _stop(km: AsyncKernelManager) -> None:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # the kernel died already: nothing left to stop
            log.debug("early kernel shutdown failed", exc_info=True)
