"""The bilan's section « Comparaison avec d'autres collectivités ».

Shown when the project configures ``report.benchmark`` (a folder of other cities' open-data
packages, :mod:`eco_eval.benchmark.packages`): the city's own figures of the period, as the
release holds them after disclosure control, set against the median and interquartile range of
the other cities (:mod:`eco_eval.benchmark.compute`), with the caveats of such a comparison. No
folder configured: nothing is shown. A folder without packages, with an invalid package, or
without the period: one sentence with the cause and the fix (paths relative to the project).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from eco_eval.benchmark.compute import benchmark, city_values
from eco_eval.benchmark.packages import CityPackage, from_tidy, read_packages
from eco_eval.bilan.unavailable import SectionUnavailable
from eco_eval.errors import InputFileError
from eco_eval.report.benchmark import (
    benchmark_figure,
    benchmark_labels,
    benchmark_table,
    caveats,
    caveats_html,
)

if TYPE_CHECKING:
    from eco_eval.bilan import Bilan


def configured(b: Bilan) -> bool:
    """Whether the project asks for the comparison (``report.benchmark``)."""
    return b.project is not None and getattr(b.project, "benchmark_dir", None) is not None


def _relative(b: Bilan, text: str) -> str:
    return text.replace(f"{b.project.root}/", "").replace(str(b.project.root), ".")


def comparison(b: Bilan) -> tuple[pd.DataFrame, pd.DataFrame, list[CityPackage]]:
    """(benchmark of the period, every city's values, the packages with the city's own last);
    computed once per bilan. Raises SectionUnavailable (module doc)."""
    cached = b.__dict__.get("_benchmark")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    t = benchmark_labels(b.lang)
    folder = b.project.benchmark_dir
    name = _relative(b, str(folder))
    try:
        others = read_packages(folder) if folder.is_dir() else []
    except InputFileError as exc:
        raise SectionUnavailable(_relative(b, str(exc)), t["benchmark.fix_invalid"]) from exc
    siret = str(b.project.organisation.siret)
    others = [p for p in others if p.siret != siret]
    if not others:
        raise SectionUnavailable(
            t["benchmark.no_packages"].format(folder=name), t["benchmark.fix_packages"]
        )
    own = from_tidy(b.current, city=b.organisation or str(b.project.organisation.name),
                    siret=siret, tools={tl.id: tl.generation for tl in b.eco.tools})  # fmt: skip
    packages = [*others, own]
    values = city_values(packages)
    period = b.period.label
    shared = values[values["period"] == period]
    if shared["city"].nunique() < 2:
        periods = ", ".join(sorted(set(values["period"]) - {period}))
        raise SectionUnavailable(
            t["benchmark.no_common"].format(periods=periods), t["benchmark.fix_period"]
        )
    result = (benchmark(shared), values, packages)
    b.__dict__["_benchmark"] = result
    return result


def heading(b: Bilan) -> str:
    return f"<h2>{escape(benchmark_labels(b.lang)['benchmark.title'])}</h2>"


def body(b: Bilan) -> str:
    """One sentence, the city's rows against the others, and the caveats."""
    t = benchmark_labels(b.lang)
    bench, values, packages = comparison(b)
    own = packages[-1].city
    names = sorted(set(bench["city"]) - {own})
    intro = t["benchmark.bilan_intro"].format(city=own, others=len(names), names=", ".join(names))
    tools = {p.city: p.tools for p in packages}
    return (
        f"<p>{escape(intro)}</p>"
        + benchmark_table(bench, b.lang, only=own)
        + caveats_html(caveats(values, tools, b.period.label, b.lang), b.lang)
    )


def figure(b: Bilan) -> Any:
    """Every city against the others, the city's own dots in the accent colour; None when the
    section is not shown."""
    if not configured(b):
        return None
    try:
        bench, _, packages = comparison(b)
    except SectionUnavailable:
        return None  # the section's sentence says why, once
    return benchmark_figure(bench, b.lang, period=b.period.label, focus=packages[-1].city)
