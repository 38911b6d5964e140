"""Shared helpers of the privacy layer: frame checks, thresholds, counted measures, nesting.

Private: :mod:`eco_eval.privacy.suppression` and :mod:`eco_eval.privacy.open_data` use them.

*Nesting* is what makes a subtraction meaningful. Cell ``a`` *contains* cell ``b`` when every
person counted in ``b`` is also counted in ``a``: same indicator; ``a``'s group is ``b``'s group or
``a`` is the whole population (``dimension == "*"``); ``a``'s lever and tool are ``b``'s or ``*``;
and ``a``'s period covers ``b``'s. Then ``a - b`` counts the people of ``a`` who are not in ``b``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from eco_eval.errors import ConfigError, EcoEvalError, did_you_mean
from eco_eval.indicators.core import COLUMNS, FIGURES, KEY
from eco_eval.periods import is_cumulative, parse_period
from eco_eval.schema import ALL

FRAME_COLUMNS = tuple(COLUMNS)
#: The whole population in ``dimension`` and every lever or tool in ``lever``, ``tool``: one sentinel.
STAR = ALL
MIN_K = 3
NUMERATOR_KINDS = ("count", "share", "percent")
TOL = 1e-9


def check_k(k: int, what: str = "k") -> int:
    """Return ``k`` as an int, or raise ConfigError when it is not an integer of at least 3."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ConfigError(f"{what} = {k!r}: expected a whole number of people (at least {MIN_K})")
    if k < MIN_K:
        raise ConfigError(
            f"{what} = {k} is below {MIN_K}; the anonymity threshold is never below {MIN_K}"
        )
    return int(k)


def thresholds_per_row(
    indicators: pd.Series, k: int, thresholds: Mapping[str, int] | None
) -> np.ndarray:
    """Threshold of each row: ``max(k, thresholds[indicator])`` (a mapping only raises ``k``)."""
    k = check_k(k)
    extra = {str(i): check_k(t, f"thresholds[{i!r}]") for i, t in (thresholds or {}).items()}
    return np.array([max(k, extra.get(str(i), k)) for i in indicators], dtype=float)


def check_numerators(numerators: Mapping[str, str] | None) -> dict[str, str]:
    out = {}
    for ind, kind in (numerators or {}).items():
        if kind not in NUMERATOR_KINDS:
            raise ConfigError(
                f"numerators[{ind!r}] = {kind!r}: expected one of {', '.join(NUMERATOR_KINDS)}"
                f"{did_you_mean(kind, NUMERATOR_KINDS)}"
            )
        out[str(ind)] = kind
    return out


def check_frame(frame: pd.DataFrame, count_col: str = "n", *, what: str = "frame") -> pd.DataFrame:
    """Check the tidy indicator frame's columns and keys; return a copy with a fresh index."""
    if not isinstance(frame, pd.DataFrame):
        raise EcoEvalError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    needed = [*FRAME_COLUMNS, count_col] if count_col not in FRAME_COLUMNS else list(FRAME_COLUMNS)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        columns = [str(c) for c in frame.columns]
        same_case = [c for c in columns if c.lower() == missing[0].lower()]
        hint = (
            f' (did you mean "{same_case[0]}"?)' if same_case else did_you_mean(missing[0], columns)
        )
        raise EcoEvalError(
            f"{what}: missing column(s) {', '.join(missing)}{hint}; the tidy indicator frame has "
            f"{', '.join(FRAME_COLUMNS)} (docs/data-model.md)"
        )
    out = frame.reset_index(drop=True).copy()
    for col in KEY:
        out[col] = out[col].astype(str)
    for col in {*FIGURES, count_col}:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    dup = out.duplicated(list(KEY), keep=False)
    if dup.any():
        first = out.loc[dup, list(KEY)].iloc[0].to_dict()
        raise EcoEvalError(
            f"{what}: {int(dup.sum())} rows share the same key, e.g. {first}; "
            "each (period, lever, tool, dimension, group, indicator) must appear once"
        )
    return out


def codes_of(column: pd.Series) -> np.ndarray:
    """Integer codes of a column's values as text, numbered in order of first appearance.
    Factorised as Python strings: on pandas' arrow-backed strings the same call costs several
    times more, which adds up over the many small frames a publication checks."""
    return pd.factorize(column.astype(str).to_numpy(dtype=object))[0]


def group_codes(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Each row's group of ``columns`` (compared as text), numbered in order of first appearance:
    ``frame.groupby(columns, sort=False).ngroup()`` for key columns without missing values, at a
    tenth of groupby's fixed cost on a small frame."""
    key = np.zeros(len(frame), dtype=np.int64)
    for col in columns:
        codes = codes_of(frame[col])
        key = pd.factorize(key * (int(codes.max(initial=0)) + 1) + codes)[0]
    return key


def keys_in(rows: pd.DataFrame, other: pd.DataFrame) -> np.ndarray:
    """Whether each row's key (period, lever, tool, dimension, group, indicator) is one of
    ``other``'s; both hold the key columns as text (:func:`check_frame`, a checked log). A set
    of tuples: the frames are small and a merge costs milliseconds of fixed overhead per call."""
    seen = set(zip(*(other[c].tolist() for c in KEY), strict=True))
    found = (key in seen for key in zip(*(rows[c].tolist() for c in KEY), strict=True))
    return np.fromiter(found, dtype=bool, count=len(rows))


def numerator_of(frame: pd.DataFrame, numerators: Mapping[str, str], count_col: str) -> np.ndarray:
    """People counted in ``value`` (NaN when the indicator's value is not a count of people)."""
    kind = frame["indicator"].map(lambda i: numerators.get(i, "")).to_numpy()
    value = frame["value"].to_numpy(dtype=float)
    n = frame[count_col].to_numpy(dtype=float)
    out = np.full(len(frame), np.nan)
    out = np.where(kind == "count", value, out)
    out = np.where(kind == "share", value * n, out)
    out = np.where(kind == "percent", value * n / 100.0, out)
    return np.rint(out)


def as_frames(
    frames: pd.DataFrame | Sequence[pd.DataFrame] | Mapping[str, pd.DataFrame] | None,
) -> list[tuple[str, pd.DataFrame]]:
    """Normalise one frame, a sequence (oldest first) or a mapping of frames to (name, frame)."""
    if frames is None:
        return []
    if isinstance(frames, pd.DataFrame):
        return [("0", frames)]
    if isinstance(frames, Mapping):
        return [(str(name), f) for name, f in frames.items()]
    return [(str(i), f) for i, f in enumerate(frames)]


@lru_cache(maxsize=4096)
def period_span(label: str, launch: date | None = None) -> tuple[float, float] | None:
    """(first day, last day) as ordinals, or None for a label without dates (``cumul``, custom, a
    ``cumul:`` period without the ``launch`` it starts at)."""
    try:
        p = parse_period(label, today=date.today(), launch=launch)
    except (ConfigError, ValueError):
        return None
    if label.strip().lower() in {"last-quarter", "last_quarter", "dernier-trimestre"}:
        return None  # relative labels are not spans
    return float(p.start.toordinal()), float(p.end.toordinal())


def period_spans(labels: Sequence[str], launch: date | None) -> list[tuple[float, float] | None]:
    """:func:`period_span` of each label. Cells of one period label contain each other whatever
    their dates; a ``cumul:`` label among other labels needs the programme's ``launch`` (where its
    period starts) to be compared with them: an EcoEvalError without it."""
    if launch is None and len(set(labels)) > 1:
        cumulative = next((label for label in labels if is_cumulative(label)), None)
        if cumulative is not None:
            raise EcoEvalError(
                f"period {cumulative!r} runs from the programme's launch and is compared with "
                "other periods: pass launch (Project.ecosystem().launch)"
            )
    return [period_span(label, launch) for label in labels]


def nested_pairs(
    cells: pd.DataFrame, focus: int | None = None, *, launch: date | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(a, b)`` of rows of ``cells`` where cell ``a`` contains cell ``b`` (module docstring).

    ``cells`` has the key columns and ``frame`` (release order, oldest first). A bare ``cumul``
    label is "since launch until that release": it contains every period of its release and of
    earlier ones. Labels that are neither dates nor ``cumul`` only contain the same label. Two
    cells covering exactly the same people (a figure published again in a later release) give one
    pair, the later one as ``a``. ``focus``: keep only pairs with a cell of that frame;
    ``launch``: the programme's launch, where ``cumul:`` periods start.
    Returns the positions in ``cells`` of ``a`` and of ``b``, sorted.
    """
    if cells.empty:
        return np.array([], dtype=int), np.array([], dtype=int)
    code = {c: codes_of(cells[c]) for c in KEY}
    is_all = (cells["dimension"].astype(str) == ALL).to_numpy()
    lever_star = (cells["lever"].astype(str) == STAR).to_numpy()
    tool_star = (cells["tool"].astype(str) == STAR).to_numpy()
    everyone = np.ones(len(cells), dtype=bool)
    parts_a, parts_b = [], []
    # a contains b through the same or a wider group, lever and tool: one join per combination,
    # each on the columns that must be equal (the wider side is the whole population or "*")
    for same_group in (True, False):
        for same_lever in (True, False):
            for same_tool in (True, False):
                a_ok = everyone if same_group else is_all
                b_ok = everyone if same_group else ~is_all
                keys = ["indicator", *(["dimension", "group"] if same_group else [])]
                for same, star, col in (
                    (same_lever, lever_star, "lever"),
                    (same_tool, tool_star, "tool"),
                ):
                    if same:
                        keys.append(col)
                    else:
                        a_ok, b_ok = a_ok & star, b_ok & ~star
                key = _combined(code, keys)
                pa, pb = _join(key, np.flatnonzero(a_ok), np.flatnonzero(b_ok))
                parts_a.append(pa)
                parts_b.append(pb)
    a, b = np.concatenate(parts_a), np.concatenate(parts_b)
    frame = cells["frame"].to_numpy(dtype=int)
    keep = a != b
    if focus is not None:
        keep &= (frame[a] == focus) | (frame[b] == focus)
    a, b = a[keep], b[keep]
    spans = period_spans([str(p) for p in cells["period"]], launch)
    start = np.array([np.nan if s is None else s[0] for s in spans])
    end = np.array([np.nan if s is None else s[1] for s in spans])
    is_open = (cells["period"].astype(str).str.strip().str.lower() == "cumul").to_numpy()
    period = code["period"]
    dated = ~np.isnan(start[a]) & ~np.isnan(start[b])
    with np.errstate(invalid="ignore"):
        covers = dated & (start[a] <= start[b]) & (end[b] <= end[a])
        same_span = dated & (start[a] == start[b]) & (end[a] == end[b])
    covers |= is_open[a] & (frame[b] <= frame[a])
    covers |= (period[a] == period[b]) & ~is_open[a]
    equal = (period[a] == period[b]) | same_span
    for col in ("lever", "tool", "dimension", "group"):
        equal &= code[col][a] == code[col][b]
    later = (frame[a] > frame[b]) | ((frame[a] == frame[b]) & (a > b))
    keep = covers & (~equal | later)
    order = np.lexsort((b[keep], a[keep]))
    return a[keep][order], b[keep][order]


def _combined(code: dict[str, np.ndarray], keys: list[str]) -> np.ndarray:
    """One integer per row for the values of ``keys`` (factorised codes)."""
    key = np.zeros(len(code[keys[0]]), dtype=np.int64)
    for col in keys:
        key = key * (int(code[col].max()) + 1) + code[col]
    return key


def _join(key: np.ndarray, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (l, r) of positions in ``left`` and ``right`` with the same ``key``."""
    right = right[np.argsort(key[right], kind="stable")]
    sorted_keys = key[right]
    lo = np.searchsorted(sorted_keys, key[left], side="left")
    hi = np.searchsorted(sorted_keys, key[left], side="right")
    counts = hi - lo
    a = np.repeat(left, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return a, right[np.repeat(lo, counts) + offsets]


def stack_frames(
    frames: list[tuple[str, pd.DataFrame]], count_col: str, exempt: Collection[str]
) -> pd.DataFrame:
    """Concatenate checked frames with their release position in ``frame``."""
    parts = []
    for pos, (name, f) in enumerate(frames):
        g = check_frame(f, count_col, what=f"frame {name!r}")
        g = g[~g["indicator"].isin(list(exempt))]
        g.insert(0, "frame", pos)
        parts.append(g)
    if not parts:
        return pd.DataFrame(columns=["frame", *FRAME_COLUMNS])
    return pd.concat(parts, ignore_index=True)
