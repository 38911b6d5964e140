"""The demo bilan in a real browser, offline; hostile comments show as text and never run."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from eco_eval.pipeline import build_bilan, run_ingest

from browser import open_page

HOSTILE = [
    "<script>window.__pwned=1;alert('x')</script>",
    '<img src=x onerror="window.__pwned=2">',
    '=HYPERLINK("http://evil.example","clic")',
    "<a href=javascript:window.__pwned=3>lien</a>",
]


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
    root = tmp_path_factory.mktemp("hostile") / "city"
    shutil.copytree(demo_project, root)
    feedback = next((root / "data" / "raw" / "retours").glob("results-survey*.csv"))
    assert _hostile_feedback(feedback) > 20
    mp = pytest.MonkeyPatch()
    mp.setenv("ECO_EVAL_KEY", "test-key-0123456789abcdef0123456789abcdef")
    try:
        run_ingest(root)
        result = build_bilan(root, "2017-Q4", pdf=True)
    finally:
        mp.undo()
    return result.html


@pytest.mark.browser
@pytest.mark.slow
def test_demo_bilan_offline_every_figure_drawn_no_console_error(
    hostile_bilan: Path, chromium: str, tmp_path: Path
):
    page, problems, requests, close = open_page(
        chromium, hostile_bilan, viewport={"width": 1100, "height": 900}
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
def test_scripted_comments_cannot_run(hostile_bilan: Path, chromium: str):
    page, problems, _, close = open_page(chromium, hostile_bilan)
    try:
        page.wait_for_timeout(500)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        text = page.inner_text("body")
        shown = [h for h in HOSTILE if h in text]
        assert shown, "the hostile comments should be quoted as text"
        assert not any(p.startswith("dialog") for p in problems)
        assert page.locator("main img, body img[src='x']").count() == 0
        print(f"{len(shown)} hostile comments shown as text; none ran")
    finally:
        close()


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
