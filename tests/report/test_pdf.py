"""Printing the page to PDF with headless Chromium: pages exist, A4, no text beyond the margins."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from eco_eval.errors import ReportFailed
from eco_eval.report.pdf import (
    CHROMIUM_FLAGS,
    chromium_command,
    contents_pages,
    html_to_pdf,
    with_page_numbers,
    without_scripts,
)
from pdf_objects import pdf_strings

MM = 72 / 25.4  # PDF points per millimetre


def test_missing_chromium_names_the_fix(tmp_path: Path) -> None:
    html = tmp_path / "p.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(ReportFailed) as caught:
        html_to_pdf(html, tmp_path / "p.pdf", chromium=tmp_path / "no-such-chromium")
    assert "apt-get install chromium" in str(caught.value) and "make system-deps" in str(
        caught.value
    )
    assert not (tmp_path / "p.pdf").exists()


def test_missing_chromium_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = tmp_path / "p.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        ReportFailed, match="not installed: install it with `apt-get install chromium`"
    ):
        html_to_pdf(html, tmp_path / "p.pdf")


def test_command_is_headless_sandboxless_and_offline(tmp_path: Path) -> None:
    command = chromium_command(
        "/usr/bin/chromium", tmp_path / "p.html", tmp_path / "p.pdf", tmp_path / "profile"
    )
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
        "--run-all-compositor-stages-before-draw",
    ):
        assert flag in command
    assert f"--user-data-dir={tmp_path / 'profile'}" in command
    assert any(c.startswith("--virtual-time-budget=") for c in command)
    assert command[-1].startswith("file://")
    assert set(CHROMIUM_FLAGS) <= set(command)


def test_missing_page_keeps_the_previous_pdf(tmp_path: Path, chromium: str) -> None:
    previous = tmp_path / "p.pdf"
    previous.write_bytes(b"%PDF-previous")
    with pytest.raises(ReportFailed, match="no HTML page"):
        html_to_pdf(tmp_path / "missing.html", previous, chromium=chromium)
    assert previous.read_bytes() == b"%PDF-previous"


@pytest.mark.slow
@pytest.mark.browser
def test_bilan_prints_to_a4_pages_with_nothing_cut(
    bilan: dict[str, Path], chromium: str, tmp_path: Path
) -> None:
    for tool in ("pdftoppm", "pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install poppler-utils)")
    pdf = html_to_pdf(bilan["html"], tmp_path / "bilan.pdf", chromium=chromium)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert pages >= 3
    assert "(A4)" in info

    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages and all(image.stat().st_size > 2_000 for image in images)

    # Every word lies inside the page's margins (15 mm): text cut at the page edge would lie
    # beyond them, or be missing. The wide table's last column must be there, whole.
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))  # type: ignore[union-attr]
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', bbox
    )
    assert words
    for x_min, x_max, word in words:
        assert float(x_min) >= 15 * MM - 1, word
        assert float(x_max) <= width - 15 * MM + 1, word
    # -raw keeps the drawing order, so a word wrapped inside its cell reads back whole
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    joined = re.sub(r"\s+", "", text)
    assert joined.count("SENTINELLEDROITE") == 3
    assert joined.count("Directiondelaculturedupatrimoineetdesarchivesmunicipales") == 27
    assert "Sommaire" in text
    assert "< 5 pers." in text  # hidden values are printed as such, in tables and figures


def _printed(html: Path, body: str, pdf: Path) -> tuple[Path, PdfReader]:
    """``body`` written to ``html``, printed to ``pdf``, and read."""
    html.write_text(body, encoding="utf-8")
    return html_to_pdf(html, pdf), PdfReader(pdf)


def test_pdf_links_are_relative_to_the_page(tmp_path: Path) -> None:
    """Links to files beside the page print as relative links; a file outside is not linked;
    web links and the page's own anchors stay; the headings become bookmarks."""

    folder = tmp_path / "stage"
    (folder / "leviers").mkdir(parents=True)
    (folder / "leviers" / "a.html").write_text("<p>a</p>", encoding="utf-8")
    outside = tmp_path / "secret.html"
    outside.write_text("<p>s</p>", encoding="utf-8")
    pdf, reader = _printed(
        folder / "bilan.html",
        "<h1>Titre</h1><h2 id='s'>Section</h2>"
        "<p><a href='leviers/a.html#x'>fiche</a> <a href='#s'>ici</a> "
        f"<a href='{outside.as_uri()}'>dehors</a> <a href='https://example.org/'>web</a></p>",
        tmp_path / "out.pdf",
    )
    uris = [
        str(a.get_object()["/A"]["/URI"])
        for page in reader.pages
        for a in page.get("/Annots") or []
        if "/URI" in a.get_object().get("/A", {})
    ]
    assert sorted(uris) == ["https://example.org/", "leviers/a.html#x"]
    # the dropped link's annotation stays in the structure tree: no string of the file names it
    leaks = [s for s in pdf_strings(pdf) if str(tmp_path) in s or "file:" in s]
    assert leaks == []
    assert [o.title for o in reader.outline if not isinstance(o, list)][:1] == ["Titre"]


def test_the_contents_give_the_page_of_each_heading(tmp_path: Path) -> None:
    """A page with a table of contents is printed with the page number of each entry, read from
    the first print's bookmarks; the page printed is the one given (the copy is removed)."""
    filler = "<p>" + "texte " * 400 + "</p>"
    _, reader = _printed(
        tmp_path / "p.html",
        "<style>h2{break-before:page}</style><h1>Titre</h1>"
        '<nav class="toc"><ol><li><a href="#a">Première partie</a></li>'
        '<li><a href="#b">Seconde partie</a></li></ol></nav>'
        f'<h2 id="a">Première partie</h2>{filler}<h2 id="b">Seconde partie</h2>{filler}',
        tmp_path / "p.pdf",
    )
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Première partie2" in first.replace(" 2", "2") and "Seconde partie" in first
    second = next(
        i for i, p in enumerate(reader.pages) if "Seconde partie" in p.extract_text() and i
    )
    assert f"Seconde partie{second + 1}" in first.replace(f" {second + 1}", f"{second + 1}")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # copy removed
    assert with_page_numbers("<p>no contents</p>", {"x": 1}) == "<p>no contents</p>"


def test_a_heading_a_script_moves_gets_the_page_it_is_printed_on(tmp_path: Path) -> None:
    """The draft print runs no script; when a script moves a heading to another page, the final
    print's bookmarks disagree with the draft's and the page is printed again with them."""
    grow = "<p style=\\'break-after:page\\'>x</p>"
    _, reader = _printed(
        tmp_path / "p.html",
        "<html><head><style>h2{break-before:page}</style></head><body><h1>Titre</h1>"
        '<nav class="toc"><ol><li><a href="#b">Seconde partie</a></li></ol></nav>'
        '<div id="grow"></div><h2 id="b">Seconde partie</h2><p>fin</p>'
        f"<script>document.getElementById('grow').innerHTML = '{grow}'.repeat(3)</script>"
        "</body></html>",
        tmp_path / "p.pdf",
    )
    heading = next(
        i for i, p in enumerate(reader.pages) if "Seconde partie" in p.extract_text() and i
    )
    assert heading + 1 >= 4  # the script's three page breaks come before it
    first = " ".join(reader.pages[0].extract_text().split())
    assert f"Seconde partie{heading + 1}" in first.replace(f" {heading + 1}", f"{heading + 1}")
    assert without_scripts("<head><title>t</title></head>").startswith(
        '<head><meta http-equiv="Content-Security-Policy" content="script-src \'none\'">'
    )


def _contents_page(toc: list[str], parts: int) -> str:
    """A page whose table of contents lists ``toc`` and whose ``parts`` sections start pages."""
    filler = "<p>" + "texte " * 400 + "</p>"
    entries = "".join(f'<li><a href="#s{i}">{title}</a></li>' for i, title in enumerate(toc))
    sections = "".join(f'<h2 id="s{i}">{toc[i]}</h2>{filler}' for i in range(parts))
    return (
        "<style>h2{break-before:page}</style><h1>Titre</h1>"
        f'<nav class="toc"><ol>{entries}</ol></nav>{sections}'
    )


def _numbers(reader: PdfReader) -> str:
    """The first page's text, each number joined to the title before it ("Seconde partie3")."""
    return re.sub(r"\s+(\d)", r"\1", " ".join(reader.pages[0].extract_text().split()))


@pytest.fixture
def prints(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages Chromium prints from now on, by file name, in order."""
    from eco_eval.report import pdf as pdf_module

    printed: list[str] = []
    real = pdf_module._print
    monkeypatch.setattr(
        pdf_module, "_print", lambda exe, html, *a: printed.append(html.name) or real(exe, html, *a)
    )
    return printed


def test_a_previous_pdf_of_the_page_spares_the_draft_print(
    tmp_path: Path, prints: list[str]
) -> None:
    """Rebuilding a bilan: the published PDF gives the headings' pages, the page is printed
    once; the same PDF as a print from a draft."""
    toc = ["Première partie", "Seconde partie", "Troisième partie"]
    html = tmp_path / "p.html"
    html.write_text(_contents_page(toc, 3), encoding="utf-8")
    first = html_to_pdf(html, tmp_path / "first.pdf")
    assert len(prints) == 2  # the draft, then the final print
    prints.clear()
    again = html_to_pdf(html, tmp_path / "again.pdf", previous=first)
    assert len(prints) == 1
    assert _numbers(PdfReader(again)) == _numbers(PdfReader(first))
    assert "Seconde partie3" in _numbers(PdfReader(again))


def test_a_stale_or_damaged_previous_pdf_still_gives_the_printed_pages(
    tmp_path: Path, prints: list[str]
) -> None:
    toc = ["Première partie", "Seconde partie", "Troisième partie"]
    old = tmp_path / "old.html"
    old.write_text(_contents_page(toc, 3), encoding="utf-8")
    stale = html_to_pdf(old, tmp_path / "stale.pdf")
    # the new page has a section more before the others: every heading moved one page on
    html = tmp_path / "p.html"
    html.write_text(_contents_page(["Avant-propos", *toc], 4), encoding="utf-8")
    prints.clear()
    reader = PdfReader(html_to_pdf(html, tmp_path / "p.pdf", previous=stale))
    assert len(prints) == 2  # the guess, then the print with the pages it showed
    first = _numbers(reader)
    for title in ["Avant-propos", *toc]:
        page = next(i for i, p in enumerate(reader.pages) if i and title in p.extract_text())
        assert f"{title}{page + 1}" in first, (title, first)
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7\nnot a pdf")
    prints.clear()
    again = html_to_pdf(html, tmp_path / "again.pdf", previous=damaged)
    assert len(prints) == 2  # the draft, then the final print
    assert _numbers(PdfReader(again)) == first


def test_bookmarks_to_named_destinations_give_their_pages(tmp_path: Path) -> None:
    """Chromium's bookmarks point at their pages directly; those of another producer may name a
    destination (in the catalogue's /Dests or in its names tree): each gives its page all the same,
    and one that leads nowhere is left out."""
    document = pikepdf.new()
    for _ in range(3):
        document.add_blank_page()
    third = document.pages[2].obj
    document.Root.Dests = pikepdf.Dictionary(Trois=pikepdf.Array([third, pikepdf.Name.Fit]))
    document.Root.Names = pikepdf.Dictionary(
        Dests=pikepdf.Dictionary(
            Names=pikepdf.Array(["deux", pikepdf.Dictionary(D=[document.pages[1].obj])])
        )
    )
    with document.open_outline() as outline:
        outline.root.extend(
            [
                pikepdf.OutlineItem("Un", 0),
                pikepdf.OutlineItem("Deux", pikepdf.String("deux")),
                pikepdf.OutlineItem("Trois", pikepdf.Name("/Trois")),
                pikepdf.OutlineItem("Nulle part", pikepdf.String("absent")),
            ]
        )
    document.save(tmp_path / "named.pdf")
    assert contents_pages(tmp_path / "named.pdf") == {"Un": 1, "Deux": 2, "Trois": 3}
