"""French typography of a page: spaces in « » and before : ; ! ?, the minus sign, nested quotes;
the checker finds what breaks them."""

from __future__ import annotations

from eco_eval.report.typography import MINUS, NNBSP, french_html, french_text, typography_problems


def test_spaces_signs_and_quotes() -> None:
    assert french_text("outil « point silence »") == f"outil «{NNBSP}point silence{NNBSP}»"
    assert french_text("«x»") == f"«{NNBSP}x{NNBSP}»"
    assert french_text("Période : T4 ; bien ! Et ?") == (
        f"Période{NNBSP}: T4{NNBSP}; bien{NNBSP}! Et{NNBSP}?"
    )
    assert french_text("doublon (140); valeur") == f"doublon (140){NNBSP}; valeur"
    assert french_text("écart -0,3 [-1,2 ; 0,4]") == (f"écart {MINUS}0,3 [{MINUS}1,2{NNBSP}; 0,4]")
    assert french_text("« « Essayer » : bien »") == f"«{NNBSP}“Essayer”{NNBSP}: bien{NNBSP}»"


def test_what_stays_as_it_is() -> None:
    for text in ("à 7:02", "https://example.org/a?b", "2017-12-31", "T2-2015", "ETP-1"):
        assert french_text(text) == text


def test_html_text_only() -> None:
    page = (
        '<p title="a : b">Note : « x » &amp; y</p><script>var a = {"k": -1};</script>'
        "<style>a:hover{x:1}</style><!-- c : d -->"
    )
    out = french_html(page)
    assert f"Note{NNBSP}: «{NNBSP}x{NNBSP}» &amp; y" in out
    assert 'title="a : b"' in out and 'var a = {"k": -1};' in out and "a:hover{x:1}" in out
    assert "<!-- c : d -->" in out


def test_checker_finds_each_rule_and_passes_fixed_text() -> None:
    bad = "Outil « x » : +0,5 pts ; -3 séances !"
    problems = typography_problems(bad)
    for rule in (
        "space after «",
        "space before »",
        "space before : ; ! ?",
        "hyphen for minus",
        "abbreviated points",
    ):
        assert any(p.startswith(rule) for p in problems), rule
    assert typography_problems(french_text("Outil « x » : ; -3 séances !")) == []


def test_text_shown_as_written_is_left_alone() -> None:
    page = (
        '<p>Pilote : <span class="as-written">-2+3 « chef » !</span> ; note : x</p><p>Écart -1</p>'
    )
    out = french_html(page)
    assert '<span class="as-written">-2+3 « chef » !</span>' in out
    assert f"Pilote{NNBSP}:" in out and f"{NNBSP}; note{NNBSP}: x" in out
    assert f"Écart {MINUS}1" in out
