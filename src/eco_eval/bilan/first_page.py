"""The bilan's first page: the period's key figures as tiles, then what works, what does not (or
is not shown yet) and what to decide, each line linking to its section.

Everything is generated from the release and the actions file, with the rules of
``_data/report/first_page.yaml``:

- **tiles**: value, change year on year (the same quarter a year before: activity, reach and
  absence are seasonal) and since the previous quarter, and a status: against the declared target
  when an action of ``actions.yaml`` aims the programme-wide indicator, else against the year
  before (« en progrès », « en recul », « stable » within the tile's tolerance, in the catalogue's
  good direction);
- **« Ce qui fonctionne »**: figures in progress year on year, levers whose effect on their climate
  is probable or demonstrated (:mod:`eco_eval.bilan.wording`), actions met;
- **« Ce qui ne fonctionne pas ou reste à démontrer »**: figures down year on year, tools in
  decline year on year, levers without a session, groups that participate too little, effects not
  shown;
- **« À décider »**: relaunch or retire each declining tool or idle lever, reach the groups left
  out, reschedule or drop each late action, and start the randomised phase-in that would show
  whether a tool works.

The page is one ``<section>`` that prints on one A4 page (``bilan.css``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING, Any

from eco_eval.bilan.sections import action_statuses, fading_name
from eco_eval.bilan.wellbeing import section as wellbeing_section
from eco_eval.bilan.wording import short_verdict, verdict
from eco_eval.report.fmt import fmt_change, fmt_date, fmt_number, is_missing
from eco_eval.report.theme import data_path
from eco_eval.user_yaml import load_user_yaml

if TYPE_CHECKING:
    from eco_eval.bilan import Bilan


@lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    """``_data/report/first_page.yaml``."""
    path = data_path("report", "first_page.yaml")
    return dict(load_user_yaml(path.read_text(encoding="utf-8"), path.name))


@dataclass(frozen=True)
class Line:
    """One line of a block: its text and the section it links to."""

    text: str
    section: str


@dataclass(frozen=True)
class Tile:
    indicator: str
    section: str
    value: str
    year: str
    quarter: str
    #: ``up`` (in progress), ``down`` (falling back), ``stable``, ``met`` / ``missed`` (target),
    #: ``none`` (no comparison).
    status: str
    #: The figure a year before, written (for the sentences).
    year_value: str


def _change(b: Bilan, indicator: str, value: float, before: Any) -> str:
    if is_missing(before):
        return "–"
    diff = float(value) - float(before)
    if b.catalogue.is_percent(indicator):
        return fmt_change(diff, b.lang, kind="pp")
    # the change with the precision of the values shown (4,1 against 4,0: +0,1, never +0,04)
    return fmt_change(diff, b.lang, kind="absolute", digits=b.catalogue.digits(indicator))


def _direction(b: Bilan, indicator: str, value: float, before: Any, stable: dict) -> str:
    """``up`` / ``down`` (better / worse in the indicator's good direction), ``stable``."""
    if is_missing(before):
        return "none"
    diff = float(value) - float(before)
    tolerance = float(stable.get("absolute", 0.0)) or abs(float(before)) * float(
        stable.get("relative", 0.0)
    )
    if abs(diff) <= tolerance:
        return "stable"
    better = diff > 0 if b.catalogue[indicator].direction != "down" else diff < 0
    return "up" if better else "down"


def tiles(b: Bilan) -> list[Tile]:
    """The tiles of the period's figures that are published (hidden or absent ones are left out)."""
    targets = {
        a.indicator: a
        for a in (action_statuses(b) or [])
        if a.lever == "*" and a.status != "status_unknown"
    }
    out = []
    for spec in rules()["tiles"]:
        ind = str(spec["indicator"])
        r = b.figure(ind)
        if r is None or bool(r["suppressed"]) or is_missing(r["value"]):
            continue
        value = float(r["value"])
        status = _direction(b, ind, value, r["year_before"], dict(spec.get("stable") or {}))
        if ind in targets:
            status = "met" if targets[ind].status == "status_met" else "missed"
        out.append(
            Tile(
                ind,
                str(spec["section"]),
                b.fmt(ind, value),
                _change(b, ind, value, r["year_before"]),
                _change(b, ind, value, r["previous"]),
                status,
                b.fmt(ind, r["year_before"]) if not is_missing(r["year_before"]) else "–",
            )
        )
    return out


def _name(b: Bilan, indicator: str) -> str:
    return str(b.catalogue[indicator].name(b.lang))


def _effects(b: Bilan) -> dict[str, tuple[bool, list[str]]]:
    """The levers' effects on their climate grouped by verdict: the short verdict
    (:func:`eco_eval.bilan.wording.short_verdict`, with the waves it covers) -> (positive, the
    levers' names)."""
    s = wellbeing_section(b)
    rows = s.headline("climate")
    out: dict[str, tuple[bool, list[str]]] = {}
    for lever in b.eco.levers:
        sel = rows[rows["lever"] == lever.id] if len(rows) else rows
        if sel.empty or bool(sel.iloc[0]["suppressed"]) or is_missing(sel.iloc[0]["estimate"]):
            continue
        r = sel.iloc[0]
        text = short_verdict(s.t, r, period=s.covers(r))
        out.setdefault(text, (verdict(r).positive, []))[1].append(lever.name(b.lang))
    return out


def _fading(b: Bilan) -> list[tuple[str, str, str]]:
    """Tools in decline year on year: (tool, sessions now, sessions a year before)."""
    f = b.current
    out = []
    rows = f[(f["indicator"] == "fading_out") & (f["value"] == 1)]
    for tool, lever in zip(rows["tool"], rows["lever"], strict=True):
        held = b.figure("sessions_held", lever=str(lever))
        now = b.fmt("sessions_held", held["value"]) if held is not None else "–"
        before = b.fmt("sessions_held", held["year_before"]) if held is not None else "–"
        out.append((fading_name(b, tool, lever), now, before))
    return out


def _gaps(b: Bilan) -> list[tuple[str, str, str]]:
    """Groups whose participation ratio is below the rule's: (dimension, group, ratio)."""
    rule = rules()["gaps"]
    f = b.current
    sel = f[
        (f["indicator"] == "participation_ratio")
        & (f["lever"] == "*")
        & f["dimension"].isin([d for d in rule["dimensions"] if d in b.breakdowns])
        & (f["group"] != "*")
        & ~f["suppressed"].astype(bool)
        & (f["value"] < float(rule["ratio_below"]))
    ].sort_values("value")
    return [
        (
            b.labels[f"dimension.{r['dimension']}"],
            str(r["group"]),
            fmt_number(r["value"], b.lang, digits=2),
        )
        for _, r in sel.head(int(rule["max_groups"])).iterrows()
    ]


def blocks(b: Bilan) -> dict[str, list[Line]]:
    """The three blocks' lines: ``works``, ``weak`` and ``decide``."""
    works: list[Line] = []
    weak: list[Line] = []
    decide: list[Line] = []
    for tile in tiles(b):
        name = _name(b, tile.indicator)
        values = {"name": name, "value": tile.value, "before": tile.year_value, "change": tile.year}
        if tile.status in ("up", "met"):
            works.append(Line(b.t(f"fp_{tile.status}", **values), tile.section))
        elif tile.status in ("down", "missed"):
            weak.append(Line(b.t(f"fp_{tile.status}", **values), tile.section))
    has_barometer = bool((b.release.manifest.get("wellbeing") or {}).get("waves"))
    effects = _effects(b) if has_barometer else {}
    for text, (positive, levers) in effects.items():
        line = b.t(
            "fp_effects" if positive else "fp_not_shown", levers=", ".join(levers), verdict=text
        )
        (works if positive else weak).append(Line(line, "impact"))
    fading = _fading(b)
    for tool, now, before in fading:
        weak.append(Line(b.t("fp_fading", tool=tool, now=now, before=before), "ecosystem"))
    if fading:
        tools = ", ".join(tool for tool, _, _ in fading)
        decide.append(Line(b.t("fp_decide_fading", tools=tools), "ecosystem"))
    for lever in b.release.manifest.get("idle_levers", []):
        name = b.labels.lever(str(lever))
        weak.append(Line(b.t("fp_idle", lever=name), "levers"))
        decide.append(Line(b.t("fp_decide_idle", lever=name), "levers"))
    gaps = _gaps(b)
    if gaps:
        groups = ", ".join(b.t("fp_group", dimension=d, group=g, ratio=r) for d, g, r in gaps)
        weak.append(Line(b.t("fp_gaps", groups=groups), "reach"))
        decide.append(Line(b.t("fp_decide_gaps", groups=", ".join(g for _, g, _ in gaps)), "reach"))
    for a in action_statuses(b) or []:
        if a.status == "status_met":
            works.append(Line(b.t("fp_action_met", action=a.action), "actions"))
        elif a.status == "status_late":
            due = fmt_date(a.due, b.lang) if a.due else "–"
            weak.append(Line(b.t("fp_action_late", action=a.action, due=due), "actions"))
            decide.append(Line(b.t("fp_decide_late", action=a.action), "actions"))
    if effects:
        decide.append(Line(b.t("fp_decide_phase_in"), "next_steps"))
    most = int(rules()["max_lines"])
    return {"works": works[:most], "weak": weak[:most], "decide": decide[:most]}


_STATUS_CLASS = {"up": "up", "met": "up", "down": "down", "missed": "down", "stable": "stable"}


def _tile_html(b: Bilan, tile: Tile) -> str:
    status = b.t(f"fp_status_{tile.status}")
    return (
        f'<a class="eco-tile eco-tile-{_STATUS_CLASS.get(tile.status, "none")}" href="#{escape(tile.section)}">'
        f'<span class="eco-tile-name">{escape(_name(b, tile.indicator))}</span>'
        f'<span class="eco-tile-value">{escape(tile.value)}</span>'
        f'<span class="eco-tile-change">{escape(b.t("fp_year", change=tile.year))}</span>'
        f'<span class="eco-tile-change">{escape(b.t("fp_quarter", change=tile.quarter))}</span>'
        f'<span class="eco-tile-status">{escape(status)}</span></a>'
    )


def first_page(b: Bilan) -> str:
    """The first page's HTML: the tiles, then the three blocks (a block without a line says so)."""
    parts = ['<section class="eco-first-page" aria-label="', escape(b.t("fp_title")), '">']
    parts.append(f'<p class="eco-fp-title">{escape(b.t("fp_title"))}</p>')
    parts.append('<div class="eco-tiles">')
    parts += [_tile_html(b, tile) for tile in tiles(b)]
    parts.append("</div>")
    parts.append(f'<p class="eco-note">{escape(b.t("fp_tiles_note"))}</p>')
    parts.append('<div class="eco-blocks">')
    for key, lines in blocks(b).items():
        items = (
            "".join(
                f'<li><a href="#{escape(line.section)}">{escape(line.text)}</a></li>'
                for line in lines
            )
            or f"<li>{escape(b.t('fp_nothing'))}</li>"
        )
        parts.append(
            f'<div class="eco-block eco-block-{key}"><p class="eco-block-title">'
            f"{escape(b.t('fp_' + key))}</p><ul>{items}</ul></div>"
        )
    parts.append("</div></section>")
    return "".join(parts)
