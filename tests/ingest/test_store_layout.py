"""The barometer's item scores are columns of the ``barometer`` table (docs/data-model.md)."""

from __future__ import annotations

import contextlib
import shutil
from itertools import pairwise
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from eco_eval.config import load_project
from eco_eval.errors import StoreError
from eco_eval.ingest import ingest
from eco_eval.store import TABLES, open_store, write_transaction

KEY = "test-key-0123456789abcdef0123456789abcdef"


def _wave(file: str, ids: list[str], **items: list[float | None]) -> pd.DataFrame:
    n = len(ids)
    frame = pd.DataFrame(
        {
            "response_id": ids,
            "wave": "2016-05",
            "wave_date": pd.to_datetime(["2016-05-15"] * n),
            "wave_start": pd.to_datetime(["2016-05-02"] * n),
            "wave_end": pd.to_datetime(["2016-05-27"] * n),
            "submitted_at": pd.to_datetime(["2016-05-15 10:00"] * n),
            "person_key": None,
            "department": "Finances",
            "category": "A",
            "gender": "F",
            **items,
            "source_file": file,
            "source_line": np.arange(2, n + 2),
        }
    )
    return frame.astype(dict.fromkeys(items, float))


def test_items_become_columns_in_code_order_and_leave_with_their_file(tmp_path: Path):
    path = tmp_path / "store.duckdb"
    with write_transaction(path) as w:
        w.append_rows("barometer", _wave("a.csv", ["a1", "a2"], who5_2=[1.0, None], who5_1=[3, 4]))
        w.append_rows("barometer", _wave("b.csv", ["b1"], who5_1=[2.0], swemwbs_10=[5.0]))
        w.append_rows("barometer", _wave("b.csv", ["b2"], swemwbs_2=[1.0]))
    wide = open_store(path).table("barometer").set_index("response_id")
    items = ["swemwbs_2", "swemwbs_10", "who5_1", "who5_2"]
    assert list(wide.columns) == [*list(TABLES["barometer"])[1:], *items]
    assert wide.loc["a1", "who5_2"] == 1.0 and np.isnan(wide.loc["b1", "who5_2"])
    assert wide.loc["b2", "swemwbs_2"] == 1.0 and np.isnan(wide.loc["b2", "who5_1"])
    picked = open_store(path).table("barometer", columns=["response_id", "who5_1"])
    assert list(picked.columns) == ["response_id", "who5_1"]
    with pytest.raises(StoreError, match="no column"):
        open_store(path).table("barometer", columns=["who5_9"])
    with write_transaction(path) as w:
        w.delete_file("b.csv")
    wide = open_store(path).table("barometer", provenance=True)
    assert wide["response_id"].tolist() == ["a1", "a2"]
    assert [c for c in wide.columns if c.startswith(("who5", "swemwbs"))] == ["who5_1", "who5_2"]
    assert {"source_file", "source_line"} <= set(wide.columns)


def test_rows_go_in_through_arrow_or_as_a_frame_alike(tmp_path: Path):
    """Slices are handed to DuckDB as Arrow tables; a column Arrow cannot convert (Python
    objects of mixed types) falls back to DuckDB's pandas scan, with the same stored values.
    Missing numbers are NULL either way."""
    path = tmp_path / "store.duckdb"
    base = _wave("a.csv", ["a1", "a2", "a3"], who5_1=[1.0, None, 3.0])
    mixed = _wave("b.csv", ["b1", "b2", "b3"], who5_1=[1.0, None, 3.0])
    mixed["department"] = pd.Series(["Finances", 7, None], dtype=object)  # not Arrow-convertible
    with write_transaction(path) as w:
        w.append_rows("barometer", base)
        w.append_rows("barometer", mixed)
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute(
        "SELECT response_id, department, who5_1 IS NULL, wave_date FROM barometer ORDER BY 1"
    ).fetchall()
    con.close()
    assert [r[1] for r in rows] == ["Finances", "Finances", "Finances", "Finances", "7", None]
    assert [r[2] for r in rows] == [False, True, False] * 2
    assert {str(r[3]) for r in rows} == {"2016-05-15"}


def test_tables_read_their_text_through_arrow_as_duckdb_df_gives_them(tmp_path: Path):
    """``Store.table`` reads text columns through Arrow; the frame equals DuckDB's ``.df()``:
    values, dtypes (text with missing values, an all-missing text column, dates, numbers), the
    columns asked for in their order, and an empty table."""
    path = tmp_path / "store.duckdb"
    with write_transaction(path) as w:
        w.append_rows("barometer", _wave("a.csv", ["a1", "a2", None], who5_1=[1.0, None, 3.0]))
    con = duckdb.connect(str(path), read_only=True)
    cols = ["response_id", "person_key", "wave_date", "source_line", "department"]
    expected = con.execute(f"SELECT {', '.join(cols)} FROM barometer").df()
    empty = con.execute("SELECT * FROM sessions").df()
    con.close()
    store = open_store(path)
    from eco_eval.store import _frame

    with store.connect() as con:
        got = _frame(con, "barometer", cols)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["person_key"].dtype == object and got["response_id"].dtype != object
    pd.testing.assert_frame_equal(store.table("sessions", provenance=True), empty, check_exact=True)


@pytest.mark.parametrize(("distinct", "shared"), [(3, True), (40_000, True), (40_000, False)])
def test_text_comes_as_categoricals_in_order_of_first_appearance(
    distinct: int, shared: bool, monkeypatch
):
    """``as_categoricals`` (the indicators' loading): each text column has the codes and
    categories ``pd.factorize`` gives its values (order of first appearance, Arrow-backed
    text, missing values code −1), with few or many distinct values, across chunks that bring
    new values, and an empty chunk; other columns are as pyarrow converts them. Arrow encodes
    a chunked column with one dictionary; should it give one per chunk (``shared`` False),
    they are unified."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not shared:
        encode = pc.dictionary_encode
        monkeypatch.setattr(
            pc, "dictionary_encode", lambda col: pa.chunked_array([encode(c) for c in col.chunks])
        )

    from eco_eval.readers.table import TEXT_DTYPE
    from eco_eval.store import as_categoricals

    rng = np.random.default_rng(distinct)
    values = [f"v{i:05d}é" for i in rng.integers(0, distinct, 60_000)]
    values[7] = None
    values[59_999] = "only in the last chunk"
    numbers = rng.normal(size=60_000)
    bounds = [0, 20_000, 20_000, 45_000, 60_000]  # an empty chunk in the middle
    table = pa.table(
        {
            "key": pa.chunked_array(
                [pa.array(values[a:b], pa.string()) for a, b in pairwise(bounds)]
            ),
            "x": pa.chunked_array([numbers[a:b] for a, b in pairwise(bounds)]),
            "none": pa.chunked_array([pa.nulls(b - a, pa.string()) for a, b in pairwise(bounds)]),
        }
    )
    got = as_categoricals(table)
    assert list(got.columns) == ["key", "x", "none"]
    codes, uniques = pd.factorize(pd.array(values, dtype=TEXT_DTYPE))  # first appearance
    assert list(got["key"].cat.categories) == list(uniques)
    assert got["key"].cat.categories.dtype == TEXT_DTYPE
    np.testing.assert_array_equal(got["key"].cat.codes.to_numpy(), codes)
    assert got["key"].cat.codes.iloc[7] == -1
    np.testing.assert_array_equal(got["x"].to_numpy(), numbers)
    assert got["none"].isna().all() and len(got["none"].cat.categories) == 0
    assert got["none"].cat.categories.dtype == TEXT_DTYPE
    # the same column as pyarrow's own conversion of one dictionary
    reference = pa.table({"key": table["key"].combine_chunks().dictionary_encode()}).to_pandas()
    pd.testing.assert_series_equal(got["key"], reference["key"], check_exact=True)


def test_a_store_of_the_long_layout_is_refused_then_rebuilt(
    demo_project: Path, tmp_path, monkeypatch
):
    monkeypatch.setenv("ECO_EVAL_KEY", KEY)
    root = tmp_path / "city"
    shutil.copytree(demo_project, root)
    project = load_project(root)
    before = open_store(project.store_path).table("barometer")
    con = duckdb.connect(str(project.store_path))
    con.execute("CREATE TABLE barometer_items (response_id VARCHAR, item VARCHAR, value DOUBLE)")
    con.close()
    with pytest.raises(StoreError, match=r"earlier eco_eval.*eco-eval ingest"):
        open_store(project.store_path).table("barometer")
    report = ingest(project)  # no raw file changed: the layout alone makes it read them again
    assert report.changed and report.files
    store = open_store(project.store_path)
    assert store.outdated() == []
    after = store.table("barometer")
    pd.testing.assert_frame_equal(
        before.sort_values("response_id", ignore_index=True),
        after.sort_values("response_id", ignore_index=True),
    )


def test_a_side_transaction_in_another_thread_writes_beside_the_main_one(tmp_path: Path):
    """The aside's rows are copied by a thread through a second connection while the parent
    appends and checkpoints: both writers' rows land (quarantine too, which both append to);
    a checkpoint meanwhile only commits; a failed side block leaves none of its rows."""
    import threading

    started, may_commit = threading.Event(), threading.Event()

    def side_rows(w, fail: bool) -> None:
        with contextlib.suppress(RuntimeError), w.side_transaction() as side:
            side.append_rows("barometer", _wave("w.csv", ["s1", "s2"], who5_1=[1.0, 2.0]))
            side.con.execute(
                "INSERT INTO quarantine (table_name, source_file, source_line, reasons, raw) "
                "VALUES ('barometer', 'w.csv', 9, 'x', '{}')"
            )
            started.set()
            may_commit.wait(10)
            if fail:
                raise RuntimeError("side failed")

    for fail in (False, True):
        started.clear(), may_commit.clear()
        path = tmp_path / f"store-{fail}.duckdb"
        with write_transaction(path) as w:
            thread = threading.Thread(target=side_rows, args=(w, fail))
            thread.start()
            assert started.wait(10)
            w.con.execute(
                "INSERT INTO quarantine (table_name, source_file, source_line, reasons, raw) "
                "VALUES ('attendance', 'a.csv', 3, 'y', '{}')"
            )
            w.checkpoint()  # another write transaction is open: DuckDB could not checkpoint
            may_commit.set()
            thread.join()
            w.checkpoint()
        store = open_store(path)
        assert sorted(store.table("quarantine")["source_file"]) == (
            ["a.csv"] if fail else ["a.csv", "w.csv"]
        )
        assert store.table("barometer")["response_id"].tolist() == ([] if fail else ["s1", "s2"])
