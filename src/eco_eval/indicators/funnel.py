"""The ideas funnel: the stages an idea of the register reached, and how many ideas reached each.

The stages are the ``status`` values of the ``ideas`` table in ``_data/schema.yaml``, in their
declared order, ``dropped`` aside. Pure pandas: the bilan reads these names without loading the
statistics behind the funnel's rates (:mod:`eco_eval.indicators.results`).
"""

from __future__ import annotations

import pandas as pd

from eco_eval.schema import load_schema

__all__ = ["FUNNEL_STAGES", "funnel_counts", "idea_stages"]

#: The funnel's stages, in order (``status`` values of the ideas table, ``dropped`` aside).
FUNNEL_STAGES: tuple[str, ...] = tuple(
    v for v in load_schema()["ideas"]["fields"]["status"]["values"] if v != "dropped"
)


def dates(series: pd.Series) -> pd.Series:
    """``series`` as timestamps, unreadable values as NaT."""
    return pd.to_datetime(series, errors="coerce")


def idea_stages(ideas: pd.DataFrame) -> pd.DataFrame:
    """Per idea, the stages it reached (booleans ``proposed``, ``studied``, ``trialled``,
    ``adopted``, ``dropped``) and ``weeks_to_adoption``.

    A stage counts as reached when the status says so or when its date is filled (an idea
    trialled then dropped was studied and trialled); a later stage implies the earlier ones.
    """
    status = ideas["status"].astype("string").fillna("")
    rank = status.map({s: i for i, s in enumerate(FUNNEL_STAGES)}).fillna(0).astype(int)
    out = pd.DataFrame(index=ideas.index)
    out["proposed"] = True
    reached = {"studied": 1, "trialled": 2, "adopted": 3}
    later = pd.Series(False, index=ideas.index)
    for stage in ("adopted", "trialled", "studied"):
        dated = dates(ideas[f"{stage}_on"]).notna() if f"{stage}_on" in ideas else later & False
        later = later | dated | (rank >= reached[stage])
        out[stage] = later
    dropped = status == "dropped"
    if "dropped_on" in ideas:
        dropped = dropped | dates(ideas["dropped_on"]).notna()
    out["dropped"] = dropped & ~out["adopted"]
    days = (dates(ideas["adopted_on"]) - dates(ideas["proposed_on"])).dt.days
    out["weeks_to_adoption"] = (days / 7).where(out["adopted"] & (days >= 0))
    return out


def stage_counts(stages: pd.DataFrame) -> dict[str, int]:
    """Counts of :func:`idea_stages` rows: each stage, ``dropped`` and ``in_progress``."""
    counts = {stage: int(stages[stage].sum()) for stage in FUNNEL_STAGES}
    counts["dropped"] = int(stages["dropped"].sum())
    counts["in_progress"] = int((~stages["adopted"] & ~stages["dropped"]).sum())
    return counts


def funnel_counts(ideas: pd.DataFrame) -> dict[str, int]:
    """Ideas that reached each stage, plus ``dropped`` and ``in_progress`` (neither adopted nor
    dropped), over the rows given."""
    return stage_counts(idea_stages(ideas))
