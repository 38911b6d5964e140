"""The accepted rows of a slice, column by column, equal to pandas' boolean indexing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from eco_eval.ingest.gate import rows_where


def test_rows_where_equals_boolean_indexing_for_every_column_type() -> None:
    rng = np.random.default_rng(2)
    n = 500
    frame = pd.DataFrame(
        {
            "text": pd.array(rng.choice(["a", "b", None], n), dtype="str"),
            "arrow": pd.array(rng.choice(["x", None], n), dtype=pd.ArrowDtype(pa.large_string())),
            "objects": pd.Series(rng.choice(["u", None, 3], n), dtype=object),
            "number": rng.normal(size=n),
            "count": pd.array(rng.choice([1, 2, None], n), dtype="Int64"),
            "day": pd.date_range("2016-01-01", periods=n, freq="h"),
            "kind": pd.Categorical(rng.choice(["k1", "k2"], n)),
        },
        index=rng.permutation(n) + 7,
    )
    mask = rng.random(n) > 0.2
    pd.testing.assert_frame_equal(rows_where(frame, mask), frame[mask], check_exact=True)
    assert rows_where(frame, np.zeros(n, dtype=bool)).empty


def test_rows_where_with_a_repeated_column_name() -> None:
    frame = pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"])
    mask = np.array([False, True])
    pd.testing.assert_frame_equal(rows_where(frame, mask), frame[mask])
