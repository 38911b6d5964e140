"""reports/index.html with two published periods: figures, trend, links, offline, stable."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from eco_eval.publish.index import collect, render_index, write_index

FIGURES = {
    "2017-Q3": {"sessions_held": 181, "unique_participants": 610, "reach_rate": 0.25},
    "2017-Q4": {"sessions_held": 204, "unique_participants": 737, "reach_rate": 0.301925},
}


def _period(reports: Path, label: str, *, parts: bool = True) -> None:
    folder = reports / label
    folder.mkdir(parents=True)
    (folder / "bilan.html").write_text("<html></html>", encoding="utf-8")
    (folder / "bilan.pdf").write_bytes(b"%PDF-1.4")
    values = FIGURES.get(label, {"sessions_held": 150})
    figures = {k: {"value": v, "suppressed": False} for k, v in values.items()}
    figures["satisfaction_mean"] = {"value": None, "suppressed": True}
    doc = {"period": label, "k": 5, "lang": "fr", "pdf": True, "figures": figures}
    (folder / "key_figures.json").write_text(json.dumps(doc), encoding="utf-8")
    if not parts:
        return
    (folder / "leviers").mkdir()
    for name in ("index", "reve", "temps"):
        (folder / "leviers" / f"{name}.html").write_text("<html></html>", encoding="utf-8")
    (folder / "open-data").mkdir()
    csv = f"20180105_210000000_indicateurs_innovation_{label.lower()}.csv"
    (folder / "open-data" / csv).write_text("a\n1\n", encoding="utf-8")
    package = {"resources": [{"path": csv}]}
    (folder / "open-data" / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag == "script" and a.get("src"):
            self.scripts.append(str(a["src"]))


def test_two_periods_newest_first_with_figures_links_and_trend(tmp_path):
    reports = tmp_path / "reports"
    _period(reports, "2017-Q3")
    _period(reports, "2017-Q4")
    (reports / ".2017-Q4.staging").mkdir()  # a stage is never listed
    (reports / "logs").mkdir()
    html = write_index(reports, organisation="Ville d'Exemple <script>").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    # newest first, periods in words, French numbers, the suppressed figure labelled not zero
    assert text.index("4ᵉ trimestre 2017") < text.index("3ᵉ trimestre 2017")
    assert "30,2" in text and "737" in text and "25,0" in text
    assert "< 5 pers." in text or "&lt; 5 pers." in html
    # every link resolves to a published file; deep dives and open data are linked
    links = _Links()
    links.feed(html)
    assert links.hrefs and all((reports / h).is_file() for h in links.hrefs), links.hrefs
    for label in ("2017-Q3", "2017-Q4"):
        assert f"{label}/bilan.html" in links.hrefs and f"{label}/bilan.pdf" in links.hrefs
        assert f"{label}/leviers/index.html" in links.hrefs
        assert f"{label}/open-data/datapackage.json" in links.hrefs
        assert any(h.startswith(f"{label}/open-data/") and h.endswith(".csv") for h in links.hrefs)
    assert "2 fiches leviers" in text
    # the trend of the key figures, drawn offline: plotly.js inline, no script from the network
    assert 'id="eco-eval-trend"' in html and "Tendance" in html
    assert not links.scripts and not re.search(r"<script[^>]+src=\"?https?:", html)
    assert "<script>" not in text.replace("&lt;script&gt;", ""), "organisation escaped"


def test_the_index_is_rewritten_only_when_it_changes(tmp_path):
    reports = tmp_path / "reports"
    _period(reports, "2017-Q3")
    _period(reports, "2017-Q4")
    first = write_index(reports)
    mtime = first.stat().st_mtime_ns
    assert write_index(reports).stat().st_mtime_ns == mtime, "same content: file untouched"
    _period(reports, "2017-Q2", parts=False)  # an older bilan, without deep dives or open data
    html = write_index(reports).read_text(encoding="utf-8")
    assert "2ᵉ trimestre 2017" in html
    row = html[html.index("2017-Q2/bilan.html") :].split("</tr>")[0]
    assert "leviers" not in row and "open-data" not in row


def test_collect_reads_the_parts_of_each_period(tmp_path):
    reports = tmp_path / "reports"
    _period(reports, "2017-Q4")
    (entry,) = collect(reports)
    assert entry["levers"] == "2017-Q4/leviers/index.html"
    assert entry["lever_pages"] == ["reve", "temps"]
    assert entry["open_data"] == "2017-Q4/open-data/datapackage.json"


def test_no_report_yet(tmp_path):
    assert "Aucun bilan" in render_index([], lang="fr")
