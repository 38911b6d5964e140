"""Exact lookup of many text values among a large set of text keys: the accepted session ids
(:class:`KeyIndex`) and the ids a uniqueness rule has met (:class:`SeenValues`), both built on
the tables indexed by number of :mod:`eco_eval.numbered` (which also keep the pseudonyms of
matricules, ``pseudonymise._Numbered``).

At national size millions of attendance rows and feedback answers are looked up among millions
of session ids. A dictionary costs a hash and a string comparison per value in Python, most of
it waiting for memory, the table being far larger than the processor's caches. Session ids are usually numbers (a journal's row number, a
LimeSurvey token): when every key is a canonical decimal integer and they are numbered without
large gaps, each key's position is kept in a table indexed by the number, and the values are
parsed by Arrow and read from the table in NumPy, without a Python call per value. A value matches only
the key with the same text: a value with a leading zero, a sign or spaces is not a canonical
integer and matches no key, as in the dictionary. No library offers a persistent hash index over
strings to probe with a vector of values and to grow (``Series.isin`` and
``pyarrow.compute.index_in`` hash the whole key set again on every call), hence this module.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eco_eval.numbered import MAX_SLOTS_PER_KEY, canonical_ints, grown, table_room


class KeyIndex:
    """The position of each value among ``keys`` (distinct strings), -1 where it is absent."""

    def __init__(self, keys: Sequence[str]):
        self._dict: dict[str, int] | None = None
        self._low, self._table = 0, np.empty(0, dtype=np.int32)
        ints = canonical_ints(pa.array(list(keys), type=pa.large_string()))
        if ints is not None and len(ints):
            low, high = int(ints.min()), int(ints.max())
            if high - low < MAX_SLOTS_PER_KEY * len(ints) + 1024:
                self._low = low
                self._table = np.full(high - low + 1, -1, dtype=np.int32)
                self._table[ints - low] = np.arange(len(ints), dtype=np.int32)
                return
        self._dict = {k: i for i, k in enumerate(keys)}

    def positions(self, values: pd.Series) -> np.ndarray:
        """``keys.index(value)`` of each value, -1 for a missing or unknown one."""
        if self._dict is not None:
            get = self._dict.get
            return np.fromiter(
                (-1 if (p := get(v)) is None else p for v in values.to_numpy(dtype=object)),
                dtype=np.int64,
                count=len(values),
            )
        ints = canonical_ints(pa.array(values.astype("str")), partial=True)
        assert ints is not None
        slot = ints - self._low
        inside = (ints >= 0) & (slot >= 0) & (slot < len(self._table))
        out = np.full(len(values), -1, dtype=np.int64)
        out[inside] = self._table[slot[inside]]
        return out

    def __contains__(self, value: object) -> bool:
        return bool(self.contains(pd.Series([value], dtype=object))[0])

    def contains(self, values: pd.Series) -> np.ndarray:
        """Whether each value is one of the keys."""
        return self.positions(values) >= 0


#: a text as a prefix and a trailing canonical integer ("2016-05:123" -> "2016-05:", "123"):
#: the split is a function of the text, so that (prefix, number) pairs are as distinct as texts
PREFIXED_INT = r"^(?P<prefix>.*?)(?P<number>0|[1-9][0-9]{0,17})$"


class SeenValues:
    """The values a uniqueness rule has met so far, over the slices of a table.

    :meth:`repeats` tells which values of a new slice repeat one met before, in an earlier
    slice or an earlier row of the slice, as a set of the values would. Ids are usually numbers,
    alone (a LimeSurvey response id, a journal's row number) or after a fixed prefix (the
    barometer's "wave:id"): texts ending in a canonical decimal integer are marked in a boolean
    table per prefix, indexed by the number and read and written in NumPy, while it stays
    within :data:`MAX_SLOTS_PER_KEY` slots per number met; other values go to a set, one Python
    lookup each. A number too large for its table
    waits in the set until the table has room for it, then moves to the table, so that each
    value has one home.
    """

    def __init__(self) -> None:
        self._tables: dict[str, _Marks] = {}
        self._others: set[object] = set()

    def repeats(self, values: pd.Series) -> np.ndarray:
        """Whether each (non-missing) value was met before; remembers the new ones."""
        out = np.zeros(len(values), dtype=bool)
        if not len(values):
            return out
        if isinstance(values.dtype, pd.StringDtype):
            text = values
        else:  # only the texts can be numbers: 7 and "7" are different values
            objects = values.to_numpy(dtype=object)
            texts = np.fromiter((isinstance(v, str) for v in objects), bool, len(objects))
            text = pd.Series(objects, dtype=object).where(texts, None).astype("str")
        numbered = self._mark_numbers(text, out)
        rest = values.notna().to_numpy() & ~numbered
        if rest.any():
            known, add = self._others.__contains__, self._others.add
            out[rest] = np.fromiter(
                (known(v) or add(v) for v in values.to_numpy(dtype=object)[rest]),
                dtype=bool,
                count=int(rest.sum()),
            )
        return out

    def _mark_numbers(self, text: pd.Series, out: np.ndarray) -> np.ndarray:
        """Marks the texts that end in a number in their prefix's table; returns which did."""
        arrow = pa.array(text.astype("str"))
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        # numbers alone first (no prefix: the usual ids), then the others split by the regex
        ints = canonical_ints(arrow, partial=True)
        assert ints is not None
        which = np.where(ints >= 0, 0, -1)
        prefixes = [""]
        others = np.flatnonzero((ints < 0) & text.notna().to_numpy())
        if len(others):
            parts = pc.extract_regex(arrow.take(pa.array(others)), PREFIXED_INT)
            split = pc.dictionary_encode(parts.field("prefix"))
            numbers = canonical_ints(parts.field("number"), partial=True)
            assert numbers is not None
            ints = ints.copy()  # Arrow's buffer: read-only
            ints[others] = numbers
            found = split.indices.to_numpy(zero_copy_only=False)
            which[others] = np.where(numbers >= 0, found + 1, -1)
            prefixes += split.dictionary.to_pylist()
        numbered = np.zeros(len(ints), dtype=bool)
        for code, prefix in enumerate(prefixes):
            rows = np.flatnonzero(which == code)
            if not len(rows):
                continue
            marks = self._tables.setdefault(prefix, _Marks(prefix))
            kept, again = marks.mark(ints[rows], self._others)
            numbered[rows[kept]] = True
            out[rows[kept]] = again
        return numbered


class _Marks:
    """The numbers met after one prefix: a boolean table indexed by the number."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.marked = np.zeros(0, dtype=bool)
        self.count = 0  # numbers marked
        self.waiting: set[int] = set()  # numbers in the set, too large for the table then

    def mark(self, numbers: np.ndarray, others: set[object]) -> tuple[np.ndarray, np.ndarray]:
        """Which ``numbers`` the table holds, and whether each of those was met before."""
        room = table_room(self.marked, self.count, len(numbers))
        kept = numbers < room
        self.waiting.update(numbers[~kept].tolist())
        moving = [n for n in self.waiting if n < room]
        numbers = numbers[kept]
        if not len(numbers) and not moving:
            return kept, np.zeros(0, dtype=bool)
        high = max([int(numbers.max()) if len(numbers) else -1, *moving])
        self.marked = grown(self.marked, high, False)
        for n in moving:  # met earlier, when the table had no room for them
            self.waiting.discard(n)
            text = f"{self.prefix}{n}"
            if text in others:
                others.discard(text)
                self.marked[n] = True
                self.count += 1
        again = pd.Series(numbers).duplicated(keep="first").to_numpy() | self.marked[numbers]
        self.marked[numbers] = True
        self.count += int(len(numbers) - np.count_nonzero(again))
        return kept, again
