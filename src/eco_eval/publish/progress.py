"""Progress of a run's long steps: rich bars in a terminal, nothing for schedulers.

The pipeline reports through three calls, from any thread: ``start(step, total=None)`` (a spinner
when ``total`` is unknown, a bar otherwise), ``advance(step, detail="")`` and ``finish(step,
note="")``. :class:`NullProgress` ignores them; :class:`RichProgress` draws them on stderr and,
while it is live, routes the ``eco_eval`` log records through the same console so that messages
print above the bars instead of breaking them.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any, Protocol

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as _Progress


class Progress(Protocol):
    def start(self, step: str, total: int | None = None) -> None: ...

    def advance(self, step: str, detail: str = "") -> None: ...

    def finish(self, step: str, note: str = "") -> None: ...


class NullProgress:
    """No bars (``--quiet``, no terminal, tests)."""

    def start(self, step: str, total: int | None = None) -> None:
        return None

    def advance(self, step: str, detail: str = "") -> None:
        return None

    def finish(self, step: str, note: str = "") -> None:
        return None


STEP_LABELS = {
    "ingest": "Ingestion des fichiers bruts",
    "bilan": "Bilan (notebook, HTML, PDF)",
    "leviers": "Fiches leviers",
    "open-data": "Données ouvertes",
    "index": "Index des bilans",
}


class RichProgress:
    """rich progress bars on stderr; use as a context manager around the run."""

    def __init__(self, console: Any = None, level: int = logging.INFO):

        self.console = console or Console(stderr=True)
        self._bars = _Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}", style="dim"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._level = level
        self._handler: logging.Handler | None = None
        self._hidden: list[tuple[logging.Handler, int]] = []

    def start(self, step: str, total: int | None = None) -> None:
        with self._lock:
            label = STEP_LABELS.get(step, step)
            if step in self._tasks:
                self._bars.reset(self._tasks[step], total=total, description=label)
            else:
                self._tasks[step] = self._bars.add_task(label, total=total, detail="")

    def advance(self, step: str, detail: str = "") -> None:
        with self._lock:
            if step not in self._tasks:
                self._tasks[step] = self._bars.add_task(
                    STEP_LABELS.get(step, step), total=None, detail=""
                )
            self._bars.update(self._tasks[step], advance=1, detail=detail)

    def finish(self, step: str, note: str = "") -> None:
        with self._lock:
            task = self._tasks.get(step)
            if task is None:
                task = self._tasks[step] = self._bars.add_task(STEP_LABELS.get(step, step))
            done = next(t for t in self._bars.tasks if t.id == task)
            total = done.total if done.total is not None else max(done.completed, 1)
            self._bars.update(task, total=total, completed=total, detail=note)

    def __enter__(self) -> RichProgress:

        # stderr handlers would draw over the bars: mute them while the bars are live
        root = logging.getLogger()
        for h in root.handlers:
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler):
                self._hidden.append((h, h.level))
                h.setLevel(logging.CRITICAL + 1)
        self._handler = RichHandler(
            console=self.console, show_time=False, show_path=False, markup=False
        )
        self._handler.setLevel(self._level)
        root.addHandler(self._handler)
        self._bars.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bars.stop()
        root = logging.getLogger()
        if self._handler is not None:
            root.removeHandler(self._handler)
        for h, level in self._hidden:
            h.setLevel(level)
        self._hidden.clear()
