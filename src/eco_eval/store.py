"""The processed store: one DuckDB file under ``data/processed/``, the only writer of that folder.

Writes are copy-on-write: a writer copies the database to a temporary file, applies one ingest in a
transaction there, checkpoints, then atomically renames it over the old file. A process killed at
any moment leaves the previous database untouched (at worst a stale ``*.tmp`` that the next writer
removes), and readers never wait for a writer: an open reader keeps the snapshot it opened.

Analysts get pandas DataFrames from one call::

    import eco_eval
    sessions = eco_eval.open_store("data/processed/eco_eval.duckdb").table("sessions")
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eco_eval.errors import LockHeld, StoreError, WriteFailed, did_you_mean, write_failed
from eco_eval.schema import ITEMS, SOURCE_NAMES, TEXT_DTYPE, one_sentinel

# Column order and DuckDB types of the canonical tables (see docs/data-model.md).
TABLES: dict[str, dict[str, str]] = {
    "headcount": {
        "quarter": "VARCHAR",
        "department": "VARCHAR",
        "category": "VARCHAR",
        "gender": "VARCHAR",
        "filiere": "VARCHAR",
        "headcount": "BIGINT",
        "as_of": "DATE",
    },
    "sessions": {
        "session_id": "VARCHAR",
        "date": "DATE",
        "quarter": "VARCHAR",
        "tool_id": "VARCHAR",
        "lever_id": "VARCHAR",
        "facilitator_key": "VARCHAR",
        "n_facilitators": "BIGINT",
        "duration_h": "DOUBLE",
        "place": "VARCHAR",
        "host_department": "VARCHAR",
        "status": "VARCHAR",
    },
    "attendance": {
        "session_id": "VARCHAR",
        "person_key": "VARCHAR",
        "department": "VARCHAR",
        "category": "VARCHAR",
        "gender": "VARCHAR",
        "filiere": "VARCHAR",
    },
    "feedback": {
        "response_id": "VARCHAR",
        "session_id": "VARCHAR",
        "tool_id": "VARCHAR",
        "lever_id": "VARCHAR",
        "submitted_at": "TIMESTAMP",
        "quarter": "VARCHAR",
        "satisfaction": "DOUBLE",
        "usefulness": "DOUBLE",
        "recommend": "DOUBLE",
        "comment": "VARCHAR",
    },
    "barometer": {
        "response_id": "VARCHAR",
        "wave": "VARCHAR",
        "wave_date": "DATE",
        "wave_start": "DATE",
        "wave_end": "DATE",
        "submitted_at": "TIMESTAMP",
        "person_key": "VARCHAR",
        "department": "VARCHAR",
        "category": "VARCHAR",
        "gender": "VARCHAR",
    },
    "ideas": {
        "idea_id": "VARCHAR",
        "proposed_on": "DATE",
        "quarter": "VARCHAR",
        "department": "VARCHAR",
        "tool_id": "VARCHAR",
        "lever_id": "VARCHAR",
        "status": "VARCHAR",
        "studied_on": "DATE",
        "trialled_on": "DATE",
        "adopted_on": "DATE",
        "dropped_on": "DATE",
        "hours_saved": "DOUBLE",
        "cost_saved": "DOUBLE",
        "users_affected": "DOUBLE",
        "author_key": "VARCHAR",
    },
    "hr_results": {
        "quarter": "VARCHAR",
        "department": "VARCHAR",
        "absence_days": "DOUBLE",
        "absence_days_sickness": "DOUBLE",
        "absence_days_accident": "DOUBLE",
        "average_headcount": "DOUBLE",
        "absence_rate": "DOUBLE",
        "leavers": "DOUBLE",
        "internal_moves": "DOUBLE",
        "training_days": "DOUBLE",
    },
    "citizen_satisfaction": {
        "quarter": "VARCHAR",
        "department": "VARCHAR",
        "respondents": "DOUBLE",
        "satisfaction_score": "DOUBLE",
        "complaints": "DOUBLE",
    },
    "person_links": {  # the pseudonymised identity map (eco_eval.ingest.identity)
        "kind": "VARCHAR",
        "id_key": "VARCHAR",
        "person_key": "VARCHAR",
    },
    "linkage": {  # rows of each person-keyed table by link outcome to the attendance register
        "table_name": "VARCHAR",
        "target": "VARCHAR",
        "outcome": "VARCHAR",
        "rows": "BIGINT",
    },
    "quarantine": {
        "table_name": "VARCHAR",
        "source_file": "VARCHAR",
        "source_line": "BIGINT",
        "reasons": "VARCHAR",
        "raw": "VARCHAR",
    },
    "ingest_log": {
        "source_file": "VARCHAR",
        "sha256": "VARCHAR",
        "table_name": "VARCHAR",
        "rows_read": "BIGINT",
        "rows_accepted": "BIGINT",
        "rows_quarantined": "BIGINT",
        "duplicates": "BIGINT",
        "ingested_at": "TIMESTAMP",
        "package_version": "VARCHAR",
        "detail": "VARCHAR",
    },
    "publication_ledger": {  # every cell ever published (eco_eval.privacy.ledger)
        "publication": "VARCHAR",
        "period": "VARCHAR",
        "start": "DATE",
        "end": "DATE",
        "lever": "VARCHAR",
        "tool": "VARCHAR",
        "dimension": "VARCHAR",
        "group": "VARCHAR",
        "indicator": "VARCHAR",
        "value": "DOUBLE",
        "n": "DOUBLE",
        "suppressed": "BOOLEAN",
        "published_at": "TIMESTAMP",
    },
}
#: the tables an ingest keeps from the store it replaces: the history of ingests and of
#: publications (the ledger is what later publications are checked against)
KEPT_BY_INGEST = ("ingest_log", "publication_ledger")
PROVENANCE = {"source_file": "VARCHAR", "source_line": "BIGINT"}
#: the tables of the sources' accepted rows (:data:`TABLES` gives each its columns)
DATA_TABLES = SOURCE_NAMES


#: the table whose rows also carry one DOUBLE column per item code, added as files bring them
#: (a wave can add or drop questions); they follow the columns above
ITEM_TABLE = "barometer"
#: every table with item columns: the barometer, and the feedback's batteries (``items:`` rules)
ITEM_TABLES = (ITEM_TABLE, "feedback")
#: tables of earlier layouts: the next ingest drops them and reads every file again
#: (``barometer_items``: the item scores as a long table, one row per answer, up to 0.1.0)
RETIRED_TABLES = ("barometer_items",)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(name: str) -> dict[str, str]:
    cols = dict(TABLES[name])
    if name in DATA_TABLES:
        cols.update(PROVENANCE)
    return cols


def _create_schema(con: Any) -> None:
    for name in RETIRED_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {_quote(name)}")
    for name in TABLES:
        cols = ", ".join(f'"{c}" {t}' for c, t in _columns(name).items())
        con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({cols})')


class Store:
    """Read access to the store; each call opens a short read-only connection."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if not self.path.exists():
            raise StoreError(
                f"{self.path}: no store here; run 'eco-eval ingest' (or 'eco-eval demo' then 'eco-eval ingest') first"
            )

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            raise StoreError(
                f"{self.path}: cannot open the store ({exc}); it is damaged or not a store: "
                f"rename it (e.g. to {self.path.name}.damaged) and run 'eco-eval ingest' to "
                "rebuild it from data/raw (its ingest log and publication ledger start again: "
                "restore them from a backup if you have one)"
            ) from exc
        try:
            _quiet(con)
            yield con
        finally:
            con.close()

    def tables(self) -> list[str]:
        return list(TABLES)

    def outdated(self) -> list[str]:
        """Tables of an earlier layout still in the store (the next ingest rebuilds it): retired
        tables, and tables lacking a column of :data:`TABLES`."""
        with self.connect() as con:
            present = _present_tables(con)
            short = [
                t
                for t in DATA_TABLES
                if t in present and set(_columns(t)) - set(_column_names(con, t))
            ]
        return [t for t in RETIRED_TABLES if t in present] + short

    def table(
        self,
        name: str,
        *,
        provenance: bool = False,
        columns: list[str] | None = None,
        categorical: bool = False,
    ) -> pd.DataFrame:
        """A canonical table as a DataFrame (``barometer`` comes wide: one column per item).

        ``columns`` reads only those columns (in that order); ``categorical`` returns the text
        columns as pandas categoricals, read in batches so that the full text never sits in
        memory at once.
        """
        if name not in TABLES:
            raise StoreError(
                f"unknown table {name!r}{did_you_mean(name, TABLES)}; tables: {', '.join(self.tables())}"
            )
        with self.connect() as con:
            present = _present_tables(con)
            cols = list(_columns(name)) if provenance else list(TABLES[name])
            if name in present:
                lacking = [c for c in TABLES[name] if c not in _column_names(con, name)]
                if lacking:
                    raise StoreError(
                        f"{self.path}: table {name!r} was written by an earlier eco_eval (no "
                        f"column {', '.join(lacking)}); run 'eco-eval ingest' to rebuild it"
                    )
            if name == ITEM_TABLE and name in present:
                return self._barometer_wide(con, present, provenance, columns)
            allowed = set(_columns(name))
            items: list[str] = []
            if name in ITEM_TABLES and name in present:
                items = [c for c in _column_names(con, name) if c not in allowed]
                items.sort(key=_item_sort_key)
                allowed.update(items)
                if columns is None:
                    cols += items
            if columns is not None:
                columns = _with_items(columns, items)
                unknown = [c for c in columns if c not in allowed]
                if unknown:
                    raise StoreError(f"table {name!r} has no column(s) {unknown}")
                cols = list(columns)
            if name not in present:  # a store written before this table existed
                frame = pd.DataFrame(columns=cols)
                return frame.astype("category") if categorical else frame
            sel = ", ".join(f'"{c}"' for c in cols)
            query = f'SELECT {sel} FROM "{name}"'
            if categorical:
                return _categorical_frame(con, query)
            frame = _frame(con, name, cols)
            return one_sentinel(frame) if name == "publication_ledger" else frame

    def _barometer_wide(
        self, con: Any, present: set[str], provenance: bool, columns: list[str] | None
    ) -> pd.DataFrame:
        """The barometer with its item columns in code order (``swemwbs_1`` .. ``swemwbs_7``),
        leaving out items no stored row answers (their files were removed)."""
        if any(t in present for t in RETIRED_TABLES):
            raise StoreError(
                f"{self.path}: written by an earlier eco_eval (barometer items in a long table); "
                "run 'eco-eval ingest' to rebuild it"
            )
        fixed = list(_columns(ITEM_TABLE)) if provenance else list(TABLES[ITEM_TABLE])
        stored = _column_names(con, ITEM_TABLE)
        items = [c for c in stored if c not in _columns(ITEM_TABLE)]
        if items:
            counts = con.execute(
                f"SELECT {', '.join(f'count({_quote(c)})' for c in items)} FROM {ITEM_TABLE}"
            ).fetchall()[0]
            items = sorted((c for c, n in zip(items, counts, strict=True) if n), key=_item_sort_key)
        cols = [*fixed, *items]
        if columns is not None:
            unknown = [c for c in columns if c not in cols and c not in stored]
            if unknown:
                raise StoreError(f"table {ITEM_TABLE!r} has no column(s) {unknown}")
            cols = list(columns)
        return con.execute(f"SELECT {', '.join(map(_quote, cols))} FROM {ITEM_TABLE}").df()

    def sql(self, query: str, params: list[Any] | None = None) -> pd.DataFrame:
        """Run a read-only SQL query against the store (analysts' escape hatch)."""
        with self.connect() as con:
            return con.execute(query, params or []).df()

    def known_files(self) -> dict[str, str]:
        """source_file -> sha256 of the version currently in the store."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT source_file, arg_max(sha256, ingested_at) FROM ingest_log GROUP BY source_file"
            ).fetchall()
        return {f: h for f, h in rows}


def _column_names(con: Any, table: str, catalog: str | None = None) -> list[str]:
    """``table``'s columns in order, in ``catalog`` (default: the store itself, not a database
    attached beside it)."""
    where = "table_catalog = current_database()" if catalog is None else "table_catalog = ?"
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        f"WHERE {where} AND table_name = ? ORDER BY ordinal_position",
        [table] if catalog is None else [catalog, table],
    ).fetchall()
    return [r[0] for r in rows]


def _quiet(con: Any) -> None:
    """No progress bar on the terminal or in a scheduler's log (DuckDB draws one for queries
    over 2 s). In a Jupyter kernel without ipywidgets DuckDB refuses any change to the setting,
    and draws no bar there either."""
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")


def _copy_tables(
    con: Any,
    path: Path,
    tables: tuple[str, ...],
    before: Callable[[str, list[str]], None] | None = None,
) -> None:
    """Append the rows of ``tables`` of the store file ``path`` to ``con``'s store, by column
    name, in the columns both have; ``before(table, its columns in path)`` runs first."""
    con.execute(f"ATTACH {_literal(str(path))} AS other (READ_ONLY)")
    try:
        for table in tables:
            theirs = _column_names(con, table, "other")
            if before is not None:
                before(table, theirs)
            ours = set(_column_names(con, table))
            common = [c for c in theirs if c in ours]
            if common:
                quoted = ", ".join(map(_quote, common))
                con.execute(
                    f"INSERT INTO {_quote(table)} ({quoted}) "
                    f"SELECT {quoted} FROM other.{_quote(table)}"
                )
    finally:
        con.execute("DETACH other")


def _as_arrow(frame: pd.DataFrame) -> Any:
    """``frame`` as an Arrow table for DuckDB to scan (its columns are mostly Arrow already):
    DuckDB reads Arrow on its threads without the GIL, for less CPU than its pandas scan. A column Arrow cannot convert (mixed Python objects) leaves the frame."""
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return frame


def _present_tables(con: Any) -> set[str]:
    return {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


def _frame(con: Any, table: str, cols: list[str]) -> pd.DataFrame:
    """``SELECT cols FROM table`` as DuckDB's ``.df()`` gives it, its text columns read through
    Arrow: ``.df()`` makes a Python string of every value, which pandas then converts back to
    Arrow one at a time.
    Text columns without a value, and every other type, still come from ``.df()`` (its dtypes)."""

    def select(names: list[str]) -> Any:
        return con.sql(f"SELECT {', '.join(map(_quote, names))} FROM {_quote(table)}")

    whole = select(cols)
    text = [c for c, t in zip(whole.columns, whole.types, strict=True) if str(t) == "VARCHAR"]
    arrow = select(text).to_arrow_table() if text else None
    if arrow is None or arrow.num_rows == 0:
        return whole.df()
    text = [c for c in text if arrow[c].null_count < arrow.num_rows]
    others = [c for c in cols if c not in text]
    # the dtype pandas infers from .df()'s strings
    added = {c: pd.array(arrow[c], dtype=TEXT_DTYPE) for c in text}
    return _assembled(select(others).df() if others else None, added, arrow.num_rows, cols)


def _categorical_frame(con: Any, query: str) -> pd.DataFrame:
    """``query``'s result with its text columns as pandas categoricals (see :func:`as_categoricals`)."""
    table = con.sql(query).to_arrow_table()
    if table.num_rows == 0:
        frame = con.execute(query).df()
        text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c])]
        return frame.astype(dict.fromkeys(text, "category"))
    return as_categoricals(table)


def as_categoricals(table: Any) -> pd.DataFrame:
    """A pyarrow table as a DataFrame, its text columns as pandas categoricals.

    Categories come in order of first appearance (as ``pd.factorize`` gives them), as
    Arrow-backed text; missing values are code −1. The text never becomes Python strings: each
    column is dictionary-encoded by Arrow chunk by chunk (one dictionary for the whole column:
    the kernel keeps its table across chunks), columns in parallel (Arrow's kernels release the
    GIL), and the categoricals are built from the codes and the dictionary directly. pyarrow's
    own ``to_pandas`` turns each dictionary into Python strings and back, and combining the
    chunks first copies the text.
    """
    names, rows = table.column_names, table.num_rows
    columns = dict(zip(names, table.columns, strict=True))
    del table
    encoded: dict[str, pd.Categorical] = {}

    def encode(name: str) -> None:
        col = columns[name]
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            return
        chunks = pc.dictionary_encode(col).chunks
        dictionary = chunks[-1].dictionary if chunks else pa.array([], col.type)
        if len({_text_buffer(c.dictionary) for c in chunks}) > 1:  # not one shared dictionary
            unified = pa.table({"x": pa.chunked_array(chunks)}).unify_dictionaries()["x"]
            chunks, dictionary = unified.chunks, unified.chunks[-1].dictionary
        indices = pa.chunked_array([c.indices for c in chunks], pa.int32())
        codes = pc.fill_null(indices, -1).to_numpy() if indices.null_count else indices.to_numpy()
        if not codes.flags.writeable:
            codes = codes.copy()  # pandas may write into its codes
        dtype = pd.CategoricalDtype(pd.Index(pd.array(dictionary, dtype=TEXT_DTYPE)))
        encoded[name] = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
        columns[name] = None

    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        list(pool.map(encode, names))
    others = [n for n in names if n not in encoded]
    rest = pa.table([columns[n] for n in others], names=others).to_pandas() if others else None
    return _assembled(rest, encoded, rows, names)


def _assembled(
    frame: pd.DataFrame | None, added: dict[str, Any], rows: int, order: list[str]
) -> pd.DataFrame:
    """``frame`` (None: no columns, ``rows`` rows) with the ``added`` columns, in ``order``."""
    out = pd.DataFrame(index=pd.RangeIndex(rows)) if frame is None else frame
    for name, values in added.items():
        out[name] = values
    return out[order]


def _text_buffer(array: Any) -> tuple[int | None, int]:
    """Where a text array's characters are, and how many values it has."""
    data = array.buffers()[2]
    return (None if data is None else data.address, len(array))


def _with_items(columns: list[str], items: list[str]) -> list[str]:
    """``columns`` with :data:`ITEMS` replaced by the table's item columns."""
    out: list[str] = []
    for c in columns:
        out.extend(items if c == ITEMS else [c])
    return out


def _item_sort_key(item: str) -> tuple[str, int]:
    head, _, tail = item.rpartition("_")
    return (head, int(tail)) if tail.isdigit() else (item, 0)


def open_store(path: Path | str) -> Store:
    """Open the processed store for reading (see :class:`Store`)."""
    return Store(path)


@contextlib.contextmanager
def project_lock(lock_path: Path, what: str = "an eco_eval run") -> Iterator[None]:
    """An exclusive, non-blocking lock: a second holder gets :class:`LockHeld` at once."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(lock_path, "a+")  # noqa: SIM115 - held for the duration of the block
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise LockHeld(
                f"{lock_path}: {what} is already in progress ({holder}); wait for it to finish "
                f"(the lock is released when that process ends)"
            ) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        fh.close()


class StoreWriter:
    """Copy-on-write transaction over the store; use through :func:`write_transaction`."""

    def __init__(self, con: Any):
        self.con = con
        self._item_columns: dict[str, set[str]] | None = None  # table -> its columns
        self._lock = threading.Lock()
        self._side: Any = None  # the connection of an open side transaction

    @contextlib.contextmanager
    def side_transaction(self) -> Iterator[StoreWriter]:
        """A writer for another thread: a second connection to the same temporary copy, in its
        own transaction, committed when the block ends (rolled back on error). DuckDB lets two
        transactions append at once, even to the same table, but not checkpoint while another
        writes: until the block ends, :meth:`checkpoint` only commits."""
        with self._lock:
            side = self.con.cursor()
            side.execute("BEGIN TRANSACTION")
            self._side = side
        try:
            yield StoreWriter(side)
            side.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                side.execute("ROLLBACK")
            raise
        finally:
            with self._lock:
                self._side = None
                self._item_columns = None  # the side writer may have added item columns
            side.close()

    def interrupt_side(self) -> None:
        """Stop the statement a side transaction is running (its block then fails)."""
        side = self._side
        if side is not None:
            with contextlib.suppress(Exception):
                side.interrupt()

    def replace_file_rows(self, table: str, source_file: str, frame: pd.DataFrame) -> None:
        """Delete the rows an earlier version of ``source_file`` left in ``table``, insert ``frame``."""
        self.con.execute(f'DELETE FROM "{table}" WHERE source_file = ?', [source_file])
        self.append_rows(table, frame)

    def checkpoint(self) -> None:
        """Commit what was written so far to the temporary copy and release DuckDB's memory.

        Safe inside :func:`write_transaction`: the copy replaces the store only when the whole
        block succeeds (an error still deletes the copy), so this changes no visibility, it
        only keeps memory bounded while a large ingest writes file after file.
        """
        with self._lock:
            self.con.execute("COMMIT")
            if self._side is None:
                self.con.execute("CHECKPOINT")
            self.con.execute("BEGIN TRANSACTION")

    def append_rows(self, table: str, frame: pd.DataFrame) -> None:
        """Insert ``frame`` (one slice of a file) into ``table``; nothing is deleted. For the
        barometer, the frame's other columns are item scores: a new item becomes a column."""
        if frame is None or not len(frame):
            return
        cols = list(_columns(table))
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise StoreError(f"internal: frame for {table} lacks columns {missing}")
        if table in ITEM_TABLES:
            cols += [c for c in frame.columns if c not in cols]
            self._add_item_columns(table, cols)
        self.con.register("_incoming", _as_arrow(frame[cols]))
        try:
            quoted = ", ".join(map(_quote, cols))
            self.con.execute(f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM _incoming')
        finally:
            with contextlib.suppress(Exception):
                self.con.unregister("_incoming")

    def _add_item_columns(self, table: str, cols: list[str]) -> None:
        if self._item_columns is None:
            self._item_columns = {}
        if table not in self._item_columns:
            self._item_columns[table] = set(_column_names(self.con, table))
        known = self._item_columns[table]
        for c in cols:
            if c not in known:
                self.con.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {_quote(c)} DOUBLE")
                known.add(c)

    def copy_rows_from(self, path: Path, tables: tuple[str, ...]) -> None:
        """Append the rows of ``tables`` of the DuckDB file ``path`` (a store written aside by
        another process) to this transaction; item columns it has and this store lacks are
        added first."""

        def add_items(table: str, columns: list[str]) -> None:
            if table in ITEM_TABLES:
                self._add_item_columns(table, columns)

        _copy_tables(self.con, path, tables, before=add_items)

    def remove_rows(self, table: str, source_file: str, lines: Any) -> None:
        """Delete the rows of ``source_file`` at the given ``source_line`` values from ``table``."""
        self.con.register("_lines", pd.DataFrame({"line": pd.array(list(lines), dtype="int64")}))
        try:
            self.con.execute(
                f'DELETE FROM "{table}" WHERE source_file = ? '
                "AND source_line IN (SELECT line FROM _lines)",
                [source_file],
            )
        finally:
            with contextlib.suppress(Exception):
                self.con.unregister("_lines")

    def clear_file_rows(self, source_file: str) -> None:
        """Delete the rows and the quarantine an earlier version of ``source_file`` left (its
        ingest-log history stays: the file is still there)."""
        for table in (*DATA_TABLES, "quarantine"):
            self.con.execute(f'DELETE FROM "{table}" WHERE source_file = ?', [source_file])

    def delete_file(self, source_file: str) -> None:
        """Forget a raw file that was removed: its rows, its quarantine and its ingest-log
        entries, so that it no longer counts among :meth:`Store.known_files`."""
        self.clear_file_rows(source_file)
        self.con.execute("DELETE FROM ingest_log WHERE source_file = ?", [source_file])

    def set_quarantine(self, source_file: str, frame: pd.DataFrame) -> None:
        self.con.execute("DELETE FROM quarantine WHERE source_file = ?", [source_file])
        if len(frame):
            self.replace_file_rows_quarantine(frame)

    def replace_file_rows_quarantine(self, frame: pd.DataFrame) -> None:
        cols = list(TABLES["quarantine"])
        self.con.register("_q", frame[cols])
        try:
            self.con.execute(f"INSERT INTO quarantine SELECT {', '.join(cols)} FROM _q")
        finally:
            self.con.unregister("_q")

    def record_publication(self, cells: pd.DataFrame, published_at: Any) -> None:
        """Keep ``cells`` (ledger rows of one publication, :mod:`eco_eval.privacy.ledger`) in the
        publication ledger, replacing the rows of an earlier run of the same publication."""
        names = {str(p) for p in cells["publication"].unique()}
        for name in names:
            self.con.execute("DELETE FROM publication_ledger WHERE publication = ?", [name])
        self.append_rows("publication_ledger", cells.assign(published_at=published_at))

    def log(self, row: dict[str, Any]) -> None:
        cols = list(TABLES["ingest_log"])
        self.con.execute(
            f"INSERT INTO ingest_log ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [row.get(c) for c in cols],
        )


@contextlib.contextmanager
def write_transaction(
    path: Path, *, carry_over: tuple[str, ...] | None = None
) -> Iterator[StoreWriter]:
    """Apply changes to a copy of the store, then atomically rename it into place.

    Nothing is visible until the block ends without error; an exception or a kill leaves the
    previous store as it was. With ``carry_over``, the new store starts empty and only those
    tables are copied from the current one: an ingest rewrites the rows of every file, so it
    keeps only the ingest log's history (a copy of the whole store would be written, then
    emptied of its rows, and keep their space).

    A folder that cannot be written (read-only, permissions) or a full disk raises
    :class:`~eco_eval.errors.WriteFailed` naming the folder and the fix.
    """
    path = Path(path)
    try:
        with _transaction(path, carry_over) as writer:
            yield writer
    except OSError as exc:
        failure = write_failed(exc, None if exc.filename else path.parent)
        if failure is None:
            raise
        raise failure from exc
    except duckdb.IOException as exc:
        failure = _io_failed(exc, path.parent)
        if failure is None:
            raise
        raise failure from exc


#: how DuckDB words the operating system's write errors
_DUCKDB_ERRNOS = {
    "Permission denied": errno.EACCES,
    "Read-only file system": errno.EROFS,
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
}


def _io_failed(exc: duckdb.IOException, folder: Path) -> WriteFailed | None:
    """:func:`~eco_eval.errors.write_failed` for a DuckDB input/output error."""
    for words, code in _DUCKDB_ERRNOS.items():
        if words in str(exc):
            return write_failed(OSError(code, words), folder)
    return None


@contextlib.contextmanager
def _transaction(path: Path, carry_over: tuple[str, ...] | None) -> Iterator[StoreWriter]:
    """:func:`write_transaction` without the translation of its write errors."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    if path.exists() and carry_over is None:
        shutil.copy2(path, tmp)
    con = duckdb.connect(str(tmp))
    try:
        _quiet(con)
        _create_schema(con)
        if carry_over and path.exists():
            _copy_tables(con, path, carry_over)
        con.execute("BEGIN TRANSACTION")
        yield StoreWriter(con)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    except BaseException:
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK")
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def record_publication(path: Path, cells: pd.DataFrame) -> None:
    """Add the ledger rows ``cells`` of one publication to the store at ``path``
    (:meth:`StoreWriter.record_publication`), in a transaction of their own."""
    if cells is None or not len(cells):
        return
    with write_transaction(Path(path)) as w:
        w.record_publication(cells, pd.Timestamp.now())
