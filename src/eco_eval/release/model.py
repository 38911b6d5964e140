"""The :class:`Release`: what one publication of a period shows, computed once.

A release is a manifest (a JSON-able dict of scalars: the periods, the threshold, the barometer
waves, the provenance...) and named frames (the anonymised indicator tables, the well-being and
results tables, the data-quality tables). The bilan, the lever deep dives, the key figures and the
exports read it; none of them opens the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from eco_eval.periods import Period

__all__ = [
    "FORMAT",
    "LEDGER_FRAME",
    "RAW_CURRENT",
    "RESULTS_FRAMES",
    "SUPPRESSION_LOG_FRAME",
    "Release",
    "earlier_publications",
    "open_data_publication",
    "period_entry",
    "period_from_entry",
    "publication_name",
]

#: Version of the layout of a release folder (:mod:`eco_eval.release.files`).
FORMAT = 1
#: The frame holding the period's indicators before disclosure control: the open data apply
#: their own threshold (``k_open_data``) to it.
RAW_CURRENT = "current_raw"
#: The frames of the organisational-results part (:mod:`eco_eval.release.results`).
RESULTS_FRAMES = ("results_current", "results_cumulated", "results_panel", "results_relations")
#: The frame of a saved release that keeps the suppression log of its publication.
SUPPRESSION_LOG_FRAME = "suppression_log"
#: The frame of a release that holds the cells it publishes (for the publication ledger).
LEDGER_FRAME = "ledger"


def publication_name(period: Period) -> str:
    """The name a period's bilan and deep dives carry in the publication ledger."""
    return f"bilan:{period.label}"


def open_data_publication(period: Period) -> str:
    """The name a period's open-data package carries in the publication ledger."""
    return f"open-data:{period.label}"


def earlier_publications(ledger: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The rows of the publication ledger ``ledger`` a release of ``period`` is checked
    against: all but the period's own bilan and open data, which are made from that release and
    replaced with it."""
    own = {publication_name(period), open_data_publication(period)}
    return ledger[~ledger["publication"].astype(str).isin(own)].reset_index(drop=True)


def period_entry(period: Period | None) -> dict[str, str] | None:
    """A period as the manifest keeps it (label, ISO dates, kind), None for None."""
    if period is None:
        return None
    return {
        "label": period.label,
        "start": str(period.start),
        "end": str(period.end),
        "kind": period.kind,
    }


def period_from_entry(entry: Mapping[str, str] | None) -> Period | None:
    """The period of a manifest entry (:func:`period_entry`), None for None."""
    if not entry:
        return None
    return Period(
        date.fromisoformat(entry["start"]),
        date.fromisoformat(entry["end"]),
        entry["label"],
        entry.get("kind", "range"),
    )


@dataclass(frozen=True)
class Release:
    """A period's publication: ``manifest`` (scalars) and ``frames`` (tables), both read-only."""

    manifest: Mapping[str, Any]
    frames: Mapping[str, pd.DataFrame]

    def frame(self, name: str) -> pd.DataFrame:
        """The frame ``name`` (an empty frame when the release has none by that name)."""
        found = self.frames.get(name)
        return found if found is not None else pd.DataFrame()

    @property
    def period(self) -> Period:
        found = period_from_entry(self.manifest["period"])
        assert found is not None
        return found

    @property
    def compare_to(self) -> Period | None:
        return period_from_entry(self.manifest.get("compare_to"))

    @property
    def year_before(self) -> Period | None:
        return period_from_entry(self.manifest.get("year_before"))

    @property
    def launch(self) -> date:
        return date.fromisoformat(self.manifest["launch"])

    @property
    def k(self) -> int:
        return int(self.manifest["k"])
