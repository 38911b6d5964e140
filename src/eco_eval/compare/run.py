"""``eco-eval compare``: the benchmark page and CSV from a folder of cities' open-data packages.

Nothing is fetched: the packages are read from the folder (one sub-folder per package holding
its ``datapackage.json``), each validated with frictionless first
(:mod:`eco_eval.benchmark.packages`; a failing package stops the command with one line naming the
file). The benchmark (:mod:`eco_eval.benchmark.compute`) sets each city against the median and
interquartile range of the others, period by period; the page shows the latest period at least
two cities published, the CSV every period. The page is one self-contained HTML file (plotly.js
inline, the bilan's CSS and theme, every text escaped); it names no machine path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from eco_eval.benchmark.compute import (
    benchmark,
    city_values,
    latest_common_period,
    load_measures,
)
from eco_eval.benchmark.packages import CityPackage, read_packages
from eco_eval.errors import InputFileError
from eco_eval.report.benchmark import (
    benchmark_figure,
    benchmark_labels,
    benchmark_table,
    caveats,
    caveats_html,
    unpublished_measures,
)
from eco_eval.report.figures import figure_html
from eco_eval.report.fmt import fmt_period
from eco_eval.report.html import plotlyjs_source
from eco_eval.report.theme import data_path, load_theme

PAGE = "comparaison.html"
#: plotly's random element id, replaced by a fixed one: the same packages give the same page.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TABLE = "comparaison.csv"


@dataclass
class CompareResult:
    page: Path
    table: Path
    cities: int
    period: str | None
    rows: int

    def summary(self) -> str:
        return (
            f"benchmark of {self.cities} cities, period {self.period or '-'}: "
            f"{self.page} and {self.table} ({self.rows} rows)"
        )


def export_table(bench: pd.DataFrame) -> pd.DataFrame:
    """The CSV's frame: values in display units, secret cells as the words, never a number."""
    measures = {m.id: m for m in load_measures()[0]}
    out = bench.copy()
    scale = out["measure"].map(lambda m: measures[m].scale).astype(float)
    for column in ("value", "others_median", "others_q1", "others_q3"):
        out[column] = (out[column] * scale).round(4)
    out["value"] = out["value"].astype(object)
    out.loc[out["status"] == "secret", "value"] = "secret statistique"
    out.loc[out["status"] == "missing", "value"] = "non publié"
    return out


def tools_by_city(packages: list[CityPackage], period: str) -> dict[str, dict[str, int]]:
    """City -> its tools and their generation, from its package of ``period``."""
    out: dict[str, dict[str, int]] = {}
    for p in packages:
        if period in p.periods:
            out[p.city] = p.tools
    return out


def page_html(
    bench: pd.DataFrame,
    values: pd.DataFrame,
    packages: list[CityPackage],
    period: str,
    lang: str,
) -> str:
    """The benchmark page of ``period`` (module doc)."""
    t = benchmark_labels(lang)
    at = bench[bench["period"] == period]
    cities = at["city"].nunique()
    theme = load_theme()
    variables = "\n".join(f"  --{k}: {v};" for k, v in theme.css_variables().items())
    css = data_path("report", "bilan.css").read_text(encoding="utf-8")
    title = t["benchmark.page_title"].format(period=fmt_period(period, lang))
    missing = unpublished_measures(at)
    notes = []
    if missing:
        names = ", ".join(t[f"benchmark.m_{m.id}"] for m in missing)
        notes.append(t["benchmark.not_published"].format(measures=names))
    periods = sorted(set(values["period"]))
    notes.append(t["benchmark.periods"].format(periods=", ".join(periods)))
    sentences = caveats(values, tools_by_city(packages, period), period, lang)
    body = "".join(
        [
            f"<h1>{escape(title)}</h1>",
            f"<p>{escape(t['benchmark.intro'].format(cities=cities, period=fmt_period(period, lang)))}</p>",
            _UUID.sub("eco-benchmark", figure_html(benchmark_figure(at, lang, period=period))),
            benchmark_table(at, lang),
            *(f"<p>{escape(n)}</p>" for n in notes),
            caveats_html(sentences, lang),
            f'<p class="eco-footer">{escape(t["benchmark.footer"])}</p>',
        ]
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n:root {{\n{variables}\n}}\n{css}\n</style>\n"
        f'<script type="text/javascript">{plotlyjs_source()}</script>\n</head>\n'
        f'<body>\n<main class="page">{body}</main>\n</body>\n</html>\n'
    )


def run_compare(
    folder: Path, out: Path, *, lang: str = "fr", period: str | None = None
) -> CompareResult:
    """Read the packages under ``folder``, write ``out/comparaison.html`` and
    ``out/comparaison.csv``; ``period``: the one the page shows (default: the latest published
    by at least two cities)."""
    packages = read_packages(folder)
    if len({p.siret or p.city for p in packages}) < 2:
        raise InputFileError(
            f"{folder}: {len(packages)} package(s) of {len({p.city for p in packages})} city; "
            "put the open-data packages of at least two cities there (one folder each)"
        )
    values = city_values(packages)
    bench = benchmark(values)
    shown = period or latest_common_period(values)
    if shown is None or shown not in set(values["period"]):
        raise InputFileError(
            f"{folder}: no period published by two cities"
            + (f" (asked for {period})" if period else "")
            + f"; periods: {', '.join(sorted(set(values['period'])))}"
        )
    out.mkdir(parents=True, exist_ok=True)
    table = export_table(bench)
    table.to_csv(out / TABLE, index=False, encoding="utf-8", lineterminator="\n")
    (out / PAGE).write_text(page_html(bench, values, packages, shown, lang), encoding="utf-8")
    return CompareResult(
        out / PAGE,
        out / TABLE,
        int(np.unique(values["city"]).size),
        shown,
        len(table),
    )
