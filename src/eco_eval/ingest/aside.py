"""A source that needs nothing from the others, ingested in a child process alongside them.

The barometer is two thirds of the raw bytes at national size, and nothing in it depends on the
other sources: no session to look up, no name to mask (it has no free text), no duplicate
submission to find across sources. On a machine with two cores or more, when its files are
large, a child process ingests it into a scratch DuckDB file beside the store while the parent
ingests the others. At the barometer's turn in the ingest order the parent waits for the child,
then copies its rows and its quarantine into its own transaction: the store and the ingest log
are those of a serial run. Small files stay in the parent, where a child would cost more than it
saves (a Python start and a Great Expectations import, about 4 s of CPU).

The child is a fresh interpreter (``python -m eco_eval.ingest.aside``, arguments and result
pickled through its stdin and stdout), not a ``multiprocessing`` process: those re-import the
caller's main module, which re-runs a script that calls the ingest without a
``if __name__ == "__main__"`` guard. It dies with its parent (``PR_SET_PDEATHSIG`` on Linux),
and the parent stops it when its own ingest fails: a killed or failed ingest leaves no process
behind, only a scratch file that the next ingest removes.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
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

    def __init__(self, source: str, labels: list[str], part_path: Path, process: Any):
        self.source, self.labels, self.part_path = source, labels, part_path
        self._process = process

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
            args = (
                project,
                key,
                mine,
                {p: hashes[p] for _, p in mine},
                {p: codebook_of[p] for _, p in mine if p in codebook_of},
                part_path,
            )
            process = subprocess.Popen(
                [sys.executable, "-m", "eco_eval.ingest.aside"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            assert process.stdin is not None
            try:
                pickle.dump(args, process.stdin)
                process.stdin.close()
            except BrokenPipeError:
                pass  # the child died at start: collect() says so
            out.append(cls(name, [labels[p] for _, p in mine], part_path, process))
        return out

    def collect(self, w: Any, progress: Callable[[str], None] | None) -> list[Any]:
        """Wait for the child; copy its rows into the writer ``w``; return its FileResults.

        Re-raises the child's error (the same one-line message a serial ingest gives)."""
        for label in self.labels:
            if progress:
                progress(label)
        try:
            assert self._process.stdout is not None
            data = self._process.stdout.read()
            self._process.wait()
            if not data:
                raise EcoEvalError(
                    f"the {self.source} ingest process stopped (exit code "
                    f"{self._process.returncode}) without a result; run 'eco-eval ingest' again"
                )
            status, payload = pickle.loads(data)
            if status == "error":
                raise payload
            if status == "crash":
                raise RuntimeError(f"the {self.source} ingest process failed:\n{payload}")
            for label in self.labels:
                w.clear_file_rows(label)
            w.copy_rows_from(self.part_path, (self.source, "quarantine"))
            w.checkpoint()
            return list(payload)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop the child (the parent's ingest failed) and remove its scratch file."""
        if self._process.poll() is None:
            self._process.terminate()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        for path in (self.part_path, self.part_path.with_name(self.part_path.name + ".tmp")):
            path.unlink(missing_ok=True)


def _die_with_parent() -> None:
    import ctypes
    import signal

    # not Linux: no prctl, but the parent's stop() still ends the child
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _main() -> None:
    """The child: arguments from stdin, (status, payload) to stdout, anything else to stderr."""
    _die_with_parent()
    result = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints (GX, warnings) must not corrupt the pickled result
    sys.stdout = sys.stderr
    outcome: tuple[str, Any]
    try:
        outcome = ("ok", _run(*pickle.load(sys.stdin.buffer)))
    except EcoEvalError as exc:
        outcome = ("error", exc)
    except BaseException:
        outcome = ("crash", traceback.format_exc())
    with result:
        pickle.dump(outcome, result)


def _run(
    project: Project,
    key: bytes,
    files: list[tuple[Source, Path]],
    hashes: dict[Path, str],
    codebook_of: dict[Path, Any],
    part_path: Path,
) -> list[Any]:
    from eco_eval.ingest import CHUNK_ROWS, _ingest_source, _Run
    from eco_eval.store import write_transaction

    run = _Run(project, key)
    with write_transaction(part_path) as w:
        tallies = _ingest_source(run, w, files, hashes, codebook_of, None, chunk_rows=CHUNK_ROWS)
    return [t.result() for t in tallies]


if __name__ == "__main__":
    _main()
