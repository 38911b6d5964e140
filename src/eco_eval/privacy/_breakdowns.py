"""Complementary suppression, behind :func:`eco_eval.privacy.suppression.suppress_small_cells`.

Private. A :class:`Release` holds the cells of one frame grouped in *units* (one group of one
indicator family: hidden or shown together) and *breakdowns* (the groups of one dimension for one
period, lever, tool and family, with their total). It knows what a reader already knows of its
cells from the frames published before (:meth:`Release.learn`) and hides cells until every
breakdown meets the rule of the module docstring of :mod:`eco_eval.privacy.suppression`
(:meth:`Release.complete`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from eco_eval.privacy._cells import (
    ALL,
    STAR,
    TOL,
    codes_of,
    group_codes,
    nested_pairs,
    numerator_of,
    stack_frames,
)

Measures = dict[str, np.ndarray]


class _View:
    """One measure of one indicator over one breakdown, as the rules read it."""

    def __init__(self, rel: Release, b: int, ind: str, m: str):
        units, self.tot = rel.bd_units[b], rel.bd_total[b]
        self.t, self.dim, self.ind, self.m = rel.bd_t[b], rel.bd_dim[b], ind, m
        self.total_row = -1 if self.tot is None else rel.row_of.get((self.tot, ind), -1)
        self.total_hidden = self.tot is not None and self.tot in rel.hidden
        self.xs = {u: rel.x(u, ind, m) for u in units if (u, ind) in rel.row_of}
        self.total = rel.x(self.tot, ind, m)
        known = not np.isnan(self.total) and not any(np.isnan(x) for x in self.xs.values())
        self.rest = self.total - sum(self.xs.values()) if known else 0.0
        self.has_rest = self.rest > TOL
        self.hidden = [u for u in self.xs if u in rel.hidden]
        self.shown = [u for u in self.xs if u not in rel.hidden and not np.isnan(self.xs[u])]


class Release:
    """Units, breakdowns, hidden units with their reason, and what a reader knows of them."""

    def __init__(
        self,
        data: pd.DataFrame,
        thresholds: np.ndarray,
        families: Sequence[str],
        measures: Measures,
        measures_of: Mapping[str, tuple[str, ...]],
    ):
        self.measures, self.measures_of = measures, measures_of
        self.indicator: list[str] = data["indicator"].tolist()
        self.group: list[str] = data["group"].tolist()
        keys = list(
            zip(data["period"], data["lever"], data["tool"], families, data["dimension"],
                data["group"], strict=True)
        )  # fmt: skip
        codes = pd.factorize(pd.Series(keys, dtype=object))[0] if keys else np.array([], int)
        self.unit_of: list[int] = [int(u) for u in codes]
        n_units = max(self.unit_of, default=-1) + 1
        self.rows: list[list[int]] = [[] for _ in range(n_units)]
        for i, u in enumerate(self.unit_of):
            self.rows[u].append(i)
        self.t_unit = np.zeros(n_units)
        np.maximum.at(self.t_unit, np.asarray(self.unit_of, dtype=int), thresholds)
        self.row_of = {(u, self.indicator[i]): i for i, u in enumerate(self.unit_of)}
        self.hidden: dict[int, str] = {}
        self.differenced: dict[int, set[str]] = {}  # unit -> measures a subtraction would give
        # what a reader knows: per (row, measure) a lower bound from published cells it contains;
        # per (total row, dimension, measure) the people in no group at an earlier release;
        # cumulative series: per (total row, measure) {release q: lower bound of the total then},
        # per (group row, measure) {release q: smallest value published at q or later}
        self.lb: dict[str, np.ndarray] = {}
        self.lb_rest: dict[tuple[int, str, str], float] = {}
        self.total_before: dict[tuple[int, str], dict[int, float]] = {}
        # per (total row, measure) {release q where the total was hidden: largest total
        # published before q}
        self.hidden_total_after: dict[tuple[int, str], dict[int, float]] = {}
        self.cell_since: dict[tuple[int, str], dict[int, float]] = {}
        # per (total row, dimension, measure): (mass hidden then, groups hidden then) of earlier
        # releases whose total was published
        self.earlier: dict[tuple[int, str, str], list[tuple[float, frozenset[str]]]] = {}
        breakdowns: dict[tuple, list[int]] = {}
        totals: dict[tuple, int] = {}
        for u in range(n_units):
            p, lv, tl, f, d, g = keys[self.rows[u][0]]
            if d == ALL:
                if (p, lv, tl, f) not in totals or g == STAR:
                    totals[(p, lv, tl, f)] = u
            else:
                breakdowns.setdefault((p, lv, tl, f, d), []).append(u)
        self.bd_units = list(breakdowns.values())
        self.bd_dim = [key[4] for key in breakdowns]
        self.bd_total = [totals.get(key[:4]) for key in breakdowns]
        self.bd_t = [
            float(self.t_unit[[*us, *([] if tot is None else [tot])]].max())
            for us, tot in zip(self.bd_units, self.bd_total, strict=True)
        ]
        self.bds_of_total: dict[int, list[int]] = {}
        for b, tot in enumerate(self.bd_total):
            if tot is not None:
                self.bds_of_total.setdefault(tot, []).append(b)
        self.bd_of_unit = {u: b for b, us in enumerate(self.bd_units) for u in us}

    def hide(self, u: int, reason: str) -> None:
        self.hidden.setdefault(u, reason)

    def shown(self, row: int) -> bool:
        return self.unit_of[row] not in self.hidden

    def complete(self) -> None:
        """Hide cells (reason ``complementary``) until every breakdown meets the rule."""
        queue = deque(range(len(self.bd_units)))
        queued = set(queue)
        while queue:
            b = queue.popleft()
            queued.discard(b)
            u = self._repair(b)
            if u is None:
                continue
            self.hide(u, "complementary")
            for bb in (b, *self.bds_of_total.get(u, []), self.bd_of_unit.get(u, b)):
                if bb not in queued:
                    queue.append(bb)
                    queued.add(bb)

    def x(self, u: int | None, ind: str, m: str) -> float:
        i = self.row_of.get((u, ind)) if u is not None else None
        return np.nan if i is None else float(self.measures[m][i])

    def _repair(self, b: int) -> int | None:
        """A unit to hide for breakdown ``b`` to meet the rule, or None when it holds."""
        units = self.bd_units[b]
        for ind in sorted({self.indicator[i] for u in units for i in self.rows[u]}):
            for m in self.measures_of.get(ind, ("n",)):
                v = _View(self, b, ind, m)
                if v.total_hidden and v.shown and not (v.hidden or v.has_rest):
                    return self._smallest(v.shown, v)  # else the total adds up again
                fix = self._rule_now(v)
                if fix is None and not v.total_hidden:
                    fix = self._rule_earlier(v) or self._rule_later(v)
                if fix is not None:
                    return fix
        return None

    def _rule_now(self, v: _View) -> int | None:
        """With a sensitive hidden cell: at least two hidden cells and slack >= t. With any
        hidden cell: no growth of 1 to t − 1 people since an earlier release that a reader
        could bound (cumulative series)."""
        t = v.t
        rest_before = self.lb_rest.get((v.total_row, v.dim, v.m))
        small_rest = v.has_rest and (
            v.rest < t - TOL
            or (rest_before is not None and 1 - TOL <= v.rest - rest_before <= t - 1 + TOL)
        )
        if not v.hidden and not small_rest:
            return None
        mass = sum(float(np.nan_to_num(v.xs[u])) for u in v.hidden) + max(v.rest, 0.0)
        known = sum(self._lb(u, v) for u in v.hidden)
        if v.has_rest:
            known += rest_before or 0.0
        growth = mass - self._held_before(v)
        sensitive = small_rest or any(self._sensitive(u, v) for u in v.hidden)
        if (
            not (sensitive and (len(v.hidden) + v.has_rest < 2 or mass - known < t - TOL))
            and not TOL < growth < t - TOL
        ):
            return None
        if v.shown:
            return self._smallest(v.shown, v)
        return None if v.total_hidden else v.tot

    def _sensitive(self, u: int, v: _View) -> bool:
        """A hidden cell whose count must stay uncertain: fewer than t people (for ``n``, zero
        included), 1 to t − 1 more than a reader knows of it, unknown, or hidden to stop a
        subtraction or to stay consistent with an earlier release."""
        if self.hidden.get(u) == "earlier_release" or v.m in self.differenced.get(u, ()):
            return True
        x = v.xs[u]
        if np.isnan(x) or (v.m == "n" and x < v.t - TOL):
            return True
        return bool(1 - TOL <= x - self._lb(u, v) <= v.t - 1 + TOL)

    def _held_before(self, v: _View) -> float:
        """Cumulative series: the hidden cells hold at least what they held at release q, the
        total then minus what the shown cells held then (at most their smallest value published
        since q, now included)."""
        best = -np.inf
        for q, total_then in self.total_before.get((v.total_row, v.m), {}).items():
            shown_then = sum(self._since(u, v, q) for u in v.shown)
            best = max(best, total_then - shown_then)
        return best

    def _rule_earlier(self, v: _View) -> int | None:
        """Cells hidden together at an earlier release q (their mass then known to a reader) that
        have grown by 1 to t − 1 people since: what is shown now must not let a reader bound
        that growth below t (the newcomers among them would be isolated)."""
        if np.isnan(v.total):
            return None
        for mass_then, hidden_then in self.earlier.get((v.total_row, v.dim, v.m), []):
            inside = [u for u in v.xs if self.group[self.rows[u][0]] in hidden_then]
            outside = [u for u in v.xs if u not in inside]
            growth = v.total - sum(float(np.nan_to_num(v.xs[u])) for u in outside) - mass_then
            if not (1 - TOL <= growth <= v.t - 1 + TOL):
                continue
            unknown = any(u in self.hidden for u in inside) or v.has_rest
            bound = v.total - sum(
                self._lb(u, v) if (unknown and u in self.hidden) else float(np.nan_to_num(v.xs[u]))
                for u in outside
            )
            if bound - mass_then >= v.t - TOL:
                continue
            if not unknown:
                choice = [u for u in inside if u in v.shown]
            else:
                choice = [u for u in outside if u in v.shown and v.xs[u] - self._lb(u, v) > TOL]
            if choice:
                return self._smallest(choice, v)
            return v.tot
        return None

    def _rule_later(self, v: _View) -> int | None:
        """A total hidden at an earlier release q must not become known now to have grown by
        less than t people since the largest total published before q. Cumulative counts never
        decrease, so the groups and people in no group at q hold at most what they hold now: a
        reader bounds the total at q by the total now minus what each shown group has grown
        since q (its value now minus the smallest value published for it at q or later)."""
        if np.isnan(v.total):
            return None
        for q, before in self.hidden_total_after.get((v.total_row, v.m), {}).items():
            growth = {u: v.xs[u] - self._since(u, v, q) for u in v.shown}
            bound = v.total - sum(growth.values()) - before
            grown = [u for u, g in growth.items() if g > TOL]
            if TOL < bound < v.t - TOL and grown:
                return self._smallest(grown, v)
        return None

    def _since(self, u: int, v: _View, q: int) -> float:
        """The smallest value of shown cell ``u`` published at release q or later, now included."""
        later = self.cell_since.get((self.row_of[(u, v.ind)], v.m), {}).get(q, np.inf)
        return min(v.xs[u], later)

    def _lb(self, u: int, v: _View) -> float:
        lb = self.lb.get(v.m)
        return 0.0 if lb is None else float(lb[self.row_of[(u, v.ind)]])

    def _smallest(self, shown: list[int], v: _View) -> int:
        """The cell to hide next: the smallest, preferring cells not already known."""

        def order(u: int) -> tuple[bool, float, str]:
            gain = v.xs[u] - self._lb(u, v)
            return (gain <= TOL, v.xs[u], self.group[self.rows[u][0]])

        return min(shown, key=order)

    def learn(
        self,
        data: pd.DataFrame,
        thresholds: np.ndarray,
        previous: list[tuple[str, pd.DataFrame]],
        count_col: str,
        numerators: Mapping[str, str],
        exempt: Collection[str],
        launch: date | None,
    ) -> None:
        """Hide current cells that differ from a nested published cell by 1 to t − 1 people
        (reason ``differencing``), then record what published cells tell of the others
        (``launch``: where ``cumul:`` periods start)."""
        prev = stack_frames(previous, count_col, exempt)
        cells = pd.concat([prev, data.assign(frame=len(previous))], ignore_index=True)
        off = len(prev)
        x: Measures = {"n": cells[count_col].to_numpy(dtype=float)}
        if numerators:
            x["num"] = numerator_of(cells, numerators, count_col)
        prev_pub = ~prev["suppressed"].to_numpy(dtype=bool) & prev[count_col].notna().to_numpy()
        pub = np.concatenate([prev_pub, self._shown_rows()])
        a, b = nested_pairs(cells, focus=len(previous), launch=launch)
        self._difference(a, b, off, x, pub, thresholds)
        pub[off:] = self._shown_rows()
        # a hidden count is at least every published count it contains
        for m, v in x.items():
            lb = np.zeros(len(data))
            ok = (a >= off) & pub[b] & ~np.isnan(v[b])
            np.maximum.at(lb, a[ok] - off, v[b][ok])
            self.lb[m] = lb
        # earlier breakdowns of the same totals: people in no group, groups hidden then
        index = _Breakdowns(cells, x, pub)
        totals = (a >= off) & index.is_all[a] & index.is_all[b] & pub[b]
        same = _same_coords(cells, a, b)
        earlier = same & (b < off)
        for ta, tb, eq in zip(a[totals], b[totals], earlier[totals], strict=True):
            for bd, dim in index.of_total.get(int(tb), []):
                for m in x:
                    rest = index.rest[m][bd]
                    if rest > TOL:
                        key = (int(ta - off), dim, m)
                        self.lb_rest[key] = max(self.lb_rest.get(key, 0.0), rest)
                    if eq and (index.hidden[bd] or index.mass[m][bd] > TOL):
                        self.earlier.setdefault((int(ta - off), dim, m), []).append(
                            (float(index.mass[m][bd]), index.hidden[bd])
                        )
        series = earlier & (a >= off)
        self._learn_series(cells, a[series], b[series], off, x, pub, len(previous))

    def _shown_rows(self) -> np.ndarray:
        return np.array([u not in self.hidden for u in self.unit_of], dtype=bool)

    def _difference(
        self,
        a: np.ndarray,
        b: np.ndarray,
        off: int,
        x: Measures,
        pub: np.ndarray,
        thresholds: np.ndarray,
    ) -> None:
        """Hide the current cell of every published nested pair 1 to t − 1 people apart."""
        target = np.where(b >= off, b, a) - off
        t = thresholds[target] if len(target) else np.array([])
        bad = {}
        with np.errstate(invalid="ignore"):
            for m, v in x.items():
                d = np.abs(v[a] - v[b])
                bad[m] = pub[a] & pub[b] & (d >= 1 - TOL) & (d <= t - 1 + TOL)
        for i in np.flatnonzero(np.logical_or.reduce(list(bad.values()))):
            if all(p < off or self.shown(p - off) for p in (a[i], b[i])):
                unit = self.unit_of[target[i]]
                self.hide(unit, "differencing")
                self.differenced.setdefault(unit, set()).update(m for m in bad if bad[m][i])

    def _learn_series(
        self,
        cells: pd.DataFrame,
        a: np.ndarray,
        b: np.ndarray,
        off: int,
        x: Measures,
        pub: np.ndarray,
        n_previous: int,
    ) -> None:
        """Cumulative series: per current total, the largest total published up to release q;
        per current group, its smallest value published at q or later."""
        is_total = (cells["dimension"] == ALL).to_numpy()
        frames = cells["frame"].to_numpy(dtype=int)
        for m, v in x.items():
            seen: dict[int, dict[int, float]] = {}
            hidden: dict[int, set[int]] = {}
            for ia, ib in zip(a, b, strict=True):
                if pub[ib] and not np.isnan(v[ib]):
                    seen.setdefault(int(ia - off), {})[int(frames[ib])] = float(v[ib])
                elif not pub[ib]:
                    hidden.setdefault(int(ia - off), set()).add(int(frames[ib]))
            for row, by_frame in seen.items():
                if is_total[row + off]:
                    best, before, after = -np.inf, {}, {}
                    for q in range(n_previous):
                        if q in hidden.get(row, ()) and q not in by_frame and best > -np.inf:
                            after[q] = best
                        best = max(best, by_frame.get(q, -np.inf))
                        if best > -np.inf:
                            before[q] = best
                    self.total_before[(row, m)] = before
                    self.hidden_total_after[(row, m)] = after
                else:
                    low, since = np.inf, {}
                    for q in reversed(range(n_previous)):
                        since[q] = low = min(low, by_frame.get(q, np.inf))
                    self.cell_since[(row, m)] = since


def _same_coords(cells: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairs of the same lever, tool, dimension and group (the same cell at two periods)."""
    same = np.ones(len(a), dtype=bool)
    for col in ("lever", "tool", "dimension", "group"):
        codes = codes_of(cells[col])
        same &= codes[a] == codes[b]
    return same


class _Breakdowns:
    """Every breakdown of every frame: its total's position, the groups hidden in it, the mass
    they hold (total minus published groups) and, when all its groups are published, the people
    in no group."""

    def __init__(self, cells: pd.DataFrame, x: Measures, pub: np.ndarray):
        keys = ["frame", "period", "lever", "tool", "indicator"]
        self.is_all = (cells["dimension"] == ALL).to_numpy()
        tid = group_codes(cells, keys)
        total_of = np.full(tid.max() + 1 if len(tid) else 0, -1)
        total_of[tid[self.is_all]] = np.flatnonzero(self.is_all)
        groups = np.flatnonzero(~self.is_all)
        bd = group_codes(cells.iloc[groups], [*keys, "dimension"])
        n_bd = bd.max() + 1 if len(bd) else 0
        tot = total_of[tid[groups]]
        shown = pub[groups]
        self.of_total: dict[int, list[tuple[int, str]]] = {}
        self.hidden: list[frozenset[str]] = [frozenset()] * n_bd
        first: set[int] = set()
        hidden_sets: dict[int, set[str]] = {}
        dims = cells["dimension"].to_numpy()[groups]
        names = cells["group"].to_numpy()[groups]
        for i, (g, t_pos) in enumerate(zip(bd.tolist(), tot.tolist(), strict=True)):
            if g not in first:
                first.add(g)
                if t_pos >= 0:
                    self.of_total.setdefault(t_pos, []).append((g, str(dims[i])))
            if not shown[i]:
                hidden_sets.setdefault(g, set()).add(str(names[i]))
        for key, hs in hidden_sets.items():
            self.hidden[key] = frozenset(hs)
        all_shown = np.ones(n_bd, dtype=bool)
        np.logical_and.at(all_shown, bd, shown)
        tot_of_bd = np.full(n_bd, -1)
        tot_of_bd[bd] = tot
        total_ok = (tot_of_bd >= 0) & pub[np.maximum(tot_of_bd, 0)]
        self.mass: dict[str, np.ndarray] = {}
        self.rest: dict[str, np.ndarray] = {}
        for m, v in x.items():
            shown_sum = np.zeros(n_bd)
            np.add.at(shown_sum, bd, np.where(shown, np.nan_to_num(v[groups]), 0.0))
            total_v = np.where(total_ok, v[np.maximum(tot_of_bd, 0)], np.nan)
            self.mass[m] = total_v - shown_sum
            self.rest[m] = np.where(all_shown, self.mass[m], np.nan)
