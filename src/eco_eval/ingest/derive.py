"""Mapping a slice of a file: canonical fields, then the stored columns of each table.

A file is read whole (:mod:`eco_eval.ingest.reading`), then mapped in slices: each slice's
columns become canonical fields (:func:`eco_eval.ingest.mapping.canonicalise`: parsed values,
pseudonymised identifiers, a reason for each value that does not parse), then one function per
table derives what the store keeps (quarters, levers, masked comments, item scores). The slice
then waits, as a :class:`Part`, for its source's gate (:mod:`eco_eval.ingest.gate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.config import Source
from eco_eval.ingest.mapping import Mapped, canonicalise, map_distinct, map_items
from eco_eval.ingest.state import Run
from eco_eval.ingest.waves import submission_times
from eco_eval.masking import clean_comment, mask_identities


def piece(whole: Any, offset: int, n: int) -> Any:
    """The ``n`` values of a whole file's ``whole`` from ``offset`` on (None stays None)."""
    return None if whole is None else whole[offset : offset + n]


def quarter_labels(values: Any) -> np.ndarray:
    """``YYYY-Qn`` of each date-like value (None where missing), vectorised ``quarter_of``."""
    ts = pd.DatetimeIndex(pd.to_datetime(pd.Series(values).to_numpy()))
    out = np.full(len(ts), None, dtype=object)
    ok = ~np.asarray(ts.isna())
    if ok.any():
        year = ts.year.to_numpy()[ok].astype(np.int64)
        code = year * 4 + (ts.month.to_numpy()[ok].astype(np.int64) - 1) // 3
        uniq, inverse = np.unique(code, return_inverse=True)
        labels = np.array([f"{c // 4}-Q{c % 4 + 1}" for c in uniq.tolist()], dtype=object)
        out[ok] = labels[inverse]
    return out


@dataclass
class Part:
    """A slice of one file, read and mapped, waiting for its source's gate."""

    label: str
    raw: pd.DataFrame
    lines: np.ndarray
    mapped: Mapped
    frames: dict[str, pd.DataFrame]
    offset: int  # position of the slice's first row in the file


def prepare_slice(
    run: Run,
    source: Source,
    label: str,
    raw: pd.DataFrame,
    values: pd.DataFrame,
    lines: np.ndarray,
    problems: list[tuple[str, np.ndarray]],
    offset: int,
    context: dict[str, Any],
) -> Part:
    """One slice of a file mapped to its canonical frame, with the reasons found so far
    (``problems``: the codebook's), then derived into the tables it fills (:data:`DERIVE`)."""
    spec = run.schema[source.name]
    mapped = canonicalise(
        values,
        source,
        spec,
        scales=run.project.scales,
        ecosystem=run.ecosystem,
        key=run.key,
        file_label=label,
        cache=run.pseudonyms,
        person_keys=piece(context.get("person_keys"), offset, len(values)),
    )
    mapped.extra["lines"] = lines
    mapped.extra["context"] = context
    mapped.extra["offset"] = offset
    for reason, mask in problems:
        mapped.add(mask, reason)
    incomplete = piece(context.get("incomplete"), offset, len(values))
    if incomplete is not None:
        mapped.add(incomplete, "incomplete_response")
    frames = DERIVE[source.name](run, mapped, values, source)
    return Part(label, raw, lines, mapped, frames, offset)


def _derive_headcount(
    run: Run, m: Mapped, raw: pd.DataFrame, source: Source
) -> dict[str, pd.DataFrame]:
    f = m.frame
    f["quarter"] = quarter_labels(f["as_of"])
    f["as_of"] = pd.to_datetime(f["as_of"]).dt.date
    return {"headcount": f}


def _derive_sessions(
    run: Run, m: Mapped, raw: pd.DataFrame, source: Source
) -> dict[str, pd.DataFrame]:
    f = m.frame
    f["tool_id"] = f.pop("tool")
    f["lever_id"] = map_distinct(f["tool_id"], run.lever_of.get)
    f["quarter"] = quarter_labels(f["date"])
    f["date"] = pd.to_datetime(f["date"]).dt.date
    f["session_id"] = f["session_id"].astype("string").str.strip().astype(object)
    return {"sessions": f}


def _derive_attendance(
    run: Run, m: Mapped, raw: pd.DataFrame, source: Source
) -> dict[str, pd.DataFrame]:
    f = m.frame
    f["session_id"] = f["session_id"].astype("str").str.strip()
    m.add(f["person_key"].isna().to_numpy(), "no_identifier")
    return {"attendance": f}


def _derive_feedback(
    run: Run, m: Mapped, raw: pd.DataFrame, source: Source
) -> dict[str, pd.DataFrame]:
    f = m.frame
    f["tool_id"] = f.pop("tool")
    f["lever_id"] = map_distinct(f["tool_id"], run.lever_of.get)
    ts = pd.to_datetime(f["submitted_at"], errors="coerce")
    ts = ts.where(ts.dt.year > 1980)  # LimeSurvey writes 1980-01-01 when the date is not kept
    f["submitted_at"] = ts
    sess = f["session_id"].astype("string").str.strip()
    f["session_id"] = sess.astype(object).where(sess.notna(), None)
    index, dates = run.session_index()
    found = index.positions(sess)
    picked = np.full(len(sess), np.datetime64("NaT"), dtype="datetime64[ns]")
    picked[found >= 0] = dates[found[found >= 0]]
    when = pd.Series(picked, index=sess.index).fillna(ts)
    f["quarter"] = quarter_labels(when)
    whole = m.extra.get("context", {}).get("comments")  # the file's, masked at once
    if whole is not None:
        f["comment"] = piece(whole, m.extra.get("offset", 0), len(f))
    else:
        comments = f["comment"]
        present = comments.notna()
        if present.any():
            cleaned = [clean_comment(c) for c in comments[present]]
            masked = mask_identities(cleaned, known_names=run.sorted_names())
            f.loc[present, "comment"] = list(masked)
    return {"feedback": _with_items(run, m, f, raw, source)}


def _with_items(
    run: Run, m: Mapped, f: pd.DataFrame, raw: pd.DataFrame, source: Source
) -> pd.DataFrame:
    """``f`` and one score column per item code of the source's ``items:`` rules."""
    items, _origin, problems = map_items(raw, source, run.project.scales)
    for reason, mask in problems:
        m.add(mask.to_numpy(), reason)
    m.extra["item_columns"] = [str(c) for c in items.columns]
    items = items.astype(float).reset_index(drop=True)
    return pd.concat([f.reset_index(drop=True), items], axis=1)


def _derive_ideas(
    run: Run, m: Mapped, raw: pd.DataFrame, source: Source
) -> dict[str, pd.DataFrame]:
    f = m.frame
    f["tool_id"] = f.pop("tool")
    f["lever_id"] = map_distinct(f["tool_id"], run.lever_of.get)
    f["quarter"] = quarter_labels(f["proposed_on"])
    for col in ("proposed_on", "studied_on", "trialled_on", "adopted_on", "dropped_on"):
        f[col] = pd.to_datetime(f[col]).dt.date
    f["idea_id"] = f["idea_id"].astype("string").str.strip().astype(object)
    return {"ideas": f}


def _derive_hr_results(
    run: Run, m: Mapped, raw: pd.DataFrame, source: Source
) -> dict[str, pd.DataFrame]:
    return {"hr_results": m.frame}


def _derive_citizen_satisfaction(
    run: Run, m: Mapped, raw: pd.DataFrame, source: Source
) -> dict[str, pd.DataFrame]:
    return {"citizen_satisfaction": m.frame}


def _derive_barometer(
    run: Run, m: Mapped, raw: pd.DataFrame, source: Source
) -> dict[str, pd.DataFrame]:
    f = m.frame
    offset = m.extra.get("offset", 0)
    waves = m.extra["context"]["waves"].piece(offset, len(f))  # of the whole file
    unknown = pd.isna(waves.wave)
    m.add(unknown, "wave_unknown")
    wave = pd.Series(waves.wave, index=f.index, dtype=object).where(~unknown, "")
    f["wave"] = wave.where(~unknown, None)
    # LimeSurvey numbers responses from 1 in every survey: the wave makes the id unique
    f["response_id"] = wave + ":" + f["response_id"].astype("string")
    f["submitted_at"] = submission_times(f["submitted_at"])
    f["wave_date"] = waves.wave_date
    f["wave_start"] = waves.wave_start
    f["wave_end"] = waves.wave_end
    return {"barometer": _with_items(run, m, f, raw, source)}


#: one function per table: the canonical frame of a slice -> the tables it fills
DERIVE: dict[str, Callable[[Run, Mapped, pd.DataFrame, Source], dict[str, pd.DataFrame]]] = {
    "headcount": _derive_headcount,
    "sessions": _derive_sessions,
    "attendance": _derive_attendance,
    "feedback": _derive_feedback,
    "barometer": _derive_barometer,
    "ideas": _derive_ideas,
    "hr_results": _derive_hr_results,
    "citizen_satisfaction": _derive_citizen_satisfaction,
}
