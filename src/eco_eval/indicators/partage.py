"""« Partage »: whether the sessions make colleagues of different services and categories meet.

Everything is computed from the sign-in sheets of held sessions (attendance joined to sessions),
per session and then pooled, never as a person-level network: a pair of participants is two people
signed in at the same held session. Counting pairs per session needs only the number of
participants of each department (or category) in it: a session of ``m`` participants, ``m_d`` of
them from department ``d``, has ``m(m−1)/2`` pairs, ``Σ_d m_d(m_d−1)/2`` of them within one
department, and ``m_a·m_b`` between departments ``a`` and ``b``.

Reference for the pair-based mixing measure: Blau, P. M. (1977). *Inequality and Heterogeneity*,
New York, Free Press (the probability that two members drawn at random differ in a group).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from eco_eval.ecosystem import Ecosystem
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import (
    ALL,
    DIMENSIONS,
    AttendanceView,
    Tables,
    attendance_view,
    row,
    tidy,
)
from eco_eval.periods import Period

__all__ = ["PAIR_SEPARATOR", "department_contacts", "mixing_shares", "partage", "split_pair"]

#: Separates the two departments of a ``department_pair`` group (``Culture|Finances``, sorted).
PAIR_SEPARATOR = "|"


def split_pair(group: str) -> tuple[str, str]:
    """The two departments of a ``department_pair`` group."""
    a, _, b = str(group).partition(PAIR_SEPARATOR)
    return a, b


def mixing_shares(att: pd.DataFrame, column: str) -> tuple[float, int, int]:
    """Share of participant pairs of the same session whose ``column`` differs.

    Parameters
    ----------
    att : DataFrame
        Attendance rows (``session_id``, ``person_key``, ``column``) of held sessions, one row
        per person and session (repeated sign-ins of one person count once).
    column : str
        ``department`` or ``category``; rows without a value are left out of the pairs.

    Returns
    -------
    (share, pairs, people): Σ_s (pairs_s − Σ_g pairs_{s,g}) / Σ_s pairs_s over sessions of two
    participants or more, the number of pairs, and the distinct people of those sessions. NaN
    share when there is no pair.
    """
    rows = att.dropna(subset=[column]).drop_duplicates(["session_id", "person_key"])
    if rows.empty:
        return float("nan"), 0, 0
    per_group = rows.groupby(["session_id", column], observed=True).size()
    per_session = per_group.groupby(level=0, observed=True).sum()
    pairs = float((per_session * (per_session - 1) / 2).sum())
    same = float((per_group * (per_group - 1) / 2).sum())
    multi = per_session[per_session >= 2].index
    people = int(rows.loc[rows["session_id"].isin(multi), "person_key"].nunique())
    if pairs == 0:
        return float("nan"), 0, people
    return (pairs - same) / pairs, int(pairs), people


def department_contacts(att: pd.DataFrame) -> pd.DataFrame:
    """Each person's own department and every department they met at a session.

    Returns the distinct (``person_key``, ``department``, ``met``) rows: ``met`` is the
    department of another participant of a session the person attended (the person's own
    department when a colleague of the same department was there).
    """
    rows = att.dropna(subset=["department"]).drop_duplicates(["session_id", "person_key"])
    rows = rows[["session_id", "person_key", "department"]]
    size = rows.groupby(["session_id", "department"]).size().rename("m").reset_index()
    pairs = rows.merge(size.rename(columns={"department": "met"}), on="session_id")
    # the person's own department counts as met only when another colleague of it was there
    alone = (pairs["met"] == pairs["department"]) & (pairs["m"] < 2)
    return pairs.loc[~alone, ["person_key", "department", "met"]].drop_duplicates(ignore_index=True)


def _encounters(groups: _SessionGroups, names: Sequence[Any]) -> pd.DataFrame:
    """Department × department co-attendance: per unordered pair (a ≤ b by name), ``pairs`` =
    Σ over sessions of m_a·m_b (a ≠ b) or m_a(m_a−1)/2 (a = b), and the distinct people of each
    side who met the other (``side_a``, ``side_b``, as :func:`department_contacts` counts them).
    ``groups``: the period's sign-ins by department code, ``names`` the department of each code."""
    counts = groups.counts()
    present = np.flatnonzero(np.asarray(counts.sum(axis=0)).ravel())
    depts = sorted(present.tolist(), key=lambda code: str(names[code]))
    # the pair counts of every two departments are one product of whole numbers (exact)
    between = (counts.T @ counts).toarray()
    cells = counts.tocoo()
    within = np.bincount(
        cells.col, weights=cells.data * (cells.data - 1) // 2, minlength=counts.shape[1]
    )
    sides = groups.sides()
    out = []
    for a, b in [*((d, d) for d in depts), *combinations(depts, 2)]:
        pairs = float(within[a]) if a == b else float(between[a, b])
        if pairs == 0:
            continue
        out.append(
            {
                "a": str(names[a]),
                "b": str(names[b]),
                "pairs": pairs,
                "side_a": int(sides[a, b]),
                "side_b": int(sides[b, a]),
            }
        )
    return pd.DataFrame(out, columns=["a", "b", "pairs", "side_a", "side_b"])


def partage(
    tables: Tables, period: Period, eco: Ecosystem, *, by: Sequence[str] = DIMENSIONS
) -> pd.DataFrame:
    """The « partage » indicators of ``period``; the figures by department (the rows by
    department, the matrix, the bridges) only when ``department`` is a breakdown of ``by``.

    Returns tidy rows:

    * ``mixing_department_share`` and ``mixing_category_share`` per scope (programme, lever,
      live tool) with at least one pair: :func:`mixing_shares`;
    * ``departments_met_mean`` per scope and, for the programme, per department of the
      participant: mean over participants with a department of the number of departments other
      than their own they met at a session (:func:`department_contacts`); ``n`` of these is the
      scope's (or the department's) distinct participants, as for ``unique_participants``: one
      suppression family, hidden together, so that no difference of two ``n`` singles out a few
      people (those who only came to sessions alone);
    * ``encounters`` (programme only), dimension ``department_pair``, group ``a|b`` (sorted; a = b
      for colleagues of one department): co-attendance pairs Σ_s m_a·m_b; ``n`` = the smaller of
      the two sides (people of ``a`` who met ``b``, people of ``b`` who met ``a``), so the
      anonymity rule asks for k people on each side;
    * ``bridges`` (programme only): pairs of different departments with at least
      ``bridge_people`` (catalogue parameter) people on each side who met; ``n`` = departments
      with a participant in a session of 2+.
    """
    view = attendance_view(tables, period)
    rows: list[dict[str, object]] = []
    if not len(view) or "department" not in view.columns or (view.dim("department")[0] < 0).all():
        return tidy(rows)
    att, names = _coded(view)
    pairs_by = {c: _SessionGroups(att, c) for c in ("department", "category") if c in att}
    everyone = np.arange(len(att))
    for lever, tool, scope in view.scopes(eco):
        if not len(scope):
            continue
        people = scope.people()[0]  # as unique_participants: hidden alike
        at = everyone if scope.idx is None else scope.idx
        for column, indicator in (
            ("department", "mixing_department_share"),
            ("category", "mixing_category_share"),
        ):
            if column not in pairs_by:
                continue
            share, pairs = pairs_by[column].mixing(at)
            if pairs:
                rows.append(row(period, lever, tool, ALL, ALL, indicator, share, people))
        if "department" not in pairs_by:
            continue
        met = pairs_by["department"].others_met(at)
        if len(met):
            rows.append(
                row(period, lever, tool, ALL, ALL, "departments_met_mean", met.mean(), people)
            )
        if lever == ALL and "department" in by:
            own = att.drop_duplicates("person_key").set_index("person_key")["department"]
            per_dept = met.groupby(own.reindex(met.index)).agg(["mean", "size"])
            dept_names = [str(names["department"][int(code)]) for code in per_dept.index]
            rows += [
                row(period, ALL, ALL, "department", d, "departments_met_mean", m, size)
                for d, m, size in zip(dept_names, per_dept["mean"], per_dept["size"], strict=True)
            ]
    if "department" not in by:
        return tidy(rows)
    enc = _encounters(pairs_by["department"], names["department"])
    threshold = int(load_catalogue().parameters.get("bridge_people", 5))
    for a, b, pairs, side_a, side_b in zip(
        enc["a"], enc["b"], enc["pairs"], enc["side_a"], enc["side_b"], strict=True
    ):
        group = f"{a}{PAIR_SEPARATOR}{b}"
        n = min(int(side_a), int(side_b))
        rows.append(row(period, ALL, ALL, "department_pair", group, "encounters", pairs, n))
    cross = enc[enc["a"] != enc["b"]]
    bridges = int(((cross["side_a"] >= threshold) & (cross["side_b"] >= threshold)).sum())
    depts = len(set(enc["a"]) | set(enc["b"])) if len(enc) else 0
    rows.append(row(period, ALL, ALL, ALL, ALL, "bridges", bridges, depts))
    return tidy(rows)


def _coded(view: AttendanceView) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The period's sign-ins as the numbers the figures read (sessions, people, departments and
    categories by code, NaN where missing: group-bys on numbers, not text), row ``i`` being the
    view's ``i``-th, with the department and category each code stands for."""
    out = pd.DataFrame(index=pd.RangeIndex(len(view)))
    names: dict[str, Any] = {}
    for column in ("session_id", "person_key", "department", "category"):
        if column not in view.columns:
            continue
        codes, uniques = view.dim(column)
        if column in ("session_id", "person_key"):
            # numbered within the period: the per-session counts span its sessions only
            valid = codes >= 0
            renumbered = np.full(len(codes), -1, dtype=np.int64)
            renumbered[valid] = pd.factorize(codes[valid])[0]
            codes = renumbered
        else:
            names[column] = uniques
        out[column] = np.where(codes < 0, np.nan, codes)
    return out, names


class _SessionGroups:
    """The period's sign-ins with a ``column`` value, one per person and session, as codes: the
    pair counts of any scope are numpy sums over its rows, not a group-by per scope.

    Equal to :func:`mixing_shares` and :func:`department_contacts` on the scope's rows (a person's
    sign-ins at one session all belong to that session's scope, so de-duplicating the period once
    keeps the same rows).
    """

    def __init__(self, att: pd.DataFrame, column: str):
        kept = att.dropna(subset=[column]).drop_duplicates(["session_id", "person_key"])
        self.position = kept.index.to_numpy()
        self.session = kept["session_id"].to_numpy(dtype=np.int64)
        person = kept["person_key"].to_numpy(dtype=float)
        unknown = int(np.nanmax(person, initial=-1)) + 1  # sign-ins without a person: one code
        self.person = np.where(np.isnan(person), unknown, person).astype(np.int64)
        self.group = kept[column].to_numpy(dtype=np.int64)
        self.shape = (
            int(kept["session_id"].max(skipna=True)) + 1 if len(kept) else 0,
            unknown + 1,
            int(self.group.max(initial=-1)) + 1,
        )

    def counts(self) -> sparse.csr_matrix:
        """Sessions × groups: the number of people of each group at each session."""
        return self._counts(self.session, self.group)

    def _counts(self, session: np.ndarray, group: np.ndarray) -> sparse.csr_matrix:
        n_sessions, _, n_groups = self.shape
        one = np.ones(len(session), dtype=np.int64)
        return sparse.csr_matrix((one, (session, group)), shape=(n_sessions, n_groups))

    def _met(self, rows: np.ndarray | None = None) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """:meth:`counts` of the sign-ins ``rows`` (all by default) and, per sign-in of
        ``rows``, the groups at its session among them (sign-ins × groups, 1 where present; its
        own group included)."""
        s, g = (
            (self.session, self.group) if rows is None else (self.session[rows], self.group[rows])
        )
        counts = self._counts(s, g)
        met = counts[s]
        met.data[:] = 1
        return counts, met

    def sides(self) -> np.ndarray:
        """Groups × groups: ``[a, b]`` the distinct people with a sign-in of group ``a`` at a
        session where they met group ``b`` (``b = a``: another person of ``a`` was there), as
        :func:`department_contacts` then counting its people per (``department``, ``met``)."""
        _, n_people, n_groups = self.shape
        s, p, g = self.session, self.person, self.group
        counts, met = self._met()
        rows = np.arange(len(s))
        alone = np.asarray(counts[s, g]).ravel() < 2  # own group met only with a colleague
        met = (met - sparse.csr_matrix((alone.astype(np.int64), (rows, g)), met.shape)).tocsr()
        met.eliminate_zeros()
        known = p != n_people - 1  # sign-ins without a person are counted by nobody
        keys, first = np.unique(p[known] * n_groups + g[known], return_inverse=True)
        one = np.ones(len(first), dtype=np.int64)
        by_key = sparse.csr_matrix((one, (first, rows[known])), shape=(len(keys), len(s)))
        key_met = (by_key @ met).tocsr()
        key_met.data[:] = 1
        own = sparse.csr_matrix(
            (np.ones(len(keys), dtype=np.int64), (keys % n_groups, np.arange(len(keys)))),
            shape=(n_groups, len(keys)),
        )
        return np.asarray((own @ key_met).toarray())

    def _rows(self, at: np.ndarray) -> np.ndarray:
        return np.flatnonzero(np.isin(self.position, at, assume_unique=True))

    def mixing(self, at: np.ndarray) -> tuple[float, int]:
        """(share, pairs) of :func:`mixing_shares` for the rows at positions ``at``."""
        r = self._rows(at)
        n_sessions, _, n_groups = self.shape
        per_session = np.bincount(self.session[r], minlength=n_sessions).astype(float)
        per_group = np.bincount(self.session[r] * n_groups + self.group[r]).astype(float)
        pairs = float((per_session * (per_session - 1) / 2).sum())
        same = float((per_group * (per_group - 1) / 2).sum())
        if pairs == 0:
            return float("nan"), 0
        return (pairs - same) / pairs, int(pairs)

    def others_met(self, at: np.ndarray) -> pd.Series:
        """Per person of the rows at ``at``: the groups other than their own that they met at a
        session (the person's group is that of each sign-in), as :func:`department_contacts`."""
        r = self._rows(at)
        n_people = self.shape[1]
        p, g = self.person[r], self.group[r]
        one = np.ones(len(r), dtype=np.int64)
        _, met = self._met(r)
        own = sparse.csr_matrix((one, (np.arange(len(r)), g)), shape=met.shape)
        others = (met - own).tocsr()  # the sign-in itself is there: its own group is always met
        others.eliminate_zeros()
        by_person = sparse.csr_matrix((one, (p, np.arange(len(r)))), shape=(n_people, len(r)))
        person_met = (by_person @ others).tocsr()
        person_met.eliminate_zeros()
        people = pd.unique(p)
        counts = np.diff(person_met.indptr)[people].astype(float)
        keys = np.where(people == n_people - 1, np.nan, people.astype(float))
        return pd.Series(counts, index=pd.Index(keys, name="person_key"))
