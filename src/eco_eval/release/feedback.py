"""The free-text part of a release: the period's comment themes and the quotes the bilan shows.

Comments are masked at ingestion (:mod:`eco_eval.masking`); here only levers with at least
``k_comments`` comments in the period are described or quoted: each theme with up to
:data:`PER_THEME` comments that use it (``theme_quotes``), and up to :data:`PER_LEVER` comments of
the lever (``verbatims``, quoted when no theme is shared by enough comments). The quotes are drawn
with a generator seeded by the period's label, so that the same period always quotes the same
comments.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eco_eval.indicators.core import Tables
from eco_eval.periods import Period
from eco_eval.privacy.text import comment_themes, theme_quotes

__all__ = ["FRAMES", "feedback_part"]

FRAMES = ("comment_themes", "theme_quotes", "verbatims")
#: Quotes per lever, per theme, and the longest quote (longer ones are cut with « … »).
PER_LEVER, PER_THEME, MAX_CHARS = 2, 2, 280


def _seed(label: str) -> int:
    return sum(map(ord, label))  # same period, same quotes


def _period_comments(tables: Tables, period: Period) -> pd.DataFrame:
    fb = tables.feedback
    return fb[fb["quarter"].isin(period.quarters) & fb["comment"].notna()]


def verbatims(comments: pd.DataFrame, eco: Any, label: str, k_comments: int) -> pd.DataFrame:
    """Up to :data:`PER_LEVER` comments per lever with at least ``k_comments`` of them (columns
    ``lever``, ``quote``), drawn reproducibly from ``label``."""
    rng = np.random.default_rng(_seed(label))
    rows = []
    for lever in eco.levers:
        sub = comments[comments["lever_id"] == lever.id]
        if len(sub) < k_comments:
            continue
        picks = sub.iloc[rng.choice(len(sub), size=min(PER_LEVER, len(sub)), replace=False)]
        for text in picks["comment"]:
            quote = str(text)
            quote = quote if len(quote) <= MAX_CHARS else quote[: MAX_CHARS - 1] + "…"
            rows.append({"lever": lever.id, "quote": quote})
    return pd.DataFrame(rows, columns=["lever", "quote"])


def feedback_part(
    tables: Tables, period: Period, eco: Any, *, k_comments: int
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The frames (:data:`FRAMES`) and the manifest entry (``comments``: the period's number of
    comments, ``k_comments``)."""
    comments = _period_comments(tables, period)
    themes, quotes = pd.DataFrame(), pd.DataFrame()
    if len(comments) >= k_comments:
        by_lever = comments.rename(columns={"lever_id": "lever"})
        themes = comment_themes(by_lever, by="lever", min_group=k_comments, top=8)
        quotes = theme_quotes(
            by_lever, themes, by="lever", per_theme=PER_THEME, seed=_seed(period.label),
            max_chars=MAX_CHARS,
        )  # fmt: skip
    frames = {
        "comment_themes": themes,
        "theme_quotes": quotes,
        "verbatims": verbatims(comments, eco, period.label, k_comments),
    }
    return frames, {"comments": len(comments), "k_comments": k_comments}
