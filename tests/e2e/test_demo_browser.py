"""The demo bilan in a real browser, offline; hostile text shows as text and never runs.

Hostile text goes into every free-text field a city's files carry into the published outputs:
the post-session comments (HTML, a script, a formula, a 4,000-character word) and the
directorate's actions file (action and owner). It is checked in the bilan and the lever deep
dives (browser), the PDF (text extraction, nothing cut at the page edge) and every CSV the run
publishes plus the ``indicators`` export (no formula, no markup).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from eco_eval.exports import compute_indicators, export_frame
from eco_eval.pipeline import run_all

from browser import Chromium

HOSTILE = [
    "<script>window.__pwned=1;alert('x')</script>",
    '<img src=x onerror="window.__pwned=2">',
    '=HYPERLINK("http://evil.example","clic")',
    "<a href=javascript:window.__pwned=3>lien</a>",
    "@SOMME(A1:A9)+cmd|' /C calc'!A0",
    "x" * 4000,  # one unbroken word: must wrap, not overflow the page
]
HOSTILE_ACTION = '<svg onload="window.__pwned=5">=1+1</svg> relancer'
HOSTILE_OWNER = "-2+3 <b onclick=alert(1)>chef</b>"


def _hostile_actions(path: Path) -> None:
    """The first action of the demo's actions file gets a hostile text and owner."""
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["actions"][0]["action"] = HOSTILE_ACTION
    doc["actions"][0]["owner"] = HOSTILE_OWNER
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def _hostile_feedback(path: Path) -> int:
    """Replace every comment of 2017-Q4 by hostile text, keeping LimeSurvey's export format."""
    raw = path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    header, body = rows[0], [r for r in rows[1:] if r]
    comm, date = header.index("COMM"), header.index("submitdate")
    changed = 0
    for i, r in enumerate(body):
        if r[date].startswith("2017-1"):
            r[comm] = HOSTILE[i % len(HOSTILE)]
            changed += 1
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    path.write_bytes(("\ufeff" + out.getvalue() + "\r\n").encode("utf-8"))
    return changed


@pytest.fixture(scope="module")
def hostile_bilan(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full run (bilan, PDF, deep dives, open data) of the demo with hostile free text."""
    root = tmp_path_factory.mktemp("hostile") / "city"
    shutil.copytree(demo_project, root)
    feedback = next((root / "data" / "raw" / "retours").glob("results-survey*.csv"))
    assert _hostile_feedback(feedback) > 20
    _hostile_actions(root / "actions.yaml")
    mp = pytest.MonkeyPatch()
    mp.setenv("ECO_EVAL_KEY", "test-key-0123456789abcdef0123456789abcdef")
    try:
        assert run_all(root, "2017-Q4", pdf=True)["ok"]
        export_frame(compute_indicators(root, "2017-Q4"), root / "exports" / "indicateurs.csv")
    finally:
        mp.undo()
    return root / "reports" / "2017-Q4" / "bilan.html"


@pytest.mark.browser
@pytest.mark.slow
def test_demo_bilan_offline_every_figure_drawn_no_console_error(
    hostile_bilan: Path, browser: Chromium, tmp_path: Path
):
    page, problems, requests, close = browser.open(
        hostile_bilan, viewport={"width": 1100, "height": 900}
    )
    try:
        page.wait_for_function(
            "Array.from(document.querySelectorAll('.plotly-graph-div')).every(d => d.querySelector('svg.main-svg'))",
            timeout=30_000,
        )
        n = page.locator(".plotly-graph-div").count()
        assert n >= 3
        assert problems == [] and requests == []
        page.screenshot(path=str(tmp_path / "demo-bilan.png"), full_page=True)
        print(f"{n} figures drawn offline, no console error, no network request")
    finally:
        close()


@pytest.mark.browser
@pytest.mark.slow
def test_scripted_comments_cannot_run(hostile_bilan: Path, browser: Chromium):
    pages = [hostile_bilan, *sorted((hostile_bilan.parent / "leviers").glob("*.html"))]
    assert len(pages) == 14  # the bilan, 12 deep dives, their index
    shown_anywhere: set[str] = set()
    for html in pages:
        page, problems, requests, close = browser.open(html)
        try:
            page.wait_for_timeout(300)
            assert page.evaluate("typeof window.__pwned") == "undefined", html.name
            text = page.inner_text("body")
            shown_anywhere |= {h for h in [*HOSTILE, HOSTILE_ACTION, HOSTILE_OWNER] if h in text}
            assert not any(p.startswith("dialog") for p in problems), (html.name, problems)
            assert page.locator("body img[src='x'], body svg[onload], b[onclick]").count() == 0
            assert requests == [], (html.name, requests)
        finally:
            close()
    # the comments are quoted as text somewhere (verbatims), the action and its owner in the bilan
    assert HOSTILE_ACTION in shown_anywhere and HOSTILE_OWNER in shown_anywhere
    assert len(shown_anywhere) >= 4, shown_anywhere
    print(f"{len(pages)} pages opened; {len(shown_anywhere)} hostile texts shown as text; none ran")


@pytest.mark.slow
def test_hostile_text_reaches_no_csv_as_a_formula_or_markup(hostile_bilan: Path):
    """Every CSV the run published (open data) and the ``indicators`` export: no cell a
    spreadsheet would run, no markup from the comments; the hostile action stays out."""
    root = hostile_bilan.parents[2]
    files = [*sorted((root / "reports").rglob("*.csv")), root / "exports" / "indicateurs.csv"]
    assert len(files) >= 4
    cells = 0
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    cells += 1
                    if cell[:1] in ("=", "+", "@") or (
                        cell[:1] == "-" and not cell[1:2].isdigit() and cell != "-"
                    ):
                        pytest.fail(f"{path.name}: formula-leading cell {cell[:60]!r}")
                    assert "<script" not in cell and "onerror" not in cell, path.name
                    assert "x" * 100 not in cell and "__pwned" not in cell, path.name
    print(f"{len(files)} CSV files, {cells} cells checked")


@pytest.mark.slow
def test_pdf_pages_convert_and_nothing_is_cut(hostile_bilan: Path, tmp_path: Path):
    pdf = hostile_bilan.with_suffix(".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 5
    # every word lies inside the page with its 15 mm margins (A4: 595 x 842 pt; 15 mm = 42.5 pt)
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    import re

    outside = []
    for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        bbox,
    ):
        x0, _y0, x1, _y1 = map(float, m.groups()[:4])
        if x0 < 42.5 - 1 or x1 > 595 - 42.5 + 1:
            outside.append(m.group(5))
    print(f"{len(pages)} pages; {bbox.count('<word ')} words checked")
    assert not outside, outside[:10]
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    printed = [w for w in ("<script>", "onerror", "HYPERLINK", "javascript:", "<svg") if w in text]
    assert len(printed) >= 2, "hostile comments and action printed as plain text"
