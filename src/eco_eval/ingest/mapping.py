"""From a raw table to a canonical frame: column mapping and value parsing (pure functions).

Each declared canonical field is looked up among the file's columns (exact, then case-, accent- and
space-insensitive); a required field whose column is missing stops the file with one line naming
the file, the column and the fix. Values are parsed by type; a value that does not parse becomes
missing and the row gets a reason (``parse:<field>``) so that the gate quarantines it. Identifiers
are replaced by pseudonyms here, so no clear identifier leaves this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from eco_eval.config import Source, load_schema, safe_regex  # noqa: F401  (re-exported)
from eco_eval.errors import ConfigError, InputFileError, did_you_mean
from eco_eval.ingest.lookalike import identifier_like_columns
from eco_eval.periods import label_end, parse_period
from eco_eval.pseudonymise import pseudonymise_series
from eco_eval.readers import parse_dates, parse_decimal, parse_yes_no
from eco_eval.readers.table import TEXT_DTYPE


def _norm(text: object) -> str:
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(c for c in t if not unicodedata.combining(c)).lower()
    t = t.replace("’", "'").replace("`", "'")
    return " ".join(t.split())


@dataclass
class Mapped:
    """A canonical frame with the reasons found so far: one boolean mask per reason (by row
    position); a row no mask marks is clean."""

    frame: pd.DataFrame
    reasons: dict[str, np.ndarray] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, mask: pd.Series | np.ndarray, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        if reason in self.reasons:
            self.reasons[reason] = self.reasons[reason] | mask
        else:
            self.reasons[reason] = mask.copy()


def _as_float(values: pd.Series) -> pd.Series:
    """Booleans or numbers (with missing values) as float64, NaN for missing."""
    return pd.Series(
        values.astype("Float64").to_numpy(dtype=float, na_value=np.nan), index=values.index
    )


def find_column(columns: Sequence[str], wanted: str) -> str | None:
    if wanted in columns:
        return wanted
    norm = {_norm(c): c for c in columns}
    return norm.get(_norm(wanted))


def map_columns(
    frame: pd.DataFrame,
    source: Source,
    table_fields: Mapping[str, Mapping[str, Any]],
    file_label: str,
) -> dict[str, str]:
    """canonical field -> source column; raise InputFileError for a missing required column."""
    columns = [str(c) for c in frame.columns]
    out: dict[str, str] = {}
    for fld, spec in table_fields.items():
        wanted = source.columns.get(fld)
        if wanted is None:
            if column_required(spec):
                raise ConfigError(
                    f"eco_eval.yaml: sources.{source.name}.columns has no entry for required field "
                    f"{fld!r}; add '{fld}: <column name in the file>'"
                )
            continue
        col = find_column(columns, wanted)
        if col is None:
            if column_required(spec):
                raise InputFileError(
                    f"{file_label}: column {wanted!r} (for {source.name}.{fld}) not found"
                    f"{did_you_mean(wanted, columns)}; rename it in the file's export or set "
                    f"sources.{source.name}.columns.{fld} in eco_eval.yaml"
                )
            continue
        out[fld] = col
    return out


def check_unmapped(
    raw: pd.DataFrame, source: Source, colmap: Mapping[str, str], file_label: str
) -> None:
    """An InputFileError naming the columns of ``raw`` that no rule reads and that look like
    identifiers (:mod:`eco_eval.ingest.lookalike`), with the ways to declare them."""
    used = [*colmap.values(), *source.lookups, *(source.lookup_column(f) for f in source.lookups)]
    found = identifier_like_columns(raw, used, source.ignore)
    if found:
        named = ", ".join(f"{c!r} ({why})" for c, why in found)
        raise InputFileError(
            f"{file_label}: column(s) {named} look like personal identifiers and are not "
            f"declared; map them under sources.{source.name}.columns, or list them under "
            f"sources.{source.name}.ignore in eco_eval.yaml (an ignored column is never stored)"
        )


def column_required(spec: Mapping[str, Any]) -> bool:
    """Whether a field's column must be in every file: ``required`` values, or ``column_required``
    (a column whose cells may be empty, like an undated session's date)."""
    return bool(spec.get("required") or spec.get("column_required"))


def scale_lookup(scale: Mapping[str, Any]) -> dict[str, Any]:
    return {_norm(label): code for label, code in scale.items()}


def parse_scale(
    values: pd.Series, scale: Mapping[str, Any], numeric: bool = True
) -> tuple[pd.Series, pd.Series]:
    """Labels (case/accent-insensitive) or numeric codes -> codes; returns (parsed, unparseable mask).

    Works on the distinct values (an answer column of a large export holds a handful): each is
    stripped, folded and looked up once, then the results are gathered by position. Numeric
    scales give float64 (NaN for missing); others give objects (None for missing).
    """
    lookup = scale_lookup(scale)
    codes, uniques = pd.factorize(values)  # -1 for a missing value: the last slot below
    out: list[Any] = [None] * (len(uniques) + 1)
    bad = np.zeros(len(uniques) + 1, dtype=bool)
    for i, u in enumerate(uniques):
        text = str(u).strip()
        if not text:
            continue
        key = _norm(text)
        if key in lookup:
            out[i] = lookup[key]
        elif numeric:
            # numeric answer codes pass here; out-of-range numbers are caught by the range
            # expectation of the gate, which names the rule they break
            try:
                out[i] = float(text.replace(",", "."))
            except ValueError:
                bad[i] = True
        else:
            bad[i] = True
        bad[i] |= out[i] is None
    mask = pd.Series(bad[codes], index=values.index)
    if numeric:
        numbers = pd.to_numeric(pd.Series(out, dtype=object), errors="coerce")
        return pd.Series(numbers.to_numpy(dtype=float)[codes], index=values.index), mask
    return gather_labels(out, codes, values.index), mask


def gather_labels(labels: list[Any], codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``labels[code]`` for each row (code -1: the last label, None for missing values).

    Text labels are gathered into an Arrow string column (missing: NaN) by position: an object
    column of the same strings would be converted to Arrow by pandas one Python string at a
    time (1.2 million per column and slice of an attendance list). Other labels stay objects.
    """
    if not all(isinstance(v, str) for v in labels if v is not None):
        return pd.Series(np.asarray(labels, dtype=object)[codes], index=index)
    positions = np.where(codes < 0, len(labels) - 1, codes)
    gathered = pa.array(labels, type=pa.large_string()).take(pa.array(positions))
    return pd.Series(pd.array(gathered, dtype=TEXT_DTYPE), index=index)


def map_distinct(
    values: pd.Series, lookup: Callable[[Any], Any], missing: Any = None
) -> np.ndarray:
    """``values.map(lookup)`` as an object array, ``lookup`` called once per distinct value and
    ``missing`` for missing values.

    For columns of a few distinct values (tools, levers): ``Series.map`` turns every cell of an
    Arrow string column into a Python string and hashes it against an index of the mapping, where
    factorising hashes Arrow's bytes and the results are gathered by position.
    """
    codes, uniques = pd.factorize(values)
    return np.asarray([*(lookup(u) for u in uniques), missing], dtype=object)[codes]


def as_text(values: pd.Series) -> pd.Series:
    """``values.astype("string")``; a categorical (the codebook's answers) is decoded by Arrow
    from its categories, where pandas converts it one Python string per row."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.astype("string")
    categories = values.cat.categories
    if not all(isinstance(c, str) for c in categories):
        return values.astype("string")
    codes = values.cat.codes.to_numpy()
    labels = pa.array(list(categories), type=pa.large_string())
    decoded = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), labels)
    text = decoded.cast(pa.large_string())
    return pd.Series(pd.array(text, dtype=pd.StringDtype("pyarrow")), index=values.index)


def parse_field(
    values: pd.Series,
    spec: Mapping[str, Any],
    source: Source,
    fld: str,
    scales: Mapping[str, Mapping[str, Any]],
    ecosystem: Any,
) -> tuple[pd.Series, pd.Series]:
    """Parse one canonical field; returns (parsed values, mask of present-but-unparseable cells)."""
    kind = spec.get("type", "text")
    text = as_text(values).str.strip()
    present = text.notna() & (text != "")
    if kind in {"text", "free_text", "identifier"}:
        # kept as text (missing: NaN), the dtype the canonical frame would infer again
        return text.where(present), pd.Series(False, index=values.index)
    if kind in {"date", "datetime"}:
        parsed, bad = parse_dates(text.where(present, None))
        parsed = pd.to_datetime(parsed, errors="coerce")
        bad = pd.Series(np.asarray(bad, dtype=bool), index=values.index) & present
        if spec.get("period_labels") == "end" and bool(bad.any()):
            parsed, bad = _period_label_ends(text, parsed, bad)
        if kind == "date":
            parsed = parsed.dt.normalize()
        return parsed, bad
    if kind == "quarter":

        def _quarter(value: str) -> str | None:
            try:
                p = parse_period(value)
            except ConfigError:
                return None
            return p.label if p.kind == "quarter" else None

        mapping = {u: _quarter(str(u)) for u in text[present].unique()}
        parsed = text.map(mapping).astype(object)
        return parsed.where(parsed.notna(), None), present & parsed.isna()
    if kind == "percent":
        parsed, bad = parse_decimal(text.where(present, None), percent="fraction")
        return pd.to_numeric(parsed, errors="coerce"), pd.Series(
            np.asarray(bad, dtype=bool), index=values.index
        ) & present
    if kind in {"int", "float"}:
        parsed, bad = parse_decimal(text.where(present, None))
        parsed = pd.to_numeric(parsed, errors="coerce")
        bad = pd.Series(np.asarray(bad, dtype=bool), index=values.index) & present
        if kind == "int":
            frac = parsed.notna() & (parsed != np.floor(parsed.fillna(0)))
            bad = bad | frac
            parsed = parsed.where(~frac)
        return parsed, bad
    if kind == "tool":
        resolved = map_distinct(text, lambda u: ecosystem.resolve_tool(u) if u else None)
        # declared "no tool" words (an idea from outside the tools) are missing, not unknown
        unknown = present.to_numpy() & pd.isna(resolved)
        none_words = {_norm(w) for w in spec.get("none_values", ())}
        if none_words:
            unknown &= ~map_distinct(text, lambda u: _norm(u) in none_words, False).astype(bool)
        return pd.Series(resolved, index=text.index), pd.Series(unknown, index=text.index)
    if kind == "yes_no":
        parsed, bad = parse_yes_no(text.where(present, None))
        return _as_float(parsed), pd.Series(
            np.asarray(bad, dtype=bool), index=values.index
        ) & present
    if kind in {"scale", "category"}:
        scale_name = source.values.get(fld)
        if scale_name is None:
            if kind == "category":
                canon = {str(a).upper(): a for a in spec.get("values") or []}
                codes, uniques = pd.factorize(text)  # the values' case folded once each
                labels = [*(canon.get(str(u).upper()) for u in uniques), None]
                parsed = gather_labels(labels, codes, text.index)
                return parsed, present & parsed.isna()
            parsed = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
            return parsed, present & parsed.isna()
        if scale_name not in scales:
            raise ConfigError(
                f"eco_eval.yaml: scale {scale_name!r} for {source.name}.{fld} is not declared under 'scales:'"
            )
        parsed, bad = parse_scale(text, scales[scale_name], numeric=(kind == "scale"))
        if kind == "category" and parsed.dtype == object:
            parsed = parsed.where(parsed.notna(), None)
        return parsed, bad
    raise ConfigError(f"schema: unknown field type {kind!r} for {fld}")


def _period_label_ends(
    text: pd.Series, parsed: pd.Series, bad: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """The cells no date parser read, tried as period labels (``2016-T2``, ``06/2016``,
    ``2016``): each stands for the period's last day (:func:`eco_eval.periods.label_end`)."""
    ends = pd.to_datetime(pd.Series(map_distinct(text[bad], label_end), index=text[bad].index))
    parsed = parsed.copy()
    parsed.loc[ends.index] = ends
    return parsed, bad & parsed.isna()


def canonicalise(
    raw: pd.DataFrame,
    source: Source,
    table_spec: Mapping[str, Any],
    *,
    scales: Mapping[str, Mapping[str, Any]],
    ecosystem: Any,
    key: bytes,
    file_label: str,
    cache: dict | None = None,
    person_keys: Any = None,
) -> Mapped:
    """Map and parse a raw frame (all text) into canonical fields, pseudonymising identifiers
    (``person_keys``: the rows' person keys when the caller computed them for the whole file)."""
    fields = table_spec["fields"]
    colmap = map_columns(raw, source, fields, file_label)
    check_unmapped(raw, source, colmap, file_label)
    out = pd.DataFrame(index=raw.index)
    mapped = Mapped(out)
    keyed = person_keys is not None and bool(table_spec.get("person_from"))
    for fld, spec in fields.items():
        if keyed and spec.get("type") == "identifier":
            continue  # read by the caller for the person keys, dropped below
        if fld not in colmap:
            out[fld] = None
            continue
        parsed, bad = parse_field(raw[colmap[fld]], spec, source, fld, scales, ecosystem)
        out[fld] = parsed.values
        if bool(np.any(bad)):
            mapped.add(bad, "unknown_tool" if spec.get("type") == "tool" else f"parse:{fld}")
    # identifiers: a person key from the first identifier present, then clear values dropped
    person_from = table_spec.get("person_from")
    if person_from:
        if person_keys is None:
            person_keys = person_key_column(out, person_from, key, cache).array
        out["person_key"] = pd.Series(person_keys, index=out.index)
    for fld, spec in fields.items():
        if spec.get("type") == "identifier":
            if spec.get("several"):
                keys, counts = pseudonymise_list(out[fld], key, cache)
                out[f"{fld}_key"] = keys
                out[spec["several"]] = counts
            elif not person_from:
                out[f"{fld}_key"] = pseudonymise_series(
                    key, out[fld].astype(object), kind="person", cache=cache
                )
            out = out.drop(columns=[fld], errors="ignore")
    mapped.frame = out
    mapped.extra["colmap"] = colmap
    return mapped


def person_kind(fields: Sequence[str]) -> str:
    """The pseudonym kind of a person identifier made of ``fields``: an e-mail has the same
    pseudonym in every source (``person:email``)."""
    return "person" if list(fields) == ["matricule"] else f"person:{'+'.join(fields)}"


#: what separates the people a single cell names ("A. Martin / B. Durand", "Marie et Paul")
NAME_SEPARATORS = re.compile(r"\s*[/,;&]\s*|\s+et\s+", re.I)


def pseudonymise_list(
    values: pd.Series, key: bytes, cache: dict | None = None
) -> tuple[pd.Series, pd.Series]:
    """Cells that may name several people: each name pseudonymised (as a single-name cell is),
    the pseudonyms joined by ``;`` in the cell's order, and the number of names (missing where the
    cell is empty). Split on :data:`NAME_SEPARATORS`, once per distinct cell."""
    codes, uniques = pd.factorize(values)
    names = [[n for n in NAME_SEPARATORS.split(str(u).strip()) if n] for u in uniques]
    flat = pd.Series([n for ns in names for n in ns], dtype=object)
    hashed = pseudonymise_series(key, flat, kind="person", cache=cache).tolist()
    joined: list[Any] = []
    at = 0
    for ns in names:
        joined.append(";".join(hashed[at : at + len(ns)]) or None)
        at += len(ns)
    counts = np.array([float(len(ns)) or np.nan for ns in names] + [np.nan])
    keys = gather_labels([*joined, None], codes, values.index)
    return keys, pd.Series(pd.array(counts[codes]).astype("Int64"), index=values.index)


def person_key_column(
    frame: pd.DataFrame, person_from: Sequence[Any], key: bytes, cache: dict | None = None
) -> pd.Series:
    """Each row's pseudonym from the first identifier of ``person_from`` it has (a field, or
    fields joined by a space); missing where it has none."""
    result: pd.Series | None = None
    for spec in person_from:
        cols = [spec] if isinstance(spec, str) else list(spec)
        if any(c not in frame.columns for c in cols):
            continue
        parts = frame[cols].astype("string")
        if parts.isna().all(axis=None):
            continue
        if len(cols) > 1:
            filled = parts.fillna("")
            others: Any = [filled[c] for c in cols[1:]]  # pandas-stubs only types lists of str
            joined = filled[cols[0]].str.cat(others, sep=" ").str.strip()
        else:
            joined = parts[cols[0]]
        joined = joined.where(joined.notna() & (joined != ""))
        kind = person_kind(cols)
        if result is None:
            result = pseudonymise_series(key, joined, kind=kind, cache=cache)
        else:  # only the rows an earlier identifier has not already keyed
            todo = result.isna().to_numpy()
            keys = pseudonymise_series(key, joined[todo], kind=kind, cache=cache)
            result = result.fillna(keys)
        if not result.isna().any():
            break
    if result is None:
        return pd.Series(np.nan, index=frame.index, dtype=TEXT_DTYPE)
    return result


def map_items(
    raw: pd.DataFrame, source: Source, scales: Mapping[str, Mapping[str, Any]]
) -> tuple[pd.DataFrame, dict[str, str], list[tuple[str, pd.Series]]]:
    """Barometer items: apply the declared regex rules to the file's columns.

    Returns the wide frame of item codes (floats), the mapping item -> source column, and a list of
    (reason, mask) for unparseable answers.
    """
    items: dict[str, pd.Series] = {}
    origin: dict[str, str] = {}
    problems: list[tuple[str, pd.Series]] = []
    for col in raw.columns:
        for rule in source.items:
            m = safe_regex(rule.match).fullmatch(str(col))
            if not m:
                continue
            code = m.expand(rule.to)
            if code in items:
                raise InputFileError(
                    f"{source.name}: columns {origin[code]!r} and {col!r} both map to item {code!r}; make the items rules in eco_eval.yaml unambiguous"
                )
            if rule.scale == "yes_no":  # parsed once per distinct answer, like parse_scale
                codes, uniques = pd.factorize(raw[col])  # -1 for a missing value: last slot
                answers = pd.Series(uniques, dtype=object).astype("string").str.strip()
                yes_no, unparsed = parse_yes_no(answers)
                as_float = np.append(_as_float(yes_no).to_numpy(), np.nan)
                invalid = np.append(np.asarray(unparsed, dtype=bool), False)
                parsed = pd.Series(as_float[codes], index=raw.index)
                bad = pd.Series(invalid[codes], index=raw.index)
            else:
                if rule.scale not in scales:
                    raise ConfigError(
                        f"eco_eval.yaml: items rule {rule.match!r} uses undeclared scale {rule.scale!r}{did_you_mean(rule.scale, scales)}"
                    )
                parsed, bad = parse_scale(raw[col], scales[rule.scale])
            items[code] = parsed
            origin[code] = str(col)
            if bool(bad.any()):
                problems.append((f"parse:{code}", bad))
            break
    frame = pd.DataFrame(items, index=raw.index)
    return frame, origin, problems


def item_ranges(
    source: Source, scales: Mapping[str, Mapping[str, Any]]
) -> dict[str, tuple[float, float]]:
    """The range of each item family (the code before the first ``_``: ``sat`` of ``sat_1``)
    of a source's ``items:`` rules, from their scales' codes (``yes_no``: 0-1); a scale without
    numeric codes (numbers answered as such) sets no range."""
    out: dict[str, tuple[float, float]] = {}
    for rule in source.items:
        family = rule.to.split("_", 1)[0]
        codes = [0, 1] if rule.scale == "yes_no" else list((scales.get(rule.scale) or {}).values())
        numeric = [float(c) for c in codes if isinstance(c, (int, float))]
        if numeric and "\\" not in family:
            out[family] = (min(numeric), max(numeric))
    return out
