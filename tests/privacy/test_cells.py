"""The privacy layer's key helpers against the pandas operations they stand for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eco_eval.indicators.core import KEY
from eco_eval.privacy._cells import codes_of, group_codes, keys_in


def _keys(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Key columns with few distinct values (many repeats), as arrow-backed text."""
    return pd.DataFrame(
        {c: pd.Series([f"{c}{v}" for v in rng.integers(0, 3, n)], dtype="str") for c in KEY}
    ).assign(frame=rng.integers(0, 3, n))


def test_group_codes_number_groups_as_groupby_does():
    rng = np.random.default_rng(0)
    for n in (0, 1, 7, 60, 500):
        frame = _keys(rng, n)
        for columns in (["frame", "period", "lever", "tool", "indicator"], list(KEY), ["group"]):
            want = frame.groupby(columns, sort=False).ngroup().to_numpy()
            np.testing.assert_array_equal(group_codes(frame, columns), want)


def test_codes_of_is_factorize_of_the_text():
    values = pd.Series(["b", "a", "b", "*", "a"], dtype="str")
    np.testing.assert_array_equal(codes_of(values), [0, 1, 0, 2, 1])
    np.testing.assert_array_equal(codes_of(pd.Series([3, 1, 3])), [0, 1, 0])


def test_keys_in_is_a_merge_on_the_key():
    rng = np.random.default_rng(1)
    for n, m in ((0, 5), (5, 0), (40, 40), (300, 20)):
        rows, other = _keys(rng, n), _keys(rng, m)
        merged = rows[list(KEY)].merge(
            other[list(KEY)].drop_duplicates(), how="left", indicator=True
        )
        want = (merged["_merge"] == "both").to_numpy()
        got = keys_in(rows, other)
        assert got.dtype == bool and len(got) == n
        np.testing.assert_array_equal(got, want)
