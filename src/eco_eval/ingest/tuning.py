"""Speed settings of the ingest for large inputs, gathered here; the domain modules call them.

None of them changes what is stored: each trades memory, or a setting of the process, for time.

Slice and batch sizes

- :data:`CHUNK_ROWS`: the rows of a file mapped, gated and written at a time (the small files of
  a source are gated together). Every slice pays fixed costs (a Great Expectations validation,
  a DuckDB insert, pandas calls): large slices pay them less often, for more memory at the peak.
- :data:`CHUNK_CELLS`: a barometer row holds one parsed cell per item, so its slices are bounded
  in cells rather than rows.
- :data:`CHECKPOINT_ROWS`: the rows written between two commits of the store's temporary copy
  (DuckDB holds what a transaction wrote in memory until it commits).

Process settings for the ingest's duration (:func:`bulk_settings`, restored after)

- Transparent huge pages off (``PR_SET_THP_DISABLE``, Linux only): with the kernel's
  ``always`` mode, every fresh buffer is faulted in and zeroed 2 MB at a time, including the
  parts never written; an ingest allocates and frees large buffers all the time (slices, Arrow
  columns, NumPy masks). The child process started meanwhile inherits the setting.
- A higher threshold for the cyclic garbage collector's youngest generation: by default it
  runs every 700 allocations of container objects and walks the young objects the ingest keeps
  anyway (pseudonyms, set entries); :data:`GC_THRESHOLD` collects the same garbage less often.

The child process of :mod:`eco_eval.ingest.aside`

- :data:`CHILD_ENV`: Arrow's allocator (mimalloc) keeps the memory it frees for the next slice
  instead of returning it to the system after 10 ms, which the next slice would then fault in
  and zero again. Arrow reads it when it loads, so it is set for the new process only.
- :func:`die_with_parent`: the child is killed with its parent (``PR_SET_PDEATHSIG``, Linux
  only), so a killed ingest leaves no process behind.

Great Expectations (:func:`great_expectations`, :func:`gx_context`)

- It is imported on the first validation, not when :mod:`eco_eval.ingest` is: its import takes
  seconds, and the commands that import the ingest's modules without validating (``eco-eval
  doctor``, the bilan) must not pay it.
- It is imported without ``altair``, which one GX expectation imports for its charts only
  (replaced by a stand-in that imports it on first use; only when nothing imported it yet, and
  it imports as usual afterwards). jsonschema, which GX imports, is pinned below 4.24
  (``constraints.txt``): later versions compile the Lark grammar of ``rfc3987_syntax`` when
  imported, for an ``iri`` format check neither GX's expectations nor eco_eval use.
- ``HASH_THRESHOLD = 0``: GX fingerprints every batch frame under 1 GB (an MD5 of pandas' hash
  of every cell) for the batch markers of its data docs, which an ephemeral context never
  writes.
- Its usage statistics and progress bars are off (an ingest runs in schedulers and terminals).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import logging
import os
import signal
import sys
import types
from collections.abc import Iterator
from typing import Any

#: rows of a file mapped, gated and written at a time
CHUNK_ROWS = 1_200_000
#: rows written between two commits of the store's temporary copy
CHECKPOINT_ROWS = 1_000_000
#: cells (rows × columns) of a barometer slice
CHUNK_CELLS = 24_000_000

PR_SET_PDEATHSIG = 1
PR_SET_THP_DISABLE = 41
PR_GET_THP_DISABLE = 42
GC_THRESHOLD = 100_000

#: the environment of the ingest's child process, besides the parent's (the parent's win)
CHILD_ENV = {"MIMALLOC_PURGE_DELAY": "-1"}


def _prctl(*args: int) -> int | None:
    """``prctl(2)``, or None where there is none (not Linux) or it is refused."""
    try:
        padded = (*args, 0, 0, 0, 0)[:5]  # the kernel checks that unused arguments are 0
        result = int(ctypes.CDLL(None, use_errno=True).prctl(*padded))
    except (OSError, AttributeError):
        return None
    return None if result < 0 else result


@contextlib.contextmanager
def bulk_settings() -> Iterator[None]:
    """Huge pages off and a higher collection threshold while the block runs; both restored."""
    thresholds = gc.get_threshold()
    thp_was = _prctl(PR_GET_THP_DISABLE)
    if thp_was == 0:
        _prctl(PR_SET_THP_DISABLE, 1)
    gc.set_threshold(max(thresholds[0], GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if thp_was == 0:
            _prctl(PR_SET_THP_DISABLE, 0)


def die_with_parent() -> None:
    """Have this process killed when its parent dies (Linux; elsewhere the parent's stop() still
    ends it)."""
    _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))


_GX: dict[str, Any] = {}  # "module" and "context", once imported


def great_expectations() -> types.ModuleType:
    """The ``great_expectations`` module, imported the lean way on first use (module doc)."""
    if "module" not in _GX:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        for name in ("great_expectations", "great_expectations.data_context.types.base"):
            logging.getLogger(name).setLevel(logging.ERROR)
        # the one import inside a function: GX takes seconds to import, and only a validation
        # needs it (module docstring)
        with _lean_gx_import():
            import great_expectations as gx
        from great_expectations.execution_engine import pandas_execution_engine

        if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
            pandas_execution_engine.HASH_THRESHOLD = 0
        _GX["module"] = gx
    return _GX["module"]


def gx_context() -> Any:
    """The process's ephemeral GX context, progress bars off."""
    if "context" not in _GX:
        gx = great_expectations()
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        _GX["context"] = ctx
    return _GX["context"]


@contextlib.contextmanager
def _lean_gx_import() -> Iterator[None]:
    """``altair`` deferred while the block runs (module doc)."""
    deferred = "altair" not in sys.modules
    if deferred:
        sys.modules["altair"] = _Deferred("altair")
    try:
        yield
    finally:
        if deferred:
            del sys.modules["altair"]


class _Deferred(types.ModuleType):
    """A module that imports the real one when an attribute is first read.

    Written by hand because the standard library's ``importlib.util.LazyLoader`` loads the
    module when the import statement reads its ``__spec__`` (Python 3.11)."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)
