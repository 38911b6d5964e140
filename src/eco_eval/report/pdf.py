"""Print the bilan's HTML page to PDF with headless Chromium.

Chromium is run as a one-shot command (``--print-to-pdf``) with a fresh profile in a temporary
directory, no sandbox (it often runs as root in containers and CI), no GPU, no background network,
no extensions or first-run tasks, and a host resolver that resolves nothing: the page is
self-contained, so anything it tried to fetch would be a bug, not something to wait for.
``--run-all-compositor-stages-before-draw`` and a virtual time budget let the plotly figures draw
before the page is printed. Page size and margins come from the page's CSS (``@page``, from the
theme); Chromium's own header and footer (date, file path) are off; the headings become the PDF's
bookmarks.

Chromium writes every link as an absolute URL, so a link to a page beside the bilan would name the
folder it was printed in (a staging folder, gone once published, and a path of the machine). The
printed PDF's ``file://`` links are rewritten relative to the page (``leviers/audace.html``), which
PDF readers resolve against the PDF's own folder; a ``file://`` link outside the page's folder is
removed (:func:`relative_links`).
"""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pikepdf

from eco_eval.errors import ReportFailed

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
INSTALL_HINT = (
    "install it with `apt-get install chromium` (or `make system-deps`), or pass chromium="
)


def find_chromium(chromium: str | os.PathLike[str] | None = None) -> str:
    """Path of the Chromium executable: ``chromium`` when given, else the first on PATH."""
    if chromium is not None:
        found = shutil.which(str(chromium))
        if found is None:
            raise ReportFailed(f"Chromium not found at {chromium}: {INSTALL_HINT}")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ReportFailed(f"Chromium is needed to print the PDF but is not installed: {INSTALL_HINT}")


def chromium_command(
    chromium: str, html: Path, pdf: Path, profile: Path, *, budget_ms: int = 15_000
) -> list[str]:
    """The Chromium command line that prints ``html`` to ``pdf``."""
    return [
        chromium,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",
        "--generate-pdf-document-outline",
        "--run-all-compositor-stages-before-draw",
        f"--virtual-time-budget={budget_ms}",
        f"--print-to-pdf={pdf}",
        html.resolve().as_uri(),
    ]


def _relative(uri: str, folder: Path) -> str | None:
    """``uri`` relative to ``folder`` when it is a ``file://`` URL inside it (its fragment kept);
    ``uri`` itself when it is not a ``file://`` URL; None for a file outside ``folder``."""
    parts = urlsplit(uri)
    if parts.scheme != "file":
        return uri
    target = Path(unquote(parts.path))
    try:
        rel = target.relative_to(folder)
    except ValueError:
        return None
    return rel.as_posix() + (f"#{parts.fragment}" if parts.fragment else "")


def relative_links(pdf: Path, folder: Path) -> int:
    """Rewrite the ``file://`` links of ``pdf`` relative to ``folder`` (the printed page's folder);
    drop those that point outside it, their target erased from the file. Returns the number of
    links changed or removed.

    qpdf (through pikepdf) rewrites the file in a few tens of milliseconds where a pure-Python
    writer copies every object of the page's figures first (about a second for the bilan)."""
    folder = folder.resolve()
    changed = 0
    with pikepdf.open(pdf) as document:
        for page in document.pages:
            annots = page.obj.get("/Annots")
            if annots is None:
                continue
            kept = []
            for annot in annots:
                action = annot.get("/A")
                uri = action.get("/URI") if action is not None else None
                new = _relative(str(uri), folder) if uri is not None else None
                if action is None or uri is None or new == str(uri):
                    kept.append(annot)
                    continue
                changed += 1
                if new is not None:
                    action.URI = pikepdf.String(new)
                    kept.append(annot)
                else:
                    # the tagged PDF's structure tree still refers to the annotation, so it is
                    # written even once off the page: its action loses the path, not just its place
                    action.URI = pikepdf.String("")
                    del annot.A
            if len(kept) != len(annots):
                page.obj.Annots = pikepdf.Array(kept)
        if changed:
            tmp = pdf.with_name(f".{pdf.name}.{uuid.uuid4().hex}.links")
            try:
                document.save(tmp)
                os.replace(tmp, pdf)
            finally:
                tmp.unlink(missing_ok=True)
    return changed


def _tail(text: str, lines: int = 3) -> str:
    useful = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(useful[-lines:]) or "no message"


def _print(executable: str, html: Path, out: Path, profile: Path, timeout: float) -> None:
    """One Chromium print of ``html`` to ``out``; :class:`ReportFailed` when it fails."""
    command = chromium_command(executable, html, out, profile)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ReportFailed(
            f"{html}: Chromium did not finish printing within {timeout:g} s (timeout=)"
        ) from exc
    except OSError as exc:
        raise ReportFailed(f"{executable}: cannot run Chromium ({exc}); {INSTALL_HINT}") from exc
    if done.returncode != 0 or not out.is_file() or out.read_bytes()[:5] != b"%PDF-":
        raise ReportFailed(
            f"{html}: Chromium failed to print a PDF (exit {done.returncode}): {_tail(done.stderr)}"
        )


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", html_lib.unescape(text)).split())


_TOC_LINK = re.compile(r'(<a href="#[^"]+">)(.*?)(</a>)', re.S)


def contents_pages(pdf: Path) -> dict[str, int]:
    """Each bookmark's title (spaces and ligatures normalised) and its page number (from 1)."""
    pages: dict[str, int] = {}
    with pikepdf.open(pdf) as document:
        numbers = {page.obj.objgen: n for n, page in enumerate(document.pages, start=1)}

        def walk(items: list[Any]) -> None:
            for item in items:
                target = _destination_page(document, item.destination)
                if target is not None and (n := numbers.get(target)) is not None:
                    pages.setdefault(_plain(str(item.title)), n)
                walk(item.children)

        with document.open_outline() as outline:
            walk(outline.root)
    return pages


def _destination_page(document: pikepdf.Pdf, destination: Any) -> tuple[int, int] | None:
    """The object number of the page a bookmark's destination shows: an explicit destination
    (``[page /XYZ left top zoom]``, what Chromium writes) or a named one."""
    if isinstance(destination, pikepdf.Name):
        destination = document.Root.get("/Dests", pikepdf.Dictionary()).get(destination)
    elif isinstance(destination, pikepdf.String):
        names = document.Root.get("/Names")
        if names is None or "/Dests" not in names:
            return None
        destination = pikepdf.NameTree(names.Dests).get(str(destination))
    if isinstance(destination, pikepdf.Dictionary):
        destination = destination.get("/D")
    if not isinstance(destination, pikepdf.Array) or len(destination) == 0:
        return None
    page = destination[0]
    return page.objgen if isinstance(page, pikepdf.Dictionary) else None


def with_page_numbers(page: str, pages: dict[str, int]) -> str:
    """The page with each entry of its table of contents (``nav.toc``) followed by the number of
    the printed page its heading is on (``<span class="toc-page">``)."""
    start = page.find('<nav class="toc"')
    if start < 0:
        return page
    end = page.index("</nav>", start)

    def number(m: re.Match[str]) -> str:
        n = pages.get(_plain(re.sub(r"<[^>]+>", "", m.group(2))))
        return m.group(0) if n is None else f'{m.group(0)}<span class="toc-page">{n}</span>'

    return page[:start] + _TOC_LINK.sub(number, page[start:end]) + page[end:]


#: Blocks every script of a page: its draft print only lays the headings out.
_NO_SCRIPTS = '<meta http-equiv="Content-Security-Policy" content="script-src \'none\'">'
_HEAD = re.compile(r"<head\b[^>]*>", re.I)


def without_scripts(page: str) -> str:
    """The page with its scripts blocked by a Content-Security-Policy, its layout unchanged where
    the figures' boxes have their own height (plotly's do)."""
    m = _HEAD.search(page)
    at = m.end() if m else 0
    return page[:at] + _NO_SCRIPTS + page[at:]


def previous_pages(pdf: Path | None) -> dict[str, int] | None:
    """The contents' pages of a PDF printed before (None when there is none, it has no
    bookmarks or it cannot be read: a damaged file only costs the draft print back)."""
    if pdf is None or not Path(pdf).is_file():
        return None
    try:
        return contents_pages(Path(pdf)) or None
    except (pikepdf.PdfError, OSError, ValueError, KeyError):
        return None


def html_to_pdf(
    html: Path,
    pdf: Path,
    *,
    chromium: str | os.PathLike[str] | None = None,
    timeout: float = 120,
    previous: Path | None = None,
) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium and return the PDF's path.

    A page with a table of contents is printed with the page of each heading written into the
    contents (:func:`with_page_numbers`). The pages come from a first print: a draft without
    the page's scripts (the figures are not drawn, their boxes keep their place, so it takes half
    the time), or, when ``previous`` is a PDF printed before from a page of the same report (the
    published bilan a rebuild replaces), that PDF's bookmarks, which spares the draft when the
    headings did not move. The final print's own bookmarks are checked against the numbers it
    shows; where they differ, the page is printed again with the final print's numbers.
    Both are copies of the page beside it, so that its relative links and scripts still resolve.
    The PDF is written to a temporary file next to ``pdf`` and renamed when complete, so a failure
    never leaves a broken file or touches a previous PDF. Raises :class:`ReportFailed` when
    Chromium is missing (with the command that installs it), fails, times out or writes no PDF.
    """
    html, pdf = Path(html), Path(pdf)
    if not html.is_file():
        raise ReportFailed(f"{html}: no HTML page to print")
    executable = find_chromium(chromium)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="eco-eval-chromium-") as profile:
        tmp = pdf.with_name(f".{pdf.name}.{uuid.uuid4().hex}.tmp")
        copy = html.with_name(f".{html.stem}.{uuid.uuid4().hex}.html")
        try:
            page = html.read_text(encoding="utf-8")
            if '<nav class="toc"' not in page:
                _print(executable, html, tmp, Path(profile), timeout)
            else:
                seeded = previous_pages(previous)
                if seeded is None:
                    copy.write_text(without_scripts(page), encoding="utf-8")
                    _print(executable, copy, tmp, Path(profile), timeout)
                pages = seeded if seeded is not None else contents_pages(tmp)
                # a draft's pages are those of this very page; a previous PDF's may be stale,
                # and a stale guess costs one print more than a draft does
                for _ in range(2 if seeded is None else 3):
                    copy.write_text(with_page_numbers(page, pages), encoding="utf-8")
                    _print(executable, copy, tmp, Path(profile), timeout)
                    printed = contents_pages(tmp)
                    if printed == pages:
                        break
                    pages = printed
            relative_links(tmp, html.parent)
            os.replace(tmp, pdf)
        finally:
            tmp.unlink(missing_ok=True)
            copy.unlink(missing_ok=True)
    return pdf
