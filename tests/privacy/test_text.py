"""Identity masking, comment cleaning, themes and escaping (:mod:`eco_eval.privacy.text`)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eco_eval.errors import ConfigError, EcoEvalError
from eco_eval.privacy.text import (
    QUOTE_COLUMNS,
    THEME_COLUMNS,
    clean_comment,
    comment_themes,
    escape_html,
    french_stopwords,
    lemma,
    mask_identities,
    theme_quotes,
)

# --- e-mails, phones, identifiers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Écrire à jean.dupont@ville-exemple.fr.", "Écrire à [courriel]."),
        ("JEAN.DUPONT+eval@VILLE.FR", "[courriel]"),
        ("élodie.müller@mairie.fr", "[courriel]"),
        # an address glued to words is masked with them: better too much than too little
        ("écrivezàmarie.curie@mairie.frmerci", "[courriel]"),
        ("(contact:rh@ville.fr)", "(contact:[courriel])"),
        ("un @ seul, pas@dadresse", "un @ seul, pas@dadresse"),
    ],
)
def test_emails(text, expected):
    assert mask_identities(text) == expected


@pytest.mark.parametrize(
    "phone",
    ["06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678", "+33 6 12 34 56 78",
     "+33 (0)6 12 34 56 78", "0033 612345678", "+33612345678", "01 23 45 67 89"],
)  # fmt: skip
def test_french_phone_numbers(phone):
    assert mask_identities(f"Tél : {phone}, merci") == "Tél : [téléphone], merci"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("matricule M12345", "matricule [matricule]"),
        ("AB-1234567 et 123456", "[matricule] et [matricule]"),
        ("en 2016, 3 fois", "en 2016, 3 fois"),  # years and small numbers stay
        ("réf 12345678901", "réf 12345678901"),  # 11 digits is not a matricule
    ],
)
def test_matricules(text, expected):
    assert mask_identities(text) == expected


def test_matricule_pattern_is_configurable():
    assert mask_identities("agent A-77", id_pattern=r"\bA-\d{2}\b") == "agent [matricule]"
    assert mask_identities("M12345", id_pattern=r"X\d+") == "M12345"
    with pytest.raises(ConfigError, match="id_pattern"):
        mask_identities("x", id_pattern="(")


# --- names --------------------------------------------------------------------------------------

NAMES = ["Martin", "Jean-Pierre Dupont", "Élodie", "d'Artagnan"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Merci à Martin !", "Merci à [nom] !"),
        ("MARTIN et martin", "[nom] et [nom]"),
        ("Martín", "[nom]"),  # accents do not matter
        ("Martine et Saint-Martinien", "Martine et Saint-Martinien"),  # whole words only
        ("jean pierre dupont, Jean–Pierre  Dupont", "[nom], [nom]"),
        ("elodie, ÉLODIE", "[nom], [nom]"),
        ("d’Artagnan", "[nom]"),
    ],
)
def test_known_names(text, expected):
    assert mask_identities(text, known_names=NAMES) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Merci M. Durand", "Merci [nom]"),
        ("Mme Le Goff a aidé", "[nom] a aidé"),
        ("Madame Sophie Martin", "[nom]"),
        ("Monsieur J. Leroy", "[nom]"),
        ("mme Petit, MME DUPONT", "[nom], [nom]"),
        ("le programme. Voilà", "le programme. Voilà"),
        ("Madame la directrice", "Madame la directrice"),  # no capitalised name after it
    ],
)
def test_civilities(text, expected):
    assert mask_identities(text) == expected


def test_placeholders_and_containers():
    texts = ["M12345", None, "rien"]
    assert mask_identities(texts) == ["[matricule]", None, "rien"]
    out = mask_identities(pd.Series(texts))
    assert out.iloc[0] == "[matricule]" and pd.isna(out.iloc[1])
    custom = mask_identities("x@y.fr", placeholders={"email": "<EMAIL>"})
    assert custom == "<EMAIL>"
    with pytest.raises(ConfigError, match="did you mean"):
        mask_identities("x", placeholders={"mail": "?"})
    assert mask_identities("Dupont", known_names="Dupont") == "[nom]"


def test_hostile_markup_is_left_for_escape_html():
    text = '<script>alert("M12345")</script><img src=x onerror=alert(1)>'
    masked = mask_identities(text)
    assert masked == '<script>alert("[matricule]")</script><img src=x onerror=alert(1)>'
    safe = escape_html(masked)
    assert "<" not in safe and ">" not in safe and '"' not in safe
    assert safe.startswith("&lt;script&gt;alert(&quot;")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a" * 200_000, None), ("a." * 100_000, None), (("a" * 50 + "@") * 4_000, None),
     ("1" * 200_000, None), ("M" * 100_000 + "1" * 100_000, None),
     ("06 12 " * 40_000, "[téléphone] 12 " * 13_333 + "06 12 "),  # 06 12 06 12 06: a number
     ("Madame " * 30_000, "[nom] " * 10_000)],
)  # fmt: skip
def test_very_long_strings_are_masked_whole(text, expected):
    """Pathological runs (no separator, repeated near-identifiers) come back whole: unchanged
    when they hold no identifier (None), masked occurrence by occurrence when they do."""
    assert mask_identities(text, known_names=NAMES) == (text if expected is None else expected)


def test_thousands_of_known_names_mask_every_occurrence():
    names = [f"Nom{i} Prénom{i}" for i in range(5_000)]
    out = mask_identities(["Bonjour nom42 prenom42 !" * 50] * 50, known_names=names)
    assert out == ["Bonjour [nom] !" * 50] * 50  # accents and case folded, every occurrence


_local = st.from_regex(r"[a-z][a-z0-9._-]{0,10}[a-z0-9]", fullmatch=True)
_domain = st.from_regex(r"[a-z]{2,8}\.(fr|com|org|gouv\.fr)", fullmatch=True)
_filler = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(before=_filler, local=_local, domain=_domain, after=_filler)
def test_an_email_anywhere_is_never_left(before, local, domain, after):
    email = f"{local}@{domain}"
    out = mask_identities(before + email + after)
    assert email not in out
    assert f"@{domain}" not in out


@settings(max_examples=150, deadline=None)
@given(
    before=_filler, after=_filler, name=st.sampled_from(["Martin", "MARTIN", "martín", "Élodie"])
)
def test_a_known_name_as_a_word_is_never_left(before, after, name):
    text = f"{before} {name} {after}"
    out = mask_identities(text, known_names=NAMES)
    assert f" {name} " not in out


# --- cleaning and escaping ----------------------------------------------------------------------


def test_clean_comment():
    assert clean_comment("  Très\tbien\u200b !\r\n\r\nMerci\x00\x07 ") == "Très bien ! Merci"
    assert clean_comment("abc\u202edef") == "abcdef"  # bidirectional override removed
    assert clean_comment("e\u0301te\u0301") == "été"  # NFC
    assert clean_comment(None) == "" and clean_comment(float("nan")) == ""
    assert clean_comment(42) == "42"


def test_long_comments_are_capped_with_an_ellipsis():
    text = "mot " * 1_000
    out = clean_comment(text, max_length=40)
    assert len(out) <= 40 and out.endswith("…") and out == "mot " * 9 + "mot…"
    assert clean_comment("x" * 50, max_length=10) == "x" * 9 + "…"
    assert clean_comment("court", max_length=10) == "court"
    with pytest.raises(ConfigError, match="max_length"):
        clean_comment("x", max_length=0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>gras</b>", "&lt;b&gt;gras&lt;/b&gt;"),
        ('l\'équipe "A" & co', "l&#x27;équipe &quot;A&quot; &amp; co"),
        (None, ""),
        (3, "3"),
    ],
)
def test_escape_html(text, expected):
    assert escape_html(text) == expected


# --- themes -------------------------------------------------------------------------------------


def _comments():
    a = ["Les réunions de travail sont trop longues, [nom] le dit."] * 6
    a += ["Réunion utile et équipe motivée", "Les équipes sont motivées"] * 3
    b = ["Très bien"] * 9  # 9 comments: fewer than 10
    return pd.DataFrame({"lever": ["audace"] * 12 + ["reve"] * 9, "comment": a + b})


def test_comment_themes_counts_each_comment_once_and_hides_small_groups():
    themes = comment_themes(_comments(), top=6)
    assert list(themes.columns) == ["lever", *THEME_COLUMNS]
    audace = themes[themes["lever"] == "audace"]
    # réunion: 6 "réunions" + 3 "Réunion" = 9 of 12 comments (one lemma); then 6 each, by term;
    # « travail » alone is left out: inside « réunions de travail » with the same count
    assert audace[["term", "count", "n_comments"]].values.tolist() == [
        ["réunion", 9.0, 12.0],
        ["dire", 6.0, 12.0],
        ["long", 6.0, 12.0],
        ["motivé", 6.0, 12.0],
        ["réunions de travail", 6.0, 12.0],
        ["équipe", 6.0, 12.0],
    ]
    assert audace["share"].tolist()[0] == 0.75
    reve = themes[themes["lever"] == "reve"]
    assert reve["suppressed"].tolist() == [True] and reve["term"].isna().all()
    assert "nom" not in set(themes["term"].dropna())  # placeholders are not terms


def test_themes_are_french_phrases_never_stems_nor_pairs_across_punctuation():
    comments = ["Dix minutes de silence, ça crée du lien."] * 5 + [
        "La balade crée du lien entre collègues."
    ] * 5
    themes = comment_themes(pd.DataFrame({"lever": "x", "comment": comments}), top=10)
    terms = set(themes["term"])
    assert {"dix minutes de silence", "crée du lien"} <= terms
    assert not {"dix minute", "balade crée", "silence crée", "minute silence"} & terms
    assert all(" , " not in t and "," not in t for t in terms)


def test_comment_themes_options():
    frame = _comments()
    unigrams = comment_themes(frame, ngram=(1, 1), top=50)
    assert not unigrams["term"].dropna().str.contains(" ").any()
    rare = comment_themes(frame, min_count=7, top=50)
    assert rare.loc[~rare["suppressed"], "term"].tolist() == ["réunion"]
    whole = comment_themes(frame, by=None, min_group=10, top=1)
    assert whole[["term", "n_comments"]].values.tolist() == [["réunion", 21.0]]
    with pytest.raises(ConfigError, match="min_group"):
        comment_themes(frame, min_group=2)
    with pytest.raises(ConfigError, match="ngram"):
        comment_themes(frame, ngram=(2, 1))
    with pytest.raises(EcoEvalError, match="did you mean"):
        comment_themes(frame, by="levers")


def test_stopwords_are_shipped_and_words_lemmatised():
    stop = french_stopwords()
    assert {"le", "et", "etre", "tres"} <= stop and "reunion" not in stop
    assert [
        lemma(w) for w in ["réunions", "journaux", "bureaux", "travaux", "stress", "minutes"]
    ] == ["réunion", "journal", "bureau", "travail", "stress", "minute"]


def test_a_word_longer_than_any_word_is_never_a_theme():
    frame = pd.DataFrame({"comment": ["x" * 31 + " réunion"] * 12 + ["y" * 30] * 12})
    terms = set(comment_themes(frame, by=None, ngram=(1, 1), top=50)["term"].dropna())
    assert terms == {"réunion", "y" * 30}


def test_a_group_without_a_shared_term_says_so():
    comments = [f"mot{chr(97 + i)} unique{chr(97 + i)}" for i in range(10)]
    themes = comment_themes(pd.DataFrame({"lever": "x", "comment": comments}))
    assert themes[["term", "n_comments", "suppressed"]].values.tolist() == [[None, 10.0, False]]


def _lemmas(text: str) -> set[str]:
    return {lemma(w) for w in re.findall(r"[^\W\d_]+", text.lower())}


def test_each_theme_is_quoted_by_one_or_two_comments_that_use_it():
    frame = _comments()
    themes = comment_themes(frame, top=6)
    quotes = theme_quotes(frame, themes, per_theme=2, seed=7)
    assert list(quotes.columns) == ["lever", *QUOTE_COLUMNS]
    shown = themes[~themes["suppressed"]]
    per_theme = quotes.groupby(["lever", "term"]).size()
    assert set(per_theme.index) == set(zip(shown["lever"], shown["term"], strict=True))
    assert per_theme.between(1, 2).all()
    for term, quote in zip(quotes["term"], quotes["quote"], strict=True):
        # « réunions de travail » quotes comments that wrote it, in any inflection
        assert _lemmas(term) - french_stopwords() <= _lemmas(quote), (term, quote)
    assert not quotes.duplicated(["lever", "term", "quote"]).any()
    assert "reve" not in set(quotes["lever"]), "a suppressed group is not quoted"
    again = theme_quotes(frame, themes, per_theme=2, seed=7)
    pd.testing.assert_frame_equal(quotes, again)  # the same seed quotes the same comments
    one = theme_quotes(frame, themes, per_theme=1, seed=7)
    assert one.groupby(["lever", "term"]).size().eq(1).all()


def test_a_theme_quotes_words_not_quoted_for_another_theme_first():
    """« équipe motivée » and « réunion » share the comment « Réunion utile, équipe motivée. »:
    each theme quotes words no earlier theme quoted when it has some, and « réunion utile »,
    found in that comment only, quotes it again rather than nothing."""
    comments = ["Réunion utile, équipe motivée."] * 3 + ["Réunion trop longue."] * 3
    comments += [f"Équipe motivée, numéro {n}." for n in "abcd"]
    frame = pd.DataFrame({"lever": "x", "comment": comments})
    themes = comment_themes(frame, top=10)
    assert {"équipe motivée", "réunion", "réunion utile"} <= set(themes["term"])
    for seed in range(5):
        quotes = theme_quotes(frame, themes, per_theme=2, seed=seed)
        before: set[str] = set()
        for term in themes["term"]:
            said = list(quotes.loc[quotes["term"] == term, "quote"])
            using = {c for c in comments if _lemmas(term) - french_stopwords() <= _lemmas(c)}
            assert said and set(said) <= using, term
            if using - before:
                assert said[0] not in before and not set(said[1:]) & before, (seed, term)
            else:
                assert len(said) == 1, (seed, term)  # the only words it has, quoted again
            before |= set(said)


def test_theme_quotes_refuses_what_it_cannot_use():
    frame = _comments()
    with pytest.raises(ConfigError, match="per_theme"):
        theme_quotes(frame, comment_themes(frame), per_theme=0)
    with pytest.raises(EcoEvalError, match="suppressed"):
        theme_quotes(frame, pd.DataFrame({"lever": ["audace"], "term": ["réunion"]}))
    empty = theme_quotes(frame, comment_themes(frame, min_count=50))
    assert empty.empty and list(empty.columns) == ["lever", *QUOTE_COLUMNS]
