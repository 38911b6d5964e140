"""Free-text comments: identity masking, cleaning, themes, and safe rendering.

Staff comments (« colle ton avis », feedback forms) are the richest and the riskiest data: they
name colleagues, give e-mail addresses and phone numbers, and can carry markup. The pipeline is
:func:`clean_comment` then :func:`mask_identities` (:mod:`eco_eval.masking`, which the ingest
calls) before a comment is stored; the report only ever
shows :func:`comment_themes` (terms counted over groups of at least 10 comments) or, where a
comment is quoted, passes it through :func:`escape_html`.

**Every rendering of free text must go through** :func:`escape_html` (or a Jinja2 environment with
``autoescape=True``, which does the same): a comment is data written by anyone, and
``<script>`` in a comment must stay text in the bilan.

Masking is best effort and errs on the side of masking: a postcode or an 8-digit date looks like an
identifier and is masked too. Names are only found when they are in ``known_names`` (the staff
list) or follow a civility (M., Mme, Monsieur, Madame...); a bare first name not in the list
passes, which is why comment themes hide terms used in fewer than ``min_count`` comments.

Why no NLP library for the themes: spaCy or stanza French models are hundreds of megabytes to
download at run time (offline schedulers, a city's network) for lemmas we only need to fold
plurals; NLTK's Snowball stemmer cuts words into stems (« équip », « communiqu ») that a bilan
cannot show to its readers. A short suffix rule (plurals, ``-aux`` → ``-al``) keeps real words
and is deterministic; the stop-word list is data (``_data/stopwords_fr.txt``).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources

import pandas as pd

from eco_eval.errors import ConfigError, EcoEvalError, did_you_mean
from eco_eval.masking import clean_comment, fold
from eco_eval.masking import mask_identities as mask_identities  # the privacy layer's API too
from eco_eval.privacy._cells import MIN_K

_PLACEHOLDER = re.compile(r"\[[^\[\]\s]{1,20}\]")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def escape_html(text: object) -> str:
    """Escape ``&``, ``<``, ``>``, ``"`` and ``'`` (``html.escape(quote=True)``); None gives "".

    >>> escape_html('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return html.escape(str(text), quote=True)


@lru_cache(maxsize=1)
def french_stopwords() -> frozenset[str]:
    """The stop-word list shipped in ``eco_eval/_data/stopwords_fr.txt``, accent-folded."""
    text = resources.files("eco_eval").joinpath("_data/stopwords_fr.txt").read_text("utf-8")
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(fold(w)[0] for w in words if w)


def lemma(word: str) -> str:
    """Fold a French plural to its singular with a few suffix rules (module docstring).

    >>> [lemma(w) for w in ["réunions", "journaux", "bureaux", "temps", "stress", "idées"]]
    ['réunion', 'journal', 'bureau', 'temps', 'stress', 'idée']
    """
    if len(word) <= 3 or word in _INVARIABLE:
        return word
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("eaux"):
        return word[:-1]
    if word.endswith("aux"):
        return word[:-3] + "al"
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        return word[:-1]
    return word  # -eux, -oux: mostly adjectives (nombreux, heureux) that do not change


_INVARIABLE = frozenset(
    [
        "temps",
        "fois",
        "pas",
        "corps",
        "cours",
        "mois",
        "prix",
        "choix",
        "voix",
        "repas",
        "avis",
        "dos",
        "bras",
        "poids",
        "faux",
    ]
)
#: Longer "words" are not words (a pasted URL, a key, a keyboard run): never a theme.
MAX_WORD = 30
_IRREGULAR = {"travaux": "travail", "yeux": "œil", "jeux": "jeu", "lieux": "lieu", "vœux": "vœu"}


def _terms(text: str, stop: frozenset[str], ngram: tuple[int, int]) -> set[str]:
    text = _PLACEHOLDER.sub(" ", text.lower())
    tokens = []
    for word in _WORD.findall(text):  # apostrophes split words: l'équipe -> l, équipe
        if 2 <= len(word) <= MAX_WORD and fold(word)[0] not in stop:
            tokens.append(lemma(word))
    out: set[str] = set()
    lo, hi = ngram
    for size in range(lo, hi + 1):
        out.update(" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1))
    return out


THEME_COLUMNS = ("term", "count", "share", "n_comments", "suppressed")


def comment_themes(
    comments_frame: pd.DataFrame,
    by: str | Sequence[str] | None = "lever",
    min_group: int = 10,
    top: int = 10,
    ngram: tuple[int, int] = (1, 2),
    *,
    text_col: str = "comment",
    min_count: int = 3,
    stopwords: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Most frequent terms and bigrams of the comments of each group.

    Each comment is lower-cased, stripped of placeholders (``[nom]``...), cut into words, French
    stop words removed, plurals folded (:func:`lemma`); n-grams of ``ngram`` sizes are then
    formed from the remaining words. A term is counted once per comment (a verbose author counts
    once). Groups of fewer than ``min_group`` comments (at least 3; the declared rule is 10) are
    suppressed: one row, ``term`` missing, ``suppressed`` True. Terms found in fewer than
    ``min_count`` comments are not shown (a rare word can identify its author).

    Returns one row per (group, term), the ``top`` terms of each group by count then term, with
    the ``by`` columns then: ``term``, ``count`` (comments using it), ``share`` (count /
    n_comments), ``n_comments`` (non-empty comments of the group), ``suppressed``.
    """
    for name, value, least in (
        ("min_group", min_group, MIN_K),
        ("min_count", min_count, 1),
        ("top", top, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigError(f"{name} = {value!r}: expected a whole number of at least {least}")
    lo, hi = ngram
    if not (1 <= lo <= hi <= 3):
        raise ConfigError(f"ngram = {ngram!r}: expected (min, max) with 1 <= min <= max <= 3")
    keys = [by] if isinstance(by, str) else list(by or [])
    for col in [*keys, text_col]:
        if col not in comments_frame.columns:
            raise EcoEvalError(
                f"comments frame: no column {col!r}{did_you_mean(col, map(str, comments_frame.columns))}"
            )
    stop = frozenset(fold(w)[0] for w in stopwords) if stopwords is not None else french_stopwords()
    texts = comments_frame[text_col].map(lambda t: clean_comment(t) if isinstance(t, str) else "")
    frame = comments_frame[keys].assign(_text=texts)
    frame = frame[frame["_text"] != ""]
    groups = frame.groupby(keys, sort=True, dropna=False) if keys else [((), frame)]
    rows = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        base = dict(zip(keys, key, strict=True))
        if len(g) < min_group:
            rows.append({**base, "term": None, "count": float("nan"), "share": float("nan"),
                         "n_comments": float("nan"), "suppressed": True})  # fmt: skip
            continue
        counts = Counter(term for text in g["_text"] for term in _terms(text, stop, (lo, hi)))
        best = sorted(
            ((c, t) for t, c in counts.items() if c >= min_count), key=lambda ct: (-ct[0], ct[1])
        )
        for c, term in best[:top]:
            rows.append({**base, "term": term, "count": float(c), "share": c / len(g),
                         "n_comments": float(len(g)), "suppressed": False})  # fmt: skip
    return pd.DataFrame(rows, columns=[*keys, *THEME_COLUMNS])
