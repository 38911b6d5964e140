"""Scoring of the declared instruments (:mod:`eco_eval.instruments`).

The rules (reverse keys, proration, conversion table, flags) are data of each
:class:`~eco_eval.instruments.Instrument`; code here only applies them, so a new scale or a changed
rule is a data change.

Every row gets a ``status`` and, when it is not ``complete``, a ``reason``: a score is never
silently missing or silently prorated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from eco_eval.instruments import Flag, Instrument
from eco_eval.stats._checks import StatsInputError, check_columns, checked, shown

__all__ = [
    "STATUSES",
    "flag_raised",
    "missing_items_message",
    "score",
    "score_all",
]

#: Possible values of the ``status`` column returned by :func:`score`.
STATUSES = ("complete", "prorated", "too_many_missing", "not_answered", "invalid")

_OPS = {"le": np.less_equal, "lt": np.less, "ge": np.greater_equal, "gt": np.greater}


def flag_raised(flag: Flag, scores: np.ndarray) -> np.ndarray:
    """Boolean array: True where ``flag`` is raised (False where the score is NaN)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(_OPS[flag.op](scores, flag.threshold), dtype=bool)


def _reasons(
    inst: Instrument, status: np.ndarray, missing: np.ndarray, bad: np.ndarray, values: np.ndarray
) -> list[str]:
    items = np.asarray(inst.items)
    out = [""] * len(status)
    for i in np.flatnonzero(status != "complete"):
        gone = ", ".join(items[missing[i]])
        if status[i] == "invalid":
            shown = ", ".join(
                f"{c}={v!r}" for c, v in zip(items[bad[i]], values[i][bad[i]], strict=True)
            )
            out[i] = (
                f"invalid answer(s) {shown} (allowed: integers {inst.item_min}-{inst.item_max})"
            )
        elif status[i] == "not_answered":
            out[i] = "no item answered"
        elif status[i] == "too_many_missing":
            out[i] = (
                f"{missing[i].sum()} of {inst.n_items} items missing ({gone}); "
                f"at most {inst.max_missing} allowed"
            )
        else:
            out[i] = (
                f"prorated from {inst.n_items - missing[i].sum()} of {inst.n_items} items (missing: {gone})"
            )
    return out


@checked
def score(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Score one instrument for every row of ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per response, with a column per item code of the instrument (e.g. ``swemwbs_1`` ..
        ``swemwbs_7``). Answers are numbers (or numeric text); NaN means not answered.
    instrument : Instrument
        From :func:`eco_eval.instruments.load_instruments`.

    Returns
    -------
    pandas.DataFrame
        Same index as ``frame``, columns:

        * ``score``: reported score (after conversion table or multiplier), NaN when not scored;
        * ``raw``: sum (or mean) of the keyed items, prorated when items are missing;
        * ``n_items``: number of items of the instrument;
        * ``n_answered``: valid answers in the row;
        * ``status``: ``complete``, ``prorated``, ``too_many_missing``, ``not_answered`` or
          ``invalid`` (an answer outside the item range or not an integer: never scored);
        * ``reason``: empty when complete, else a sentence naming the items concerned;
        * ``flag_<id>`` for each declared flag (nullable boolean, NA when the score is NaN).

    Notes
    -----
    Reverse-keyed items are scored ``item_min + item_max - answer``. With
    :math:`m \\le` ``max_missing`` items missing, a sum is prorated as
    :math:`k \\times \\text{mean of the answered items}` (a mean scale takes the mean of the
    answered items). A conversion table is defined on integer raw totals, so a prorated total is
    rounded half up before the lookup (``raw`` keeps the unrounded value).

    References
    ----------
    SWEMWBS conversion: Stewart-Brown et al. (2009), Health Qual Life Outcomes 7:15. WHO-5 cut-offs:
    Topp et al. (2015), Psychother Psychosom 84:167-176. Full sources in ``instruments.yaml``.
    """
    if not isinstance(instrument, Instrument):
        raise StatsInputError(
            f"instrument must be an Instrument, got {shown(instrument)}: load it with "
            "eco_eval.instruments.load_instruments()[id]"
        )
    check_columns(frame, instrument.items, what="barometer frame")
    given = frame.loc[:, list(instrument.items)]
    values = given.to_numpy(dtype=object)
    numeric = given.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    present = given.notna().to_numpy()
    with np.errstate(invalid="ignore"):
        bad = present & (
            np.isnan(numeric)
            | (numeric < instrument.item_min)
            | (numeric > instrument.item_max)
            | (numeric != np.round(numeric))
        )
    keyed = np.where(bad, np.nan, numeric)
    for j, code in enumerate(instrument.items):
        if code in instrument.reverse:
            keyed[:, j] = instrument.item_min + instrument.item_max - keyed[:, j]
    missing = np.isnan(keyed)
    n_answered = (~missing).sum(axis=1)
    n_missing = instrument.n_items - n_answered

    status = np.full(len(frame), "complete", dtype=object)
    status[n_missing > 0] = "prorated"
    status[n_missing > instrument.max_missing] = "too_many_missing"
    status[n_answered == 0] = "not_answered"
    status[bad.any(axis=1)] = "invalid"
    scored = np.isin(status, ["complete", "prorated"])

    raw = np.full(len(frame), np.nan)
    if scored.any():
        total = np.nansum(keyed[scored], axis=1)
        answered = n_answered[scored]
        # sum * k / answered (not mean * k) keeps complete totals exact integers.
        raw[scored] = (
            total * instrument.n_items / answered
            if instrument.aggregate == "sum"
            else total / answered
        )
    result = np.full(len(frame), np.nan)
    if instrument.conversion_table:
        table = instrument.conversion_table
        result[scored] = [table[int(np.floor(r + 0.5))] for r in raw[scored]]
    else:
        result = raw * instrument.multiplier

    out = pd.DataFrame(
        {
            "score": result,
            "raw": raw,
            "n_items": instrument.n_items,
            "n_answered": n_answered,
            "status": status,
            "reason": _reasons(instrument, status, missing, bad, values),
        },
        index=frame.index,
    )
    for flag in instrument.flags:
        col = pd.array(flag_raised(flag, raw if flag.on == "raw" else result), dtype="boolean")
        col[~scored] = pd.NA
        out[f"flag_{flag.id}"] = col
    return out


def missing_items_message(iid: str, inst: Instrument, present: Sequence[str]) -> str:
    """One line for an instrument some of whose items no barometer file holds: which, and the
    two fixes (map the column, or the ``instruments:`` override that declares it without them)."""
    absent = [c for c in inst.items if c not in present]
    override = f"items: [{', '.join(present)}]"
    if inst.conversion:  # a conversion table is defined for the full set of items only
        override += ", conversion: null"
    return (
        f"barometer: instrument {iid!r} needs item(s) {', '.join(absent)}, which no barometer "
        f"file holds; map its column in sources.barometer.items, or score it without them by "
        f"adding to eco_eval.yaml: instruments: {{{iid}: {{{override}}}}}"
    )


@checked
def score_all(frame: pd.DataFrame, instruments: Mapping[str, Instrument]) -> pd.DataFrame:
    """Score every instrument whose items are all in ``frame``; columns prefixed ``<id>_``.

    Instruments with none of their items in ``frame`` are skipped (a barometer need not carry every
    declared scale); one with only some of its items raises, since that is a mapping error.

    Returns
    -------
    pandas.DataFrame
        Same index as ``frame``; for each scored instrument the columns of :func:`score` prefixed by
        its id and an underscore (``swemwbs_score``, ``swemwbs_status``, ...).
    """
    parts = []
    if not isinstance(instruments, Mapping):
        raise StatsInputError(
            "instruments must be the mapping returned by eco_eval.instruments.load_instruments(), "
            f"got {type(instruments).__name__}"
        )
    for iid, inst in instruments.items():
        present = [c for c in inst.items if c in frame.columns]
        if not present:
            continue
        if len(present) < len(inst.items):
            raise StatsInputError(missing_items_message(iid, inst, present))
        parts.append(score(frame, inst).add_prefix(f"{iid}_"))
    if not parts:
        return pd.DataFrame(index=frame.index)
    return pd.concat(parts, axis=1)
