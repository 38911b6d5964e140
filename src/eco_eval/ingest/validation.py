"""The Great Expectations gate: one expectation suite per canonical table, built from the schema.

Row-level expectations (ranges, allowed values, known tools, unique ids, dates inside the
programme's span, attendance pointing at known sessions) send the failing rows to quarantine with
the expectation that failed. GX runs in an ephemeral context with its progress bars silenced; it is
imported only here, so the CLI starts fast.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

_CONTEXT: Any = None


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        for name in ("great_expectations", "great_expectations.data_context.types.base"):
            logging.getLogger(name).setLevel(logging.ERROR)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        _CONTEXT = ctx
    return _CONTEXT


@dataclass(frozen=True)
class Rule:
    """One expectation: its GX class name, column and arguments; ``id`` is the quarantine reason."""

    id: str
    expectation: str
    column: str
    kwargs: Mapping[str, Any]


def build_rules(
    table: str,
    spec: Mapping[str, Any],
    columns: Sequence[str],
    *,
    tool_ids: Sequence[str] = (),
    known_sessions: Sequence[str] | None = None,
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
            rules.append(Rule(f"unique:{fld}", "ExpectColumnValuesToBeUnique", col, {}))
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
                    col,
                    {"value_set": list(known_sessions)},
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
                )
            )
    return rules


def run_gate(table: str, frame: pd.DataFrame, rules: Sequence[Rule]) -> list[list[str]]:
    """Validate ``frame`` with GX; return, per row (by position), the ids of the failed rules.

    For uniqueness, the first occurrence is accepted and the later ones fail, so a duplicated id
    keeps one row.
    """
    reasons: list[list[str]] = [[] for _ in range(len(frame))]
    if not len(frame) or not rules:
        return reasons
    import great_expectations as gx

    ctx = _context()
    data = frame.reset_index(drop=True).copy()
    data["_row"] = range(len(data))
    name = f"{table}_{id(data)}"
    source = ctx.data_sources.add_pandas(name)
    try:
        batch_def = source.add_dataframe_asset(name="rows").add_batch_definition_whole_dataframe(
            "all"
        )
        suite = gx.ExpectationSuite(name=name)
        for rule in rules:
            cls = getattr(gx.expectations, rule.expectation)
            suite.add_expectation(cls(column=rule.column, meta={"rule": rule.id}, **rule.kwargs))
        suite = ctx.suites.add(suite)
        batch = batch_def.get_batch(batch_parameters={"dataframe": data})
        result = batch.validate(
            suite,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_row"]},
        )
    finally:
        ctx.data_sources.delete(name)
        if name in [s.name for s in ctx.suites.all()]:
            ctx.suites.delete(name)
    for res in result.results:
        rule_id = (res.expectation_config.meta or {}).get("rule", res.expectation_config.type)
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"expectation {rule_id} on {table} raised: {res.exception_info.get('exception_message')}"
            )
        if res.success:
            continue
        rows = [int(d["_row"]) for d in (res.result.get("unexpected_index_list") or [])]
        if rule_id.startswith("unique:"):
            col = res.expectation_config.kwargs["column"]
            dup = data[col].duplicated(keep="first") & data[col].notna()
            rows = [r for r in rows if bool(dup.iloc[r])]
        for r in rows:
            reasons[r].append(rule_id)
    return reasons
