"""The published demo bilan read as its readers read it: on screen, on paper, in French.

Each test fails on one defect the readers found: a word or a number broken inside a table cell,
a plain space where French typography wants a narrow no-break space, an absolute path or a
``file://`` link in a published file or in the PDF's links, a label cut by a plot area, a PDF
page more than half empty that does not end a section, a first page that does not decide on one
A4 page, a claim about an effect worded outside the wording policy, a French sentence left in
the English bilan.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from eco_eval.bilan.wellbeing import wellbeing_labels
from eco_eval.bilan.wording import claim_patterns
from eco_eval.report.typography import typography_problems
from pdf_objects import pdf_strings
from session_folder import session_folder

from browser import Chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser]

#: Reads a text-to-check out of a page: the visible text of <main>, figures left out (plotly
#: writes its own axis labels).
MAIN_TEXT = """(drop) => {
  const main = document.querySelector('main').cloneNode(true);
  main.querySelectorAll('.plotly-graph-div, script, style' + (drop || '')).forEach(e => e.remove());
  document.body.appendChild(main); main.style.position = 'absolute';
  const text = main.innerText; main.remove(); return text;
}"""

#: Every table cell whose unit cannot fit its column: a word (a number, an interval or any figure
#: cell as a whole) wider than the cell's content box, i.e. broken across lines.
BROKEN_CELLS = """() => {
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
  document.body.appendChild(probe);
  const bad = [];
  for (const cell of document.querySelectorAll('main table td, main table th')) {
    const text = cell.innerText.trim();
    if (!text || cell.classList.contains('text')) continue;
    const cs = getComputedStyle(cell);
    for (const k of ['fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'fontVariantNumeric', 'letterSpacing'])
      probe.style[k] = cs[k];
    const room = cell.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const units = cell.classList.contains('num') ? [text] : text.split(/[ \\n\\t]+|(?<=-)/);
    for (const unit of units) {
      probe.textContent = unit;
      const width = probe.getBoundingClientRect().width;
      if (width > room + 1) bad.push(`${unit} (${width.toFixed(0)} px in ${room.toFixed(0)} px)`);
    }
  }
  probe.remove();
  return bad;
}"""

#: Every text of a plotly figure that reaches outside the figure.
CUT_LABELS = """() => {
  const bad = [];
  for (const div of document.querySelectorAll('.plotly-graph-div')) {
    const svg = div.querySelector('svg.main-svg');
    if (!svg) continue;
    const box = svg.getBoundingClientRect();
    for (const t of div.querySelectorAll('svg text')) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        bad.push(`${t.textContent.trim().slice(0, 40)} [${r.left.toFixed(0)}-${r.right.toFixed(0)} in ${box.left.toFixed(0)}-${box.right.toFixed(0)}]`);
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def published(demo_run: dict) -> Path:
    return demo_run["root"] / "reports" / "2017-Q4"


@pytest.fixture(scope="module")
def english(demo_run: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The English bilan (HTML and PDF, ``eco-eval bilan --lang en``) of a copy of the demo run."""
    from eco_eval.pipeline import build_bilan

    root = tmp_path_factory.mktemp("english") / "city"
    shutil.copytree(demo_run["root"], root)
    mp = pytest.MonkeyPatch()
    mp.setenv("ECO_EVAL_KEY", "test-key-0123456789abcdef0123456789abcdef")
    try:
        build_bilan(root, "2017-Q4", lang="en", pdf=True)
    finally:
        mp.undo()
    return root / "reports" / "2017-Q4-en"


def _pages(published: Path) -> list[Path]:
    deep_dives = sorted(p for p in (published / "leviers").glob("*.html") if p.name != "index.html")
    return [published / "bilan.html", *deep_dives]


def _open(browser: Chromium, html: Path, width: int, media: str = "screen"):
    page, problems, requests, close = browser.open(html, viewport={"width": width, "height": 900})
    page.emulate_media(media=media)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.plotly-graph-div')).every(d => d.querySelector('svg.main-svg'))",
        timeout=20_000,
    )
    return page, problems, requests, close


def _text(browser: Chromium, html: Path, drop: str) -> str:
    """The page's main text (:data:`MAIN_TEXT`, without ``drop``), opened with its scripts off:
    the text is the same (the figures are left out of it), and a page loads in a fifth of the
    time without parsing plotly."""
    page, _, _, close = browser.open(
        html, viewport={"width": 1100, "height": 900}, java_script_enabled=False
    )
    try:
        return page.evaluate(MAIN_TEXT, drop)
    finally:
        close()


@pytest.mark.parametrize(("width", "media"), [(1280, "screen"), (680, "print")])
def test_no_word_or_number_is_broken_in_a_table_cell(browser, published, width, media):
    """On a wide screen and at the printed width (180 mm = 680 px): no cell breaks a word or a
    figure, which `overflow-wrap: anywhere` did (« Levie/r », « [0,1/9 ; 0,3/8] »)."""
    for html in _pages(published)[:3]:
        page, problems, requests, close = _open(browser, html, width, media)
        try:
            assert page.locator("main table td").count() > 5
            assert page.evaluate(BROKEN_CELLS) == [], html.name
            assert problems == [] and requests == []
        finally:
            close()


def test_french_typography_of_the_bilan_and_the_deep_dives(browser, published):
    for html in _pages(published):
        text = _text(browser, html, ", .as-written")  # quotes are shown as written
        assert "«\u202f" in text or html.name != "bilan.html"
        assert typography_problems(text) == [], html.name


def test_no_label_is_cut_by_a_plot_area(browser, published):
    for html in _pages(published)[:2]:
        for width, media in ((1100, "screen"), (680, "print")):
            page, _, _, close = _open(browser, html, width, media)
            try:
                assert page.locator(".plotly-graph-div").count() >= 2
                assert page.evaluate(CUT_LABELS) == [], (html.name, width)
                assert page.locator(".modebar-container .modebar-btn").count() == 0  # no toolbar
            finally:
                close()


def test_the_first_page_decides(browser, published):
    page, _, _, close = _open(browser, published / "bilan.html", 1280)
    try:
        first = page.locator(".eco-first-page")
        assert first.locator(".eco-tile").count() >= 5
        decide = first.locator(".eco-block-decide li a")
        assert decide.count() >= 3
        for link in first.locator("a[href^='#']").all():  # every line leads to its section
            target = link.get_attribute("href")[1:]
            assert page.locator(f"[id='{target}']").count() == 1, target
        # above the contents, which is a side navigation on a wide screen
        assert page.evaluate(
            "document.querySelector('.eco-first-page').compareDocumentPosition("
            "document.querySelector('nav.toc')) & Node.DOCUMENT_POSITION_FOLLOWING"
        )
        decisions = decide.all_inner_texts()
    finally:
        close()
    reader = PdfReader(published / "bilan.pdf")
    one = _norm(reader.pages[0].extract_text())
    assert all(_norm(d)[:40] in one for d in decisions), "the first page is one A4 page"
    contents = _page_start(reader.pages[1])
    assert contents.startswith("Sommaire") and "Sommaire" not in one
    assert re.search(r"Synthèse\W*\d", _norm(reader.pages[1].extract_text()))  # page numbers


def _norm(text: str) -> str:
    """Spaces made plain and ligatures undone (a PDF's text may write « ff » as U+FB00)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _page_start(page) -> str:
    """A PDF page's text from its first words (the contents' page numbers, drawn first, left out)."""
    return re.sub(r"^[\d\s]+", "", _norm(page.extract_text()))


def _lowest_text(page) -> float:
    """The height (PDF points from the bottom) of the lowest text of a PDF page."""
    ys: list[float] = []

    def visit(text, cm, tm, *_):
        if text.strip():
            ys.append(tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    return min(ys) if ys else float(page.mediabox.height)


def test_no_half_empty_page_but_at_the_end_of_a_section(published):
    """A page whose content stops above the middle is allowed only before a new section (the
    next page starts with a heading of level 2, the contents or the first page) or at the end."""
    reader = PdfReader(published / "bilan.pdf")
    html = (published / "bilan.html").read_text(encoding="utf-8")
    starts = {
        _norm(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)
    }
    starts |= {"Sommaire"}
    lowest = [_lowest_text(page) for page in reader.pages]
    height = float(reader.pages[0].mediabox.height)
    half_empty = []
    for i, bottom in enumerate(lowest[:-1]):
        nxt = _page_start(reader.pages[i + 1])
        if bottom > height / 2 and not any(nxt.startswith(s[:30]) for s in starts if s):
            half_empty.append((i + 1, nxt[:50]))
    assert half_empty == []


def test_no_machine_path_in_any_published_file(published, tmp_path_factory):
    # every folder of the session: the run's project, and the shared ingest it was copied from
    root = str(session_folder(tmp_path_factory))
    for path in published.rglob("*"):
        if path.suffix not in {".html", ".json", ".md", ".csv", ".txt"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        assert root not in text and "file://" not in text, path.relative_to(published)
    reader = PdfReader(published / "bilan.pdf")
    links = [
        str(a.get_object()["/A"]["/URI"])
        for page in reader.pages
        for a in page.get("/Annots") or []
        if "/URI" in a.get_object().get("/A", {})
    ]
    assert links and all(not link.startswith(("file:", "/")) for link in links), links
    # every string of the file, reachable from a page or not, however it is escaped
    assert [s for s in pdf_strings(published / "bilan.pdf") if root in s or "file:" in s] == []
    for link in links:  # relative links resolve inside the published folder
        if not re.match(r"^[a-z]+:", link):
            assert (published / link.split("#")[0]).is_file(), link


def test_every_claim_sentence_comes_from_the_wording_policy(browser, published):
    """A sentence that states an effect (a verdict word, or « participants » with « de plus que »)
    matches one of the wording module's templates, and no causal verb is used."""
    patterns = claim_patterns({k: _norm(v) for k, v in wellbeing_labels("fr").items()})
    claims = re.compile(
        r"effet (démontré|probable|possible)|aucun effet démontré|de plus que les autres", re.I
    )
    for html in _pages(published)[:4]:
        # the glossary names the verdicts to define them, it claims nothing
        text = _norm(_text(browser, html, ", .eco-glossary").replace("−", "-"))
        assert not re.search(r"a entraîné|entraîne|grâce à", text)
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-ZÉÀ«])|\n", text)
        found = [s for s in sentences if claims.search(s)]
        if html.name == "bilan.html":
            assert len(found) >= 10
        for sentence in found:
            assert any(p.search(sentence) for p in patterns), sentence


def test_a_lever_whose_tool_was_retired_shows_no_secrecy(published):
    """« le rêve » lost its only tool (« dans la peau de Walt », retired on 1 October 2017, the
    demo's second generation): its figures of 2017-Q4 are absent, never « < 5 pers. », and its
    deep dive says when the tool was retired."""
    page = (published / "bilan.html").read_text(encoding="utf-8")
    row = re.search(r"<tr><th scope=\"row\"><a href=\"leviers/reve.html\">.*?</tr>", page, re.S)
    assert row is not None
    cells = re.sub(r"<[^>]+>", "|", row.group(0))
    assert "pers." not in cells and "Le rêve" in cells
    deep = (published / "leviers" / "reve.html").read_text(encoding="utf-8")
    text = re.sub(r"<script.*?</script>", "", deep, flags=re.S)  # figures aside
    assert "pers." not in text and "est retiré" in text


def test_the_period_folder_is_small(published):
    """The bilan, its PDF, the twelve deep dives and the open data in at most 8 MB (8,000,000
    bytes): plotly.js and the CSS written once (assets/), the executed notebooks kept beside the
    store rather than published."""
    files = [p for p in published.rglob("*") if p.is_file()]
    assert len(list((published / "leviers").glob("*.html"))) == 13  # 12 deep dives, an index
    assert (published / "bilan.pdf").is_file() and (published / "open-data").is_dir()
    assert [p.name for p in files if p.name == "plotly.min.js"] == ["plotly.min.js"]
    assert [p.name for p in files if p.suffix == ".ipynb"] == []
    assert sum(p.stat().st_size for p in files) <= 8_000_000


#: Words of the French bilan's own sentences (headings, verdicts, units, notes) that the English
#: bilan must not contain; the city's data (department and tool names, comments and their themes,
#: actions as written) may be French.
FRENCH = re.compile(
    r"Ce qui fonctionne|Ce qui ne fonctionne|À décider|\bséances?\b|niveau de preuve|"
    r"\btrimestres?\b|Sommaire|Synthèse|Lecture\s*:|effet (?:probable|démontré|possible)|"
    r"de plus que|Paroles de participants|\bcommentaires?\b|pas de données|\bmasqué|"
    r"\bagents\b|\bleviers?\b|\bpoints? de\b|\bdepuis\b|\bporté[e]?\b|« ",
    re.I,
)

#: The text of the page's plotly figures (titles, axes, notes, printed values and labels).
FIGURE_TEXT = """() => Array.from(document.querySelectorAll('.plotly-graph-div svg text'))
  .map(t => t.textContent).join('\\n')"""


def test_the_english_bilan_is_english(browser, english):
    """First page, lever table, wording-policy sentences, figures and the printed first page: no
    French sentence, except in what the city wrote (comments, their themes, actions)."""
    page, problems, requests, close = _open(browser, english / "bilan.html", 1280)
    try:
        assert page.locator(".eco-first-page .eco-block-decide li").count() >= 3
        text = page.evaluate(MAIN_TEXT, ", .as-written")
        figures = page.evaluate(FIGURE_TEXT)
        assert problems == [] and requests == []
    finally:
        close()
    data = _city_words(english)
    left = [
        line for line in (text + "\n" + figures).splitlines() if FRENCH.search(_without(line, data))
    ]
    assert left == [], left[:10]
    assert "What works" in text and "To decide" in text and "level of evidence" in text
    first = _norm(PdfReader(english / "bilan.pdf").pages[0].extract_text())
    assert "To decide" in first and not FRENCH.search(_without(first, data)), first[:300]


def _city_words(folder: Path) -> list[str]:
    """The city's own names (departments, tools) as the bilan writes them, longest first."""
    from eco_eval.config import load_project
    from eco_eval.store import open_store

    project = load_project(folder.parents[1])
    store = open_store(project.store_path)
    names = set(store.sql("SELECT DISTINCT department FROM headcount")["department"].dropna())
    eco = project.ecosystem()
    names |= {t.name("en") for t in eco.tools} | {t.name("fr") for t in eco.tools}
    actions = yaml.safe_load((project.root / "actions.yaml").read_text(encoding="utf-8"))
    names |= {str(a[k]) for a in actions["actions"] for k in ("action", "owner") if a.get(k)}
    return sorted(map(str, names), key=len, reverse=True)


def _without(line: str, words: list[str]) -> str:
    for word in words:
        line = line.replace(word, " ")
    return line
