"""Interval audit of the publication ledger: what every published cell, taken together, tells
of each hidden one.

Statistical offices check a protected table by computing, for every hidden cell, the smallest
and the largest value it can take given every published figure (the *audit* of τ-ARGUS,
Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, §4.3.2 and §4.4). This module
does the same over everything published, old and new, with linear programs solved by HiGHS
(``highspy``: one model per problem, solved again for each hidden cell with its objective
changed).

Problems
    One linear program per (indicator, lever, tool, dimension): the cells of that dimension's
    groups and the totals (``dimension == "*"``), at every period span published. Cells of
    different levers or dimensions are audited apart (a relaxation: a reader combining them could
    know more; the pairwise rules of :mod:`eco_eval.privacy.suppression` cover the rest).

Variables and equalities (``value`` of each cell; hidden cells are the unknowns)
    ``additive`` indicators (participations: every event counted once, in one day and one group):
    one variable per *slice* (the stretches of days between consecutive period boundaries) and
    group, plus the people in no published group (``rest``); a cell is the sum of its slices and
    groups, a total the sum of every group and the rest. Every variable is ≥ 0.

    ``people`` indicators (unique participants: a person counts once per period, whatever the
    number of days): one variable per span and group; a total is the sum of its groups and the
    rest; a span inside another counts at most as many people (``x_A ≤ x_B``); a span split in
    two published spans counts at most their sum (``x_B ≤ x_A + x_C``).

    A published cell fixes its variable combination to its value (the latest publication of a
    cell wins: a revision replaces the figure).

The rule
    For a hidden cell with threshold ``t``, the interval ``[min, max]`` must be at least ``t``
    wide unless ``min ≥ t``: a reader cannot pin it, nor know that it is below ``t`` when it may
    be more (a count known to be ``t`` or more, a sum of published cells say, is no more exposed
    than a published one; a count known to be zero, nobody took part, is not about anyone, as
    the difference of two equal nested published cells is not). Two
    published cells of one group, one span inside the other, must differ by 0 or by at least
    ``t`` (the difference counts the events or people of the outer span only). A violation that
    the earlier publications already allowed on their own is reported, not charged to the new
    cells (``earlier`` in :class:`Violation`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd

from eco_eval.errors import ConfigError
from eco_eval.privacy._cells import ALL, TOL

#: indicator kinds the audit knows (see the module docstring)
KINDS = ("additive", "people")
#: the columns of the cells the audit reads
CELL_COLUMNS = (
    "period", "start", "end", "lever", "tool", "dimension", "group", "indicator",
    "value", "suppressed", "new", "t",
)  # fmt: skip
REST = "\0rest"


@dataclass(frozen=True)
class Violation:
    """A hidden cell (``row``) whose audit interval ``[low, high]`` is narrower than ``t``, or a
    published pair (``row`` inside ``other``) ``high - low`` apart; ``fix``: the new published
    rows that would, hidden, widen it (best first); ``earlier``: the earlier publications alone
    already allowed it."""

    row: int
    low: float
    high: float
    t: float
    fix: tuple[int, ...]
    earlier: bool = False


def check_kinds(kinds: Mapping[str, str]) -> dict[str, str]:
    """``kinds`` as a dict, or a ConfigError naming an unknown kind."""
    for ind, kind in kinds.items():
        if kind not in KINDS:
            raise ConfigError(
                f"audit kind of {ind!r} = {kind!r}: expected one of {', '.join(KINDS)}"
            )
    return dict(kinds)


def audit(
    cells: pd.DataFrame, kinds: Mapping[str, str], cache: dict[bytes, list] | None = None
) -> list[Violation]:
    """Audit ``cells`` (columns :data:`CELL_COLUMNS`; ``start``/``end`` day ordinals, ``new``
    True for the cells about to be published, ``t`` each cell's threshold) for the indicators of
    ``kinds`` (indicator id → ``additive`` or ``people``).

    Returns the violations the new cells cause (and those the earlier ones already allowed,
    flagged ``earlier``); rows are positions in ``cells``. Only problems with a new cell and at
    least two period spans are solved: within one span the complementary rule of
    :mod:`eco_eval.privacy.suppression` holds already. ``cache``: a dict kept between calls on
    cells that change little (rounds of suppression): a problem whose cells are unchanged is not
    solved again.
    """
    kinds = check_kinds(kinds)
    if cells.empty:
        return []
    c = cells.reset_index(drop=True)
    c = c[c["indicator"].isin(list(kinds)) & c["start"].notna() & c["end"].notna()]
    out: list[Violation] = []
    for (ind, _lever, _tool), sub in c.groupby(["indicator", "lever", "tool"], sort=False):
        if not sub["new"].any():
            continue
        totals = sub[sub["dimension"] == ALL]
        for dim, groups in sub[sub["dimension"] != ALL].groupby("dimension", sort=False):
            prob = pd.concat([totals, groups])
            if prob["new"].any() and prob[["start", "end"]].drop_duplicates().shape[0] > 1:
                key = _fingerprint(prob, kinds[str(ind)])
                found = None if cache is None else cache.get(key)
                if found is None:
                    found = _Problem(prob, kinds[str(ind)], str(dim)).violations()
                    if cache is not None:
                        cache[key] = found
                out.extend(found)
    return out


def _fingerprint(prob: pd.DataFrame, kind: str) -> bytes:
    """What a problem's answer depends on: its cells (positions included) and its kind."""
    cols = ["start", "end", "value", "suppressed", "new", "t"]
    digest = pd.util.hash_pandas_object(
        prob[[*cols, "dimension", "group"]].assign(pos=prob.index), index=False
    )
    return kind.encode() + digest.to_numpy().tobytes()


class _Problem:
    """The linear program of one (indicator, lever, tool, dimension)."""

    def __init__(self, prob: pd.DataFrame, kind: str, dim: str):
        self.kind = kind
        self.pos = prob.index.to_numpy()
        self.start = prob["start"].to_numpy(dtype=float)
        self.end = prob["end"].to_numpy(dtype=float)
        self.group = np.where(prob["dimension"].to_numpy() == ALL, ALL, prob["group"].to_numpy())
        self.value = prob["value"].to_numpy(dtype=float)
        self.hidden = prob["suppressed"].to_numpy(dtype=bool) | np.isnan(self.value)
        self.new = prob["new"].to_numpy(dtype=bool)
        self.t = prob["t"].to_numpy(dtype=float)
        self.groups = [*sorted({str(g) for g in self.group if g != ALL}), REST]
        spans = sorted(set(zip(self.start, self.end, strict=True)))
        self.spans = {s: i for i, s in enumerate(spans)}
        if kind == "additive":
            edges = sorted({s for s, _ in spans} | {e + 1 for _, e in spans})
            self.slices = list(itertools.pairwise(edges))
            self.n_vars = len(self.slices) * len(self.groups)
        else:
            self.n_vars = len(spans) * (len(self.groups) + 1)
        self.rows = [self._coefficients(i) for i in range(len(self.pos))]
        self._models: dict[bytes, _Model] = {}
        self._anchors: dict[tuple[float, float], bool] = {}
        self.a_ub, self.b_ub = self._inequalities(spans)

    # ------------------------------------------------------------------ the model
    def _coefficients(self, i: int) -> np.ndarray:
        """The variable combination cell ``i`` equals."""
        a = np.zeros(self.n_vars)
        g = self.group[i]
        if self.kind == "additive":
            n_g = len(self.groups)
            for j, (lo, hi) in enumerate(self.slices):
                if self.start[i] <= lo and hi - 1 <= self.end[i]:
                    if g == ALL:
                        a[j * n_g : (j + 1) * n_g] = 1.0
                    else:
                        a[j * n_g + self.groups.index(str(g))] = 1.0
            return a
        a[self._var(self.spans[(self.start[i], self.end[i])], str(g))] = 1.0
        return a

    def _var(self, span: int, g: str) -> int:
        width = len(self.groups) + 1
        return span * width + (len(self.groups) if g == ALL else self.groups.index(g))

    def _inequalities(self, spans: list[tuple[float, float]]) -> tuple[np.ndarray | None, ...]:
        if self.kind == "additive":
            return None, None
        rows = []
        names = [*self.groups, ALL]
        for (s1, e1), i1 in self.spans.items():
            for (s2, e2), i2 in self.spans.items():
                if i1 != i2 and s2 <= s1 and e1 <= e2:  # span 1 inside span 2
                    for g in names:
                        r = np.zeros(self.n_vars)
                        r[self._var(i1, g)], r[self._var(i2, g)] = 1.0, -1.0
                        rows.append(r)
                    rest = (s2, s1 - 1) if e1 == e2 else (e1 + 1, e2) if s1 == s2 else None
                    if rest in self.spans:
                        for g in names:
                            r = np.zeros(self.n_vars)
                            r[self._var(i2, g)] = 1.0
                            r[self._var(i1, g)] = r[self._var(self.spans[rest], g)] = -1.0
                            rows.append(r)
        if not rows:
            return None, None
        return np.array(rows), np.zeros(len(rows))

    def _equalities(self, use: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Published cells among ``use`` (latest first wins for one span and group), and for
        ``people`` each span's total as the sum of its groups and rest."""
        rows, rhs, seen = [], [], set()
        for i in sorted(np.flatnonzero(use & ~self.hidden), key=lambda i: (not self.new[i], -i)):
            key = (self.start[i], self.end[i], self.group[i])
            if key not in seen:
                seen.add(key)
                rows.append(self.rows[i])
                rhs.append(self.value[i])
        if self.kind == "people":
            for span in self.spans.values():
                r = np.zeros(self.n_vars)
                r[[self._var(span, g) for g in self.groups]] = -1.0
                r[self._var(span, ALL)] = 1.0
                rows.append(r)
                rhs.append(0.0)
        if not rows:
            return np.zeros((0, self.n_vars)), np.zeros(0)
        return np.array(rows), np.array(rhs, dtype=float)

    def _bounds(self, i: int, use: np.ndarray, enough: float = np.inf) -> tuple[float, float]:
        """The smallest and largest value of cell ``i`` given the published cells of ``use``
        (the largest is not sought, and given as inf, when the smallest is ``enough``)."""
        key = use.tobytes()
        if key not in self._models:
            self._models[key] = _Model(self.n_vars, *self._equalities(use), self.a_ub, self.b_ub)
        return self._models[key].bounds(self.rows[i], enough)

    # ------------------------------------------------------------------ the rule
    def violations(self) -> list[Violation]:
        out = self._pairs()
        everything = np.ones(len(self.pos), dtype=bool)
        for i in map(int, np.flatnonzero(self.hidden)):
            if not self._overlaps_new(i):
                continue
            low, high = self._bounds(i, everything, self.t[i])
            if not _narrow(low, high, self.t[i]):
                continue
            earlier = _narrow(*self._bounds(i, ~self.new), self.t[i])
            out.append(Violation(int(self.pos[i]), low, high, self.t[i], self._fix(i), earlier))
        return out

    def _overlaps_new(self, i: int) -> bool:
        """Whether cell ``i`` can be narrowed through another span: a new cell shares days with
        it, and its span is *anchored* (:meth:`_anchored`). A span that is not only has its
        own breakdown, which the complementary rule already protects."""
        overlap = (self.start <= self.end[i]) & (self.start[i] <= self.end)
        return bool((overlap & self.new).any()) and self._anchored(i)

    def _anchored(self, i: int) -> bool:
        """Whether some cell of ``i``'s span (``i``'s group or another, the total included)
        has a published cell of its group at another span sharing days with it."""
        span = (self.start[i], self.end[i])
        if span not in self._anchors:
            same = (self.start == span[0]) & (self.end == span[1])
            overlap = (self.start <= span[1]) & (span[0] <= self.end) & ~same
            groups = set(self.group[overlap & ~self.hidden])
            self._anchors[span] = bool(groups & set(self.group[same]))
        return self._anchors[span]

    def _pairs(self) -> list[Violation]:
        """Published nested cells of one group (one new) 1 to t − 1 apart."""
        out = []
        shown = np.flatnonzero(~self.hidden)
        for i in shown:
            for j in shown:
                if i == j or not (self.new[i] or self.new[j]) or self.group[i] != self.group[j]:
                    continue
                inside = self.start[i] <= self.start[j] and self.end[j] <= self.end[i]
                same = self.start[i] == self.start[j] and self.end[i] == self.end[j]
                if inside and not same:
                    d = self.value[i] - self.value[j]
                    t = max(self.t[i], self.t[j])
                    if 1 - TOL <= abs(d) <= t - 1 + TOL:
                        fix = tuple(int(self.pos[p]) for p in (i, j) if self.new[p])
                        out.append(Violation(int(self.pos[i]), 0.0, abs(d), t, fix))
        return out

    def _fix(self, i: int) -> tuple[int, ...]:
        """New published cells that share days with cell ``i``, best first: its own group's,
        then those of the groups hidden beside it in its span (through which it is reached),
        then the totals, then the others; smallest value first."""
        overlap = (self.start <= self.end[i]) & (self.start[i] <= self.end)
        same = (self.start == self.start[i]) & (self.end == self.end[i])
        beside = set(self.group[same & self.hidden])
        cand = np.flatnonzero(overlap & self.new & ~self.hidden)
        order = sorted(
            cand,
            key=lambda j: (
                self.group[j] != self.group[i], self.group[j] not in beside,
                self.group[j] != ALL, self.value[j],
            ),
        )  # fmt: skip
        return tuple(int(self.pos[j]) for j in order)


def _narrow(low: float, high: float, t: float) -> bool:
    """Whether a hidden count known to lie in ``[low, high]`` is exposed: the interval is
    narrower than ``t``, may hold fewer than ``t`` and more than nobody (a count known to be
    ``t`` or more is no more exposed than a published one; one known to be zero says that
    nobody took part, as two equal nested published cells do)."""
    return high - low < t - TOL and low < t - TOL and high >= 1 - TOL


class _Model:
    """A HiGHS model of ``x ≥ 0``, ``a_eq x = b_eq``, ``a_ub x ≤ b_ub``, minimised and maximised
    along one objective after another (each solve starts from the last basis)."""

    def __init__(
        self,
        n_vars: int,
        a_eq: np.ndarray,
        b_eq: np.ndarray,
        a_ub: np.ndarray | None,
        b_ub: np.ndarray | None,
    ):
        # the bare solver: the Python wrapper prints a banner on creation
        self.h = highspy._core._Highs()
        self.h.setOptionValue("output_flag", False)
        self.n = n_vars
        self.h.addVars(n_vars, np.zeros(n_vars), np.full(n_vars, highspy.kHighsInf))
        for a, lo, hi in ((a_eq, b_eq, b_eq), (a_ub, None, b_ub)):
            if a is None or hi is None or not len(a):
                continue
            for row, low, high in zip(
                a, lo if lo is not None else np.full(len(a), -highspy.kHighsInf), hi, strict=True
            ):
                idx = np.flatnonzero(row).astype(np.int32)
                self.h.addRow(float(low), float(high), len(idx), idx, row[idx])
        self.all = np.arange(n_vars, dtype=np.int32)

    def bounds(self, c: np.ndarray, enough: float = np.inf) -> tuple[float, float]:
        """(min, max) of ``c · x``; ``(0, inf)`` when the figures are inconsistent (revised
        data: no inference is made); ``(min, inf)`` when ``min ≥ enough``."""
        self.h.changeColsCost(self.n, self.all, c.astype(float))
        out = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            self.h.changeObjectiveSense(sense)
            self.h.run()
            status = self.h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                out.append(float(self.h.getInfo().objective_function_value))
                if len(out) == 1 and out[0] >= enough - TOL:
                    return out[0], np.inf
            elif status == highspy.HighsModelStatus.kUnbounded:
                out.append(np.inf)
            else:
                return 0.0, np.inf
        return out[0], out[1]
