"""Section builders of the bilan: a :class:`~eco_eval.bilan.Bilan` in, HTML (or a figure) out.

Every string that comes from data (department names, comments, file names, reasons) goes through
``html.escape``; numbers go through :mod:`eco_eval.report.fmt`, so French readers get ``1 234,5``
and ``12,3 %``; a hidden figure reads ``< 5 pers.``, never 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eco_eval import __version__
from eco_eval.bilan.unavailable import no_breakdown, notes, unavailable
from eco_eval.bilan.wellbeing import (
    adjustment_note,
    lever_climate,
    lever_climate_text,
    lever_impact_text,
    section,
    weights_methods,
)
from eco_eval.bilan.wording import no_activity, verdict_word
from eco_eval.errors import ConfigError
from eco_eval.report import figures
from eco_eval.report.cells import is_figure
from eco_eval.report.cells import text_table as table
from eco_eval.report.fmt import fmt_change, fmt_date, fmt_interval, fmt_period, fmt_value
from eco_eval.report.quality import latest_log, reason_text, summary_by_source
from eco_eval.report.typography import AS_WRITTEN
from eco_eval.user_yaml import load_user_yaml, read_user_text

if TYPE_CHECKING:
    from eco_eval.bilan import Bilan


def idle_levers(b: Bilan) -> set[str]:
    """Levers without a held session in the period: their people counts are true zeros (no
    session, so nobody took part), shown as 0, not as hidden."""
    f = b.current
    sel = f[(f["indicator"] == "sessions_held") & (f["dimension"] == "*") & (f["lever"] != "*")]
    return {str(lv) for lv, v in zip(sel["lever"], sel["value"], strict=True) if v == 0}


#: People figures that are 0 for a lever without a session.
_ZERO_WHEN_IDLE = ("unique_participants", "reach_rate", "participations")


def _lever_value(b: Bilan, lever_id: str, indicator: str, idle: set[str]) -> tuple[str, Any]:
    """A lever's figure written, and its value for sorting (None when hidden or missing): 0 for
    the people figures of a lever without a session."""
    if lever_id in idle and indicator in _ZERO_WHEN_IDLE:
        return b.fmt(indicator, 0), 0
    r = b.figure(indicator, lever=lever_id)
    shown = None if r is None or bool(r["suppressed"]) else r["value"]
    return _value(b, r, indicator), shown


def _value(b: Bilan, row: pd.Series | None, indicator: str) -> str:
    if row is None:
        return b.fmt(indicator, None)
    return b.fmt(indicator, row["value"], suppressed=bool(row["suppressed"]))


def _interval(b: Bilan, row: pd.Series | None, indicator: str) -> str:
    if row is None or row["suppressed"] or pd.isna(row["ci_low"]):
        return "–"
    pct = indicator in {"satisfaction_top2"}
    return fmt_interval(
        row["ci_low"],
        row["ci_high"],
        b.lang,
        digits=0 if pct or indicator == "recommendation_score" else 1,
        percent=pct,
    )


def _change(b: Bilan, row: pd.Series | None, indicator: str) -> str:
    if row is None or row["suppressed"] or pd.isna(row.get("change", np.nan)):
        return "–"
    if b.catalogue.is_percent(indicator):
        return fmt_change(row["change"], b.lang, kind="pp")
    return fmt_change(
        row["change"], b.lang, kind="absolute", digits=0 if float(row["change"]).is_integer() else 1
    )


def cover(b: Bilan) -> str:
    period = fmt_period(b.period.label, b.lang)
    if b.compare_to is None:
        compared = b.t("cover_period_alone", period=period, note=b.t("no_comparison"))
    elif b.year_before is None:
        compare = fmt_period(b.compare_to.label, b.lang)
        compared = b.t("cover_period_previous", period=period, compare=compare)
    else:
        compared = b.t(
            "cover_period",
            period=period,
            compare=fmt_period(b.compare_to.label, b.lang),
            year_before=fmt_period(b.year_before.label, b.lang),
        )
    return (
        '<header class="eco-cover">'
        f'<p class="eco-org">{escape(b.organisation)}</p>'
        f"<h1>{escape(b.t('cover_title'))} — {escape(period)}</h1>"
        f"<p>{escape(compared)}</p>"
        f'<p class="eco-muted">{escape(b.t("cover_generated", date=fmt_date(b.today, b.lang), version=__version__))}</p>'
        "</header>"
    )


def key_figures(b: Bilan) -> str:
    rows = []
    for ind in b.catalogue.key_figures:
        r = b.figure(ind)
        prev = b.fmt(ind, r["previous"]) if r is not None and not r["suppressed"] else "–"
        year = b.fmt(ind, r["year_before"]) if r is not None and not r["suppressed"] else "–"
        n = (
            "–"
            if r is None or r["suppressed"] or pd.isna(r["n"])
            else b.fmt("unique_participants", r["n"])
        )
        rows.append(
            [
                b.catalogue[ind].name(b.lang),
                _value(b, r, ind),
                _interval(b, r, ind),
                n,
                prev,
                _change(b, r, ind),
                year,
            ]
        )
    headers = [
        b.t(c)
        for c in (
            "col_figure",
            "col_value",
            "col_interval",
            "col_n",
            "col_previous",
            "col_change",
            "col_year_before",
        )
    ]
    return table(headers, rows, cls="eco-table eco-key-figures") + comparison_notes(b)


def comparison_notes(b: Bilan) -> str:
    """One note per comparison column left empty because its period precedes the launch."""
    absent = [
        b.t(col)
        for col, period in (("col_previous", b.compare_to), ("col_year_before", b.year_before))
        if period is None
    ]
    launch = fmt_date(b.eco.launch, b.lang)
    return "".join(
        f'<p class="eco-note">{escape(b.t("no_comparison_col", column=c, launch=launch))}</p>'
        for c in absent
    )


def _yoy(b: Bilan, row: pd.Series, indicator: str, column: str) -> str:
    """The change of ``row`` since its ``column`` (``previous`` or ``year_before``), with the
    precision of the figures shown, in points for a rate."""
    before = row.get(column)
    if before is None or pd.isna(before) or pd.isna(row["value"]):
        return "–"
    diff = float(row["value"]) - float(before)
    if b.catalogue.is_percent(indicator):
        return fmt_change(diff, b.lang, kind="pp")
    return fmt_change(diff, b.lang, kind="absolute", digits=b.catalogue.digits(indicator))


def fading_name(b: Bilan, tool: Any, lever: Any) -> str:
    """The name of a declining tool, or of its lever when the lever's row covers several tools
    (a generation changed within the year compared)."""
    return b.labels.lever(str(lever)) if str(tool) == "*" else b.labels.tool(str(tool))


def summary_sentences(b: Bilan) -> list[str]:
    """Plain sentences generated from the numbers (no causal wording: reaction and activity only)."""
    out = []
    held, hours = b.figure("sessions_held"), b.figure("facilitator_hours")
    if held is not None:
        key = "s_sessions" if b.compare_to is not None else "s_sessions_alone"
        if b.year_before is not None and pd.notna(held.get("year_before")):
            key = "s_sessions_year"
        out.append(
            b.t(
                key,
                sessions=b.fmt("sessions_held", held["value"]),
                change=_yoy(b, held, "sessions_held", "previous"),
                year=_yoy(b, held, "sessions_held", "year_before"),
                year_value=b.fmt("sessions_held", held.get("year_before")),
                hours=b.fmt("facilitator_hours", hours["value"] if hours is not None else None),
            )
        )
    people, rate, cumul = (
        b.figure("unique_participants"),
        b.figure("reach_rate"),
        b.figure("cumulative_reach_rate"),
    )
    if people is not None and people["suppressed"]:
        out.append(b.t("s_reach_suppressed", k=b.k))
    elif people is not None:
        out.append(
            b.t(
                "s_reach",
                people=_value(b, people, "unique_participants"),
                rate=_value(b, rate, "reach_rate"),
                cumul=_value(b, cumul, "cumulative_reach_rate"),
            )
        )
        if rate is not None and not rate["suppressed"] and pd.notna(rate.get("year_before")):
            out.append(
                b.t(
                    "s_reach_year",
                    year=_yoy(b, rate, "reach_rate", "year_before"),
                    year_value=b.fmt("reach_rate", rate["year_before"]),
                )
            )
    absence = b.figure("absence_rate")
    if absence is not None and not absence["suppressed"] and pd.notna(absence["value"]):
        out.append(
            b.t(
                "s_absence",
                value=_value(b, absence, "absence_rate"),
                year=_yoy(b, absence, "absence_rate", "year_before"),
                change=_yoy(b, absence, "absence_rate", "previous"),
            )
        )
    sat = b.figure("satisfaction_mean")
    if sat is not None and not sat["suppressed"]:
        out.append(
            b.t(
                "s_satisfaction",
                mean=_value(b, sat, "satisfaction_mean"),
                ci=_interval(b, sat, "satisfaction_mean"),
                n=b.fmt("unique_participants", sat["n"]),
            )
        )
    days, fte = b.figure("staff_time_days"), b.figure("staff_time_fte")
    if days is not None:
        out.append(
            b.t(
                "s_cost",
                days=_value(b, days, "staff_time_days"),
                fte=_value(b, fte, "staff_time_fte"),
            )
        )
    idle = list(b.release.manifest.get("idle_levers", []))
    total = len(b.eco.levers)
    if idle:
        out.append(
            b.t(
                "s_levers",
                active=total - len(idle),
                total=total,
                idle=", ".join(b.labels.lever(x) for x in idle),
            )
        )
    else:
        out.append(b.t("s_levers_all", total=total))
    bal = b.figure("lever_balance")
    if bal is not None:
        out.append(
            b.t(
                "s_balance",
                balance=_value(b, bal, "lever_balance"),
                year_value=b.fmt("lever_balance", bal.get("year_before")),
            )
        )
    fading = b.current[(b.current["indicator"] == "fading_out") & (b.current["value"] == 1)]
    if len(fading):
        tools = []
        for tool, lever in zip(fading["tool"], fading["lever"], strict=True):
            r = b.figure("sessions_held", lever=str(lever))
            tools.append(
                b.t(
                    "s_fading_tool",
                    tool=fading_name(b, tool, lever),
                    now=b.fmt("sessions_held", None if r is None else r["value"]),
                    before=b.fmt("sessions_held", None if r is None else r["year_before"]),
                )
            )
        out.append(b.t("s_fading", tools=", ".join(tools)))

    out += notes(b, ("attendance", "headcount", "feedback"))  # what the figures above lack
    out.append(b.t("s_caution"))
    return out


def summary(b: Bilan) -> str:
    return (
        '<ul class="eco-summary">'
        + "".join(f"<li>{escape(s)}</li>" for s in summary_sentences(b))
        + "</ul>"
    )


def _lever_frame(b: Bilan, indicator: str) -> pd.DataFrame:
    f = b.current
    return f[(f["indicator"] == indicator) & (f["dimension"] == "*") & (f["lever"] != "*")]


def wheel(b: Bilan) -> Any:
    """The levers side by side: their sessions and, with a barometer, their climate score."""
    data = b.current[(b.current["dimension"] == "*") & (b.current["lever"] != "*")]
    climate = lever_climate(b)
    idle = b.t("lt_no_session")
    if climate.empty:
        return figures.lever_bars(
            data, "sessions_held", b.labels, k=b.k, title=b.t("wheel_title"), missing=idle
        )
    return figures.lever_bars(
        pd.concat([data, climate.drop(columns="change")], ignore_index=True),
        "sessions_held",
        section(b).labels,
        k=b.k,
        title=b.t("wheel_title_climate"),
        climate_indicator="climate_mean",
        missing=idle,
    )


def lever_header(b: Bilan, lever_id: str) -> str:
    lever = b.eco.lever(lever_id)
    tools = ", ".join(b.labels.tool(t.id) for t in b.eco.tools_of(lever_id))
    title = escape(b.t("lever_title", lever=lever.name(b.lang), tool=tools))
    sub = cover(b).replace("<h1>", '<p class="eco-sub">').replace("</h1>", "</p>")
    return back_links(b) + f"<h1>{title}</h1>" + sub


def lever_cards(b: Bilan, only: str | None = None) -> str:
    cards = []
    idle = idle_levers(b)
    for lever in b.eco.levers:
        if only is not None and lever.id != only:
            continue
        rows = []
        tools = b.eco.tools_of(lever.id)
        tool_names = ", ".join(b.labels.tool(t.id) for t in tools)
        rows.append([b.t("card_tool"), tool_names])
        for key, ind in (
            ("card_sessions", "sessions_held"),
            ("card_people", "unique_participants"),
            ("card_reach", "reach_rate"),
            ("card_satisfaction", "satisfaction_mean"),
            ("card_recommend", "recommendation_score"),
        ):
            r = b.figure(ind, lever=lever.id)
            val = _lever_value(b, lever.id, ind, idle)[0]
            ci = _interval(b, r, ind)
            rows.append([b.t(key), val + (f" {ci}" if ci != "–" else "")])
        rows.append([b.t("card_climate"), lever_climate_text(b, lever.id)])
        idle_now = lever.id in idle
        effect = no_activity(section(b).t) if idle_now else lever_impact_text(b, lever.id)
        rows.append([b.t("card_impact"), effect or b.t("card_pending")])
        body = "".join(
            f'<tr><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>' for k, v in rows
        )
        link = ""
        if b.lever_pages and only is None:
            href = escape(f"{b.lever_pages.rstrip('/')}/{lever.id}.html")
            link = (
                f'<p class="eco-card-link"><a href="{href}">{escape(b.t("card_deep_dive"))}</a></p>'
            )
        cards.append(
            f'<section class="eco-card" id="levier-{escape(lever.id)}"><h3>{escape(lever.name(b.lang).capitalize())}</h3><table class="eco-table eco-card-table">{body}</table>{link}</section>'
        )
    return '<div class="eco-cards">' + "".join(cards) + "</div>"


#: Sorts a table.eco-sortable by the column whose header is clicked (numbers by their data-v).
SORT_SCRIPT = (
    "<script>document.querySelectorAll('table.eco-sortable').forEach(function(t){"
    "t.querySelectorAll('th').forEach(function(h,i){h.tabIndex=0;h.addEventListener('click',function(){"
    "var b=t.tBodies[0],r=Array.from(b.rows),d=h.dataset.dir==='asc'?-1:1;h.dataset.dir=d>0?'asc':'desc';"
    "r.sort(function(x,y){var a=x.cells[i],c=y.cells[i],p=parseFloat(a.dataset.v),q=parseFloat(c.dataset.v);"
    "if(!isNaN(p)||!isNaN(q)){return d*((isNaN(p)?-1e9:p)-(isNaN(q)?-1e9:q));}"
    "return d*a.textContent.localeCompare(c.textContent);});r.forEach(function(x){b.appendChild(x);});});});});"
    "</script>"
)


def _sortable_cell(text: str, value: Any = None) -> str:
    key = "" if value is None or pd.isna(value) else f' data-v="{float(value):.6g}"'
    cls = ' class="num"' if is_figure(text) else ""
    return f"<td{cls}{key}>{escape(text)}</td>"


def lever_table(b: Bilan) -> str:
    """The twelve levers side by side: sessions (and their change over a year), participants and
    reach, satisfaction, recommendation score, perceived climate and its change, and the effect on
    the climate with its verdict (:mod:`eco_eval.bilan.wording`); each lever links to its deep
    dive. Sortable on screen by any column; the notes below say what the columns mean."""
    s = section(b)
    climate = lever_climate(b)
    effects = s.headline("climate")
    idle = idle_levers(b)
    rows, covered = [], None
    for lever in b.eco.levers:
        cells = []
        name = lever.name(b.lang).capitalize()
        if b.lever_pages:
            href = escape(f"{b.lever_pages.rstrip('/')}/{lever.id}.html")
            cells.append(f'<th scope="row"><a href="{href}">{escape(name)}</a></th>')
        else:
            cells.append(f'<th scope="row">{escape(name)}</th>')
        held = b.figure("sessions_held", lever=lever.id)
        text = _value(b, held, "sessions_held")
        if held is not None and pd.notna(held["year_before"]):
            diff = float(held["value"]) - float(held["year_before"])
            text += f" ({fmt_change(diff, b.lang, kind='absolute', digits=0)})"
        cells.append(_sortable_cell(text, None if held is None else held["value"]))
        for ind in (
            "unique_participants",
            "reach_rate",
            "satisfaction_mean",
            "recommendation_score",
        ):
            cells.append(_sortable_cell(*_lever_value(b, lever.id, ind, idle)))
        c = climate[climate["lever"] == lever.id] if len(climate) else climate
        if len(c) and not bool(c.iloc[0]["suppressed"]):
            text = s.num(c.iloc[0]["value"], 2)
            if pd.notna(c.iloc[0]["change"]):
                text += f" ({fmt_change(c.iloc[0]['change'], b.lang, kind='absolute', digits=2)})"
            cells.append(_sortable_cell(text, c.iloc[0]["value"]))
        else:
            cells.append(_sortable_cell("–"))
        e = effects[effects["lever"] == lever.id] if len(effects) else effects
        if lever.id in idle:
            cells.append(f"<td>{escape(b.t('lt_no_session'))}</td>")
        elif len(e) and not bool(e.iloc[0]["suppressed"]) and pd.notna(e.iloc[0]["estimate"]):
            r = e.iloc[0]
            covered = r
            estimate = fmt_change(r["estimate"], b.lang, kind="absolute", digits=2)
            cells.append(
                f'<td data-v="{float(r["estimate"]):.6g}"><span class="nowrap">{escape(estimate)}</span> '
                f"{escape(verdict_word(s.t, r))}</td>"
            )
        else:
            cells.append(_sortable_cell("–"))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    headers = "".join(
        f'<th scope="col">{escape(b.t(c))}</th>'
        for c in (
            "lt_lever", "lt_sessions", "lt_people", "lt_reach", "lt_satisfaction",
            "lt_recommend", "lt_climate", "lt_effect",
        )
    )  # fmt: skip
    notes = [b.t("lt_note_sessions"), b.t("lt_note_recommend")]
    if covered is not None:
        notes.append(
            b.t("lt_note_effect", level=int(covered["sms_level"]), period=s.covers(covered))
        )
    return (
        f'<table class="eco-table eco-levers eco-sortable"><thead><tr>{headers}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        + "".join(f'<p class="eco-note">{escape(n)}</p>' for n in notes)
        + SORT_SCRIPT
    )


def lever_effects(b: Bilan, lever_id: str) -> str:
    """The lever's estimated effects on each outcome of the barometer (its climate, mental
    well-being), one sentence each from the wording policy; « aucune séance » when the lever had
    no session in the period."""
    s = section(b)
    if lever_id in idle_levers(b):
        return f"<p>{escape(no_activity(s.t))}</p>"
    items = []
    for outcome in ("climate", "swemwbs"):
        rows = s.headline(outcome)
        sel = rows[rows["lever"] == lever_id] if len(rows) else rows
        if len(sel):
            items.append(f"<li>{escape(s.sentence(sel.iloc[0]))}</li>")
    if not items:
        return ""
    return f'<h3>{escape(b.t("lever_effects_title"))}</h3><ul class="eco-readings">{"".join(items)}</ul>'


def _quoted(b: Bilan, text: object) -> str:
    """Text as its author wrote it (a comment, masked at ingestion; a theme), escaped, between
    the language's quotation marks (« » in French, “ ” in English)."""
    left, right = ("« ", " »") if b.lang == "fr" else ("“", "”")
    return f"{left}{AS_WRITTEN}{escape(str(text))}</span>{right}"


def theme_items(
    b: Bilan, lever_id: str, *, top: int | None = None, per_theme: int = 2
) -> list[str]:
    """The lever's themes as list items: the theme, how many comments use it and up to
    ``per_theme`` of them quoted (:func:`eco_eval.privacy.text.theme_quotes`); its ``top`` most
    frequent themes (all when None). Empty when the lever has no theme to show."""
    themes = b.release.frame("comment_themes")
    if "lever" not in themes.columns:
        return []
    visible = themes["term"].notna() & ~themes["suppressed"].astype(bool)
    mine = themes[(themes["lever"] == lever_id) & visible]
    quotes = b.release.frame("theme_quotes")
    if "lever" in quotes.columns:
        quotes = quotes[quotes["lever"] == lever_id]
    items = []
    for term, count in list(zip(mine["term"], mine["count"], strict=True))[:top]:
        said = list(quotes.loc[quotes["term"] == term, "quote"])[:per_theme] if len(quotes) else []
        shown = "".join(f"<li>{_quoted(b, q)}</li>" for q in said)
        items.append(
            f'<li><span class="eco-theme">{_quoted(b, term)}</span> — '
            f"{escape(b.t('comments_n', n=int(count)))}"
            + (f'<ul class="eco-verbatims">{shown}</ul>' if shown else "")
            + "</li>"
        )
    return items


def _lever_quotes(b: Bilan, lever_id: str) -> list[str]:
    """The comments drawn for the lever as a whole (:func:`eco_eval.release.feedback.verbatims`)."""
    quotes = b.release.frame("verbatims")
    return [
        str(q)
        for lv, q in zip(quotes.get("lever", []), quotes.get("quote", []), strict=True)
        if lv == lever_id
    ]


def lever_feedback(b: Bilan, lever_id: str) -> str:
    """The lever's comment themes, each with its count and one or two comments that use it, or
    why there is none (fewer than ``k_comments`` comments; no theme shared by enough of them,
    then the comments drawn for the lever)."""
    facts = b.release.manifest.get("feedback") or {}
    k_comments = int(facts.get("k_comments", 10))
    themes = b.release.frame("comment_themes")
    mine = themes[themes["lever"] == lever_id] if "lever" in themes.columns else themes.iloc[0:0]
    out = f"<h3>{escape(b.t('comments_title'))}</h3>"
    if mine.empty or bool(mine["suppressed"].all()):
        return out + f"<p>{escape(b.t('comments_too_few', k=k_comments))}</p>"
    items = theme_items(b, lever_id)
    if items:
        return out + f'<ul class="eco-themes">{"".join(items)}</ul>'
    out += f"<p>{escape(b.t('comments_no_theme'))}</p>"
    said = _lever_quotes(b, lever_id)
    if said:
        out += (
            f'<ul class="eco-verbatims">{"".join(f"<li>{_quoted(b, q)}</li>" for q in said)}</ul>'
        )
    return out


def lever_actions(b: Bilan, lever_id: str) -> str:
    """The directorate's actions on the lever, with their status ("" when there is none)."""
    mine = [a for a in action_statuses(b) or [] if a.lever == lever_id]
    if not mine:
        return ""
    items = "".join(
        f"<li>{escape(a.action)} — {escape(b.t(a.status))}"
        + (f" ({escape(fmt_date(a.due, b.lang))})" if a.due else "")
        + "</li>"
        for a in mine
    )
    return f"<h3>{escape(b.t('h_actions'))}</h3><ul>{items}</ul>"


def reach_by(b: Bilan, dimension: str, lever: str = "*") -> str:
    """Participants, reach and participation ratio per group of ``dimension`` ("" when the
    bilan does not show that breakdown: not configured, or absent from the data)."""
    if dimension not in b.breakdowns:
        return ""
    if lever != "*" and lever in idle_levers(b):
        dim_label = b.labels[f"dimension.{dimension}"]
        title = escape(b.t("reach_title", dimension=dim_label))
        return f"<h3>{title}</h3><p>{escape(b.t('lt_no_session').capitalize())}.</p>"
    f = b.current
    sel = f[(f["lever"] == lever) & (f["dimension"] == dimension)]
    groups = sorted((g for g in sel["group"].unique() if g != "*"), key=str)
    shown = ("unique_participants", "reach_rate", "participation_ratio")
    # each (group, indicator)'s first row, indexed once rather than filtered for every cell
    first = (
        sel[sel["indicator"].isin(shown)]
        .drop_duplicates(["group", "indicator"])
        .set_index(["group", "indicator"])
    )
    rows = []
    for g in groups:
        cells = []
        for ind in shown:
            r = first.loc[(g, ind)] if (g, ind) in first.index else None
            cells.append(
                _value(b, r, ind)
                if ind != "participation_ratio"
                else (
                    fmt_value(r["value"], b.lang, digits=2, suppressed=bool(r["suppressed"]), k=b.k)
                    if r is not None
                    else "–"
                )
            )
        rows.append([str(g), *cells])
    dim_label = b.labels[f"dimension.{dimension}"]
    d = sel[(sel["indicator"] == "dissimilarity_index") & (sel["group"] == "*")]
    note = ""
    if len(d):
        note = f'<p class="eco-note">{escape(b.t("repr_note", value=_value(b, d.iloc[0], "dissimilarity_index")))}</p>'
    headers = [
        dim_label.capitalize(),
        b.catalogue["unique_participants"].name(b.lang),
        b.catalogue["reach_rate"].name(b.lang),
        b.catalogue["participation_ratio"].name(b.lang),
    ]
    return (
        f"<h3>{escape(b.t('reach_title', dimension=dim_label))}</h3>" + table(headers, rows) + note
    )


def reach_breakdowns(b: Bilan) -> str:
    """:func:`reach_by` for each breakdown shown but the department (which has its own table)."""
    return "".join(reach_by(b, d) for d in b.breakdowns if d != "department")


def breakdowns_note(b: Bilan) -> str:
    """The breakdowns asked for that the data lacks, one sentence per reason: which tables they
    are missing from and the fix ("" when there is none)."""
    why: dict[tuple[str, ...], list[str]] = {}
    for dim, tables in b.missing_breakdowns.items():
        why.setdefault(tuple(tables), []).append(dim)
    return "".join(unavailable(b, no_breakdown(b, dims, list(t))) for t, dims in why.items())


def reach_heatmap(b: Bilan, dimension: str | None = None) -> Any:
    """Reach per lever and group of ``dimension`` (default the first breakdown shown after the
    department, else the department); None when the bilan shows no such breakdown."""
    if dimension is None:
        others = [d for d in b.breakdowns if d != "department"] or list(b.breakdowns)
        dimension = others[0] if others else None
    if dimension is None or dimension not in b.breakdowns:
        return None
    data = b.current[
        (b.current["dimension"] == dimension) & (b.current["indicator"] == "reach_rate")
    ].copy()
    idle = data["lever"].isin(idle_levers(b))  # no session: 0 %, a true zero, not hidden
    data.loc[idle, ["value", "suppressed"]] = [0.0, False]
    return figures.group_heatmap(
        data[
            [
                "period",
                "lever",
                "tool",
                "dimension",
                "group",
                "indicator",
                "value",
                "n",
                "ci_low",
                "ci_high",
                "suppressed",
            ]
        ],
        "reach_rate",
        dimension,
        b.labels,
        columns="lever",
        k=b.k,
    )


def trend(b: Bilan, indicator: str = "sessions_held", lever: str = "*") -> Any:
    """``indicator`` across the quarters since launch, for the programme or ``lever``; a lever's
    people figures in a quarter without its sessions are true zeros (0), not hidden."""
    h = b.history
    data = h[(h["indicator"] == indicator) & (h["dimension"] == "*")].copy()
    if indicator in _ZERO_WHEN_IDLE:
        held = h[(h["indicator"] == "sessions_held") & (h["dimension"] == "*")]
        none = {
            (p, lv)
            for p, lv, v in zip(held["period"], held["lever"], held["value"], strict=True)
            if v == 0
        }
        zero = [(p, lv) in none for p, lv in zip(data["period"], data["lever"], strict=True)]
        data.loc[zero, ["value", "suppressed"]] = [0.0, False]
    return figures.trend(data, indicator, b.labels, by="overall", lever=lever, k=b.k)


def cost(b: Bilan) -> str:
    inds = ("facilitator_hours", "participant_hours", "staff_time_days", "staff_time_fte")
    rows = [["*"] + [_value(b, b.figure(i), i) for i in inds]]
    rows[0][0] = b.labels.lever("*")
    for lever in b.eco.levers:
        rows.append(
            [lever.name(b.lang)] + [_value(b, b.figure(i, lever=lever.id), i) for i in inds]
        )
    headers = [b.labels["column.lever"]] + [b.catalogue[i].name(b.lang) for i in inds]
    return table(headers, rows)


def comment_themes(b: Bilan) -> str:
    facts = b.release.manifest.get("feedback") or {}
    k_comments, n = int(facts.get("k_comments", 10)), int(facts.get("comments", 0))
    if n < k_comments:
        return f"<p>{escape(b.t('comments_none', k=k_comments))}</p>"
    return _render_themes(b, b.release.frame("comment_themes"), n, k_comments)


def verbatims(b: Bilan) -> str:
    """In participants' words: for each lever with at least ``k_comments`` comments, its two
    most frequent themes, each with its count and one comment that uses it, or, when no theme is
    shared by enough comments, the comments drawn for the lever. Comments are quoted as written
    (masked at ingestion), always escaped."""
    facts = b.release.manifest.get("feedback") or {}
    k_comments = int(facts.get("k_comments", 10))
    items = []
    for lever in b.eco.levers:
        lines = theme_items(b, lever.id, top=2, per_theme=1) or [
            f"<li>{_quoted(b, q)}</li>" for q in _lever_quotes(b, lever.id)
        ]
        if lines:
            items.append(
                f'<li><span class="eco-muted">{escape(lever.name(b.lang))}</span>'
                f'<ul class="eco-themes">{"".join(lines)}</ul></li>'
            )
    if not items:
        return ""
    return f'<h3>{escape(b.t("verbatims_title"))}</h3><p class="eco-note">{escape(b.t("verbatims_note", k=k_comments))}</p><ul class="eco-verbatims-by-lever">{"".join(items)}</ul>'


def _render_themes(b: Bilan, result: Any, n: int, k_comments: int) -> str:
    frame = result if isinstance(result, pd.DataFrame) else getattr(result, "frame", pd.DataFrame())
    if frame.empty:
        return f"<p>{escape(b.t('comments_none', k=k_comments))}</p>"
    rows = []
    group_col = "lever" if "lever" in frame.columns else frame.columns[0]
    term_col = next((c for c in ("term", "theme", "ngram") if c in frame.columns), frame.columns[1])
    count_col = next(
        (c for c in ("count", "n", "frequency") if c in frame.columns), frame.columns[-1]
    )
    for g, part in frame.groupby(group_col, sort=False):
        if "suppressed" in part.columns and part["suppressed"].all():
            rows.append([b.labels.lever(str(g)), escape(b.t("comments_too_few", k=k_comments))])
            continue
        if part[term_col].isna().all():
            rows.append([b.labels.lever(str(g)), escape(b.t("comments_no_theme"))])
            continue
        terms = ", ".join(  # the comments' own words, shown as written
            f"{AS_WRITTEN}{escape(str(t))}</span> ({int(c)})"
            for t, c in zip(part[term_col], part[count_col], strict=False)
            if pd.notna(c)
        )
        rows.append([b.labels.lever(str(g)), terms])
    return f"<p>{escape(b.t('comments_count', n=n))}</p>" + table(
        [b.labels["column.lever"], b.t("comments_title")], rows, raw_cols=(1,)
    )


def data_quality(b: Bilan) -> str:
    """Read, accepted, quarantined and why: by source, then by file (reasons in words)."""

    log = b.quality.get("log", pd.DataFrame())
    if log.empty:
        return ""
    latest = latest_log(log)
    totals = latest[["rows_read", "rows_accepted", "rows_quarantined", "duplicates"]].sum()
    n = lambda v: b.fmt("participations", v)  # noqa: E731 - integers with thousands separators
    intro = b.t(
        "dq_intro",
        files=len(latest),
        read=n(totals["rows_read"]),
        accepted=n(totals["rows_accepted"]),
        quarantined=n(totals["rows_quarantined"]),
        duplicates=n(totals["duplicates"]),
    )
    summary = summary_by_source(
        log, b.quality.get("quarantine", pd.DataFrame(columns=["table_name", "reasons"])), b.labels
    )
    by_source = table(
        [
            b.t(c)
            for c in (
                "dq_source",
                "dq_file",
                "dq_read",
                "dq_accepted",
                "dq_quarantined",
                "dq_reasons",
            )
        ],
        [
            [r.source, r.files, n(r.read), n(r.accepted), n(r.quarantined), r.top_reasons or "–"]
            for r in summary.itertuples()
        ],
    )
    rows = []
    for _, r in latest.sort_values(["table_name", "source_file"]).iterrows():
        detail = json.loads(r["detail"] or "{}")
        reasons = ", ".join(
            f"{reason_text(k, b.labels)} ({v})"
            for k, v in list((detail.get("top_reasons") or {}).items())[:3]
        )
        rows.append(
            [
                str(r["source_file"]).removeprefix("data/raw/"),
                n(r["rows_read"]),
                n(r["rows_accepted"]),
                n(r["rows_quarantined"]),
                reasons or "–",
            ]
        )
    by_file = table(
        [b.t(c) for c in ("dq_file", "dq_read", "dq_accepted", "dq_quarantined", "dq_reasons")],
        rows,
    )
    return f"<p>{escape(intro)}</p><h3>{escape(b.t('dq_by_source'))}</h3>{by_source}<h3>{escape(b.t('dq_file'))}</h3>{by_file}"


def glossary(b: Bilan) -> str:
    """The technical terms of the bilan, each with one plain sentence (labels ``glt_*``, ``gld_*``
    in their order)."""
    keys = [k.removeprefix("bilan.glt_") for k in b.labels if k.startswith("bilan.glt_")]
    items = "".join(
        f"<dt>{escape(b.t('glt_' + k))}</dt><dd>{escape(b.t('gld_' + k))}</dd>" for k in keys
    )
    return f'<dl class="eco-glossary">{items}</dl>'


def methods(b: Bilan) -> str:
    k_comments = int((b.release.manifest.get("feedback") or {}).get("k_comments", 10))
    # The definition says the formula in words; the code-like formula is for the English docs.
    rows = [
        [
            i.name(b.lang),
            i.definition(b.lang),
            b.t(f"reaim_{i.reaim}")
            + (f" ({b.t(f'kirkpatrick_{i.kirkpatrick}')})" if i.kirkpatrick else ""),
            i.caveats(b.lang) or "–",
        ]
        for i in b.catalogue.indicators
    ]
    headers = [
        b.t(c)
        for c in ("methods_col_id", "methods_col_def", "methods_col_dim", "methods_col_caveats")
    ]

    notes = "".join(
        f'<p class="eco-note">{escape(text)}</p>' for text in [adjustment_note(b)] if text
    )
    return (
        f"<p>{escape(b.t('methods_anonymity', k=b.k, k_comments=k_comments))}</p>"
        + notes
        + weights_methods(b)
        + table(headers, rows, cls="eco-table eco-methods")
    )


def _check_action(action: Any, i: int, name: str) -> None:
    """A ConfigError naming the file and the action when ``due`` is not a date or ``target``
    not a number."""
    where = f"{name}: actions[{i}]"
    if not isinstance(action, dict):
        raise ConfigError(f"{where}: expected a mapping with action, lever, indicator, target, due")
    due = action.get("due")
    if due is not None:
        try:
            pd.Timestamp(str(due))
        except (ValueError, OverflowError):
            raise ConfigError(
                f"{where}.due = {due!r} is not a date; write it as YYYY-MM-DD, e.g. 2018-06-30"
            ) from None
    target = action.get("target")
    if target is not None:
        try:
            float(target)
        except (TypeError, ValueError):
            raise ConfigError(
                f"{where}.target = {target!r} is not a number; write the target value, e.g. 40"
            ) from None


@dataclass(frozen=True)
class ActionStatus:
    """One action of the directorate's actions file and where it stands at the period's end."""

    action: str
    lever: str
    indicator: str
    target: Any
    owner: str
    due: str
    #: The indicator's row of the period (None when not measured).
    row: pd.Series | None
    #: ``status_met``, ``status_on_track``, ``status_late`` or ``status_unknown``.
    status: str


def action_statuses(b: Bilan) -> list[ActionStatus] | None:
    """The actions of the project's actions file (None when there is none), each with its status:
    met when the indicator reached the target (in the catalogue's good direction), late when not
    and due before the period's end, on track when not yet due, unknown when not measurable."""
    path = (
        (b.project.root / b.project.actions_file) if b.project and b.project.actions_file else None
    )
    if path is None or not path.exists():
        return None
    doc = load_user_yaml(read_user_text(path, path.name), path.name) or {}
    out = []
    for i, a in enumerate(doc.get("actions", [])):
        _check_action(a, i, path.name)
        ind = str(a.get("indicator", ""))
        r = b.figure(ind, lever=str(a.get("lever", "*"))) if ind in b.catalogue else None
        target = a.get("target")
        status = "status_unknown"
        if r is not None and not r["suppressed"] and target is not None and pd.notna(r["value"]):
            good_up = b.catalogue[ind].direction != "down"
            met = r["value"] >= float(target) if good_up else r["value"] <= float(target)
            due = pd.Timestamp(str(a.get("due", "2100-01-01"))).date()
            status = (
                "status_met"
                if met
                else ("status_late" if due < b.period.end else "status_on_track")
            )
        out.append(
            ActionStatus(
                str(a.get("action", "")),
                str(a.get("lever", "*")),
                ind,
                target,
                str(a.get("owner", "")),
                str(a.get("due", "")),
                r,
                status,
            )
        )
    return out


def actions(b: Bilan) -> str:
    statuses = action_statuses(b)
    if statuses is None:
        return f"<p>{escape(b.t('actions_none'))}</p>"
    rows = []
    for a in statuses:
        known = a.indicator in b.catalogue
        rows.append(
            [
                a.action,
                b.labels.lever(a.lever),
                b.catalogue[a.indicator].name(b.lang) if known else a.indicator,
                b.fmt(a.indicator, a.target) if known else str(a.target),
                _value(b, a.row, a.indicator) if known else "–",
                a.owner,
                fmt_date(a.due, b.lang) if a.due else "–",
                b.t(a.status),
            ]
        )
    headers = [
        b.t(c)
        for c in (
            "actions_col_action",
            "actions_col_lever",
            "actions_col_indicator",
            "actions_col_target",
            "actions_col_current",
            "actions_col_owner",
            "actions_col_due",
            "actions_col_status",
        )
    ]
    return table(headers, rows, text_cols=(0, 5))


def provenance(b: Bilan) -> str:
    """The version, the parameters in words and the SHA-256 of each input file (paths relative to
    the project: no path of the machine)."""
    p = b.provenance
    params = p.get("parameters", {})
    text = b.t(
        "provenance_text",
        version=p.get("version", "?"),
        commit=p.get("commit", "?"),
        period=fmt_period(b.period.label, b.lang),
        compare=fmt_period(b.compare_to.label, b.lang) if b.compare_to is not None else "–",
        k=params.get("k", b.k),
    )
    rows = [[f, h] for f, h in (p.get("inputs") or {}).items()]
    return f"<p>{escape(text)}</p><h4>{escape(b.t('provenance_inputs'))}</h4>" + table(
        [b.t("dq_file"), "SHA-256"], rows, cls="eco-table eco-provenance"
    )


def links(b: Bilan) -> str:
    """Where to go from the bilan, relative to its published folder: all the bilans, the lever
    deep dives, the data-quality report and the open data (its README)."""
    items = [("../index.html", "links_index"), ("../data-quality/latest.html", "links_quality")]
    if b.lever_pages:
        items.insert(1, (f"{b.lever_pages.rstrip('/')}/index.html", "links_levers"))
    items.append(("open-data/README.md", "links_open_data"))
    return (
        '<nav class="eco-links"><ul>'
        + "".join(f'<li><a href="{escape(h)}">{escape(b.t(k))}</a></li>' for h, k in items)
        + "</ul></nav>"
    )


def back_links(b: Bilan) -> str:
    """A deep dive's way back (it is published in the bilan's ``leviers/`` folder)."""
    items = [
        ("../bilan.html", "links_bilan"),
        ("index.html", "links_levers"),
        ("../../index.html", "links_index"),
    ]
    return (
        '<nav class="eco-links"><ul>'
        + "".join(f'<li><a href="{escape(h)}">{escape(b.t(k))}</a></li>' for h, k in items)
        + "</ul></nav>"
    )
