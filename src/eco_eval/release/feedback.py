"""The free-text part of a release: the period's comment themes and the quotes the bilan shows.

Comments are masked at ingestion (:mod:`eco_eval.masking`); here only levers with at least
``k_comments`` comments in the period are described or quoted, and the quotes are drawn with a
generator seeded by the period's label, so that the same period always quotes the same comments.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eco_eval.indicators.core import Tables
from eco_eval.periods import Period
from eco_eval.privacy.text import comment_themes

__all__ = ["FRAMES", "feedback_part"]

FRAMES = ("comment_themes", "verbatims")
#: Quotes per lever, and the longest quote (longer ones are cut with « … »).
PER_LEVER, MAX_CHARS = 2, 280


def _period_comments(tables: Tables, period: Period) -> pd.DataFrame:
    fb = tables.feedback
    return fb[fb["quarter"].isin(period.quarters) & fb["comment"].notna()]


def verbatims(comments: pd.DataFrame, eco: Any, label: str, k_comments: int) -> pd.DataFrame:
    """Up to :data:`PER_LEVER` comments per lever with at least ``k_comments`` of them (columns
    ``lever``, ``quote``), drawn reproducibly from ``label``."""
    rng = np.random.default_rng(sum(map(ord, label)))  # same period, same quotes
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
    themes = pd.DataFrame()
    if len(comments) >= k_comments:
        result = comment_themes(
            comments.rename(columns={"lever_id": "lever"}), by="lever", min_group=k_comments, top=8
        )
        themes = result if isinstance(result, pd.DataFrame) else getattr(result, "frame", themes)
    frames = {
        "comment_themes": themes,
        "verbatims": verbatims(comments, eco, period.label, k_comments),
    }
    return frames, {"comments": len(comments), "k_comments": k_comments}
