"""``eco-eval lab``: JupyterLab on the project's ``notebooks/`` with the project's kernel.

The analysts' notebooks use paths relative to the project folder (``data/processed/...``), like the
report notebooks that papermill runs with the project folder as working directory. JupyterLab would
start a kernel in the notebook's own folder instead, so the server is given
:class:`ProjectKernelManager`, whose kernels start in the project folder (``ECO_EVAL_PROJECT``),
and ``eco-eval`` as its default kernel (installed into the virtual environment by ``make venv``:
``python -m ipykernel install --sys-prefix --name eco-eval``).

A project without a ``notebooks/`` folder gets one holding a copy of ``explore.ipynb``, the
analysts' starting point. The report notebooks (``bilan.ipynb``, ``lever.ipynb``) are not copied:
a project's own copy would replace the shipped one in every later run (see
:func:`eco_eval.publish.bilan.notebook_path`). The server listens on 127.0.0.1 unless told otherwise,
and fetches nothing by itself (no news feed, update check or PyPI listing of extensions); any
``--Class.trait=value`` given on the command line overrides these settings.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

from eco_eval.errors import ConfigError
from eco_eval.publish.bilan import repo_notebooks

PROJECT_ENV = "ECO_EVAL_PROJECT"
KERNEL = "eco-eval"
STARTER = "explore.ipynb"


class ProjectKernelManager(AsyncMappingKernelManager):
    """Kernels start in the eco_eval project folder, whatever folder the notebook is in."""

    def cwd_for_path(self, path: Any, **kwargs: Any) -> str:
        project = os.environ.get(PROJECT_ENV)
        if project and os.path.isdir(project):
            return project
        return str(super().cwd_for_path(path, **kwargs))


def check_kernel(name: str = KERNEL) -> None:
    """ConfigError, with the command that fixes it, when the kernel is not installed."""

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel as exc:
        raise ConfigError(
            f"the Jupyter kernel {name!r} is not installed; install it with "
            f"`{sys.executable} -m ipykernel install --sys-prefix --name {name}` (or `make venv`)"
        ) from exc


def notebooks_dir(project: Path) -> Path:
    """The project's ``notebooks/``, created with a copy of ``explore.ipynb`` when missing."""

    folder = project / "notebooks"
    if not folder.is_dir():
        folder.mkdir(parents=True)
        starter = repo_notebooks() / STARTER
        if starter.is_file():
            shutil.copy2(starter, folder / STARTER)
    return folder


def lab_command(
    project_dir: Path,
    *,
    ip: str = "127.0.0.1",
    port: int | None = None,
    no_browser: bool = False,
    extra: Sequence[str] = (),
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that start JupyterLab for ``project_dir``."""
    project = Path(project_dir).resolve()
    if not project.is_dir():
        raise ConfigError(f"{project}: no such project folder (pass --project DIR)")
    check_kernel()
    settings = {
        "ServerApp.root_dir": str(notebooks_dir(project)),
        "ServerApp.kernel_manager_class": f"{__name__}.ProjectKernelManager",
        "MappingKernelManager.default_kernel_name": KERNEL,
        "ServerApp.ip": ip,
        # nothing leaves the machine unasked: no news feed, update check or PyPI extension listing
        "LabApp.news_url": "None",
        "LabApp.check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
        "LabApp.extension_manager": "readonly",
    }
    if port is not None:
        settings.update({"ServerApp.port": str(port), "ServerApp.port_retries": "0"})
    if no_browser:
        settings["ServerApp.open_browser"] = "False"
    given = {a[2:].split("=", 1)[0] for a in extra if a.startswith("--")}
    argv = [sys.executable, "-m", "jupyterlab"]
    argv += [f"--{k}={v}" for k, v in settings.items() if k not in given]  # extra args win
    argv += list(extra)
    env = {**os.environ, PROJECT_ENV: str(project)}
    return argv, env


def redacted(argv: Sequence[str]) -> str:
    """The command line for the log, without tokens or passwords."""
    return " ".join(re.sub(r"((?:token|password)=).*", r"\1…", a, flags=re.I) for a in argv)
