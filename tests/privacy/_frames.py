"""Tiny tidy indicator frames for the privacy tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eco_eval.ecosystem import load_ecosystem

#: the programme's launch, where the cumulative periods of these frames start
LAUNCH = load_ecosystem().launch


def tidy(
    rows,
    *,
    period: str = "2016-Q2",
    lever: str = "*",
    tool: str = "*",
    indicator: str = "unique_participants",
) -> pd.DataFrame:
    """A tidy frame from ``(dimension, group, n)`` or ``(dimension, group, n, value)`` rows;
    ``value`` defaults to ``n`` (a count of people)."""
    out = []
    for row in rows:
        dim, grp, n = row[:3]
        value = row[3] if len(row) > 3 else n
        out.append(
            {"period": period, "lever": lever, "tool": tool, "dimension": dim,
             "group": grp, "indicator": indicator, "value": float(value), "n": float(n),
             "ci_low": np.nan, "ci_high": np.nan, "suppressed": False}
        )  # fmt: skip
    return pd.DataFrame(out)


def hidden(frame: pd.DataFrame) -> set[tuple[str, str]]:
    """(dimension, group) of the suppressed rows."""
    rows = frame[frame["suppressed"]]
    return set(zip(rows["dimension"], rows["group"], strict=True))
