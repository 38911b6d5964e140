"""Exact copies over the rows' 128-bit hashes, against pandas' ``duplicated`` of the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
