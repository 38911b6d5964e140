"""Exact copies over the rows' two 64-bit hashes, against pandas' ``duplicated`` of the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eco_eval.ingest import duplicates
from eco_eval.ingest.duplicates import exact_copies, row_hashes


def test_exact_copies_equal_pandas_duplicated_rows() -> None:
    """Copies of earlier rows, in any order and across missing values, are found and the first
    is kept, as ``DataFrame.duplicated`` finds them on the values themselves."""
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "session_id": rng.choice(["S1", "S2", "S3", None], 400),
            "person_key": rng.choice([f"p{i}" for i in range(30)], 400),
            "department": rng.choice(["Finances", "Culture", None], 400),
            "count": rng.choice([1.0, 2.0, np.nan], 400),
        }
    )
    got = exact_copies(row_hashes(frame, list(frame.columns)))
    assert got.tolist() == frame.duplicated().tolist()
    assert 0 < got.sum() < len(frame)


def test_rows_sharing_only_their_first_hash_are_not_copies() -> None:
    h1 = np.array([7, 7, 7, 9, 7], dtype=np.uint64)
    h2 = np.array([1, 2, 1, 3, 2], dtype=np.uint64)
    assert exact_copies({"h1": h1, "h2": h2}).tolist() == [False, False, True, False, True]
    assert not exact_copies({"h1": h1[:1], "h2": h2[:1]}).any()


def test_rows_that_differ_only_in_how_their_text_is_split_or_missing_are_not_copies() -> None:
    """Missing is not empty text, and the same characters split differently between the
    columns (the joined text of the second hash alike) are different rows."""
    frame = pd.DataFrame(
        {
            "a": ["x\x1fy", "x", None, "", "\x00", "x\x1fy"],
            "b": ["z", "y\x1fz", "v", "v", "v", "z"],
        }
    )
    assert exact_copies(row_hashes(frame, ["a", "b"])).tolist() == [
        *[False] * 5,
        True,
    ]


def test_a_value_hashes_alike_whatever_its_column_type_in_each_slice() -> None:
    """A slice read as numbers and one read as text: 4.0 and "4.0" are the same cell."""
    numbers = pd.DataFrame({"id": pd.array(["A", "B"], dtype="string[pyarrow]"), "n": [4.0, None]})
    objects = pd.DataFrame({"id": ["A", "B"], "n": pd.Series(["4.0", None], dtype=object)})
    read = pd.DataFrame({"id": ["A", "B"], "n": ["4.0", None]}, dtype="str")  # as a reader reads
    first = row_hashes(numbers, ["id", "n"])
    for other in (objects, read):
        hashes = row_hashes(other, ["id", "n"])
        for name in ("h1", "h2"):
            assert first[name].tolist() == hashes[name].tolist()
    assert first["h1"][0] != first["h1"][1]


def test_rows_whose_first_hash_repeats_equal_pandas_duplicated() -> None:
    """The candidates of both duplicate passes, over the whole range of 64-bit hashes."""
    rng = np.random.default_rng(4)
    h1 = rng.integers(0, 2**64 - 1, 5_000, dtype=np.uint64, endpoint=True)
    h1[rng.integers(0, 5_000, 300)] = h1[rng.integers(0, 5_000, 300)]
    h1[:3] = np.iinfo(np.uint64).max
    expected = np.flatnonzero(pd.Series(h1).duplicated(keep=False).to_numpy())
    assert duplicates._first_hash_repeats(h1).tolist() == expected.tolist()
    assert len(expected) > 300
    assert duplicates._first_hash_repeats(h1[3:4]).tolist() == []
