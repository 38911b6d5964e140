"""A source that needs nothing from the others, ingested in a child process alongside them.

The barometer is two thirds of the raw bytes at national size, and nothing in it depends on the
other sources: no session to look up, no name to mask (it has no free text), no duplicate
submission to find across sources. On a machine with two cores or more, when its files are
large, a child process ingests it into a scratch DuckDB file beside the store while the parent
ingests the others. At the barometer's turn in the ingest order the parent waits for the child,
then copies its rows and its quarantine into its own transaction: the store and the ingest log
are those of a serial run. Small files stay in the parent, where a child would cost more than it
saves (a Python start and a Great Expectations import, about 4 s of CPU).

The child dies with its parent (``PR_SET_PDEATHSIG`` on Linux), and the parent stops the child
when its own ingest fails: a killed or failed ingest leaves no process behind, only a scratch
file that the next ingest removes.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eco_eval.config import Project, Source
from eco_eval.errors import EcoEvalError

#: sources ingested aside (see the module docstring for why these)
SOURCES = ("barometer",)
#: below this many bytes of raw files, a source is ingested in the parent
MIN_BYTES = 256 * 2**20


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Aside:
    """The child process ingesting ``source`` into ``part_path``."""

    def __init__(self, source: str, labels: list[str], part_path: Path, process: Any, conn: Any):
        self.source, self.labels, self.part_path = source, labels, part_path
        self._process, self._conn = process, conn

    @classmethod
    def start(
        cls,
        project: Project,
        key: bytes,
        files: list[tuple[Source, Path]],
        hashes: dict[Path, str],
        codebook_of: dict[Path, Any],
        labels: dict[Path, str],
        *,
        min_bytes: int | None = None,
    ) -> list[Aside]:
        """Start a child for each source of :data:`SOURCES` whose files are large enough."""
        import multiprocessing

        if _cores() < 2:
            return []
        threshold = MIN_BYTES if min_bytes is None else min_bytes
        out = []
        for name in SOURCES:
            mine = [(s, p) for s, p in files if s.name == name]
            if not mine or sum(p.stat().st_size for _, p in mine) < threshold:
                continue
            part_path = project.processed_dir / f".{name}.part.duckdb"
            part_path.unlink(missing_ok=True)
            ctx = multiprocessing.get_context("spawn")  # no fork of a process holding DuckDB
            parent_conn, child_conn = ctx.Pipe(duplex=False)
            args = (
                project,
                key,
                mine,
                {p: hashes[p] for _, p in mine},
                {p: codebook_of[p] for _, p in mine if p in codebook_of},
                part_path,
                child_conn,
            )
            process = ctx.Process(target=_child, args=args, name=f"eco-eval ingest {name}")
            process.start()
            child_conn.close()
            out.append(cls(name, [labels[p] for _, p in mine], part_path, process, parent_conn))
        return out

    def collect(self, w: Any, progress: Callable[[str], None] | None) -> list[Any]:
        """Wait for the child; copy its rows into the writer ``w``; return its FileResults.

        Re-raises the child's error (the same one-line message a serial ingest gives)."""
        for label in self.labels:
            if progress:
                progress(label)
        try:
            try:
                status, payload = self._conn.recv()
            except EOFError:
                self._process.join()
                raise EcoEvalError(
                    f"the {self.source} ingest process stopped (exit code "
                    f"{self._process.exitcode}) without a result; run 'eco-eval ingest' again"
                ) from None
            if status == "error":
                raise payload
            if status == "crash":
                raise RuntimeError(f"the {self.source} ingest process failed:\n{payload}")
            self._process.join()
            for label in self.labels:
                w.clear_file_rows(label)
            w.copy_rows_from(self.part_path, (self.source, "quarantine"))
            w.checkpoint()
            return list(payload)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop the child (the parent's ingest failed) and remove its scratch file."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        for path in (self.part_path, self.part_path.with_name(self.part_path.name + ".tmp")):
            path.unlink(missing_ok=True)


def _die_with_parent() -> None:
    import ctypes
    import signal

    # not Linux: no prctl, but the parent's stop() still ends the child
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child(
    project: Project,
    key: bytes,
    files: list[tuple[Source, Path]],
    hashes: dict[Path, str],
    codebook_of: dict[Path, Any],
    part_path: Path,
    conn: Any,
) -> None:
    _die_with_parent()
    from eco_eval.ingest import CHUNK_ROWS, _ingest_source, _Run
    from eco_eval.store import write_transaction

    try:
        run = _Run(project, key)
        with write_transaction(part_path) as w:
            tallies = _ingest_source(
                run, w, files, hashes, codebook_of, None, chunk_rows=CHUNK_ROWS
            )
        conn.send(("ok", [t.result() for t in tallies]))
    except EcoEvalError as exc:
        conn.send(("error", exc))
    except BaseException:
        conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()
