"""Sort-based set operations on integer arrays (numpy's hash-based ``unique`` is slow on int64 here)
and fast date formatting through Arrow casts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values of ``a``."""
    s = np.sort(a, kind="stable")
    if len(s) == 0:
        return s
    return s[np.r_[True, s[1:] != s[:-1]]]


def member(query: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``query in sorted_keys``, element-wise (``sorted_keys`` sorted and distinct)."""
    if len(sorted_keys) == 0:
        return np.zeros(np.shape(query), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, query), len(sorted_keys) - 1)
    return sorted_keys[pos] == query


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted distinct values present in both arrays."""
    ua = unique(a)
    return ua[member(ua, unique(b))]


def timestamps_text(values: np.ndarray) -> pa.Array:
    """``datetime64[s]`` -> ``YYYY-MM-DD HH:MM:SS`` strings."""
    return pc.cast(pa.array(values.astype("datetime64[s]")), pa.string())


def dates_text_fr(values: np.ndarray) -> pa.Array:
    """``datetime64[D]`` -> ``dd/mm/yyyy`` strings."""
    iso = pc.cast(pa.array(values.astype("datetime64[D]")), pa.string())
    day = pc.utf8_slice_codeunits(iso, 8, 10)
    month = pc.utf8_slice_codeunits(iso, 5, 7)
    year = pc.utf8_slice_codeunits(iso, 0, 4)
    return pc.binary_join_element_wise(day, month, year, "/")
