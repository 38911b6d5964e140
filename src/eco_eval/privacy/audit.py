"""Interval audit of the publication ledger: what every published cell, taken together, tells
of each hidden one.

Statistical offices check a protected table by computing, for every hidden cell, the smallest
and the largest value it can take given every published figure (the *audit* of τ-ARGUS,
Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, §4.3.2 and §4.4). This module
does the same over everything published, old and new, with linear programs solved by HiGHS
(``highspy``: one model per problem, solved again for each hidden cell with its objective
changed).

Problems
    One linear program per (indicator, lever, tool) with every dimension at once: the totals
    (``dimension == "*"``) and the groups of each dimension, each dimension a partition of the
    total, so that a group hidden in one dimension is bounded through the others (the margins of
    a two-way table: a total and its groups by department and by category). For ``additive``
    indicators, also one per (indicator, dimension, group) whose parts are the levers (the
    programme's cell is the sum of the levers' and of events in none) and one per (indicator,
    lever, dimension, group) whose parts are the tools. A reader combining the three at once (a
    three-way table of levers, departments and periods) could know more; the pairwise rules of
    :mod:`eco_eval.privacy.suppression` cover the rest.

Variables and equalities (``value`` of each cell; hidden cells are the unknowns)
    ``additive`` indicators (participations: every event counted once, in one day and one group):
    one variable per *slice* (the stretches of days between consecutive period boundaries) for
    the total and for each group of each dimension, plus the people in none of a dimension's
    groups (its ``rest``); a cell is the sum of its slices, and each slice's total the sum of
    each dimension's groups and rest. Every variable is ≥ 0.

    ``people`` indicators (unique participants: a person counts once per period, whatever the
    number of days): the same variables per span instead of per slice; a span inside another
    counts at most as many people (``x_A ≤ x_B``); a span split in two published spans counts at
    most their sum (``x_B ≤ x_A + x_C``). Levers are not parts of the programme here (a person
    takes part in several).

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

Cost
    The solves reuse what they can without weakening the check: each model is solved again
    with only its objective changed (primal simplex from the last basis, no presolve); every
    optimum found is a solution of the published figures, so a hidden cell seen taking values
    ``t`` apart in two of them is at least ``t`` wide without its own solves, and one whose
    minimum is ``t`` below a value already seen needs no maximum; a cell published twice is
    solved once; and between rounds of suppression (:func:`audit` with ``cache``) a problem whose
    cells only lost published figures keeps the cells it found at least ``t`` wide (hiding a
    figure takes an equality away: no interval narrows).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
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
#: the lever and tool of the whole programme, and of a lever's every tool
EVERY = "*"


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
    if c.empty:
        return []
    # what a problem's answer depends on, one hash per row, computed once for every problem
    row_hash = pd.util.hash_pandas_object(
        c[["start", "end", "value", "suppressed", "new", "t"]], index=False
    ).to_numpy()
    arrays = _Cells(c)
    out: list[Violation] = []
    for idx, dims, groups, kind in _problems(arrays, kinds):
        if (
            not arrays.new[idx].any()
            or len(set(zip(arrays.start[idx], arrays.end[idx], strict=True))) < 2
        ):
            continue
        layout = "\x1f".join(map(str, (*dims, *groups))).encode()
        shape = kind.encode() + arrays.pos[idx].tobytes() + layout
        key = shape + row_hash[idx].tobytes()
        found = None if cache is None else cache.get(key)
        if found is None:
            problem = _Problem(arrays, idx, dims, groups, kind)
            found = problem.violations(_still_wide(cache, shape, problem))
            if cache is not None:
                cache[key] = found
                cache[shape] = [problem.hidden, problem.value, problem.wide]
        out.extend(found)
    return out


class _Cells:
    """The audited cells as arrays (``pos``: their rows in the frame given to :func:`audit`)."""

    def __init__(self, c: pd.DataFrame):
        self.pos = c.index.to_numpy()
        self.start = c["start"].to_numpy(dtype=float)
        self.end = c["end"].to_numpy(dtype=float)
        self.value = c["value"].to_numpy(dtype=float)
        self.hidden = c["suppressed"].to_numpy(dtype=bool) | np.isnan(self.value)
        self.new = c["new"].to_numpy(dtype=bool)
        self.t = c["t"].to_numpy(dtype=float)
        self.frame = c[["indicator", "lever", "tool", "dimension", "group"]].astype(str)
        self.indicator = self.frame["indicator"].to_numpy(dtype=object)
        self.lever = self.frame["lever"].to_numpy(dtype=object)
        self.tool = self.frame["tool"].to_numpy(dtype=object)
        self.dimension = self.frame["dimension"].to_numpy(dtype=object)
        self.group = self.frame["group"].to_numpy(dtype=object)


def _problems(
    c: _Cells, kinds: Mapping[str, str]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]:
    """The linear programs to solve (rows of ``c``, their dimensions and groups in the
    problem, kind), see the module docstring: one per (indicator, lever, tool) with every
    dimension; for ``additive`` indicators also one per (indicator, dimension, group) with the
    levers as the parts of the programme, and one per (indicator, lever, dimension, group) with
    the tools as the parts of the lever."""
    f = c.frame.reset_index(drop=True)
    out: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]] = []
    for found in f.groupby(["indicator", "lever", "tool"], sort=False).indices.values():
        idx = np.asarray(found)
        out.append((idx, c.dimension[idx], c.group[idx], kinds[str(c.indicator[idx[0]])]))
    additive = f["indicator"].map(kinds).to_numpy() == "additive"
    by_lever = f[additive & (c.tool == EVERY)]
    for idx in by_lever.groupby(["indicator", "dimension", "group"], sort=False).indices.values():
        rows = by_lever.index.to_numpy()[idx]
        out.extend(_parts(c, rows, c.lever, "lever"))
    by_tool = f[additive & (c.lever != EVERY)]
    keys = ["indicator", "lever", "dimension", "group"]
    for idx in by_tool.groupby(keys, sort=False).indices.values():
        rows = by_tool.index.to_numpy()[idx]
        out.extend(_parts(c, rows, c.tool, "tool"))
    return out


def _parts(
    c: _Cells, rows: np.ndarray, part: np.ndarray, dimension: str
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, str]]:
    """The problem of ``rows`` with those whose ``part`` is :data:`EVERY` as the totals and
    the others as the groups of the partition ``dimension`` (none when there are no others)."""
    whole = part[rows] == EVERY
    if whole.all():
        return []
    dims = np.where(whole, ALL, dimension).astype(object)
    return [(rows, dims, np.where(whole, ALL, part[rows]).astype(object), "additive")]


def _still_wide(cache: dict[bytes, list] | None, shape: bytes, problem: _Problem) -> set[int]:
    """The hidden cells an earlier solve of the same cells found at least ``t`` wide, when
    nothing was published since but fewer of them (a cell hidden since only takes away an
    equality: every interval can only widen)."""
    if cache is None or shape not in cache:
        return set()
    hidden, value, wide = cache[shape]
    shown = ~problem.hidden
    if (hidden & shown).any() or not np.array_equal(value[shown], problem.value[shown]):
        return set()
    return set(wide)


class _Problem:
    """The linear program of one set of cells: the totals (``dimension == ALL``) and the groups
    of one or more dimensions, each dimension a partition of the total (with the people in none
    of its groups as a group of their own)."""

    def __init__(self, c: _Cells, idx: np.ndarray, dims: np.ndarray, groups: np.ndarray, kind: str):
        self.kind = kind
        self.pos = c.pos[idx]
        self.start = c.start[idx]
        self.end = c.end[idx]
        # a group is named by its dimension and itself: two dimensions may share a group name
        self.group = np.array(
            [ALL if d == ALL else f"{d}\0{g}" for d, g in zip(dims, groups, strict=True)],
            dtype=object,
        )
        self.value = c.value[idx]
        self.hidden = c.hidden[idx]
        self.new = c.new[idx]
        self.t = c.t[idx]
        self.dims = sorted({str(d) for d in dims if d != ALL})
        # variable 0 of each unit is the total, then every group, then each dimension's rest
        names = sorted({str(g) for g in self.group if g != ALL})
        self.names = [ALL, *names, *(f"{d}\0{REST}" for d in self.dims)]
        self.index = {g: i for i, g in enumerate(self.names)}
        self.members = {d: [self.index[g] for g in self.names[1:] if g.split("\0")[0] == d]
                        for d in self.dims}  # fmt: skip
        spans = sorted(set(zip(self.start, self.end, strict=True)))
        self.spans = {s: i for i, s in enumerate(spans)}
        if kind == "additive":
            edges = sorted({s for s, _ in spans} | {e + 1 for _, e in spans})
            self.slices = list(itertools.pairwise(edges))
            self.n_units = len(self.slices)
        else:
            self.n_units = len(spans)
        self.width = len(self.names)
        self.n_vars = self.n_units * self.width
        self.rows = [self._coefficients(i) for i in range(len(self.pos))]
        self._models: dict[bytes, _Model] = {}
        self._anchors: dict[tuple[float, float], bool] = {}
        self.a_ub, self.b_ub = self._inequalities()
        self.a_parts = self._partitions()

    # ------------------------------------------------------------------ the model
    def _coefficients(self, i: int) -> np.ndarray:
        """The variable combination cell ``i`` equals."""
        a = np.zeros(self.n_vars)
        g = self.index[self.group[i]]
        if self.kind == "additive":
            for j, (lo, hi) in enumerate(self.slices):
                if self.start[i] <= lo and hi - 1 <= self.end[i]:
                    a[j * self.width + g] = 1.0
            return a
        a[self.spans[(self.start[i], self.end[i])] * self.width + g] = 1.0
        return a

    def _partitions(self) -> np.ndarray:
        """Each unit's total as the sum of each dimension's groups and rest (rows ``= 0``)."""
        rows = []
        for u in range(self.n_units):
            for d in self.dims:
                r = np.zeros(self.n_vars)
                r[u * self.width] = -1.0
                r[[u * self.width + g for g in self.members[d]]] = 1.0
                rows.append(r)
        return np.array(rows) if rows else np.zeros((0, self.n_vars))

    def _inequalities(self) -> tuple[np.ndarray | None, ...]:
        if self.kind == "additive":
            return None, None
        rows = []
        for (s1, e1), i1 in self.spans.items():
            for (s2, e2), i2 in self.spans.items():
                if i1 != i2 and s2 <= s1 and e1 <= e2:  # span 1 inside span 2
                    for g in range(self.width):
                        r = np.zeros(self.n_vars)
                        r[i1 * self.width + g], r[i2 * self.width + g] = 1.0, -1.0
                        rows.append(r)
                    rest = (s2, s1 - 1) if e1 == e2 else (e1 + 1, e2) if s1 == s2 else None
                    if rest in self.spans:
                        for g in range(self.width):
                            r = np.zeros(self.n_vars)
                            r[i2 * self.width + g] = 1.0
                            r[i1 * self.width + g] = r[self.spans[rest] * self.width + g] = -1.0
                            rows.append(r)
        if not rows:
            return None, None
        return np.array(rows), np.zeros(len(rows))

    def _equalities(self, use: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Published cells among ``use`` (latest first wins for one span and group), and each
        unit's total as the sum of each dimension's groups and rest."""
        rows, rhs, seen = [], [], set()
        for i in sorted(np.flatnonzero(use & ~self.hidden), key=lambda i: (not self.new[i], -i)):
            key = (self.start[i], self.end[i], self.group[i])
            if key not in seen:
                seen.add(key)
                rows.append(self.rows[i])
                rhs.append(self.value[i])
        rows.extend(self.a_parts)
        rhs.extend([0.0] * len(self.a_parts))
        if not rows:
            return np.zeros((0, self.n_vars)), np.zeros(0)
        return np.array(rows), np.array(rhs, dtype=float)

    def _bounds(
        self,
        i: int,
        use: np.ndarray,
        enough: float = np.inf,
        see: Callable[[np.ndarray], None] | None = None,
        reached: tuple[float, float] = (-np.inf, np.inf),
    ) -> tuple[float, float]:
        """The smallest and largest value of cell ``i`` given the published cells of ``use``
        (see :meth:`_Model.bounds` for ``enough``, ``see`` and ``reached``)."""
        return self._model(use).bounds(self.rows[i], enough, see, reached)

    def _model(self, use: np.ndarray) -> _Model:
        """The model of the published cells of ``use`` (built once)."""
        key = use.tobytes()
        if key not in self._models:
            self._models[key] = _Model(self.n_vars, *self._equalities(use), self.a_ub, self.b_ub)
        return self._models[key]

    # ------------------------------------------------------------------ the rule
    def violations(self, wide: set[int] = frozenset()) -> list[Violation]:  # type: ignore[assignment]
        """The violations of these cells (module docstring); ``wide``: cells known to be at
        least ``t`` wide, not solved again. The cells found at least ``t`` wide are kept in
        :attr:`wide`."""
        out = self._pairs()
        everything = np.ones(len(self.pos), dtype=bool)
        hidden = [i for i in map(int, np.flatnonzero(self.hidden)) if self._overlaps_new(i)]
        self.wide = [i for i in hidden if i in wide]
        todo = [i for i in hidden if i not in wide]
        # every optimum found is a solution of the published figures: a hidden cell that takes
        # values t apart in two of them is at least t wide, without solving for its own bounds
        spread = _Spread(np.array([self.rows[i] for i in todo]), self.t[todo])
        solved: dict[bytes, tuple[float, float]] = {}  # a cell published more than once
        for j, i in enumerate(todo):
            if spread.wide(j):
                self.wide.append(i)
                continue
            same = self.rows[i].tobytes() + self.t[i].tobytes()
            if same not in solved:
                solved[same] = self._bounds(
                    i, everything, self.t[i], spread.see, (spread.high[j], self.t[i])
                )
            low, high = solved[same]
            if high - low >= self.t[i] - TOL:
                self.wide.append(i)
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


class _Spread:
    """The smallest and largest value each of some cells (rows of ``a``, thresholds ``t``)
    took in the solutions seen so far: a cell seen ``t`` apart is at least ``t`` wide."""

    def __init__(self, a: np.ndarray, t: np.ndarray):
        self.a, self.t = a, t
        self.low = np.full(len(t), np.inf)
        self.high = np.full(len(t), -np.inf)

    def see(self, x: np.ndarray) -> None:
        values = self.a @ x
        np.minimum(self.low, values, out=self.low)
        np.maximum(self.high, values, out=self.high)

    def wide(self, j: int) -> bool:
        return bool(self.high[j] - self.low[j] >= self.t[j] - TOL)


def _narrow(low: float, high: float, t: float) -> bool:
    """Whether a hidden count known to lie in ``[low, high]`` is exposed: the interval is
    narrower than ``t``, may hold fewer than ``t`` and more than nobody (a count known to be
    ``t`` or more is no more exposed than a published one; one known to be zero says that
    nobody took part, as two equal nested published cells do)."""
    return high - low < t - TOL and low < t - TOL and high >= 1 - TOL


class _Model:
    """A HiGHS model of ``x ≥ 0``, ``a_eq x = b_eq``, ``a_ub x ≤ b_ub``, minimised and maximised
    along one objective after another (each solve starts from the last basis: primal simplex,
    no presolve)."""

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
        # only the objective changes between solves: the primal simplex starts from the last
        # optimal basis, still feasible, and presolving again would throw that basis away
        self.h.setOptionValue("presolve", "off")
        self.h.setOptionValue("simplex_strategy", 4)
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

    def bounds(
        self,
        c: np.ndarray,
        enough: float = np.inf,
        see: Callable[[np.ndarray], None] | None = None,
        reached: tuple[float, float] = (-np.inf, np.inf),
    ) -> tuple[float, float]:
        """(min, max) of ``c · x``; ``(0, inf)`` when the figures are inconsistent (revised
        data: no inference is made); ``(min, inf)`` when ``min ≥ enough``; ``(min, value)``
        when ``reached`` = ``(value, width)`` names a value some solution gives ``c · x`` that
        is at least ``width`` above the min (the max, not sought, is at least that). ``see`` is
        given the ``x`` of each optimum."""
        self.h.changeColsCost(self.n, self.all, c.astype(float))
        out = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            self.h.changeObjectiveSense(sense)
            self.h.run()
            status = self.h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                out.append(float(self.h.getInfo().objective_function_value))
                if see is not None:
                    see(np.asarray(self.h.getSolution().col_value))
                if len(out) == 1 and out[0] >= enough - TOL:
                    return out[0], np.inf
                if len(out) == 1 and reached[0] - out[0] >= reached[1] - TOL:
                    return out[0], reached[0]
            elif status == highspy.HighsModelStatus.kUnbounded:
                out.append(np.inf)
            else:
                return 0.0, np.inf
        return out[0], out[1]
