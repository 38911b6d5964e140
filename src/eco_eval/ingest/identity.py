"""The pseudonymised identity map and the link rates of the person-keyed sources.

A person is keyed by the first identifier of the schema's ``person_from`` a row has (matricule,
then e-mail...), each kind of identifier with its own pseudonym (:func:`~eco_eval.ingest.mapping.
person_kind`). An attendance row that carries several identifiers (a matricule and an e-mail)
says that their pseudonyms are one person: ``person_links`` keeps, for each such secondary
pseudonym (``id_key``), the person key it belongs to. At the end of the ingest, in the parent
process (after the barometer ingested aside has been copied in), every person key of the
attendance and barometer tables that is a linked ``id_key`` is replaced by its person key, so a
respondent keyed by e-mail links to an attendance register keyed by matricule. An ``id_key``
met with two different person keys (a shared mailbox) is ambiguous and left out of the map.
Only single-field identifiers link (not names: homonyms).

The ``linkage`` table then counts, for each person-keyed table other than the attendance, its
rows by outcome: ``linked`` (the person key is in the attendance register), ``not_in_attendance``
(a person key never seen there), ``no_identifier``, or the failed lookup that left the row
without a key (``not_in_lookup:<table>``...). :func:`eco_eval.store_quality.link_rates` reads it back as a frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.ingest.mapping import person_kind
from eco_eval.pseudonymise import pseudonymise_series

#: the register the other person-keyed tables are linked to
TARGET = "attendance"
LINK_COLUMNS = ["kind", "id_key", "person_key"]


def linked_kinds(project: Any, schema: Mapping[str, Any]) -> list[str]:
    """The attendance identifiers the identity map is built for: the single-field identifiers
    another person-keyed source maps (``columns:`` or ``lookups:``) other than the register's
    first one. None when every source keys people alike (the map would change nothing, and
    pseudonymising every row's second identifier costs time at national size)."""
    register = [f for f in schema[TARGET]["person_from"] if isinstance(f, str)]
    if not register or TARGET not in project.sources:
        return []
    mapped = project.sources[TARGET].columns.keys() | project.sources[TARGET].lookups.keys()
    wanted: list[str] = []
    for name, spec in schema.items():
        source = project.sources.get(name)
        if name == TARGET or source is None or not spec.get("person_from"):
            continue
        for fld in spec["person_from"]:
            used = fld in source.columns or fld in source.lookups
            if isinstance(fld, str) and used and fld in register[1:] and fld in mapped:
                wanted.append(fld)
    return [f for f in register if f in wanted or (wanted and f == register[0])]


def identity_links(
    frame: pd.DataFrame,
    person_from: Sequence[Any],
    person_keys: Any,
    key: bytes,
    cache: dict | None = None,
) -> pd.DataFrame:
    """(kind, id_key, person_key) of each single-field identifier of a row that is not the one
    its person key came from (distinct rows)."""
    keys = pd.Series(np.asarray(person_keys, dtype=object), index=frame.index)
    parts = []
    for spec in person_from:
        if not isinstance(spec, str) or spec not in frame.columns:
            continue
        kind = person_kind([spec])
        ids = pseudonymise_series(key, frame[spec].astype(object), kind=kind, cache=cache)
        ids = pd.Series(np.asarray(ids, dtype=object), index=frame.index)
        other = ids.notna() & keys.notna() & (ids.fillna("") != keys.fillna(""))
        if other.any():
            parts.append(
                pd.DataFrame({"kind": kind, "id_key": ids[other], "person_key": keys[other]})
            )
    if not parts:
        return pd.DataFrame(columns=LINK_COLUMNS, dtype=object)
    return pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)


def identity_map(links: Sequence[pd.DataFrame]) -> tuple[pd.DataFrame, int]:
    """The map to store, without ambiguous ids, each id followed to its final person key; and
    the number of ambiguous ids left out."""
    frames = [f for f in links if len(f)]
    if not frames:
        return pd.DataFrame(columns=LINK_COLUMNS, dtype=object), 0
    found = pd.concat(frames, ignore_index=True).drop_duplicates(ignore_index=True)
    per_id = found.groupby("id_key")["person_key"].nunique()
    ambiguous = per_id.index[per_id > 1]
    found = found[~found["id_key"].isin(ambiguous)].drop_duplicates("id_key", ignore_index=True)
    target = dict(zip(found["id_key"], found["person_key"], strict=True))
    for _ in range(len(found)):  # a person key that is itself linked: follow it (no cycle can
        # arise from one person_from order, the bound only guards against one)
        moved = found["person_key"].map(target)
        step = moved.notna() & (moved != found["id_key"])
        if not step.any():
            break
        found.loc[step, "person_key"] = moved[step]
    return found.sort_values(["kind", "id_key"], ignore_index=True), len(ambiguous)


def resolve_identities(con: Any, links: Sequence[pd.DataFrame], tables: Sequence[str]) -> int:
    """Store the identity map (``person_links``) and key ``tables``' rows through it; returns
    the number of ambiguous ids left out."""
    found, ambiguous = identity_map(links)
    if not len(found):
        return ambiguous
    con.register("_links", found[LINK_COLUMNS])
    try:
        con.execute("INSERT INTO person_links SELECT kind, id_key, person_key FROM _links")
    finally:
        con.unregister("_links")
    for table in tables:
        con.execute(
            f'UPDATE "{table}" SET person_key = l.person_key FROM person_links l '
            f'WHERE "{table}".person_key = l.id_key'
        )
    return ambiguous


def record_linkage(
    con: Any, tables: Sequence[str], unkeyed: Mapping[str, Mapping[str, int]]
) -> None:
    """Count each table's rows by link outcome into ``linkage`` (see the module doc);
    ``unkeyed``: per table, the rows left without a key by a failed lookup, by cause."""
    for table in tables:
        total, no_key, linked = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE person_key IS NULL), "
            f"count(*) FILTER (WHERE person_key IN (SELECT person_key FROM {TARGET})) "
            f'FROM "{table}"'
        ).fetchone()
        causes = {k: int(n) for k, n in (unkeyed.get(table) or {}).items() if n}
        rows = {
            "linked": int(linked),
            f"not_in_{TARGET}": int(total) - int(no_key) - int(linked),
            **causes,
            "no_identifier": int(no_key) - sum(causes.values()),
        }
        con.executemany(
            "INSERT INTO linkage VALUES (?, ?, ?, ?)",
            [[table, TARGET, outcome, n] for outcome, n in rows.items()],
        )
