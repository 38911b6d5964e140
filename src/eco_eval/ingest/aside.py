"""The barometer, ingested in a child process alongside the other sources.

The barometer is most of the raw bytes at national size and depends on no other source: no
session to look up, no name to mask (it has no free text), no duplicate submission to find across
sources. On a machine with two cores or more, when its files are large, one child process
ingests them into a scratch DuckDB file beside the store while the parent ingests the others. A
thread of the parent waits for the child, then copies its rows and quarantine into the parent's
store file through a second connection, while the parent goes on with its own sources; once
they are done (and the cross-checks, which read only the parent's tables), the parent waits for
that copy: the store and the ingest log are those of a serial run. The ideas register, the HR
results and the citizen satisfaction are independent too, but small: in the parent they balance
the two processes, so that the child ends about when the parent does. Small barometer files
stay in the parent, where a child would cost more than it saves (a Python start and a Great
Expectations import).

The child is a fresh interpreter (:class:`eco_eval.child.Child`, arguments and result pickled
through its stdin and stdout). It dies with its parent (:func:`eco_eval.ingest.tuning.die_with_parent`),
and the parent stops it when its own ingest fails: a killed or failed ingest leaves no process
behind, only a scratch file that the next ingest removes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eco_eval.child import Child
from eco_eval.config import Project, Source
from eco_eval.ingest import tuning
from eco_eval.ingest.state import Run
from eco_eval.ingest.writing import ingest_source
from eco_eval.store import write_transaction

#: sources ingested aside, in this order (see the module docstring for why these)
SOURCES = ("barometer",)
#: below this many bytes of raw files, the sources are ingested in the parent
MIN_BYTES = 256 * 2**20


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Aside:
    """The child process ingesting :data:`SOURCES` into ``part_path``."""

    def __init__(self, labels: dict[str, list[str]], part_path: Path, child: Child):
        self.labels, self.part_path = labels, part_path
        self._child = child
        self._results: dict[str, list[Any]] | None = None
        self._error: BaseException | None = None
        self._copier: threading.Thread | None = None
        self._writer: Any = None
        self._stopping = False

    @property
    def sources(self) -> list[str]:
        return list(self.labels)

    @classmethod
    def start(
        cls,
        project: Project,
        key: bytes,
        files: list[tuple[Source, Path]],
        hashes: dict[Path, str],
        codebook_of: dict[Path, Any],
        labels: dict[Path, str],
    ) -> Aside | None:
        """Start the child when there are two cores and enough bytes in the sources' files."""
        mine = [(s, p) for name in SOURCES for s, p in files if s.name == name]
        if _cores() < 2 or not mine or sum(p.stat().st_size for _, p in mine) < MIN_BYTES:
            return None
        part_path = project.processed_dir / ".aside.part.duckdb"
        part_path.unlink(missing_ok=True)
        args = (
            project,
            key,
            mine,
            {p: hashes[p] for _, p in mine},
            {p: codebook_of[p] for _, p in mine if p in codebook_of},
            part_path,
        )
        by_source: dict[str, list[str]] = {}
        for s, p in mine:
            by_source.setdefault(s.name, []).append(labels[p])
        child = Child(
            "eco_eval.ingest.aside",
            "_run",
            args,
            what=f"the ingest process of {', '.join(by_source)}",
            again="run 'eco-eval ingest' again",
            env=tuning.CHILD_ENV,
            setup="eco_eval.ingest.tuning.die_with_parent",
        )
        return cls(by_source, part_path, child)

    def copy_when_done(self, w: Any) -> None:
        """In a thread: wait for the child, then copy the rows of all its sources into the
        writer ``w`` through a side transaction. The child usually ends before the parent's
        last source: the copy (DuckDB, without the GIL) then runs on the core it freed instead
        of after everything else."""
        self._writer = w
        self._copier = threading.Thread(target=self._copy, args=(w,), daemon=True)
        self._copier.start()

    def _copy(self, w: Any) -> None:
        try:
            results = self._wait()
            if self._stopping:
                return
            with w.side_transaction() as side:
                for labels in self.labels.values():
                    for label in labels:
                        side.clear_file_rows(label)
                side.copy_rows_from(self.part_path, (*self.labels, "quarantine"))
            self._results = results
        except BaseException as exc:  # re-raised by collect(), in the parent's thread
            self._error = exc

    def collect(self, source: str, w: Any, progress: Callable[[str], None] | None) -> list[Any]:
        """The FileResults of ``source``. The first call waits for the copy (started by
        :meth:`copy_when_done`, or run now) and re-raises the child's error (the same one-line
        message a serial ingest gives)."""
        for label in self.labels[source]:
            if progress:
                progress(label)
        if self._results is None:
            try:
                if self._copier is None:
                    self._copy(w)
                else:
                    self._copier.join()
                if self._error is not None:
                    raise self._error
                w.checkpoint()
            finally:
                self.stop()
        assert self._results is not None
        return self._results[source]

    def _wait(self) -> dict[str, list[Any]]:
        return dict(self._child.result())

    def stop(self) -> None:
        """Stop the child and the copy (the parent's ingest failed) and remove the scratch file."""
        self._stopping = True
        self._child.stop()
        if self._copier is not None and self._copier.is_alive():
            self._writer.interrupt_side()
            self._copier.join()
        for suffix in ("", ".wal", ".tmp", ".tmp.wal"):  # the child's copy-on-write leftovers
            self.part_path.with_name(self.part_path.name + suffix).unlink(missing_ok=True)


def _run(
    project: Project,
    key: bytes,
    files: list[tuple[Source, Path]],
    hashes: dict[Path, str],
    codebook_of: dict[Path, Any],
    part_path: Path,
) -> dict[str, list[Any]]:
    run = Run(project, key)
    out = {}
    with tuning.bulk_settings(), write_transaction(part_path) as w:
        for name in SOURCES:
            mine = [(s, p) for s, p in files if s.name == name]
            if mine:
                tallies = ingest_source(
                    run, w, mine, hashes, codebook_of, None, chunk_rows=tuning.CHUNK_ROWS
                )
                out[name] = [t.result() for t in tallies]
    return out
