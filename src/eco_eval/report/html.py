"""An executed notebook as one self-contained HTML page: outputs and Markdown, no code.

The page is rendered by nbconvert with the bilan template (``_data/report/page.html.j2``, over
JupyterLab's cell rendering) and the theme's CSS. It loads nothing from the network:

- plotly.js, from the installed plotly package, is loaded once in the head, and only when the page
  has a figure; figures are small ``Plotly.newPlot`` calls (see :func:`eco_eval.report.figures.show`).
  plotly.js and the page's CSS are inlined, or (``assets=``) read from one folder of the published
  folder that every page of it shares (:func:`write_asset`);
  A figure shown with ``fig.show()`` (plotly's own MIME bundle) is converted the same way, and an
  output that embeds the whole plotly.js again (``init_notebook_mode``) is dropped;
- no require.js, MathJax or widget manager from a CDN (the lab template would add them);
- Markdown is rendered with raw HTML *escaped*, so text cannot inject markup or scripts. Outputs of
  type ``text/html`` are kept as they are: build them with :func:`~eco_eval.report.tables.html_table`
  or :func:`~eco_eval.report.figures.show`, which escape what they print.

Cells tagged ``remove-cell`` are left out, those tagged ``remove-output`` lose their outputs, and a
cell tagged ``page-break`` starts a new printed page. Warnings a cell wrote to stderr are logged,
not published. A table of contents (levels 2 and 3, or 1 and 2 when the notebook has no level-2
heading) with anchors comes just before the first section, whether headings are Markdown or HTML
outputs. A French page gets French typography (:mod:`eco_eval.report.typography`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import html as html_lib
import logging
import os
import re
import threading
import uuid
from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import nbformat
from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import TagRemovePreprocessor
from plotly.offline import get_plotlyjs

from eco_eval.errors import ReportFailed
from eco_eval.report.figures import PLOTLY_MIME, figure_html
from eco_eval.report.fmt import fmt_date
from eco_eval.report.i18n import check_lang, label_file
from eco_eval.report.theme import data_path, load_theme
from eco_eval.report.typography import french_html

log = logging.getLogger(__name__)

PLOTLYJS_MARKER = "<!--eco-eval:plotlyjs-->"
_PLOTLYJS_BUNDLE = re.compile(r"\*\s*plotly\.js v\d")  # the banner at the top of plotly.min.js
_HEADING = re.compile(r"<h([1-6])(\s[^>]*)?>(.*?)</h\1>", re.S)
_ID = re.compile(r'\sid="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")


_URL_ATTR = re.compile(
    r"(\s(?:href|src|action|formaction|xlink:href|poster)\s*=\s*)([\"'])(.*?)\2", re.I | re.S
)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
_IMAGE_DATA = re.compile(r"^data:image/(?:png|jpeg|gif|webp)[;,]", re.I)


def safe_urls(page: str) -> str:
    """``page`` with every link and source that is neither relative nor ``https`` (``http:``,
    ``javascript:``, ``data:`` but embedded raster images, ``file:``...) replaced by ``#``."""

    def check(m: re.Match[str]) -> str:
        value = html_lib.unescape(m.group(3))
        value = "".join(ch for ch in value if ch > " ")  # "java\tscript:" is still javascript:
        scheme = _SCHEME.match(value)
        ok = (
            scheme is None
            or scheme.group(1).lower() == "https"
            or (m.group(1).strip().lower().startswith("src") and _IMAGE_DATA.match(value))
        )
        return m.group(0) if ok else f"{m.group(1)}{m.group(2)}#{m.group(2)}"

    return _URL_ATTR.sub(check, page)


class _EscapingRenderer(IPythonRenderer):
    """Markdown renderer that shows raw HTML as text, exactly as written."""

    def inline_html(self, html: str) -> str:
        return html_lib.escape(html)

    def block_html(self, html: str) -> str:
        return f"<p>{html_lib.escape(html.strip())}</p>\n"


class _BilanExporter(HTMLExporter):
    """HTMLExporter whose Markdown filter escapes raw HTML (text cannot inject markup)."""

    @pass_context
    def markdown2html(self, context: Any, source: str) -> str:
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        renderer = _EscapingRenderer(
            escape=True,
            allow_harmful_protocols=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=path,
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
        )
        return str(MarkdownWithMath(renderer=renderer).render(source))


@functools.lru_cache(maxsize=1)
def plotlyjs_source() -> str:
    """plotly.min.js of the installed plotly package (the version that wrote the figures), read
    once per process (4.8 MB: a run's thirteen pages share it)."""
    return str(get_plotlyjs())


#: The folder, in a period's published folder, of the files its pages share.
ASSETS_DIR = "assets"
PLOTLYJS_NAME = "plotly.min.js"
CSS_NAME = "bilan.css"


def write_asset(path: Path, content: str) -> Path:
    """Write ``content`` at ``path`` unless the same file is already there; return ``path``.

    One copy per published folder, shared by its pages (``<script src>``, ``<link>``, read from
    the folder itself, so that the pages still work offline and from ``file://``)."""
    data = content.encode("utf-8")
    path = Path(path)
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _normalise_outputs(nb: nbformat.NotebookNode) -> bool:
    """Make plotly outputs plotly.js-free and drop stderr; return True when a figure remains."""
    has_figure = False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.get("name") == "stderr":
                first = str(output.get("text", "")).strip().splitlines()[:1]
                log.warning(
                    "cell %d wrote to stderr (not published): %s", index, first[0] if first else ""
                )
                continue
            data = output.get("data", {})
            if PLOTLY_MIME in data:
                # figures.show() or fig.show(): a Plotly.newPlot call, plotly.js left to the page
                output.data = nbformat.from_dict(
                    {"text/html": figure_html(dict(data[PLOTLY_MIME]))}
                )
                data = output.data
            page = str(data.get("text/html", ""))
            if _PLOTLYJS_BUNDLE.search(page) and len(page) > 100_000:
                log.info(
                    "cell %d: dropped an output that embeds plotly.js (the page has it once)", index
                )
                continue
            has_figure = has_figure or "Plotly.newPlot" in page
            kept.append(output)
        cell.outputs = kept
    return has_figure


def _first_title(nb: nbformat.NotebookNode) -> str | None:
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in str(cell.source).splitlines():
            if m := re.match(r"^#\s+(.+?)\s*#*\s*$", line):
                return re.sub(r"[*_`]", "", m.group(1)).strip()
    return None


def _heading_text(inner: str) -> str:
    inner = re.sub(r'<a class="anchor-link".*?</a>', "", inner, flags=re.S)
    return html_lib.unescape(_TAG.sub("", inner)).strip()


def _add_toc(page: str, contents_label: str) -> str:
    """Give every heading a unique id and put a table of contents before the first section.

    Headings come from Markdown cells (nbconvert gives them ids) and from HTML outputs (which may
    not have one: it is then made from the text). The contents list levels 2 and 3 (1 and 2 when
    there is no level 2; the first level-1 heading, the title, is left out).
    """
    seen: dict[str, int] = {}
    found: list[tuple[int, str, str]] = []

    def unique(m: re.Match[str]) -> str:
        level, attrs, inner = int(m.group(1)), m.group(2) or "", m.group(3)
        text = _heading_text(inner)
        has_id = _ID.search(attrs)
        ident = (
            has_id.group(1) if has_id else html_lib.escape(re.sub(r"\s+", "-", text), quote=True)
        )
        count = seen.get(ident, 0) + 1
        seen[ident] = count
        new = ident if count == 1 else f"{ident}-{count}"
        if has_id:
            attrs = attrs.replace(has_id.group(0), f' id="{new}"')
            inner = inner.replace(f'href="#{ident}"', f'href="#{new}"')
        else:
            attrs = f'{attrs} id="{new}"'
        found.append((level, new, text))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    page = _HEADING.sub(unique, page)
    levels = [lv for lv, _, _ in found]
    top = 2 if 2 in levels else 1
    entries = [(lv, ident, text) for lv, ident, text in found if top <= lv <= top + 1]
    if top == 1 and entries and entries[0][0] == 1:
        entries = entries[1:]  # the title itself
    if not entries:
        return page
    # two levels: sections, each with its subsections
    tree: list[tuple[tuple[str, str] | None, list[tuple[str, str]]]] = []
    for lv, ident, text in entries:
        if lv == top:
            tree.append(((ident, text), []))
            continue
        if not tree:
            tree.append((None, []))
        tree[-1][1].append((ident, text))

    def link(ident: str, text: str) -> str:  # ident is attribute text, already escaped
        return f'<a href="#{ident}">{html_lib.escape(text)}</a>'

    items = []
    for head, subs in tree:
        sub = "".join(f"<li>{link(*s)}</li>" for s in subs)
        items.append(f"<li>{link(*head) if head else ''}{f'<ol>{sub}</ol>' if sub else ''}</li>")
    label = html_lib.escape(contents_label)
    toc = f'<nav class="toc" aria-label="{label}"><p class="toc-title">{label}</p><ol>{"".join(items)}</ol></nav>'
    at = page.rfind("<h", 0, page.index(f'id="{entries[0][1]}"'))
    return page[:at] + toc + page[at:]


def _package_version() -> str:
    try:
        return version("eco-eval")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "dev"


def _footer(nb: nbformat.NotebookNode, lang: str) -> str:
    """'Report generated on <day the notebook ran> by eco_eval <version>.'"""
    stamp = nb.metadata.get("papermill", {}).get("end_time")
    day: date = date.today()
    if stamp:
        with contextlib.suppress(ValueError):
            day = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).date()
    text = label_file(lang)["report.generated_on"]
    return text.format(date=fmt_date(day, lang), version=_package_version())


_EXPORTERS = threading.local()


def _exporter() -> _BilanExporter:
    """This thread's page exporter, made on first use. nbconvert compiles the Jinja templates
    once per exporter, which is half the cost of converting a deep dive; the exporter is not
    shared between threads (a run converts the bilan and the deep dives at the same time)."""
    exporter: _BilanExporter | None = getattr(_EXPORTERS, "exporter", None)
    if exporter is None:
        exporter = _BilanExporter(
            template_file=str(data_path("report", "page.html.j2")),
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            anchor_link_text="¶",
        )
        remove = TagRemovePreprocessor(
            remove_cell_tags={"remove-cell", "remove_cell"},
            remove_all_outputs_tags={"remove-output", "remove_output"},
            enabled=True,
        )
        exporter.register_preprocessor(remove, enabled=True)
        _EXPORTERS.exporter = exporter
    return exporter


def notebook_to_html(
    executed_notebook: Path,
    output_html: Path,
    *,
    lang: str = "fr",
    title: str | None = None,
    assets: str | None = None,
) -> Path:
    """Write the executed notebook as an HTML page and return its path.

    Parameters
    ----------
    executed_notebook
        A notebook executed by :func:`eco_eval.report.runner.execute_notebook`.
    output_html
        Where to write the page; written to a temporary file first, then renamed, so that a
        failure leaves any previous page untouched.
    lang
        Language of the page (``<html lang>``, table of contents, footer).
    title
        The page's ``<title>``; by default the notebook's first level-1 heading.
    assets
        None: plotly.js and the CSS are inlined (a self-contained page). The relative URL of a
        folder (``"assets"``, ``"../assets"``): the page loads them from there, where they are
        written (relative to the page) by :func:`write_asset`, plotly.js only when the page has a
        figure.
    """
    check_lang(lang)
    executed_notebook, output_html = Path(executed_notebook), Path(output_html)
    try:
        nb = nbformat.read(executed_notebook, as_version=4)
    except (OSError, ValueError) as exc:
        raise ReportFailed(
            f"{executed_notebook}: cannot read the executed notebook ({exc})"
        ) from exc
    nb = copy.deepcopy(nb)
    has_figure = _normalise_outputs(nb)
    css = data_path("report", "bilan.css").read_text(encoding="utf-8")
    if assets is not None:
        write_asset(output_html.parent / assets / CSS_NAME, css)
    theme = load_theme()
    labels = label_file(lang)
    resources = {
        "metadata": {"name": executed_notebook.stem, "path": str(executed_notebook.parent)},
        "eco_eval": {
            "lang": lang,
            "title": title or _first_title(nb) or labels["report.title"],
            "version": _package_version(),
            "css": "" if assets is not None else css,
            "css_href": f"{assets}/{CSS_NAME}" if assets is not None else "",
            "css_variables": theme.css_variables(),
            "page": dict(theme.page),
            "skip_label": labels["report.skip_to_content"],
            "footer": _footer(nb, lang),
        },
    }
    try:
        page, _ = _exporter().from_notebook_node(nb, resources=resources)
    except Exception as exc:  # nbconvert raises many kinds; all mean "no page"
        raise ReportFailed(
            f"{executed_notebook}: HTML conversion failed: {type(exc).__name__}: {exc}"
        ) from exc
    page = safe_urls(_add_toc(page, labels["report.contents"]))
    if lang == "fr":
        page = french_html(page)
    script = ""
    if has_figure and assets is not None:
        write_asset(output_html.parent / assets / PLOTLYJS_NAME, plotlyjs_source())
        src = html_lib.escape(f"{assets}/{PLOTLYJS_NAME}", quote=True)
        script = f'<script src="{src}"></script>'
    elif has_figure:
        script = "<script>\n" + plotlyjs_source().replace("</script", "<\\/script") + "\n</script>"
    page = page.replace(PLOTLYJS_MARKER, script, 1)
    output_html.parent.mkdir(parents=True, exist_ok=True)
    # a sibling temporary file (same file system, so the rename is atomic; ordinary permissions)
    tmp = output_html.with_name(f".{output_html.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, output_html)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return output_html
