"""The state of one ingest: what later sources and slices are checked against.

Sessions accepted (attendance and feedback point at them), names met in attendance lists (to
mask them in comments, never stored), values of unique fields met so far, the pseudonyms of
this run's key, the rows of the identity map, the lookup tables. Held by the parent and, for
the sources ingested aside, by the child process (:mod:`eco_eval.ingest.aside`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from eco_eval.config import Project
from eco_eval.digest import sha256_file
from eco_eval.ingest.files import relative_label
from eco_eval.ingest.lookup import KeyIndex, SeenValues
from eco_eval.ingest.lookup_tables import LookedUp, LookupTable, load_lookup, used_lookups
from eco_eval.ingest.mapping import NAME_SEPARATORS
from eco_eval.schema import load_schema

#: the start of the programme's span: dates before it are out of span (``in_span`` fields)
MISSION_LETTER = date(2013, 3, 13)


class Run:
    """State of one ingest: the context tables later sources are checked against."""

    def __init__(self, project: Project, key: bytes):
        self.project = project
        self.key = key
        self.schema = load_schema()
        self.ecosystem = project.ecosystem()
        self.lever_of = {t.id: t.lever for t in self.ecosystem.tools}
        self.session_dates: dict[str, pd.Timestamp] = {}
        self.known_names: set[str] = set()
        self.span = (MISSION_LETTER, date.today())
        self.seen: dict[str, dict[str, SeenValues]] = {}  # table -> unique rule -> values met
        self.pseudonyms: dict = {}  # (kind, identifier) -> pseudonym, for this run's key
        self.links: list[pd.DataFrame] = []  # the identity map's rows (identity.identity_links)
        self._lookups: dict[str, LookupTable] | None = None
        self.looked_up: dict[Path, LookedUp] = {}  # the lookups of files read, until prepared
        # built again only when session_dates / known_names grew (see the methods that use them)
        self._sessions_indexed: tuple[KeyIndex, np.ndarray] | None = None
        self._sorted_names: list[str] | None = None

    def lookup_tables(self, hashes: dict[Path, str] | None = None) -> dict[str, LookupTable]:
        """The lookup tables the sources use, read once per run (``hashes``: known checksums)."""
        if self._lookups is None:
            known = hashes or {}
            self._lookups = {
                name: load_lookup(
                    self.project,
                    name,
                    columns,
                    lambda p: relative_label(self.project, p),
                    lambda p: known.get(p) or sha256_file(p),
                )
                for name, columns in used_lookups(self.project).items()
            }
        return self._lookups

    def session_index(self) -> tuple[KeyIndex, np.ndarray]:
        """The accepted session ids as a :class:`KeyIndex` and their dates (``datetime64``),
        built again only when sessions were added since the last call."""
        cached = self._sessions_indexed
        if cached is None or len(cached[1]) != len(self.session_dates):
            index = KeyIndex(list(self.session_dates))
            dates = pd.to_datetime(list(self.session_dates.values()), errors="coerce")
            cached = (index, np.asarray(dates, dtype="datetime64[ns]"))
            self._sessions_indexed = cached
        return cached

    def remember_names(self, raw: pd.DataFrame, colmap: dict[str, str]) -> None:
        """Names seen in attendance lists and the facilitators' names of the session log (each
        name of a cell such as « A. Martin / B. Durand »), kept in memory only to mask them in
        free-text comments."""
        if "facilitator_name" in colmap:
            cells = raw[colmap["facilitator_name"]].dropna().astype(str).unique()
            self.known_names.update(
                n for c in cells for n in NAME_SEPARATORS.split(c.strip()) if len(n) > 2
            )
        for fld in ("last_name", "first_name"):
            if fld in colmap:
                self.known_names.update(
                    v
                    for v in raw[colmap[fld]].dropna().astype(str).str.strip().unique()
                    if len(v) > 2
                )
        if "first_name" in colmap and "last_name" in colmap:
            full = (
                raw[colmap["first_name"]].astype("string")
                + " "
                + raw[colmap["last_name"]].astype("string")
            )
            self.known_names.update(full.dropna().unique())

    def sorted_names(self) -> list[str]:
        """``sorted(self.known_names)``, sorted again only when names were added."""
        cached = self._sorted_names
        if cached is None or len(cached) != len(self.known_names):
            cached = sorted(self.known_names)
            self._sorted_names = cached
        return cached
