"""Disclosure control of the indicator frames: the anonymity rule, applied once per publication.

The indicator engine (:mod:`eco_eval.indicators`) computes raw figures; this module hides the
cells that rest on fewer than ``k`` people, with complementary suppression
(:func:`eco_eval.privacy.suppression.suppress_small_cells`), and keeps the log of what it hid so
that the next publication hides the same cells again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from eco_eval.errors import EcoEvalError
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import COLUMNS, DIMENSIONS, KEY, Tables
from eco_eval.indicators.engine import compute_raw
from eco_eval.indicators.implementation import implementation
from eco_eval.indicators.partage import partage
from eco_eval.indicators.reach import reach
from eco_eval.indicators.reaction import reaction
from eco_eval.indicators.valorisation import valorisation
from eco_eval.periods import Period, parse_period, quarter_range
from eco_eval.privacy.audit import audit
from eco_eval.privacy.ledger import audit_cells, ledger_cells, published_before
from eco_eval.privacy.suppression import LOG_COLUMNS, suppress_small_cells

__all__ = [
    "AUDIT_KINDS",
    "anonymise",
    "anonymise_logged",
    "history",
    "publication_frames",
    "publication_ledger",
    "raw_frames",
]

#: the indicators the interval audit checks, and how they add up (:mod:`eco_eval.privacy.audit`)
AUDIT_KINDS = {"participations": "additive", "unique_participants": "people"}
#: how many rounds of audit and suppression a publication may take before it hides every cell
#: the audit still finds at risk
AUDIT_ROUNDS = 8


def anonymise(
    frame: pd.DataFrame,
    *,
    k: int = 5,
    suppression_log: pd.DataFrame | None = None,
    launch: date | None = None,
) -> pd.DataFrame:
    """Apply the anonymity rule to the figures that rest on people or answers (not activity).

    Indicators on the same people form one family (attendance-based ones: ``participants``; answers:
    ``answers``) so that a count hidden in one is hidden in all — a reach rate shown beside a
    hidden participant count would give it back (rate × headcount). ``launch``: the programme's
    launch, which dates the ``cumul:`` periods of the frame.
    """
    return anonymise_logged(frame, k=k, suppression_log=suppression_log, launch=launch)[0]


def anonymise_logged(
    frame: pd.DataFrame,
    *,
    k: int = 5,
    suppression_log: pd.DataFrame | None = None,
    launch: date | None = None,
    published: Sequence[pd.DataFrame] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`anonymise`, and the suppression log of the cells it hid (with the reason), to keep
    for the next publication (see :func:`publication_frames`). ``published``: the frames already
    published that share days with the frame's period, oldest first (from the ledger), against
    which nested cells must not differ by 1 to k − 1 people."""
    personal = _personal()
    mask = frame["indicator"].isin(list(personal))
    if not mask.any():
        return frame, pd.DataFrame(columns=list(LOG_COLUMNS))
    families = {
        i.id: i.family or ("participants" if i.privacy == "people" else i.privacy)
        for i in personal.values()
    }
    families["cumulative_reach_rate"] = "cumulative"
    numerators = {
        "unique_participants": "count",
        **{i.id: i.numerator for i in personal.values() if i.numerator},
    }
    result = suppress_small_cells(
        frame[mask].reset_index(drop=True),
        k=k,
        families=families,
        numerators=numerators,
        suppression_log=suppression_log,
        previous_cumulative=list(published) or None,
        launch=launch,
    )
    out = pd.concat([result.frame, frame[~mask]], ignore_index=True)
    return out[COLUMNS + [c for c in out.columns if c not in COLUMNS]], result.log


def _personal() -> dict[str, Any]:
    """The catalogue's indicators about people or their answers (the ones disclosure control
    protects)."""
    return {i.id: i for i in load_catalogue().indicators if i.privacy in {"people", "answers"}}


def publication_frames(
    tables: Tables,
    eco: Any,
    periods: Mapping[str, Period],
    *,
    k: int = 5,
    suppression_log: pd.DataFrame | None = None,
    by: Sequence[str] = DIMENSIONS,
    instruments: Mapping[str, Any] | None = None,
    ledger: pd.DataFrame | None = None,
    publication: str | None = None,
    history_until: Period | None = None,
    raw: Mapping[str, pd.DataFrame] | None = None,
    overload_hours: float | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The anonymised frames of one publication, consistent with the publications before it.

    ``periods`` names the frames a publication shows (a bilan: ``current``, ``previous``, ``year``);
    ``suppression_log`` is the log kept from earlier publications (``None`` for the first). A cell
    hidden before stays hidden — with the cells hidden to protect it — when its period is shown
    again (as the next bilan's comparison column, or with revised data), so that two bilans side by
    side never give a hidden figure back by subtraction. ``raw``: the frames of ``periods``
    before disclosure control when the caller has them (:func:`raw_frames`). ``history_until``: add the frame
    ``history``, the programme's and each lever's figures of every quarter from launch to that
    period's end.

    ``ledger``: every cell published before (:mod:`eco_eval.privacy.ledger`; ``publication``, the
    name of this one, is left out of it when it is made again). A nested published cell must not
    differ from a new one by 1 to k − 1 people, and the interval audit
    (:func:`eco_eval.privacy.audit.audit`) of the ledger with every frame of this publication must
    leave each hidden count at least k wide; the new cells it names are hidden (reason
    ``audit``), with the complementary cells they need, until it does.

    Returns the frames and the log to keep: the earlier log plus every cell hidden now (one row
    per cell, duplicates dropped).
    """
    raw = (
        dict(raw)
        if raw is not None
        else raw_frames(
            tables, eco, periods, by=by, instruments=instruments, overload_hours=overload_hours
        )
    )
    spans = dict(periods)
    if history_until is not None:
        for q, frame in _history_raw(
            tables, eco, history_until, instruments, overload_hours
        ).items():
            raw[f"history:{q}"] = frame
            spans[f"history:{q}"] = parse_period(q)
    published = {name: published_before(ledger, p, publication) for name, p in spans.items()}
    base = _log_frame([] if suppression_log is None else [suppression_log])
    extra = _log_frame([])
    frames: dict[str, pd.DataFrame] = {}
    logs: dict[str, pd.DataFrame] = {}
    stale = set(raw)
    solved: dict[bytes, list] = {}  # audit problems already solved, by their cells
    for round_ in range(AUDIT_ROUNDS):
        for name in [n for n in raw if n in stale and not n.startswith("history:")]:
            before = logs.get(name)
            frames[name], logs[name] = anonymise_logged(
                raw[name], k=k, suppression_log=_log_frame([base, extra]), launch=eco.launch,
                published=published[name],
            )  # fmt: skip
            # a trend's quarter hidden in the tables stays hidden in the trend
            stale |= {f"history:{p}" for p in _changed_periods(before, logs[name])}
        own = _log_frame([logs[n] for n in logs if not n.startswith("history:")])
        for name in [n for n in raw if n in stale and n.startswith("history:")]:
            frames[name], logs[name] = anonymise_logged(
                raw[name], k=k, suppression_log=_log_frame([base, extra, own]),
                launch=eco.launch, published=published[name],
            )  # fmt: skip
        # a cell still exposed after a round is reached through several dimensions or
        # levers: each round hides twice as many of its candidates
        fixes = _audit_fixes(
            frames, ledger, k=k, launch=eco.launch, publication=publication, cache=solved,
            take=2**round_,
        )  # fmt: skip
        if fixes.empty:
            break
        extra = _log_frame([extra, fixes])
        stale = set(fixes["frame"])
    else:
        raise EcoEvalError(
            f"disclosure audit: cells of {publication or 'this publication'} can still be "
            f"narrowed below k = {k} after {AUDIT_ROUNDS} rounds of suppression; publish a "
            "coarser period or fewer breakdowns (report: breakdowns: in eco_eval.yaml)"
        )
    merged = _log_frame([base, extra, *logs.values()])
    out = {n: f for n, f in frames.items() if not n.startswith("history:")}
    if history_until is not None:
        parts = [f for n, f in frames.items() if n.startswith("history:")]
        out["history"] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return out, merged


def raw_frames(
    tables: Tables,
    eco: Any,
    periods: Mapping[str, Period],
    *,
    by: Sequence[str] = DIMENSIONS,
    instruments: Mapping[str, Any] | None = None,
    overload_hours: float | None = None,
) -> dict[str, pd.DataFrame]:
    """The indicators of each of ``periods`` (a bilan: ``current``, ``previous``, ``year``),
    before disclosure control; ``overload_hours``: the facilitators' overload threshold."""
    return {
        name: compute_raw(
            tables, period, eco, by=by, instruments=instruments, overload_hours=overload_hours
        )
        for name, period in periods.items()
    }


def _changed_periods(before: pd.DataFrame | None, after: pd.DataFrame) -> set[str]:
    """Periods of the rows of suppression log ``after`` that ``before`` lacks (all of them when
    there was no ``before``)."""
    if before is None:
        return set(after["period"].astype(str))
    key = list(LOG_COLUMNS[:-1])
    seen = set(map(tuple, before[key].astype(str).to_numpy()))
    return {str(r[0]) for r in after[key].astype(str).to_numpy() if tuple(r) not in seen}


def _log_frame(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Suppression logs as one (columns :data:`LOG_COLUMNS`, text, duplicates dropped)."""
    keep = [f[list(LOG_COLUMNS)].astype(str) for f in parts if len(f)]
    if not keep:
        return pd.DataFrame(columns=list(LOG_COLUMNS))
    return pd.concat(keep, ignore_index=True).drop_duplicates(list(LOG_COLUMNS[:-1]))


def _audit_fixes(
    frames: Mapping[str, pd.DataFrame],
    ledger: pd.DataFrame | None,
    *,
    k: int,
    launch: date,
    publication: str | None,
    cache: dict[bytes, list] | None = None,
    take: int = 1,
) -> pd.DataFrame:
    """The cells to hide so that the audit passes: for each violation the new cells charge,
    its first ``take`` published candidates (log rows, reason ``audit``, with their
    ``frame``)."""
    audited = {n: f[f["indicator"].isin(list(AUDIT_KINDS))] for n, f in frames.items()}
    cells = audit_cells(ledger, audited, k=k, launch=launch, exclude=publication)
    rows: list[int] = []
    for v in audit(cells, AUDIT_KINDS, cache):
        if v.earlier or not v.fix:
            continue
        rows.extend(v.fix[:take])
    if not rows:
        return pd.DataFrame(columns=[*LOG_COLUMNS, "frame"])
    hit = cells.iloc[sorted(set(rows))]
    return hit[[*KEY, "frame"]].assign(reason="audit")[[*LOG_COLUMNS, "frame"]]


def publication_ledger(
    frames: Mapping[str, pd.DataFrame], publication: str, launch: date
) -> pd.DataFrame:
    """The ledger rows of a publication's frames: every cell about people it shows."""
    personal = set(_personal())
    parts = [ledger_cells(f, publication, launch, personal) for f in frames.values() if len(f)]
    if not parts:
        return ledger_cells(pd.DataFrame(columns=list(COLUMNS)), publication, launch)
    out = pd.concat(parts, ignore_index=True)
    return out.drop_duplicates(["period", "lever", "tool", "dimension", "group", "indicator"])


def _history_raw(
    tables: Tables, eco: Any, period: Period, instruments: Any, overload_hours: float | None = None
) -> dict[str, pd.DataFrame]:
    """The raw programme- and lever-level figures of every quarter from launch to ``period``."""
    first = Period(eco.launch, eco.launch, "launch").quarters[0]
    out = {}
    for q in quarter_range(first, period.last_quarter):
        qp = parse_period(q)
        live = eco.during(qp.start, qp.end)  # the tools of that quarter's generation
        out[q] = pd.concat(
            [
                implementation(tables, qp, live),
                reach(tables, qp, live, by=()),
                reaction(tables, qp, live, instruments),
                _programme_level(partage(tables, qp, live)),
                _programme_level(valorisation(tables, qp, live, overload_hours=overload_hours)),
            ],
            ignore_index=True,
        )
    return out


def history(
    tables: Tables,
    eco: Any,
    period: Period,
    k: int,
    log: pd.DataFrame | None = None,
    instruments: Any = None,
    overload_hours: float | None = None,
) -> pd.DataFrame:
    """Programme- and lever-level figures of every quarter from launch to ``period``'s end (the
    « partage » and « valorisation » figures of the whole programme only).

    ``log``: the cells hidden in the publication's own tables (and earlier ones); they stay hidden
    in the trends, or a lever's count hidden in the previous quarter's table to protect a small
    department would show in its trend line."""
    parts = [
        anonymise(raw, k=k, suppression_log=log, launch=eco.launch)
        for raw in _history_raw(tables, eco, period, instruments, overload_hours).values()
    ]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _programme_level(frame: pd.DataFrame) -> pd.DataFrame:
    """The whole programme's rows of a tidy frame (no lever, no breakdown)."""
    return frame[(frame["lever"] == "*") & (frame["dimension"] == "*")]
