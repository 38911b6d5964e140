"""The HTML page: no code, plotly.js once and offline, escaped text, a table of contents, tables
that fit the printed page. Browser tests open the page from disk with networking off."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from eco_eval.errors import ReportFailed
from eco_eval.report import figures as F
from eco_eval.report.html import ASSETS_DIR, notebook_to_html, plotlyjs_source
from eco_eval.report.i18n import Labels

from .conftest import HOSTILE_IMG, HOSTILE_SCRIPT, code, md
from browser import Chromium

WriteNotebook = Callable[..., Path]
PLOTLYJS_FILE = f"{ASSETS_DIR}/plotly.min.js"
PLOTLY_BANNER = re.compile(r"\*\s*plotly\.js v\d")


def _display(html: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "<HTML>"})


def _without_plotlyjs(page: str) -> str:
    """The page with the embedded plotly.js removed (its source mentions map-tile servers)."""
    start = PLOTLY_BANNER.search(page)
    assert start is not None
    end = page.index("</script>", start.start())
    return page[: start.start()] + page[end:]


def _executed(
    cells: list[nbformat.NotebookNode], outputs: dict[int, list[nbformat.NotebookNode]]
) -> list[nbformat.NotebookNode]:
    for index, outs in outputs.items():
        cells[index].outputs = outs
    return cells


@pytest.fixture
def two_figures(write_notebook: WriteNotebook, tidy: pd.DataFrame, labels: Labels) -> Path:
    fig_a = F.figure_html(F.trend(tidy, "reach_rate", labels))
    fig_b = F.figure_html(F.bar_with_ci(tidy, "reach_rate", labels, period="2016-Q1"))
    cells = [
        md("# Titre du bilan"),
        code("period = '2016-Q1'", "parameters"),
        code("secret_code_marker_4711 = show(trend(frame))"),
        md("## Partie A"),
        code("show(bar(frame))"),
        md("### Sous-partie"),
        md("## Partie A"),
    ]
    return write_notebook(_executed(cells, {2: [_display(fig_a)], 4: [_display(fig_b)]}))


def test_page_has_no_code_and_no_prompts(two_figures: Path, tmp_path: Path) -> None:
    page = notebook_to_html(two_figures, tmp_path / "p.html").read_text(encoding="utf-8")
    assert "secret_code_marker_4711" not in page and "period = " not in page
    assert (
        "In&nbsp;[" not in page and "Out[" not in page and 'class="jp-InputArea-editor' not in page
    )


def test_plotlyjs_once_and_nothing_from_the_network(two_figures: Path, tmp_path: Path) -> None:
    page = notebook_to_html(two_figures, tmp_path / "p.html").read_text(encoding="utf-8")
    assert len(PLOTLY_BANNER.findall(page)) == 1
    assert page.count("Plotly.newPlot(") == 2
    assert page.index("plotly.js v") < page.index("</head>")
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?https?:", page, re.I)
    rest = _without_plotlyjs(page)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", rest))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls  # plotly's SVG namespace, not a request
    assert "cdn" not in rest.lower() and "require.js" not in rest and "mathjax" not in rest.lower()
    assert plotlyjs_source()[:200] in page


def test_page_without_figures_has_no_plotlyjs(
    write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    nb = write_notebook([md("# Rien\n\nDu texte.")])
    page = notebook_to_html(nb, tmp_path / "p.html").read_text(encoding="utf-8")
    assert "plotly.js v" not in page and "<script" not in page


def test_lang_title_and_table_of_contents(two_figures: Path, tmp_path: Path) -> None:
    page = notebook_to_html(two_figures, tmp_path / "p.html", lang="en").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<title>Titre du bilan</title>" in page
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S)
    assert toc is not None and "Contents" in toc.group(0)
    links = re.findall(r'href="#([^"]+)"', toc.group(0))
    assert links == ["Partie-A", "Sous-partie", "Partie-A-2"]
    for anchor in links:  # every entry points at a heading that has that id
        assert re.search(rf'<h[23][^>]*id="{re.escape(anchor)}"', page)
    assert page.index("<h1") < toc.start() < page.index("<h2")  # after the title


def test_headings_of_html_outputs_are_in_the_contents(
    write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    cells = [md("# Titre"), code("HTML(cover)"), code("HTML(section)")]
    cells[1].outputs = [_display("<h1>Couverture</h1><p>Période</p>")]
    cells[2].outputs = [
        _display(
            '<h2 id="summary">Synthèse</h2><h3>Détail &amp; suite</h3><h3>Détail &amp; suite</h3>'
        )
    ]
    page = notebook_to_html(write_notebook(cells), tmp_path / "p.html").read_text(encoding="utf-8")
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S)
    assert toc is not None
    assert re.findall(r'href="#([^"]+)"', toc.group(0)) == [
        "summary",
        "Détail-&amp;-suite",
        "Détail-&amp;-suite-2",
    ]
    assert ">Détail &amp; suite</a>" in toc.group(0)
    assert '<h3 id="Détail-&amp;-suite-2">' in page
    assert page.index("Couverture") < toc.start() < page.index('<h2 id="summary"')


def test_title_can_be_given(two_figures: Path, tmp_path: Path) -> None:
    page = notebook_to_html(two_figures, tmp_path / "p.html", title="Bilan <2016>").read_text(
        encoding="utf-8"
    )
    assert "<title>Bilan &lt;2016&gt;</title>" in page


def test_markdown_shows_raw_html_as_text(write_notebook: WriteNotebook, tmp_path: Path) -> None:
    nb = write_notebook(
        [md(f"# T\n\nAvant {HOSTILE_SCRIPT} et {HOSTILE_IMG}.\n\n<div onclick='x()'>bloc</div>")]
    )
    page = notebook_to_html(nb, tmp_path / "p.html").read_text(encoding="utf-8")
    assert (
        "<script>window.__pwned" not in page
        and "<img src=x" not in page
        and "<div onclick" not in page
    )
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page


def test_outputs_stderr_tags_and_plotly_mime(
    write_notebook: WriteNotebook, tmp_path: Path, tidy: pd.DataFrame, labels: Labels
) -> None:
    fig = F.trend(tidy, "reach_rate", labels)
    bundle = nbformat.v4.new_output(
        "display_data",
        data={
            "application/vnd.plotly.v1+json": fig.to_plotly_json(),
            "text/html": "<div>embedded</div>",
        },
    )
    whole_js = _display("<script>/**\n* plotly.js v9.9.9\n*/" + "x" * 200_000 + "</script>")
    cells = [
        md("# T"),
        code("print"),
        code("hidden"),
        code("outputs hidden"),
        code("fig.show()"),
    ]
    cells[1].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="visible <b>stdout</b>\n"),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: stderr_marker_2718\n"),
    ]
    cells[2].metadata["tags"] = ["remove-cell"]
    cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="removed cell\n")]
    cells[3].metadata["tags"] = ["remove-output"]
    cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="removed output\n")]
    cells[4].outputs = [whole_js, bundle]
    page = notebook_to_html(write_notebook(cells), tmp_path / "p.html").read_text(encoding="utf-8")
    assert "visible &lt;b&gt;stdout&lt;/b&gt;" in page
    assert (
        "stderr_marker_2718" not in page
        and "removed cell" not in page
        and "removed output" not in page
    )
    assert "plotly.js v9.9.9" not in page and len(PLOTLY_BANNER.findall(page)) == 1
    assert page.count("Plotly.newPlot(") == 1 and "embedded" not in page


def test_failed_conversion_keeps_the_previous_page(tmp_path: Path) -> None:
    previous = tmp_path / "p.html"
    previous.write_text("previous page", encoding="utf-8")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReportFailed, match="cannot read the executed notebook"):
        notebook_to_html(broken, previous)
    assert previous.read_text(encoding="utf-8") == "previous page"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_executed_bilan_page(bilan: dict[str, Path]) -> None:
    page = bilan["html"].read_text(encoding="utf-8")
    assert len(PLOTLY_BANNER.findall(page)) == 1
    assert page.count("Plotly.newPlot(") == 7  # 6 eco_eval figures and one fig.show()
    assert "secret_code_marker_4711" not in page
    assert "sortie texte visible" in page and "avertissement invisible" not in page
    assert "cellule retirée" not in page
    assert "<script>window.__pwned" not in page and "<img src=x onerror" not in page
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.I)
    assert '<html lang="fr">' in page and "Sommaire" in page
    assert "Rapport généré le" in page


# --- in a browser -------------------------------------------------------------------------------


@pytest.mark.browser
def test_figures_render_offline_without_errors(
    bilan: dict[str, Path], browser: Chromium, tmp_path: Path
) -> None:
    page, problems, requests, close = browser.open(
        bilan["html"], viewport={"width": 1000, "height": 900}
    )
    try:
        page.wait_for_function(
            "Array.from(document.querySelectorAll('.plotly-graph-div')).every(d => d.querySelector('svg.main-svg'))",
            timeout=15_000,
        )
        divs = page.locator(".plotly-graph-div")
        assert divs.count() == 7
        for i in range(divs.count()):
            assert divs.nth(i).locator("svg.main-svg").count() >= 1
            assert divs.nth(i).bounding_box()["height"] > 100  # type: ignore[index]
        assert problems == [] and requests == []
        page.screenshot(path=str(tmp_path / "bilan.png"), full_page=True)
        assert (tmp_path / "bilan.png").stat().st_size > 10_000
    finally:
        close()


@pytest.mark.browser
def test_hostile_text_is_shown_not_run(bilan: dict[str, Path], browser: Chromium) -> None:
    page, _, _, close = browser.open(bilan["html"])
    try:
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        text = page.inner_text("main")
        assert HOSTILE_SCRIPT in text and HOSTILE_IMG in text  # in the Markdown and in the table
        assert page.locator("main img").count() == 0
        cells = page.locator("table.eco-table td").all_inner_texts()
        assert HOSTILE_SCRIPT in cells and HOSTILE_IMG in cells
    finally:
        close()


@pytest.mark.browser
def test_tables_and_figures_fit_the_printed_width(
    bilan: dict[str, Path], browser: Chromium
) -> None:
    # In print the layout width is the page's content box: A4 (210 mm) minus 2 x 15 mm margins,
    # 180 mm = 680 px at 96 px per inch. Emulate that viewport with print media.
    page, _, _, close = browser.open(bilan["html"], viewport={"width": 680, "height": 1000})
    try:
        page.emulate_media(media="print")
        page.wait_for_timeout(300)
        sizes = page.evaluate(
            """() => {
              const main = document.querySelector('main').getBoundingClientRect();
              const boxes = sel => Array.from(document.querySelectorAll(sel)).map(e => {
                const r = e.getBoundingClientRect();
                return {right: r.right, left: r.left, scroll: e.scrollWidth, client: e.clientWidth};
              });
              return {main: {left: main.left, right: main.right, width: main.width},
                      tables: boxes('table'), figures: boxes('.plotly-graph-div svg.main-svg')};
            }"""
        )
        assert sizes["main"]["width"] <= 181 * 96 / 25.4  # 180 mm
        assert len(sizes["tables"]) == 3
        for box in sizes["tables"] + sizes["figures"]:
            assert box["left"] >= sizes["main"]["left"] - 1
            assert box["right"] <= sizes["main"]["right"] + 1, box
        for box in sizes["tables"]:
            assert box["scroll"] <= box["client"] + 1, box
    finally:
        close()


def test_pages_of_a_folder_share_one_plotlyjs(
    two_figures: Path, write_notebook: WriteNotebook, tmp_path: Path
) -> None:
    top = notebook_to_html(two_figures, tmp_path / "bilan.html", assets=ASSETS_DIR)
    deep = notebook_to_html(two_figures, tmp_path / "leviers" / "a.html", assets=f"../{ASSETS_DIR}")
    bare = notebook_to_html(
        write_notebook([md("# Rien")]), tmp_path / "leviers" / "b.html", assets="../x"
    )
    shared = tmp_path / PLOTLYJS_FILE
    assert shared.read_text(encoding="utf-8") == plotlyjs_source()
    for page, src in ((top, PLOTLYJS_FILE), (deep, f"../{PLOTLYJS_FILE}")):
        text = page.read_text(encoding="utf-8")
        assert not PLOTLY_BANNER.search(text) and f'<script src="{src}"></script>' in text
        assert len(text) < 200_000  # the figures only, not plotly.js
    assert "<script" not in bare.read_text(encoding="utf-8")  # no figure, no plotly.js
    assert not (tmp_path / "x" / "plotly.min.js").exists()
    # the CSS too, once, linked by every page
    css = (tmp_path / ASSETS_DIR / "bilan.css").read_text(encoding="utf-8")
    for page, href in ((top, "assets/bilan.css"), (deep, "../assets/bilan.css")):
        text = page.read_text(encoding="utf-8")
        assert re.search(rf'<link[^>]*href="{re.escape(href)}"', text) and css[:300] not in text


@pytest.mark.browser
def test_shared_plotlyjs_draws_offline(
    two_figures: Path, browser: Chromium, tmp_path: Path
) -> None:
    deep = notebook_to_html(two_figures, tmp_path / "leviers" / "a.html", assets=f"../{ASSETS_DIR}")
    page, problems, requests, close = browser.open(deep)
    try:
        page.wait_for_function(
            "Array.from(document.querySelectorAll('.plotly-graph-div')).every(d => d.querySelector('svg.main-svg'))",
            timeout=15_000,
        )
        assert page.locator(".plotly-graph-div svg.main-svg").count() >= 2
        assert problems == [] and requests == []
    finally:
        close()
