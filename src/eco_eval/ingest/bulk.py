"""Process settings for a large ingest, set for its duration and restored after.

An ingest allocates and frees large buffers all the time (a slice of 1.2 million rows, Arrow
columns, NumPy masks) and creates millions of small objects (pseudonyms, set entries). Two
defaults of the process cost it a large share of its time on large exports:

- transparent huge pages: with the kernel's ``always`` mode, every fresh buffer is faulted in
  and zeroed 2 MB at a time, including the parts never written, so the kernel spends a
  noticeable part of the ingest zeroing pages. ``PR_SET_THP_DISABLE`` turns them off for this process (and the
  child it starts, which inherits it), on Linux only;
- the cyclic garbage collector's youngest generation, collected every 700 allocations of
  container objects, each time walking the young objects the ingest keeps anyway: a threshold
  of 100,000 collects the same garbage less often.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

PR_SET_THP_DISABLE = 41
PR_GET_THP_DISABLE = 42
GC_THRESHOLD = 100_000


def _prctl(*args: int) -> int | None:
    """``prctl(2)``, or None where there is none (not Linux) or it is refused."""
    try:
        import ctypes

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
