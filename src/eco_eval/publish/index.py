"""``reports/index.html``: every published bilan with its key figures, their trend and its parts.

Each published report folder holds ``key_figures.json`` (written by the pipeline from the
anonymised indicators); the index reads them all, so it can be rebuilt at any time from what is
published. A row links the bilan (and its PDF), the lever deep dives (``leviers/index.html``) and
the open-data package (``open-data/``: its indicator file and ``datapackage.json``) when the folder
has them. Below the table, one small chart per key figure shows its trend across periods.

It works offline: plotly.js is embedded once, every text is escaped, nothing is fetched. The page
depends only on what is published (no time stamp, fixed element ids), so rebuilding it from the
same folders gives the same bytes, and :func:`write_index` leaves an unchanged file untouched.
"""

from __future__ import annotations

import json
import math
import os
from html import escape
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.report.fmt import fmt_period, format_indicator, period_sort_key

#: The key figures of every bilan and of the index (``key_figures`` in ``_data/indicators.yaml``).
KEY_FIGURES = load_catalogue().key_figures


def key_figures(frame: Any) -> dict[str, dict[str, Any]]:
    """Programme-level key figures of an anonymised indicator frame, JSON-ready."""
    out: dict[str, dict[str, Any]] = {}
    sel = frame[(frame["lever"] == "*") & (frame["dimension"] == "*")]
    for ind in KEY_FIGURES:
        rows = sel[sel["indicator"] == ind]
        if rows.empty:
            continue
        r = rows.iloc[0]
        value = (
            None if bool(r["suppressed"]) or math.isnan(float(r["value"])) else float(r["value"])
        )
        out[ind] = {"value": value, "suppressed": bool(r["suppressed"])}
    return out


def _parts(folder: Path) -> dict[str, Any]:
    """Links to the deep dives and the open data of a period folder, relative to reports/."""
    parts: dict[str, Any] = {}
    if (folder / "leviers" / "index.html").is_file():
        parts["levers"] = f"{folder.name}/leviers/index.html"
        parts["lever_pages"] = sorted(
            p.stem for p in (folder / "leviers").glob("*.html") if p.name != "index.html"
        )
    package = folder / "open-data" / "datapackage.json"
    if package.is_file():
        parts["open_data"] = f"{folder.name}/open-data/datapackage.json"
        try:
            doc = json.loads(package.read_text(encoding="utf-8"))
            parts["open_data_files"] = [
                f"{folder.name}/open-data/{r['path']}" for r in doc.get("resources", [])
            ]
        except (OSError, ValueError, KeyError):
            parts["open_data_files"] = []
    return parts


def collect(reports_dir: Path) -> list[dict[str, Any]]:
    """The published periods (folders with bilan.html and key_figures.json), oldest first."""
    entries = []
    for folder in reports_dir.iterdir() if reports_dir.exists() else []:
        kf = folder / "key_figures.json"
        if (
            folder.is_dir()
            and not folder.name.startswith(".")
            and (folder / "bilan.html").exists()
            and kf.exists()
        ):
            try:
                doc = json.loads(kf.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a folder someone else is writing: left out, not fatal
            doc["folder"] = folder.name
            doc.update(_parts(folder))
            entries.append(doc)
    return sorted(
        entries, key=lambda d: (period_sort_key(str(d.get("period", d["folder"]))), d["folder"])
    )


def _texts(lang: str) -> dict[str, str]:
    fr = lang == "fr"
    return {
        "title": "Bilans de l'innovation organisationnelle"
        if fr
        else "Organisational innovation reports",
        "period": "Période" if fr else "Period",
        "more": "Approfondir" if fr else "More",
        "levers": "fiches leviers" if fr else "lever deep dives",
        "open_data": "données ouvertes" if fr else "open data",
        "package": "description",
        "trend": "Tendance des chiffres clés" if fr else "Trend of the key figures",
        "none": "Aucun bilan publié." if fr else "No report published yet.",
    }


def _trend_figure(entries: list[dict[str, Any]], lang: str, cat: Any) -> str:
    """One small chart per key figure across periods (None where hidden or absent)."""
    shown = [i for i in KEY_FIGURES if any((e.get("figures", {}).get(i) or {}) for e in entries)]
    if len(entries) < 2 or not shown:
        return ""
    cols = 3
    rows = (len(shown) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[cat[i].name(lang) for i in shown])
    x = [fmt_period(str(e.get("period", e["folder"])), lang, short=True) for e in entries]
    for pos, ind in enumerate(shown):
        y = [(e.get("figures", {}).get(ind) or {}).get("value") for e in entries]
        fig.add_trace(
            go.Scatter(x=x, y=y, mode="lines+markers", name=cat[ind].name(lang), showlegend=False),
            row=pos // cols + 1,
            col=pos % cols + 1,
        )
        if cat.is_percent(ind):
            fig.update_yaxes(tickformat=".0%", row=pos // cols + 1, col=pos % cols + 1)
    fig.update_layout(
        template="simple_white",
        height=300 * rows,
        margin={"l": 50, "r": 20, "t": 60, "b": 40},
        separators=", " if lang == "fr" else ".,",
        title=_texts(lang)["trend"],
    )
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=True,
            div_id="eco-eval-trend",
            config={"displaylogo": False},
        )
    )


def render_index(entries: list[dict[str, Any]], *, lang: str = "fr", organisation: str = "") -> str:
    """The index page as one self-contained HTML string."""
    cat = load_catalogue()
    t = _texts(lang)
    head = "".join(f'<th scope="col">{escape(cat[i].name(lang))}</th>' for i in KEY_FIGURES)
    rows = []
    for e in reversed(entries):
        figs = e.get("figures", {})
        cells = []
        for ind in KEY_FIGURES:
            f = figs.get(ind)
            if f is None:
                cells.append("<td>–</td>")
                continue
            text = format_indicator(
                cat, ind, f["value"], lang, suppressed=f["suppressed"], k=e.get("k")
            )
            cells.append(f"<td>{escape(text)}</td>")
        folder = escape(e["folder"])
        pdf = f' · <a href="{folder}/bilan.pdf">PDF</a>' if e.get("pdf") else ""
        more = []
        if e.get("levers"):
            n = len(e.get("lever_pages", []))
            more.append(f'<a href="{escape(e["levers"])}">{n} {escape(t["levers"])}</a>')
        if e.get("open_data"):
            data = e.get("open_data_files") or []
            main = next((d for d in data if "indicateurs" in d), data[0] if data else None)
            link = f'<a href="{escape(main)}">{escape(t["open_data"])}</a> ' if main else ""
            more.append(
                f'{link}(<a href="{escape(e["open_data"])}">{escape(t["package"])}</a>)'
                if link
                else f'<a href="{escape(e["open_data"])}">{escape(t["open_data"])}</a>'
            )
        period = escape(fmt_period(str(e.get("period", e["folder"])), lang))
        rows.append(
            f'<tr><th scope="row"><a href="{folder}/bilan.html">{period}</a>{pdf}</th>'
            f"{''.join(cells)}<td>{' · '.join(more) or '–'}</td></tr>"
        )
    body = (
        f'<table><thead><tr><th scope="col">{escape(t["period"])}</th>{head}'
        f'<th scope="col">{escape(t["more"])}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        if rows
        else f"<p>{escape(t['none'])}</p>"
    )
    org = f"<p>{escape(organisation)}</p>" if organisation else ""
    return (
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(t["title"])}</title>'
        "<style>body{font-family:DejaVu Sans,Arial,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;width:100%}"
        "th,td{border-bottom:1px solid #ccc;padding:.35rem .5rem;text-align:right}th:first-child,td:last-child{text-align:left}</style></head>"
        f"<body><h1>{escape(t['title'])}</h1>{org}{body}{_trend_figure(entries, lang, cat)}</body></html>\n"
    )


def write_index(reports_dir: Path, *, lang: str = "fr", organisation: str = "") -> Path:
    """Rebuild ``reports/index.html`` atomically from the published report folders.

    An index whose content would not change is not rewritten (its mtime says when it last did).
    """
    html = render_index(collect(reports_dir), lang=lang, organisation=organisation)
    target = reports_dir / "index.html"
    if target.is_file() and target.read_text(encoding="utf-8") == html:
        return target
    tmp = target.with_name(".index.html.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, target)
    return target
