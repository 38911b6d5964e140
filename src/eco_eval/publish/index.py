"""``reports/index.html``: every published bilan with its key figures and their trend.

Each published report folder holds ``key_figures.json`` (written by the pipeline from the
anonymised indicators); the index reads them all, so it can be rebuilt at any time from what is
published. It works offline: plotly.js is embedded once, every text is escaped.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

KEY_FIGURES = (
    "sessions_held",
    "unique_participants",
    "reach_rate",
    "cumulative_reach_rate",
    "satisfaction_mean",
    "staff_time_days",
)


def key_figures(frame: Any) -> dict[str, dict[str, Any]]:
    """Programme-level key figures of an anonymised indicator frame, JSON-ready."""
    import math

    out: dict[str, dict[str, Any]] = {}
    sel = frame[(frame["lever"] == "*") & (frame["dimension"] == "all")]
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


def collect(reports_dir: Path) -> list[dict[str, Any]]:
    """The published periods (folders with bilan.html and key_figures.json), oldest first."""
    from eco_eval.report.fmt import period_sort_key

    entries = []
    for folder in reports_dir.iterdir() if reports_dir.exists() else []:
        kf = folder / "key_figures.json"
        if (
            folder.is_dir()
            and not folder.name.startswith(".")
            and (folder / "bilan.html").exists()
            and kf.exists()
        ):
            doc = json.loads(kf.read_text(encoding="utf-8"))
            doc["folder"] = folder.name
            entries.append(doc)
    return sorted(entries, key=lambda d: period_sort_key(str(d.get("period", d["folder"]))))


def render_index(entries: list[dict[str, Any]], *, lang: str = "fr", organisation: str = "") -> str:
    """The index page as one self-contained HTML string."""
    import plotly.graph_objects as go

    from eco_eval.indicators.catalogue import load_catalogue
    from eco_eval.report.fmt import fmt_period, fmt_value

    cat = load_catalogue()
    title = (
        "Bilans de l'innovation organisationnelle"
        if lang == "fr"
        else "Organisational innovation reports"
    )
    percent = {"reach_rate", "cumulative_reach_rate"}
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
            text = fmt_value(
                f["value"],
                lang,
                percent=ind in percent,
                digits=1 if ind in percent or ind == "satisfaction_mean" else 0,
                suppressed=f["suppressed"],
                k=e.get("k"),
            )
            cells.append(f"<td>{escape(text)}</td>")
        link = f"{escape(e['folder'])}/bilan.html"
        pdf = f' · <a href="{escape(e["folder"])}/bilan.pdf">PDF</a>' if e.get("pdf") else ""
        rows.append(
            f'<tr><th scope="row"><a href="{link}">{escape(fmt_period(str(e.get("period", e["folder"])), lang))}</a>{pdf}</th>{"".join(cells)}</tr>'
        )
    figure_html = ""
    if len(entries) >= 2:
        fig = go.Figure()
        x = [fmt_period(str(e.get("period", e["folder"])), lang, short=True) for e in entries]
        for ind in ("sessions_held", "unique_participants"):
            y = [(e.get("figures", {}).get(ind) or {}).get("value") for e in entries]
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=cat[ind].name(lang)))
        fig.update_layout(
            template="simple_white",
            height=360,
            margin={"l": 50, "r": 20, "t": 40, "b": 40},
            separators=", " if lang == "fr" else ".,",
            title=("Tendance" if lang == "fr" else "Trend"),
        )
        figure_html = fig.to_html(
            full_html=False, include_plotlyjs=True, config={"displaylogo": False}
        )
    org = f"<p>{escape(organisation)}</p>" if organisation else ""
    heading = "Période" if lang == "fr" else "Period"
    return (
        f'<!DOCTYPE html><html lang="{escape(lang)}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        "<style>body{font-family:DejaVu Sans,Arial,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}"
        "th,td{border-bottom:1px solid #ccc;padding:.35rem .5rem;text-align:right}th:first-child{text-align:left}</style></head>"
        f'<body><h1>{escape(title)}</h1>{org}<table><thead><tr><th scope="col">{heading}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{figure_html}</body></html>"
    )


def write_index(reports_dir: Path, *, lang: str = "fr", organisation: str = "") -> Path:
    """Rebuild ``reports/index.html`` atomically from the published report folders."""
    import os

    html = render_index(collect(reports_dir), lang=lang, organisation=organisation)
    target = reports_dir / "index.html"
    tmp = target.with_name(".index.html.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, target)
    return target
