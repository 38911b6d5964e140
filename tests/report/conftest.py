"""Fixtures of the report tests: a tiny tidy frame, labels with a stand-in catalogue, notebooks
built with nbformat in tmp_path, and one executed bilan-like report shared by the HTML, browser
and PDF tests (built once per session: executing a notebook starts a kernel)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import nbformat
import numpy as np
import pandas as pd
import pytest

from eco_eval.report.i18n import Labels

K = 5  # the anonymity threshold the figures and tables print ("< 5 pers.")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE_SCRIPT = "<script>window.__pwned=1</script>"
HOSTILE_IMG = '<img src=x onerror="window.__pwned=2">'


@dataclass(frozen=True)
class _Indicator:
    id: str
    fr: str
    en: str
    unit: str

    def name(self, lang: str = "fr") -> str:
        return self.fr if lang == "fr" else self.en


class TinyCatalogue:
    """Stands in for the indicator catalogue: the report only needs names and units."""

    items: ClassVar[dict[str, _Indicator]] = {
        "reach_rate": _Indicator("reach_rate", "Taux de participation", "Reach rate", "%"),
        "sessions_held": _Indicator(
            "sessions_held", "Séances réalisées", "Sessions held", "séances"
        ),
        "climate_mean": _Indicator("climate_mean", "Climat perçu", "Perceived climate", "/5"),
    }

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.items

    def __getitem__(self, indicator_id: str) -> _Indicator:
        return self.items[indicator_id]


def tidy_row(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "period": "2016-Q2",
        "lever": "*",
        "tool": "*",
        "dimension": "*",
        "group": "*",
        "indicator": "reach_rate",
        "value": np.nan,
        "n": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "suppressed": False,
    }
    row.update(kw)
    return row


def tidy_frame(lever_ids: tuple[str, ...]) -> pd.DataFrame:
    """Four quarters, every lever, three categories, two genders; a few cells suppressed.

    Suppressed on purpose: reach of « le rêve » in 2016-Q2, category A in 2016-Q3, men for
    « l'audace » in 2016-Q4, climate of « le temps » (every period). Values are arbitrary but fixed.
    """
    rows = []
    periods = ["2016-Q1", "2016-Q2", "2016-Q3", "2016-Q4"]
    for p_i, p in enumerate(periods):
        for l_i, lv in enumerate(("*", *lever_ids)):
            rate = 0.05 + 0.02 * ((l_i * 7 + p_i * 3) % 15)
            hidden = lv == "reve" and p == "2016-Q2"
            rows.append(
                tidy_row(
                    period=p,
                    lever=lv,
                    indicator="reach_rate",
                    value=np.nan if hidden else rate,
                    n=np.nan if hidden else 40 + l_i,
                    ci_low=np.nan if hidden else rate - 0.03,
                    ci_high=np.nan if hidden else rate + 0.04,
                    suppressed=hidden,
                )
            )
            rows.append(
                tidy_row(
                    period=p,
                    lever=lv,
                    indicator="sessions_held",
                    value=float(3 + (l_i * 5 + p_i) % 20),
                )
            )
            hidden_c = lv == "temps"
            rows.append(
                tidy_row(
                    period=p,
                    lever=lv,
                    indicator="climate_mean",
                    value=np.nan if hidden_c else 2.5 + 0.15 * (l_i % 10),
                    n=30,
                    suppressed=hidden_c,
                )
            )
        for g_i, g in enumerate("ABC"):
            hidden = g == "A" and p == "2016-Q3"
            rate = 0.1 + 0.05 * ((g_i + p_i) % 4)
            rows.append(
                tidy_row(
                    period=p,
                    dimension="category",
                    group=g,
                    value=np.nan if hidden else rate,
                    n=np.nan if hidden else 60,
                    ci_low=np.nan if hidden else rate - 0.05,
                    ci_high=np.nan if hidden else rate + 0.05,
                    suppressed=hidden,
                )
            )
        for g in "FM":
            for l_i, lv in enumerate(lever_ids):
                hidden = g == "M" and lv == "audace" and p == "2016-Q4"
                rows.append(
                    tidy_row(
                        period=p,
                        lever=lv,
                        dimension="gender",
                        group=g,
                        value=np.nan if hidden else 0.05 + 0.03 * (l_i % 9),
                        n=np.nan if hidden else 20,
                        suppressed=hidden,
                    )
                )
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def catalogue() -> TinyCatalogue:
    return TinyCatalogue()


@pytest.fixture(scope="session")
def labels(catalogue: TinyCatalogue) -> Labels:
    return Labels("fr", catalogue=catalogue)


@pytest.fixture(scope="session")
def labels_en(catalogue: TinyCatalogue) -> Labels:
    return Labels("en", catalogue=catalogue)


@pytest.fixture(scope="session")
def tidy(labels: Labels) -> pd.DataFrame:
    return tidy_frame(labels.lever_ids)


def new_notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = cells
    return nb


def code(source: str, *tags: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip())
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def md(source: str, *tags: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(textwrap.dedent(source).strip())
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


@pytest.fixture
def write_notebook(tmp_path: Path) -> Callable[..., Path]:
    """write_notebook(cells, name="t.ipynb") -> path of a notebook written in tmp_path."""

    def write(cells: list[nbformat.NotebookNode], name: str = "t.ipynb") -> Path:
        path = tmp_path / name
        nbformat.write(new_notebook(cells), path)
        return path

    return write


# The bilan-like notebook: every kind of output the report must handle.
SETUP = """
import pandas as pd
from eco_eval.report import figures as F, tables as T
from eco_eval.report.i18n import Labels

class Catalogue:  # stands in for the indicator catalogue (names and units only)
    units = {"reach_rate": "%", "sessions_held": "séances", "climate_mean": "/5"}
    names = {"reach_rate": "Taux de participation", "sessions_held": "Séances réalisées",
             "climate_mean": "Climat perçu"}
    def __contains__(self, i):
        return i in self.units
    def __getitem__(self, i):
        units, names = self.units, self.names
        class Indicator:
            unit = units[i]
            def name(self, lang="fr"):
                return names[i]
        return Indicator()

labels = Labels(lang, catalogue=Catalogue())
frame = pd.read_csv("tidy.csv", keep_default_na=False, na_values=[""])
secret_code_marker_4711 = True
"""

WIDE_TABLE = """
wide = pd.DataFrame({
    f"colonne_{i}": ["Directiondelaculturedupatrimoineetdesarchivesmunicipales"] * 3 for i in range(9)
})
wide["derniere"] = ["SENTINELLEDROITE"] * 3
T.html_table(wide, list(wide.columns), labels, caption="Tableau large")
"""


def bilan_cells() -> list[nbformat.NotebookNode]:
    return [
        md(f"# Bilan d'essai\n\nTexte qui contient {HOSTILE_SCRIPT} et {HOSTILE_IMG}."),
        code("period = '2016-Q4'\nlang = 'fr'", "parameters"),
        code(SETUP, "setup"),
        md("## Activité des outils"),
        code(
            "F.show(F.lever_bars(frame, 'sessions_held', labels, period=period, climate_indicator='climate_mean', k=5))",
            "wheel",
        ),
        md("### Portée dans le temps"),
        code("F.show(F.trend(frame, 'reach_rate', labels, k=5))"),
        code("F.show(F.trend(frame, 'reach_rate', labels, by='lever', k=5))"),
        md("## Représentativité"),
        code("F.show(F.group_heatmap(frame, 'reach_rate', 'category', labels, k=5))"),
        code(
            "F.show(F.group_heatmap(frame, 'reach_rate', 'gender', labels, across='lever', period=period, k=5))"
        ),
        code("F.show(F.bar_with_ci(frame, 'reach_rate', labels, period='2016-Q2', k=5))"),
        md("## Tableaux"),
        code(
            "rows = frame[(frame.indicator == 'reach_rate') & (frame.dimension == '*') & (frame.period == '2016-Q2')]\n"
            "T.html_table(rows, ['lever', 'value', 'n', 'ci'], labels, k=5, percent=True, caption='Portée par levier')"
        ),
        code(
            f"T.html_table(pd.DataFrame({{'commentaire': [{HOSTILE_SCRIPT!r}, {HOSTILE_IMG!r}]}}), ['commentaire'], labels)"
        ),
        code(WIDE_TABLE),
        code(
            "print('sortie texte visible')\nimport warnings\nwarnings.warn('avertissement invisible')"
        ),
        code(
            "import plotly.graph_objects as go\ngo.Figure(go.Bar(x=[1, 2], y=[3, 4])).show()",
            "fig-show",
        ),
        code("print('cellule retirée')", "remove-cell"),
        md("## Tableaux\n\nUn second titre identique."),
    ]


@pytest.fixture(scope="session")
def bilan(tmp_path_factory: pytest.TempPathFactory, labels: Labels) -> dict[str, Path]:
    """The bilan-like notebook executed and converted: paths of template, notebook and page."""
    from eco_eval.report.html import notebook_to_html
    from eco_eval.report.runner import execute_notebook

    root = tmp_path_factory.mktemp("bilan")
    tidy_frame(labels.lever_ids).to_csv(root / "tidy.csv", index=False)
    template = root / "bilan.ipynb"
    nbformat.write(new_notebook(bilan_cells()), template)
    executed = execute_notebook(
        template, root / "out" / "bilan.ipynb", {"period": "2016-Q4"}, cwd=root
    )
    page = notebook_to_html(executed, root / "out" / "bilan.html", lang="fr")
    return {"root": root, "template": template, "executed": executed, "html": page}


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed: run 'make system-deps' (apt-get install chromium)")
    return path
