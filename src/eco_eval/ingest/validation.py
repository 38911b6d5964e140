"""The Great Expectations gate: one expectation suite per canonical table, built from the schema.

Row-level expectations (ranges, allowed values, known tools, unique ids, dates inside the
programme's span, attendance pointing at known sessions) send the failing rows to quarantine with
the expectation that failed. GX runs in an ephemeral context with its progress bars silenced,
imported on the first validation (:mod:`eco_eval.ingest.tuning`).
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.ingest import tuning
from eco_eval.ingest.lookup import KeyIndex, SeenValues

#: checked by :func:`run_gate` itself, not by GX: GX fails every copy of a value repeated in
#: one batch and knows nothing of earlier slices; the gate keeps the first and remembers them
UNIQUE = "ExpectColumnValuesToBeUnique"


@dataclass(frozen=True)
class Rule:
    """One expectation: its GX class name, column and arguments; ``id`` is the quarantine reason."""

    id: str
    expectation: str
    column: str
    kwargs: Mapping[str, Any]
    #: for a membership in a large set (known sessions): ``column`` is derived from ``of`` as
    #: True/False (missing stays missing) by a vectorised lookup, and GX checks it is True, so
    #: the expectation's configuration does not carry the whole set
    of: str | None = None
    members: Any = None
    #: for a barometer item: its family (``who5``), whose range it has; the items are checked
    #: together as one stacked column (see :func:`_stack_items`)
    family: str | None = None


def build_rules(
    table: str,
    spec: Mapping[str, Any],
    columns: Sequence[str],
    *,
    tool_ids: Sequence[str] = (),
    known_sessions: Container[Any] | None = None,
    span: tuple[date, date] | None = None,
    item_columns: Sequence[str] = (),
) -> list[Rule]:
    """The row-level rules of a table's suite, from the declared schema and the run's context."""
    rules: list[Rule] = []
    for fld, fs in spec["fields"].items():
        col = "tool_id" if fs.get("type") == "tool" else fld
        if col not in columns:
            continue
        if fs.get("required"):
            rules.append(Rule(f"required:{fld}", "ExpectColumnValuesToNotBeNull", col, {}))
        if "min" in fs or "max" in fs:
            rules.append(
                Rule(
                    f"range:{fld}",
                    "ExpectColumnValuesToBeBetween",
                    col,
                    {"min_value": fs.get("min"), "max_value": fs.get("max")},
                )
            )
        if fs.get("values"):
            rules.append(
                Rule(
                    f"allowed:{fld}",
                    "ExpectColumnValuesToBeInSet",
                    col,
                    {"value_set": list(fs["values"])},
                )
            )
        if fs.get("type") == "tool":
            rules.append(
                Rule(
                    "known_tool", "ExpectColumnValuesToBeInSet", col, {"value_set": list(tool_ids)}
                )
            )
        if fs.get("unique"):
            rules.append(Rule(f"unique:{fld}", UNIQUE, col, {}))
        if fs.get("in_span") and span is not None:
            rules.append(
                Rule(
                    f"in_span:{fld}",
                    "ExpectColumnValuesToBeBetween",
                    col,
                    {"min_value": pd.Timestamp(span[0]), "max_value": pd.Timestamp(span[1])},
                )
            )
        if fs.get("references") and known_sessions is not None:
            rules.append(
                Rule(
                    "known_session",
                    "ExpectColumnValuesToBeInSet",
                    f"_known:{col}",
                    {"value_set": [True]},
                    of=col,
                    members=known_sessions,
                )
            )
    ranges = spec.get("item_ranges") or {}
    for col in item_columns:
        family = col.split("_", 1)[0]
        if family in ranges:
            lo, hi = ranges[family]
            rules.append(
                Rule(
                    f"range:{col}",
                    "ExpectColumnValuesToBeBetween",
                    col,
                    {"min_value": lo, "max_value": hi},
                    family=family,
                )
            )
    return rules


def _stack_items(
    frame: pd.DataFrame, rules: Sequence[Rule]
) -> tuple[pd.DataFrame, list[Rule], list[Rule], np.ndarray]:
    """The item rules as one rule over one stacked column.

    GX filters the whole batch frame for every expectation (non-null rows, then failing rows),
    so 48 item rules over a 55-column barometer cost 48 × 55 column copies per slice. Stacked,
    the items are one column, item after item, each value replaced by how far it lies outside
    its item's range, ``max(min - value, value - max)``, so that one expectation (at most 0)
    checks them all. The sign is exact (a floating-point difference is 0 only between equal
    numbers). Missing answers, which the range expectation leaves out, are left out of the
    column: GX then keeps every row of it as it is instead of copying the non-missing ones.
    Returns the stacked frame, its rule, the item rules in stacking order and which cells of the
    item-after-item order (``item × len(frame) + row``) the column holds.
    """
    items = [r for r in rules if r.family is not None]
    n = len(frame)
    values = np.empty(n * len(items))
    for i, r in enumerate(items):
        answers = pd.to_numeric(frame[r.column]).to_numpy(dtype=float, na_value=np.nan)
        lo, hi = r.kwargs["min_value"], r.kwargs["max_value"]
        np.maximum(lo - answers, answers - hi, out=values[i * n : (i + 1) * n])
    present = ~np.isnan(values)
    rule = Rule("range:items", "ExpectColumnValuesToBeBetween", "_items", {"max_value": 0})
    stacked = pd.DataFrame({"_items": values[present]}, copy=False)
    return stacked, [rule], items, present


def _gx_frame(frame: pd.DataFrame, rules: Sequence[Rule]) -> pd.DataFrame:
    """The columns the rules read, in dtypes GX checks without a Python call per value.

    GX 1.x vectorises ``ExpectColumnValuesToBeBetween`` only for float/int and datetime64[ns]
    columns (``column_values.between`` maps a Python function over any other dtype); missing
    values stay missing (NaN/NaT), which the map expectations leave out as before. Columns are not
    copied when they already have such a dtype.
    """
    out: dict[str, pd.Series] = {}
    between: dict[str, bool] = {}  # column -> compared with dates
    for r in rules:
        if r.expectation == "ExpectColumnValuesToBeBetween":
            dated = any(isinstance(v, (pd.Timestamp, date)) for v in r.kwargs.values())
            between[r.column] = between.get(r.column, False) or dated
    derived = {r.column: r for r in rules if r.of is not None}
    for col in dict.fromkeys(r.column for r in rules):
        if col in derived:
            rule = derived[col]
            source = frame[rule.of]
            known = member_mask(source, rule.members)
            values = pd.Series(known, dtype=object).where(source.notna().to_numpy(), None)
            out[col] = values
            continue
        values = frame[col]
        if col in between:
            if between[col]:
                values = pd.to_datetime(values).astype("datetime64[ns]")
            elif not (values.dtype == float or values.dtype == int):
                values = pd.Series(
                    values.astype("Float64").to_numpy(dtype=float, na_value=np.nan),
                    index=values.index,
                )
        out[col] = values.reset_index(drop=True)
    return pd.DataFrame(out)


#: (table, rules) -> (batch definition, suite), kept for the process: the slices and files of a
#: table are gated by the same suite, which is built once
_SUITES: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def _suite(table: str, rules: Sequence[Rule]) -> tuple[Any, Any]:
    ctx = tuning.gx_context()
    gx = tuning.great_expectations()
    key = (table, *((r.id, r.expectation, r.column, repr(sorted(r.kwargs.items()))) for r in rules))
    if key not in _SUITES:
        name = f"{table}_{len(_SUITES)}"
        source = ctx.data_sources.add_pandas(name)
        batch_def = source.add_dataframe_asset(name="rows").add_batch_definition_whole_dataframe(
            "all"
        )
        suite = gx.ExpectationSuite(name=name)
        for rule in rules:
            cls = getattr(gx.expectations, rule.expectation)
            suite.add_expectation(cls(column=rule.column, meta={"rule": rule.id}, **rule.kwargs))
        _SUITES[key] = (batch_def, ctx.suites.add(suite))
    return _SUITES[key]


def member_mask(values: pd.Series, members: Container[Any]) -> np.ndarray:
    """``values.isin(members)`` for a large, growing set: one hash lookup per value.

    ``Series.isin`` converts ``members`` to an array and hashes all of it on every call; a set or
    a dict is already a hash table, so the cost is that of the slice, not of everything seen so
    far.
    """
    if isinstance(members, KeyIndex):
        return members.contains(values)
    arr = values.to_numpy(dtype=object)
    return np.fromiter(map(members.__contains__, arr), dtype=bool, count=len(arr))


def run_gate(
    table: str,
    frame: pd.DataFrame,
    rules: Sequence[Rule],
    *,
    seen: dict[str, SeenValues] | None = None,
) -> dict[str, np.ndarray]:
    """Validate ``frame`` with GX; return, per failed rule id, the mask of the rows (by position)
    that fail it (rules no row fails are left out).

    GX runs once over the frame with the ``COMPLETE`` result format limited to the failing row
    positions (``exclude_unexpected_values``: no value lists, no per-row dicts); the barometer's
    item rules run as one rule over a stacked column (:func:`_stack_items`), each failing
    position mapped back to its item and row. Uniqueness is checked here (see :data:`UNIQUE`):
    the first occurrence is accepted and the later ones fail, so a duplicated id keeps one row;
    ``seen`` (rule id -> values met in earlier chunks of the same table, updated here) makes a
    table processed in chunks behave as one frame.
    """
    out: dict[str, np.ndarray] = {}
    n = len(frame)
    if not n or not rules:
        return out
    row_rules = [r for r in rules if r.family is None]
    if len(row_rules) < len(rules):
        items, stacked, members, present = _stack_items(frame, rules)
        for res in _validate(f"{table}_items", items, stacked):
            failing = _failing_rows(res, table)
            if not len(failing):
                continue
            item_of, row_of = np.divmod(np.flatnonzero(present)[failing], n)
            for i, r in enumerate(members):
                hit = row_of[item_of == i]
                if len(hit):
                    out[r.id] = _mask(n, hit)
    for r in row_rules:
        if r.expectation == UNIQUE:
            met = SeenValues() if seen is None else seen.setdefault(r.id, SeenValues())
            mask = met.repeats(frame[r.column])
            if mask.any():
                out[r.id] = mask
    gx_rules = [r for r in row_rules if r.expectation != UNIQUE]
    for res in _validate(table, _gx_frame(frame, gx_rules), gx_rules):
        rule_id = (res.expectation_config.meta or {}).get("rule", res.expectation_config.type)
        rows = _failing_rows(res, table)
        if len(rows):
            out[rule_id] = _mask(n, rows)
    return out


def _mask(n: int, rows: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask


def _validate(name: str, data: pd.DataFrame, rules: Sequence[Rule]) -> list[Any]:
    """GX's results of ``rules`` over ``data``: failing row positions only (no value lists, no
    per-row dicts, no query text)."""
    if not rules:
        return []
    batch_def, suite = _suite(name, rules)
    batch = batch_def.get_batch(batch_parameters={"dataframe": data})
    result = batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "exclude_unexpected_values": True,
            "partial_unexpected_count": 0,
            "return_unexpected_index_query": False,
        },
    )
    return list(result.results)


def _failing_rows(res: Any, table: str) -> np.ndarray:
    if res.exception_info and res.exception_info.get("raised_exception"):
        rule_id = (res.expectation_config.meta or {}).get("rule", res.expectation_config.type)
        raise RuntimeError(
            f"expectation {rule_id} on {table} raised: {res.exception_info.get('exception_message')}"
        )
    if res.success:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(res.result.get("unexpected_index_list") or [], dtype=np.int64)
