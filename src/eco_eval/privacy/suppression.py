"""Small-cell suppression of the tidy indicator frame, at the output boundary.

GDPR / CNIL: no published figure may let a reader single out a colleague. Every figure of the
tidy indicator frame (docs/data-model.md) rests on ``n`` people; this module decides which cells
are hidden (``value``, ``n``, ``ci_low``, ``ci_high`` set to NaN, ``suppressed = True``: a hidden
cell is never shown as zero) so that no published cell, total or difference reveals a group of
fewer than ``t`` people, where ``t`` is the cell's threshold.

Thresholds
    ``k`` (default 5, never below 3) for every indicator; ``thresholds`` maps an indicator id to a
    stricter one (comment themes 10, driver or correlation analyses 25: see
    :func:`thresholds_for_kinds`). A mapping can only raise ``k``. Indicators listed in
    ``exempt`` (the catalogue's ``privacy: activity``: sessions, hours) are left as they are.

What is protected (the *measures*)
    ``n`` always. For indicators named in ``numerators``, also the number of people counted in
    ``value``: ``count`` (``value`` is a count of people), ``share`` (``value × n``) or
    ``percent`` (``value × n / 100``), and for shares and percents its complement ``n − value×n``
    (a reach rate of 38/40 names the two who never came as surely as 2/40 names the two who did).

Primary suppression
    A cell is hidden when its ``n`` is below ``t`` (zero included: "nobody in this service" is
    about the people of that service), when ``n`` is missing, or when a numerator or complement
    is between 1 and ``t − 1``. Indicators in one *family* (``families`` mapping, or a ``family``
    column) describe the same people (``unique_participants`` and ``reach_rate``): a cell hidden
    for one is hidden for all, at the family's highest threshold, otherwise ``rate × n`` would give
    back the hidden count.

Complementary suppression (recovery by subtraction)
    A *breakdown* is the set of groups of one dimension for one (period, lever, tool, family); its
    total is the ``dimension == "*"`` cell. People counts are additive even when the figure is
    not: a mean or a rate is not additive, but its ``n`` is, and so are the people counted in a
    share. The risk is therefore to get a hidden count back as total minus published groups, and
    the rule is written on counts, for every measure of every indicator of the family:

    *if a breakdown hides a sensitive count, it hides at least two cells, and their slack is at
    least t.*

    A hidden count is sensitive when it is below ``t`` (for ``n``: zero included), is 1 to
    ``t − 1`` above what a reader already knows of it, or was hidden to stop a subtraction or for
    an earlier release. The slack is the hidden mass (total minus published groups) minus what a
    reader already knows is in the hidden cells (see *Across releases*; zero in a first
    release). Cells are added smallest first; when hiding every group is not enough, the total is
    hidden too (it is then below ``t``). A reader bounds each hidden count between what is known
    of it and that plus the slack, so a cell of fewer than ``t`` people can always hold ``t`` or
    more: it is never pinned to a value, nor known to be small. The rule holds even when the
    total is hidden (a later release could bound it), and a hidden total also needs a hidden cell
    in every breakdown, or adding up a dimension would give it back.

    People in the total but in no group (department unknown) are an unpublished remainder: it
    counts as a hidden cell, and is protected like one when it holds 1 to ``t − 1`` people or grew
    by 1 to ``t − 1`` since a release where it was known. A breakdown without a total row is
    protected as if its total (the sum of its groups) were published elsewhere.

Across releases
    *Earlier release*: ``suppression_log`` lists the cells hidden before (period, lever, tool,
    dimension, group, indicator, reason), persisted by the caller; a cell hidden in an earlier
    release of the same period stays hidden when the period is published again (revised data).

    *Differencing*: ``previous_cumulative`` takes the frames published before (oldest first; at
    least the previous period's cumulative table). A cell *contains* another when it counts a
    superset of its people: same indicator; whole population or same group; lever and tool equal
    or ``*``; period covering the other's (``cumul:2016-Q3`` covers ``cumul:2016-Q2`` and
    ``2016-Q3``; a bare ``cumul`` covers its own release and earlier ones). When two published
    nested cells differ by 1 to ``t − 1`` people, the current one is hidden (the more detailed
    one when both are in the current frame): the 2 newcomers of a cumulative reach, the 2 people
    of the programme who never came to a lever.

    *What a reader knows*, and what it means for a cumulative series (counts never decrease):
    a hidden count is at least every published count it contains (its earlier cumulative values,
    a lever's count inside the programme's); the cells hidden now hold together at least what
    they held at an earlier release (that release's total minus what the cells shown now held
    then), and a reader must not be able to bound their growth since to 1 to ``t − 1`` people;
    likewise the cells hidden together at an earlier release must not become so well known now
    that their growth since is bounded to 1 to ``t − 1`` people, and a total hidden at an earlier
    release must not be bounded from above by what is shown now (the total now minus the growth
    of the shown groups since) to less than ``t`` people over the total published before it.
    :func:`check_differencing`
    replays the pairwise and total-minus-groups subtractions on the published frames as the
    report's final gate.

Residual risks, accepted and documented
    Means of hidden cells are only bounded through the published overall mean (a weighted
    average), never pinned except at the extremes of a scale. Between levers and between
    periods of one frame, subtractions are prevented pair by pair, not in longer chains (the
    linear-programming attack of the tests covers breakdowns and cumulative series). Families must
    be declared: two indicators on the same people in different families can leak through each
    other. Indicators listed in ``exempt`` are trusted not to be about people.

Example
-------
>>> import pandas as pd
>>> rows = [("*", "*", 40), ("gender", "F", 37), ("gender", "M", 3)]
>>> frame = pd.DataFrame([
...     {"period": "2016-Q2", "lever": "*", "tool": "*", "dimension": d, "group": g,
...      "indicator": "unique_participants", "value": float(n), "n": float(n),
...      "ci_low": float("nan"), "ci_high": float("nan"), "suppressed": False}
...     for d, g, n in rows])
>>> result = suppress_small_cells(frame, k=5)
>>> result.frame["suppressed"].tolist(), result.n_primary, result.n_complementary
([False, True, True], 1, 1)
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from eco_eval.errors import EcoEvalError
from eco_eval.indicators.core import FIGURES, KEY
from eco_eval.privacy._breakdowns import Release
from eco_eval.privacy._cells import (
    ALL,
    TOL,
    as_frames,
    check_frame,
    check_k,
    check_numerators,
    keys_in,
    nested_pairs,
    numerator_of,
    stack_frames,
    thresholds_per_row,
)
from eco_eval.schema import one_sentinel

LOG_COLUMNS = (*KEY, "reason")
REASONS = ("primary", "earlier_release", "differencing", "complementary")
KIND_THRESHOLDS = {"comments": "k_comments", "drivers": "k_drivers"}

Frames = pd.DataFrame | Sequence[pd.DataFrame] | Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class SuppressionResult:
    """What :func:`suppress_small_cells` returns.

    ``frame``: the input with hidden cells blanked; ``log``: the earlier log plus the cells hidden
    now (columns ``period, lever, tool, dimension, group, indicator, reason``), to persist;
    ``n_primary``: rows hidden because of their own counts; ``n_complementary``: rows hidden to
    protect others (complementary, differencing, earlier release).
    """

    frame: pd.DataFrame
    log: pd.DataFrame
    n_primary: int
    n_complementary: int


def thresholds_for_kinds(
    kinds: Mapping[str, str], *, k: int = 5, k_comments: int = 10, k_drivers: int = 25
) -> dict[str, int]:
    """Map indicator ids to thresholds from their kind: ``comments`` → ``k_comments``,
    ``drivers`` → ``k_drivers``, anything else (scores, people, answers) → ``k``."""
    values = {
        "k_comments": check_k(k_comments, "k_comments"),
        "k_drivers": check_k(k_drivers, "k_drivers"),
    }
    k = check_k(k)
    return {
        ind: max(k, values[KIND_THRESHOLDS[kind]]) if kind in KIND_THRESHOLDS else k
        for ind, kind in kinds.items()
    }


def _empty_log() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=str) for c in LOG_COLUMNS})


def _check_log(log: pd.DataFrame | None) -> pd.DataFrame:
    if log is None:
        return _empty_log()
    missing = [c for c in LOG_COLUMNS if c not in log.columns]
    if missing:
        raise EcoEvalError(
            f"suppression_log: missing column(s) {', '.join(missing)}; "
            f"a suppression log has {', '.join(LOG_COLUMNS)}"
        )
    out = log.reset_index(drop=True).copy()
    for col in LOG_COLUMNS:
        out[col] = out[col].astype(str)
    return out


def suppress_small_cells(
    frame: pd.DataFrame,
    *,
    k: int = 5,
    count_col: str = "n",
    thresholds: Mapping[str, int] | None = None,
    families: Mapping[str, str] | None = None,
    numerators: Mapping[str, str] | None = None,
    exempt: Collection[str] = (),
    suppression_log: pd.DataFrame | None = None,
    previous_cumulative: Frames | None = None,
    launch: date | None = None,
) -> SuppressionResult:
    """Hide small cells of a tidy indicator frame and the cells that would give them back.

    Parameters: ``frame`` the tidy indicator frame; ``k`` the anonymity threshold (≥ 3);
    ``count_col`` the column counting the people a cell rests on; ``thresholds`` stricter
    thresholds per indicator id; ``families`` indicator id → family id (indicators on the same
    people); ``numerators`` indicator id → ``count`` / ``share`` / ``percent`` when ``value``
    counts people; ``exempt`` indicator ids never suppressed (activity, not people);
    ``suppression_log`` the log returned by earlier releases; ``previous_cumulative`` the frames
    published before, oldest first; ``launch`` the programme's launch, where ``cumul:`` periods
    start (needed when they are compared with other periods). The rules are in the module
    docstring.

    Returns a :class:`SuppressionResult`. Raises ConfigError for a threshold below 3 or an unknown
    numerator kind, EcoEvalError for a frame that is not a tidy indicator frame.
    """
    nums = check_numerators(numerators)
    data_all = check_frame(frame, count_col)
    t_all = thresholds_per_row(data_all["indicator"], k, thresholds)
    log = _check_log(suppression_log)
    previous = as_frames(previous_cumulative)
    active = ~data_all["indicator"].isin(list(exempt)).to_numpy()
    data = data_all[active].reset_index(drop=True)
    t_row = t_all[active]
    if "family" in data.columns:
        fam = data["family"].where(data["family"].notna(), data["indicator"]).astype(str)
    else:
        fam = data["indicator"].map(lambda i: (families or {}).get(i, i)).astype(str)
    n = data[count_col].to_numpy(dtype=float)
    num = numerator_of(data, nums, count_col)
    kinds = data["indicator"].map(lambda i: nums.get(i, "")).to_numpy()
    measures = {"n": n}
    if nums:
        measures["num"] = num
        measures["comp"] = np.where(np.isin(kinds, ["share", "percent"]), n - num, np.nan)
    measures_of = {
        ind: ("n", "num", "comp") if kind in ("share", "percent") else ("n", "num")
        for ind, kind in nums.items()
    }
    rel = Release(data, t_row, fam.tolist(), measures, measures_of)
    t_unit_row = rel.t_unit[rel.unit_of] if len(data) else t_row

    # primary
    small = np.isnan(n) | (n < t_unit_row - TOL) | data["suppressed"].to_numpy()
    for m in ("num", "comp"):
        if m in measures:
            v = measures[m]
            small |= (v >= 1 - TOL) & (v <= t_unit_row - 1 + TOL)
    for i in np.flatnonzero(small):
        rel.hide(rel.unit_of[i], "primary")
    # earlier releases of the same period
    if len(log) and len(data):
        for i in np.flatnonzero(keys_in(data, log)):
            rel.hide(rel.unit_of[i], "earlier_release")
    # differencing against nested published cells, and what they tell of hidden cells
    rel.learn(data, t_unit_row, previous, count_col, nums, exempt, launch)
    # complementary, until every breakdown meets the rule
    rel.complete()
    return _result(frame, data_all, active, rel, log, count_col)


def _result(
    frame: pd.DataFrame,
    data_all: pd.DataFrame,
    active: np.ndarray,
    rel: Release,
    log: pd.DataFrame,
    count_col: str,
) -> SuppressionResult:
    reason = np.array([rel.hidden.get(int(u), "") for u in rel.unit_of], dtype=object)
    reasons_all = np.full(len(data_all), "", dtype=object)
    reasons_all[np.flatnonzero(active)] = reason
    hide = reasons_all != ""
    out = frame.copy()
    for col in dict.fromkeys((*FIGURES, count_col)):
        values = pd.to_numeric(out[col], errors="coerce").to_numpy(dtype=float, copy=True)
        values[hide] = np.nan
        out[col] = values
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool) | hide
    new = data_all.loc[hide, list(KEY)].assign(reason=reasons_all[hide])
    if len(log) and len(new):  # cells logged before keep their first reason
        new = new[~keys_in(new, log)]
    new_log = pd.concat([log, new], ignore_index=True) if len(new) else log
    n_primary = int((reasons_all == "primary").sum())
    return SuppressionResult(
        out, new_log.reset_index(drop=True), n_primary, int(hide.sum()) - n_primary
    )


DIFF_COLUMNS = (
    "kind", "measure", "indicator",
    "frame_a", "period_a", "lever_a", "tool_a", "dimension_a", "group_a", "count_a",
    "frame_b", "period_b", "lever_b", "tool_b", "dimension_b", "group_b", "count_b",
    "difference",
)  # fmt: skip


def check_differencing(
    published_frames: Frames,
    k: int = 5,
    *,
    count_col: str = "n",
    thresholds: Mapping[str, int] | None = None,
    numerators: Mapping[str, str] | None = None,
    exempt: Collection[str] = (),
    launch: date | None = None,
) -> pd.DataFrame:
    """Find the subtractions between published cells that isolate 1 to ``t − 1`` people.

    ``published_frames``: the published tidy frames (one, a sequence oldest first, or a mapping
    name → frame in release order); ``launch``: the programme's launch, where ``cumul:`` periods
    start (needed when they are compared with other periods). Two kinds of offence are returned, one row each:

    - ``nested``: cells ``a`` ⊇ ``b`` (module docstring) both published whose counts differ by
      1 to ``t − 1`` (``difference = |count_a − count_b|``), across breakdowns, levers, periods
      and releases;
    - ``remainder``: a published total minus the published groups of one of its breakdowns is
      0 to ``t − 1`` while some group is hidden (the hidden cells are pinned or together smaller
      than ``t``), or 1 to ``t − 1`` with no group hidden (people in no group are isolated).
      ``group_b`` is empty and ``count_b`` the sum of the published groups.

    Columns: ``kind, measure`` (``n`` or ``num``), ``indicator``, then the key and count of ``a``
    and ``b`` (``frame_*`` the frame's name or position), ``difference``. Empty when the
    publication is safe: the report uses it as its final gate.
    """
    nums = check_numerators(numerators)
    cells = stack_frames(as_frames(published_frames), count_col, exempt)
    names = [name for name, _ in as_frames(published_frames)]
    t = thresholds_per_row(cells["indicator"], k, thresholds) if len(cells) else np.array([])
    pub = (~cells["suppressed"].to_numpy(dtype=bool)) & cells[count_col].notna().to_numpy()
    x = {"n": np.where(pub, cells[count_col].to_numpy(dtype=float), np.nan)}
    if nums:
        x["num"] = np.where(pub, numerator_of(cells, nums, count_col), np.nan)
    rows = []
    a, b = nested_pairs(cells, launch=launch)
    for m, v in x.items():
        d = np.abs(v[a] - v[b])
        bad = (d >= 1 - TOL) & (d <= t[a] - 1 + TOL)
        for ia, ib, dd in zip(a[bad], b[bad], d[bad], strict=True):
            rows.append(_offence("nested", m, cells, names, ia, ib, v[ia], v[ib], dd))
    for m, v in x.items():
        rows.extend(_remainder_offences(cells, names, m, v, t))
    out = pd.DataFrame(rows, columns=list(DIFF_COLUMNS))
    return out.sort_values(["kind", "indicator", "frame_a", "period_a"], ignore_index=True)


def _offence(
    kind: str, m: str, cells: pd.DataFrame, names: list[str], ia: int, ib: int,
    ca: float, cb: float, d: float,
) -> dict[str, object]:  # fmt: skip
    ra, rb = cells.iloc[int(ia)], cells.iloc[int(ib)]
    out: dict[str, object] = {"kind": kind, "measure": m, "indicator": ra["indicator"]}
    for side, r, c in (("a", ra, ca), ("b", rb, cb)):
        out[f"frame_{side}"] = names[int(r["frame"])]
        for col in ("period", "lever", "tool", "dimension", "group"):
            out[f"{col}_{side}"] = r[col]
        out[f"count_{side}"] = float(c)
    out["difference"] = float(d)
    return out


def _remainder_offences(
    cells: pd.DataFrame, names: list[str], m: str, v: np.ndarray, t: np.ndarray
) -> list[dict[str, object]]:
    """Totals minus the published groups of a breakdown that isolate fewer than t people."""
    out = []
    c = cells.assign(_pos=np.arange(len(cells)))
    keys = ["frame", "period", "lever", "tool", "indicator"]
    totals = c[c["dimension"] == ALL].drop_duplicates(keys).set_index(keys)["_pos"].to_dict()
    for key, g in c[c["dimension"] != ALL].groupby([*keys, "dimension"], sort=False):
        tot = totals.get(key[:5])
        if tot is None or np.isnan(v[tot]):
            continue
        pos = g["_pos"].to_numpy()
        n_hidden = int(np.isnan(v[pos]).sum())
        if m != "n" and n_hidden == len(pos):
            continue  # no numerator in this breakdown
        shown = float(np.nansum(v[pos]))
        rest = v[tot] - shown
        if (-TOL if n_hidden else 1 - TOL) <= rest <= t[tot] - 1 + TOL:
            row = _offence("remainder", m, cells, names, tot, pos[0], v[tot], shown, rest)
            out.append({**row, "group_b": ""})
    return out


# --------------------------------------------------------------------------- the log on disk
def read_suppression_log(path: str | Path | None) -> pd.DataFrame | None:
    """The suppression log kept at ``path`` (CSV, every column text), or None when there is none."""
    if path is None or not str(path) or not Path(path).is_file():
        return None
    return one_sentinel(pd.read_csv(path, dtype=str, keep_default_na=False))


def write_suppression_log(path: str | Path, log: pd.DataFrame) -> None:
    """Keep ``log`` at ``path`` atomically (written beside it, then renamed), sorted, one row per
    hidden cell."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = log.astype(str).drop_duplicates()
    out = out.sort_values(list(out.columns), ignore_index=True)
    tmp = path.with_name(f".{path.name}.tmp")
    out.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    os.replace(tmp, path)
