"""Tables indexed by number: canonical decimal integers found by Arrow, used as table slots.

Identifiers are usually numbers — a matricule, a journal's row number, a LimeSurvey token — and
numbered without large gaps. A value kept in a NumPy table at the slot of its number is read
back from NumPy without a Python call, where a Python dictionary lookup mostly waits for memory
at national size (the table being far larger than the processor's caches). Used by the ingest's
lookups (:mod:`eco_eval.ingest.lookup`) and the pseudonym cache
(:class:`eco_eval.pseudonymise._Numbered`). Only canonical integers — as int64 writes them back:
no sign, no leading zero, no spaces — take a slot, so a number's slot stands for exactly one text.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: a decimal integer as int64 writes it back: no sign, no leading zero, at most 18 digits
CANONICAL_INT = r"^(0|[1-9][0-9]{0,17})$"
#: the direct table may hold up to this many slots per key (ids numbered with gaps)
MAX_SLOTS_PER_KEY = 8


def canonical_ints(text: object, *, partial: bool = False) -> np.ndarray | None:
    """Each canonical decimal integer of an Arrow string array as int64, -1 for any other value
    (missing included); None when ``partial`` is false and some value is not one."""
    assert isinstance(text, (pa.Array, pa.ChunkedArray))
    ok = pc.fill_null(pc.match_substring_regex(text, CANONICAL_INT), False)
    if not partial and not pc.all(ok).as_py() and len(text):
        return None
    ints = pc.cast(pc.if_else(ok, text, "-1"), pa.int64())
    return np.asarray(ints.to_numpy(zero_copy_only=False), dtype=np.int64)


def table_room(table: np.ndarray, held: int, incoming: int) -> int:
    """How far a table indexed by number may reach: its size, or :data:`MAX_SLOTS_PER_KEY`
    slots per number it holds or may receive (numbers without large gaps)."""
    return max(len(table), MAX_SLOTS_PER_KEY * (held + incoming) + 1024)


def grown(table: np.ndarray, high: int, fill: object) -> np.ndarray:
    """``table`` extended with ``fill`` up to index ``high`` (itself when it reaches it)."""
    if high < len(table):
        return table
    out = np.full(high + 1, fill, dtype=table.dtype)
    out[: len(table)] = table
    return out
