"""« Valorisation »: the staff who lead the sessions, their number, load and concentration.

Facilitators are the pseudonyms of the session log's ``facilitator`` cell (one per name, ``;``
between them: :func:`eco_eval.ingest.mapping.pseudonymise_list`). A facilitator is counted for
every held session that names them, for its whole duration. When the log names staff by the same
identifier as the sign-in sheets (a matricule), a facilitator's pseudonym is a person key of the
attendance register: their department and category, and whether they took part in a session
before leading one, then come from the register. Without that link those figures are absent.

Concentration: the share of facilitations led by the three busiest facilitators, and the Gini
index of the number of sessions each facilitator led (Gini, C. (1912). *Variabilità e
mutabilità*; the sorted-values form of Damgaard & Weiner (2000), *Econometrica* 68(4), p. 946):
G = 2 Σ_i i·x_(i) / (n Σ x) − (n + 1) / n, with x sorted ascending, 0 when every facilitator led
as many sessions, (n − 1)/n when one led them all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eco_eval.ecosystem import Ecosystem
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.indicators.core import (
    ALL,
    Tables,
    attendance_view,
    once_per_tables,
    row,
    scopes,
    tidy,
)
from eco_eval.periods import Period, cumulative

__all__ = ["facilitations", "gini", "guard", "top_share", "valorisation"]

#: The facilitator breakdowns taken from the attendance register (when facilitators link to it).
BREAKDOWNS = ("department", "category")


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini index of non-negative ``values`` (sorted-values form, see the module doc); NaN when
    there is no value or they sum to zero."""
    x = np.sort(np.asarray(values, dtype=float))
    n, total = len(x), float(x.sum()) if len(x) else 0.0
    if n == 0 or total <= 0:
        return float("nan")
    ranks = np.arange(1, n + 1, dtype=float)
    return float(2.0 * (ranks * x).sum() / (n * total) - (n + 1.0) / n)


def top_share(values: Sequence[float] | np.ndarray, top: int = 3) -> float:
    """Share of the total held by the ``top`` largest values (NaN for an empty total)."""
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    total = float(x.sum()) if len(x) else 0.0
    return float(x[:top].sum() / total) if total > 0 else float("nan")


def guard(firsts: pd.Series) -> int:
    """The ``n`` of a count since launch: the smaller of the count and its last non-zero
    increase between two quarters (``firsts``: each person's first date).

    A count since launch published for two periods gives their difference, the people who joined
    in between. With this ``n``, a count is shown only when the last quarter that added people
    added at least k; so between two shown counts the difference is either zero (nobody joined)
    or includes that quarter (k or more), whatever was hidden in between.
    """
    if firsts.empty:
        return 0
    quarters = pd.to_datetime(firsts).dt.to_period("Q").value_counts().sort_index()
    return int(min(len(firsts), int(quarters.iloc[-1])))


def facilitations(sessions: pd.DataFrame) -> pd.DataFrame:
    """One row per held, dated session and facilitator it names: ``session_id``, ``date``,
    ``quarter``, ``lever_id``, ``tool_id``, ``duration_h``, ``facilitator``. Sessions that name
    nobody give no row."""
    cols = ["session_id", "date", "quarter", "lever_id", "tool_id", "duration_h", "facilitator"]
    if "facilitator_key" not in sessions:
        return pd.DataFrame(columns=cols)
    held = sessions[(sessions["status"] == "held") & sessions["date"].notna()]
    held = held[held["facilitator_key"].notna()]
    # split by Arrow's kernels, not string by string: two million sessions at national size
    lists = pc.split_pattern(pa.array(held["facilitator_key"].astype("str")), ";")
    names = pc.list_flatten(lists)
    named = pc.greater(pc.utf8_length(names), 0)
    session_of = pc.filter(pc.list_parent_indices(lists), named).to_numpy()
    out = held[cols[:-1]].iloc[session_of].reset_index(drop=True)
    out["facilitator"] = pd.array(pc.filter(names, named), dtype="str")
    out["date"] = pd.to_datetime(out["date"])
    return out


def valorisation(
    tables: Tables, period: Period, eco: Ecosystem, *, overload_hours: float | None = None
) -> pd.DataFrame:
    """The « valorisation » indicators of ``period``.

    Returns tidy rows (``n`` = the facilitators a figure rests on unless said):

    * ``facilitators`` per scope (programme, lever, live tool): distinct facilitators of held
      sessions; for the programme, also by the ``department`` and ``category`` of linked
      facilitators (their latest sign-in up to the period's end);
    * ``new_facilitators_share``: share of the period's facilitators who led no held session
      before it;
    * ``facilitators_since_launch``: distinct facilitators from the launch to the period's end,
      ``n`` = :func:`guard` of their first facilitations;
    * ``top3_share``: facilitations (facilitator × session) led by the three busiest / all;
    * ``facilitation_gini``: Gini index of the sessions led per facilitator (:func:`gini`);
    * ``facilitation_hours_per_quarter``: Σ hours facilitated / facilitators / quarters of the
      period;
    * ``overloaded_facilitators``: facilitators whose hours in one quarter of the period exceed
      ``overload_hours`` (default: the catalogue's ``overload_hours_per_quarter``);
    * ``participants_turned_facilitators`` (linked facilitators only, since launch): people who
      signed in at a held session before the first session they led (``n`` = :func:`guard` of
      their first facilitations); ``progression_rate`` = that number / distinct participants
      since launch (``n``).
    """
    params = load_catalogue().parameters
    limit = float(
        overload_hours
        if overload_hours is not None
        else params.get("overload_hours_per_quarter", 40)
    )
    every = once_per_tables(tables, "facilitations", lambda: facilitations(tables.sessions))
    rows: list[dict[str, object]] = []
    if every.empty:
        return tidy(rows)
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    now = every[(every["date"] >= start) & (every["date"] <= end)]
    before = pd.Index(every.loc[every["date"] < start, "facilitator"].unique())
    for lever, tool, sub in scopes(now, eco):
        if sub.empty:
            continue
        n = sub["facilitator"].nunique()
        rows.append(row(period, lever, tool, ALL, ALL, "facilitators", n, n))
    if not now.empty:
        rows += _load(period, now, before, limit)
    since = cumulative(period, eco.launch)
    upto = every[(every["date"] >= pd.Timestamp(since.start)) & (every["date"] <= end)]
    first_led = upto.groupby("facilitator")["date"].min()
    n_since = len(first_led)
    rows.append(
        row(period, ALL, ALL, ALL, ALL, "facilitators_since_launch", n_since, guard(first_led))
    )
    rows += _linked(tables, period, since, now, upto)
    return tidy(rows)


def _load(
    period: Period, now: pd.DataFrame, before: pd.Index, limit: float
) -> list[dict[str, object]]:
    """New facilitators, concentration and load of the period's facilitations."""
    led = now.groupby("facilitator")["session_id"].nunique()
    n = len(led)
    new = int((~led.index.isin(before)).sum())
    hours_q = now.groupby(["facilitator", "quarter"])["duration_h"].sum()
    over = int((hours_q > limit).groupby(level=0).any().sum())
    n_quarters = max(len(period.quarters), 1)
    mean_h = float(now["duration_h"].sum()) / n / n_quarters
    return [
        row(period, ALL, ALL, ALL, ALL, "new_facilitators_share", new / n, n),
        row(period, ALL, ALL, ALL, ALL, "top3_share", top_share(led.to_numpy()), n),
        row(period, ALL, ALL, ALL, ALL, "facilitation_gini", gini(led.to_numpy()), n),
        row(period, ALL, ALL, ALL, ALL, "facilitation_hours_per_quarter", mean_h, n),
        row(period, ALL, ALL, ALL, ALL, "overloaded_facilitators", over, n),
    ]


def _linked(
    tables: Tables, period: Period, since: Period, now: pd.DataFrame, upto: pd.DataFrame
) -> list[dict[str, object]]:
    """The figures that need facilitators linked to the attendance register (none otherwise).

    Read from the sign-ins at held sessions since launch as codes (:func:`attendance_view`): the
    facilitators' own sign-ins are a few rows among millions at national size."""
    facilitators = pd.Index(upto["facilitator"].unique())
    if not tables.attendance["person_key"].isin(facilitators).any():
        return []
    view = attendance_view(tables, since)
    codes, people = view.dim("person_key")
    participants = int(np.count_nonzero(np.bincount(codes[codes >= 0]))) if len(codes) else 0
    led = people.get_indexer(facilitators)
    mine = np.flatnonzero(np.isin(codes, led[led >= 0]))
    signed = pd.DataFrame(
        {
            "person_key": people.take(codes[mine]),
            "date": pd.to_datetime(view.session_values("date")[mine]),
        }
    )
    for dim in BREAKDOWNS:
        if dim in view.columns:
            dim_codes, values = view.dim(dim)
            known = dim_codes[mine] >= 0  # a column may be there with no value at all
            taken = np.full(len(mine), None, dtype=object)
            taken[known] = values.take(dim_codes[mine][known]).to_numpy(dtype=object)
            signed[dim] = taken
    rows: list[dict[str, object]] = []
    latest = signed.sort_values("date", kind="stable").drop_duplicates("person_key", keep="last")
    latest = latest.set_index("person_key")
    leaders = pd.Index(now["facilitator"].unique())
    for dim in BREAKDOWNS:
        if dim not in latest or latest[dim].isna().all():
            continue
        groups = latest[dim].astype(object).reindex(leaders).dropna()
        for group, count in groups.value_counts().sort_index().items():
            rows.append(row(period, ALL, ALL, dim, str(group), "facilitators", count, count))
    first_led = upto.groupby("facilitator")["date"].min()
    first_seen = signed.groupby("person_key")["date"].min()
    both = first_led.index.intersection(first_seen.index)
    turned = first_led[both][(first_seen[both] < first_led[both]).to_numpy()]
    turned_row = "participants_turned_facilitators"
    rows.append(row(period, ALL, ALL, ALL, ALL, turned_row, len(turned), guard(turned)))
    if participants:
        rate = len(turned) / participants
        rows.append(row(period, ALL, ALL, ALL, ALL, "progression_rate", rate, participants))
    return rows
