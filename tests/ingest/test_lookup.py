"""KeyIndex finds a value among the keys exactly as a dictionary of the keys would."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eco_eval.ingest.lookup import KeyIndex


def _expected(keys: list[str], values: list[object]) -> list[int]:
    where = {k: i for i, k in enumerate(keys)}
    return [where.get(v, -1) if isinstance(v, str) else -1 for v in values]


TRICKY = ["0", "00", "07", "7", " 7", "7 ", "+7", "-7", "7.0", "1e3", "٣", "", None, np.nan,
          "999999999999999999", "9999999999999999999", "12345678901234567890", "x", "S-7"]  # fmt: skip


@pytest.mark.parametrize(
    "keys",
    [
        [str(i) for i in range(1, 5_000)],  # numbered: the direct table
        [str(i) for i in range(0, 5_000_000, 1_000)],  # gaps too large: the dictionary
        [*(str(i) for i in range(1, 5_000)), "S-12"],  # one key is not a number: the dictionary
        ["7", "0", "999999999999999999"],  # few keys, a wide span
    ],
)
@pytest.mark.parametrize("dtype", ["str", object])
def test_positions_are_those_of_a_dictionary(keys, dtype):
    rng = np.random.default_rng(5)
    pool = [*TRICKY, *keys, *(str(i) for i in rng.integers(0, 6_000_000, 200))]
    values = [pool[i] for i in rng.integers(0, len(pool), 20_000)]
    index = KeyIndex(keys)
    got = index.positions(pd.Series(values, dtype=dtype))
    assert got.tolist() == _expected(keys, values)
    assert index.contains(pd.Series(values, dtype=dtype)).tolist() == [
        p >= 0 for p in _expected(keys, values)
    ]
    assert keys[-1] in index and "07" not in index


def test_the_direct_table_is_used_for_numbered_ids():
    """The fast path must be taken for the usual ids (else the ingest silently slows down)."""
    numbered = KeyIndex([str(i) for i in range(300_000, 301_000)])
    assert numbered._dict is None and len(numbered._table) == 1_000
    assert KeyIndex(["a", "b"])._dict is not None


@pytest.mark.parametrize("dtype", ["str", object, "category"])
def test_map_distinct_matches_series_map_and_calls_once_per_distinct_value(dtype):
    """Tools and levers are mapped once per distinct value; the result is each value's own
    mapping (missing values map to ``missing``)."""
    from eco_eval.ingest.mapping import map_distinct

    rng = np.random.default_rng(3)
    values = pd.Series(rng.choice(["balade", "point silence", "", "x", None], 5000), dtype=dtype)
    table = {"balade": "curiosite", "point silence": "bien_etre", "": None}
    calls: list[object] = []

    def lookup(u: object) -> object:
        calls.append(u)
        return table.get(u)  # type: ignore[call-overload]

    got = map_distinct(values, lookup, missing="none")
    assert got.tolist() == ["none" if pd.isna(v) else table.get(v) for v in values]
    assert sorted(calls) == ["", "balade", "point silence", "x"]


def _repeats_by_set(slices: list[pd.Series]) -> list[list[bool]]:
    met: set[object] = set()
    out = []
    for values in slices:
        flags = []
        for v in values.astype(object):
            if pd.isna(v):
                flags.append(False)
            else:
                flags.append(v in met)
                met.add(v)
        out.append(flags)
    return out


@pytest.mark.parametrize("dtype", ["str", object])
def test_seen_values_flag_the_repeats_a_set_would(dtype):
    """Ids met before, in an earlier slice or row, are flagged exactly as with a set of the
    texts: numbers (in the table), leading zeros, signs, spaces, missing values, and a number
    too large for the table at first that fits it later (it stays in the set, still found)."""
    from eco_eval.ingest.lookup import SeenValues

    rng = np.random.default_rng(9)
    odd = ["007", "7", " 7", "+7", "٧", "", None, "0", "x1", "50000000", "49999999"]
    slices = [pd.Series(["200000", "1", "1", "50000000"], dtype=dtype)]  # too large at first
    for size in (5_000, 20_000, 400, 30_000):
        pool = np.array([str(n) for n in rng.integers(0, 60_000, 8_000)] + odd, dtype=object)
        values = pd.Series(pool[rng.integers(0, len(pool), size)], dtype=object)
        slices.append(values.astype(dtype))
    slices.append(pd.Series(["50000000", "49999999", "200000"] * 3, dtype=dtype))
    if dtype is object:  # a number and its text are different values, as in a set
        slices.append(pd.Series([7, "7", 7.0, "123", 123, None], dtype=object))
    # ids after a prefix, as the barometer's "wave:id": one table per prefix
    prefixed = ["2016-05:", "2016-11:", "w", "w0", "a b ", "x:"]
    for size in (4_000, 9_000):
        heads = np.array(prefixed, dtype=object)[rng.integers(0, len(prefixed), size)]
        tails = np.array([str(n) for n in rng.integers(0, 5_000, size)], dtype=object)
        tails[:20] = ["012", "12", "0", "00", "9" * 19, "1e3", "abc", "", " 7", "-7"] * 2
        slices.append(pd.Series(heads + tails, dtype=dtype))
    seen = SeenValues()
    got = [seen.repeats(s).tolist() for s in slices]
    assert got == _repeats_by_set(slices)
    if dtype == "str":  # the numbers went through the tables
        assert seen._tables[""].count > 10_000 and seen._tables["2016-05:"].count > 1_000
        assert len(seen._others) < 100
