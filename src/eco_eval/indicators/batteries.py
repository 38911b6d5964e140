"""Feedback batteries: several items that together measure satisfaction (or usefulness).

A city whose post-session survey asks a battery (``SAT[SQ001]`` .. ``SAT[SQ004]``) instead of one
satisfaction question maps the answers to item columns (``sources.feedback.items``) and declares
the battery as an instrument with ``source: feedback`` and ``measures: satisfaction`` (see
docs/instruments.md). Its indicators then stand for the single question's:

* ``<measure>_mean``: each respondent's mean item score (reverse-keyed items turned around; at
  most ``max_missing`` items unanswered), rescaled linearly from the item range onto 1-5 so that
  it reads like the single question; mean and t interval over respondents;
* ``satisfaction_top2``: each respondent's share of answered items in the top two categories of
  the item scale, averaged over respondents (t interval, clipped to [0, 1]); with every item
  answered it is the share of all item answers in the top two boxes;
* ``<measure>_alpha``: Cronbach's alpha of the items (listwise), Feldt interval
  (:func:`eco_eval.stats.cronbach_alpha`); ``n`` the respondents who answered every item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from eco_eval.errors import ConfigError
from eco_eval.indicators.core import ALL, row
from eco_eval.instruments import Instrument
from eco_eval.periods import Period
from eco_eval.stats.intervals import mean_ci
from eco_eval.stats.reliability import cronbach_alpha, keyed_items

#: the value of a battery's mean is rescaled onto this range (the single question's)
TARGET = (1.0, 5.0)


def feedback_batteries(
    instruments: Mapping[str, Instrument], columns: Iterable[str]
) -> dict[str, Instrument]:
    """The feedback batteries whose items are in the feedback, by the measure they stand for.

    A battery none of whose items were ingested is left out; one with only some raises a
    ConfigError naming the override that fixes it."""
    present = set(columns)
    out: dict[str, Instrument] = {}
    for iid, inst in instruments.items():
        if inst.source != "feedback" or inst.measures is None:
            continue
        found = [c for c in inst.items if c in present]
        if not found:
            continue
        if len(found) < len(inst.items):
            missing = [c for c in inst.items if c not in present]
            raise ConfigError(
                f"instrument {iid!r}: feedback item(s) {', '.join(missing)} not in the store; map "
                f"them with sources.feedback.items or fix the items of instruments.{iid} in "
                "eco_eval.yaml"
            )
        if inst.measures in out:
            raise ConfigError(
                f"instruments {out[inst.measures].id!r} and {iid!r} both measure "
                f"{inst.measures}; keep one (instruments: in eco_eval.yaml)"
            )
        out[inst.measures] = inst
    return out


def respondent_means(items: pd.DataFrame, inst: Instrument) -> pd.Series:
    """Each respondent's mean item score, rescaled onto :data:`TARGET`; NaN when more than
    ``max_missing`` items are unanswered."""
    answered = items.notna().sum(axis=1)
    mean = items.mean(axis=1).where(answered >= len(inst.items) - inst.max_missing)
    lo, hi = TARGET
    return lo + (hi - lo) * (mean - inst.item_min) / (inst.item_max - inst.item_min)


def respondent_top2(items: pd.DataFrame, inst: Instrument) -> pd.Series:
    """Each respondent's share of answered items in the top two categories of the item scale."""
    answered = items.notna().sum(axis=1)
    top = (items >= inst.item_max - 1).sum(axis=1)
    ok = answered >= len(inst.items) - inst.max_missing
    return (top / answered.where(answered > 0)).where(ok)


def battery_rows(
    sub: pd.DataFrame, inst: Instrument, measure: str, period: Period, lever: str, tool: str
) -> list[dict[str, object]]:
    """The indicator rows of one battery in one scope (see the module doc)."""

    items = keyed_items(sub, inst)  # out-of-range answers missing, reverse keys turned
    out: list[dict[str, object]] = []
    means = respondent_means(items, inst).dropna().to_numpy(dtype=float)
    if len(means):
        m = mean_ci(means)
        out.append(
            row(period, lever, tool, ALL, ALL, f"{measure}_mean", m.estimate, m.n, m.ci_low,
                m.ci_high)
        )  # fmt: skip
    shares = respondent_top2(items, inst).dropna().to_numpy(dtype=float)
    if measure == "satisfaction" and len(shares):
        t = mean_ci(shares)
        low, high = (float(np.clip(v, 0, 1)) for v in (t.ci_low, t.ci_high))
        out.append(
            row(period, lever, tool, ALL, ALL, "satisfaction_top2", t.estimate, t.n, low, high)
        )
    if len(inst.items) >= 2:
        a = cronbach_alpha(items)
        if a.n:
            out.append(
                row(period, lever, tool, ALL, ALL, f"{measure}_alpha", a.alpha, a.n, a.ci_low,
                    a.ci_high)
            )  # fmt: skip
    return out
