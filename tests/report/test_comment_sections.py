"""The comment themes as the bilan and a deep dive show them: each theme with its count and one
or two comments that use it; « moins de 10 commentaires » for a lever below the rule, never a
count of people."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from eco_eval.bilan import Bilan
from eco_eval.indicators.core import Tables
from eco_eval.release.build import release_from_tables
from sparse_city import ECO, Q2, K, city

#: bien_etre: 14 comments, themes shared by several; echanges: 4 comments (below the rule of 10).
SAID = {
    "bien_etre": ["Dix minutes de silence, ça crée du lien."] * 4
    + ["Dix minutes de silence avant la réunion : très calme."] * 3
    + [f"Je ressors plus calme, séance {n}." for n in range(5)]
    + ["Bravo à [nom] !", "Rien à dire."],
    "echanges": ["La balade crée du lien."] * 4,
}


def _with_comments(tables: Tables) -> Tables:
    sessions = tables.sessions.set_index("lever_id")
    rows = []
    for lever, comments in SAID.items():
        session = sessions.loc[lever].iloc[0]
        for i, comment in enumerate(comments):
            rows.append((f"{lever}-{i}", session["session_id"], session["tool_id"], lever,
                         pd.Timestamp("2016-05-02"), "2016-Q2", 5, 5, 9, comment))  # fmt: skip
    feedback = pd.DataFrame(rows, columns=list(tables.feedback.columns))
    return Tables(tables.sessions, tables.attendance, tables.headcount, feedback)


@pytest.fixture(scope="module")
def bilan() -> Bilan:
    release, _ = release_from_tables(_with_comments(city()), Q2, ECO, k=K)
    return Bilan.from_release(release, lang="fr")


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _themes(fragment: str) -> list[tuple[str, list[str]]]:
    """Each theme item of a fragment: its text up to its quotes, and its quotes."""
    out = []
    for item in re.findall(r'<li><span class="eco-theme">(.*?)</ul></li>', fragment, re.S):
        head, _, quotes = item.partition('<ul class="eco-verbatims">')
        out.append((_text(head), [_text(q) for q in re.findall(r"<li>(.*?)</li>", quotes)]))
    return out


def test_a_deep_dive_shows_each_theme_with_its_count_and_its_quotes(bilan):
    themes = bilan.release.frame("comment_themes")
    mine = themes[(themes["lever"] == "bien_etre") & ~themes["suppressed"].astype(bool)]
    assert len(mine) >= 3
    shown = _themes(bilan.lever_feedback("bien_etre"))
    assert len(shown) == len(mine)
    for (head, quotes), term, count in zip(shown, mine["term"], mine["count"], strict=True):
        assert head == f"« {term} » — {int(count)} commentaires"
        assert 1 <= len(quotes) <= 2, head
        said = [q.strip("« »") for q in quotes]
        assert all(q in SAID["bien_etre"] for q in said), said  # whole comments, as written
    assert "« dix minutes de silence » — 7 commentaires" in [h for h, _ in shown]


def test_a_lever_below_the_rule_says_so_and_counts_no_people(bilan):
    page = _text(bilan.lever_feedback("echanges"))
    assert "moins de 10 commentaires : thèmes non publiés" in page
    assert "pers." not in page and "balade" not in page
    assert "aucune séance" not in page  # it had sessions: the rule is about comments


def test_the_bilan_quotes_the_two_most_frequent_themes_of_each_lever(bilan):
    section = bilan.verbatims()
    assert "Paroles de participants" in section
    shown = _themes(section)
    themes = bilan.release.frame("comment_themes")
    top = themes[themes["lever"] == "bien_etre"].head(2)
    assert [h.split(" — ")[0] for h, _ in shown] == [f"« {t} »" for t in top["term"]]
    assert all(len(quotes) == 1 for _, quotes in shown)
    assert "balade" not in section, "a lever below the rule is not quoted"
