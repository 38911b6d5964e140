"""The programme's own objectives in the bilan: « partage », « valorisation », the generations.

Read from the release only (the ``current`` indicators, the ``encounter_matrix`` and
``ecosystem_changes`` frames). Sentences describe what the records show — who met whom, who led
the sessions — and say nothing of causes; a hidden figure reads ``< k pers.``.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from eco_eval.bilan.sections import table
from eco_eval.bilan.unavailable import SectionUnavailable
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.report.fmt import fmt_change, fmt_date, fmt_period
from eco_eval.report.matrix import encounter_heatmap

if TYPE_CHECKING:
    from eco_eval.bilan import Bilan

#: The per-lever columns of the « partage » table.
PARTAGE_TABLE = ("mixing_department_share", "mixing_category_share", "departments_met_mean")


def _text(
    b: Bilan, indicator: str, lever: str = "*", dimension: str = "*", group: str = "*"
) -> str:
    row = b.figure(indicator, lever=lever, dimension=dimension, group=group)
    if row is None:
        return b.fmt(indicator, None)
    return b.fmt(indicator, row["value"], suppressed=bool(row["suppressed"]))


def _change(b: Bilan, indicator: str) -> str:
    row = b.figure(indicator)
    if row is None or row["suppressed"] or pd.isna(row.get("change", float("nan"))):
        return ""
    if b.catalogue.is_percent(indicator):
        change = fmt_change(row["change"], b.lang, kind="pp")
    else:
        change = fmt_change(row["change"], b.lang, kind="absolute")
    return b.t("s_change_previous", change=change)


def partage(b: Bilan) -> str:
    """Sentences on mixing between departments and categories, the bridges, and the table of
    each lever's mixing."""
    if b.figure("mixing_department_share") is None:
        raise SectionUnavailable(b.t("u_partage"), b.t("u_partage_fix"))
    parts = [
        b.t(
            "s_partage",
            share=_text(b, "mixing_department_share"),
            change=_change(b, "mixing_department_share"),
            met=_text(b, "departments_met_mean"),
        )
    ]
    if b.figure("mixing_category_share") is not None:
        parts.append(b.t("s_partage_category", share=_text(b, "mixing_category_share")))
    bridges = b.figure("bridges")
    if bridges is not None:
        people = int(load_catalogue().parameters.get("bridge_people", 5))
        parts.append(b.t("s_bridges", bridges=_text(b, "bridges"), people=people))
    parts.append(b.t("s_partage_caution"))
    body = "".join(f"<p>{escape(p)}</p>" for p in parts)
    headers = [b.labels["column.lever"], *(b.catalogue[i].name(b.lang) for i in PARTAGE_TABLE)]
    rows = [
        [lever.name(b.lang), *(_text(b, i, lever=lever.id) for i in PARTAGE_TABLE)]
        for lever in b.eco.levers
        if b.figure("mixing_department_share", lever=lever.id) is not None
    ]
    return body + table(headers, rows)


def encounter_figure(b: Bilan) -> Any:
    """The department × department heatmap (hidden cells blank), with its note."""
    matrix = b.release.frame("encounter_matrix")
    if matrix.empty or not (~matrix["suppressed"]).any():
        raise SectionUnavailable(b.t("u_matrix", k=b.k), b.t("u_matrix_fix"))
    period = fmt_period(b.period.label, b.lang)
    return encounter_heatmap(matrix, b.labels, title=b.t("matrix_title", period=period))


def encounter_note(b: Bilan) -> str:
    return f'<p class="eco-note">{escape(b.t("matrix_note", k=b.k))}</p>'


def valorisation(b: Bilan) -> str:
    """The facilitator pool, its load and concentration, the progression from participant."""
    if b.figure("facilitators") is None:
        raise SectionUnavailable(b.t("u_valorisation"), b.t("u_valorisation_fix"))
    threshold = (b.release.manifest.get("programme") or {}).get(
        "overload_hours", load_catalogue().parameters.get("overload_hours_per_quarter", 40)
    )
    threshold = f"{float(threshold):g}"
    parts = [
        b.t(
            "s_valorisation",
            n=_text(b, "facilitators"),
            since=_text(b, "facilitators_since_launch"),
            new=_text(b, "new_facilitators_share"),
        ),
        b.t(
            "s_concentration",
            top3=_text(b, "top3_share"),
            gini=_text(b, "facilitation_gini"),
        ),
        b.t(
            "s_load",
            hours=_text(b, "facilitation_hours_per_quarter"),
            threshold=threshold,
            over=_text(b, "overloaded_facilitators"),
        ),
    ]
    if b.figure("progression_rate") is not None:
        parts.append(
            b.t(
                "s_progression",
                turned=_text(b, "participants_turned_facilitators"),
                rate=_text(b, "progression_rate"),
            )
        )
    else:
        parts.append(b.t("s_progression_none"))
    body = "".join(f"<p>{escape(p)}</p>" for p in parts)
    return body + _facilitators_by(b)


def _facilitators_by(b: Bilan) -> str:
    """The facilitators by department, as the register gives them (hidden groups say so)."""
    f = b.current
    rows = f[(f["indicator"] == "facilitators") & (f["dimension"] == "department")]
    if rows.empty:
        return ""
    if rows["suppressed"].all():
        return f"<p>{escape(b.t('facilitators_by_department_hidden', k=b.k))}</p>"
    headers = [b.labels.dimension("department"), b.catalogue["facilitators"].name(b.lang)]
    body = [
        [
            b.labels.group("department", str(g)),
            b.fmt("facilitators", v, suppressed=bool(s)),
        ]
        for g, v, s in zip(rows["group"], rows["value"], rows["suppressed"], strict=True)
    ]
    return f"<h3>{escape(b.t('facilitators_by_department'))}</h3>" + table(headers, body)


def generations(b: Bilan, lever: str | None = None) -> str:
    """The dated changes of the ecosystem since launch (of one lever for a deep dive)."""
    changes = b.release.frame("ecosystem_changes")
    if not changes.empty and lever is not None:
        changes = changes[changes["lever"] == lever]
    if changes.empty:
        none = "generations_none" if lever is None else "generations_lever_none"
        return f"<p>{escape(b.t(none))}</p>"
    replaced = {(d, r) for d, r in zip(changes["date"], changes["replaces"], strict=True) if r}
    items = []
    for c in changes.itertuples(index=False):
        if c.kind == "retired" and c.what == "tool" and (c.date, c.id) in replaced:
            continue  # said by its successor's line
        when = fmt_date(str(c.date), b.lang)
        lever_name = b.eco.lever(c.lever).name(b.lang)
        key = f"gen_{c.what}_{c.kind}" + ("_replaces" if c.replaces else "")
        tool = b.labels.tool(c.id) if c.what == "tool" else ""
        old = b.labels.tool(c.replaces) if c.replaces else ""
        items.append(b.t(key, date=when, tool=tool, old=old, lever=lever_name))
    listing = "".join(f"<li>{escape(i)}</li>" for i in items)
    return f'<ul>{listing}</ul><p class="eco-note">{escape(b.t("generations_note"))}</p>'
