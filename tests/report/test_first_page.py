"""The first page on a city shaped unlike the demo (two levers, department-only breakdowns, no
barometer, no HR results, no actions file): tiles from the figures it has, blocks from its
evidence, every line linking to a section of the bilan; the tiles' status rules."""

from __future__ import annotations

import html
import re

import pytest

from eco_eval.bilan import Bilan
from eco_eval.bilan import first_page as fp
from eco_eval.release.build import release_from_tables
from eco_eval.report.typography import french_text, typography_problems
from sparse_city import ECO, Q2, K, sparse_city


@pytest.fixture(scope="module")
def bilan() -> Bilan:
    release, _ = release_from_tables(sparse_city(), Q2, ECO, k=K)
    return Bilan.from_release(release, lang="fr")


def test_tiles_show_the_figures_the_city_has(bilan):
    tiles = {t.indicator: t for t in fp.tiles(bilan)}
    assert "absence_rate" not in tiles  # no HR results: no tile, no error
    held = bilan.figure("sessions_held")
    sessions = tiles["sessions_held"]
    assert sessions.value == bilan.fmt("sessions_held", held["value"])
    # 2016-Q2 against 2016-Q1 (one session) and 2015-Q2 (none: the programme had just begun)
    assert held["previous"] == 1 and held["year_before"] == 0
    assert sessions.quarter == f"+{int(held['value']) - 1}"
    assert sessions.year == f"+{int(held['value'])}" and sessions.status == "up"
    line = next(line for line in fp.blocks(bilan)["works"] if line.section == "ecosystem")
    assert line.text.startswith(f"Séances réalisées : {sessions.value}, en progrès sur un an")


def test_status_rules(bilan):
    stable = {"relative": 0.05}
    assert fp._direction(bilan, "sessions_held", 104, 100, stable) == "stable"
    assert fp._direction(bilan, "sessions_held", 90, 100, stable) == "down"
    assert fp._direction(bilan, "sessions_held", 120, 100, stable) == "up"
    # absence: a rise is a step back (the catalogue's direction is "down")
    assert fp._direction(bilan, "absence_rate", 0.11, 0.10, {"absolute": 0.002}) == "down"
    assert fp._direction(bilan, "absence_rate", 0.101, 0.10, {"absolute": 0.002}) == "stable"
    assert fp._direction(bilan, "reach_rate", 0.3, float("nan"), {"absolute": 0.01}) == "none"


def test_the_page_links_every_line_to_a_section_and_reads_as_french(bilan):
    page = bilan.first_page()
    assert page.count('class="eco-tile ') == len(fp.tiles(bilan)) == 2  # no feedback, no HR
    for title in (
        "Ce qui fonctionne",
        "Ce qui ne fonctionne pas ou reste à démontrer",
        "À décider",
    ):
        assert html.escape(title) in page
    known = {"summary", "ecosystem", "levers", "reach", "feedback", "results", "impact",
             "next_steps", "actions"}  # fmt: skip
    assert set(re.findall(r'href="#([^"]+)"', page)) <= known
    # ten levers had no session: each idle lever is a line to decide on, no phase-in without
    # a barometer to measure it
    decide = page[page.index("eco-block-decide") :]
    assert "Relancer ou retirer le levier" in decide and "tiré au sort" not in decide
    text = french_text(html.unescape(re.sub(r"<[^>]+>", " ", page)))
    assert typography_problems(text) == []
