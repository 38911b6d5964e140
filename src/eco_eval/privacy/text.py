"""Free-text comments: identity masking, cleaning, themes, and safe rendering.

Staff comments (« colle ton avis », feedback forms) are the richest and the riskiest data: they
name colleagues, give e-mail addresses and phone numbers, and can carry markup. The pipeline is
:func:`clean_comment` then :func:`mask_identities` (:mod:`eco_eval.masking`, which the ingest
calls) before a comment is stored; the report only ever
shows :func:`comment_themes` (terms counted over groups of at least 10 comments), the comments
that illustrate them (:func:`theme_quotes`), or, where a comment is quoted, passes it through
:func:`escape_html`.

**Every rendering of free text must go through** :func:`escape_html` (or a Jinja2 environment with
``autoescape=True``, which does the same): a comment is data written by anyone, and
``<script>`` in a comment must stay text in the bilan.

Masking is best effort and errs on the side of masking: a postcode or an 8-digit date looks like an
identifier and is masked too. Names are only found when they are in ``known_names`` (the staff
list) or follow a civility (M., Mme, Monsieur, Madame...); a bare first name not in the list
passes, which is why comment themes hide terms used in fewer than ``min_count`` comments.

Themes are counted on lemmas and shown as French: each word is lemmatised by simplemma (Barbaresi
2023, a lemma dictionary shipped with the package: offline, deterministic, no model to download),
so that « réunions » and « réunion » count together, and a phrase is shown as its readers wrote it
most often (« dix minutes de silence », « crée du lien »), never as a pair of stems. A phrase never
crosses punctuation and joins content words separated by at most one linking word (« de », « du »,
« à »...); the stop-word list is data (``_data/stopwords_fr.txt``). NLTK's Snowball stemmer would
cut words into stems (« équip ») that a bilan cannot show; spaCy's models would be a download.
"""

from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import simplemma

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


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The French lemma of a lower-case word (simplemma's dictionary; the word itself when
    unknown).

    >>> [lemma(w) for w in ["réunions", "journaux", "bureaux", "minutes", "liens"]]
    ['réunion', 'journal', 'bureau', 'minute', 'lien']
    """
    return str(simplemma.lemmatize(word, lang="fr")).lower()


#: Longer "words" are not words (a pasted URL, a key, a keyboard run): never a theme.
MAX_WORD = 30
#: Words that may join two content words inside a phrase (« réunions de travail »).
_LINKS = frozenset(["de", "du", "des", "d", "la", "le", "les", "l", "à", "au", "aux", "en", "et"])
_CLAUSE = re.compile(r"[.,;:!?()\[\]«»\"“”…/\n]+")


def _phrases(text: str, stop: frozenset[str], ngram: tuple[int, int]) -> dict[tuple[str, ...], str]:
    """The comment's terms: lemma key -> the words as written, lower-case (one per key)."""
    text = _PLACEHOLDER.sub(" , ", text.lower())
    out: dict[tuple[str, ...], str] = {}
    lo, hi = ngram
    for clause in _CLAUSE.split(text):
        words = [
            m
            for m in _WORD.finditer(clause)
            if 2 <= len(m.group()) <= MAX_WORD or m.group() in _LINKS
        ]
        # content words, each with the index of the word it follows in ``words``
        content = [
            (i, m)
            for i, m in enumerate(words)
            if fold(m.group())[0] not in stop and len(m.group()) >= 2
        ]
        for a in range(len(content)):
            for size in range(lo, hi + 1):
                run = content[a : a + size]
                if len(run) < size:
                    break
                gaps = [words[i1 + 1 : i2] for (i1, _), (i2, _) in itertools.pairwise(run)]
                if any(len(g) > 1 or (g and g[0].group() not in _LINKS) for g in gaps):
                    break
                key = tuple(lemma(m.group()) for _, m in run)
                shown = clause[run[0][1].start() : run[-1][1].end()] if size > 1 else key[0]
                out.setdefault(key, " ".join(shown.split()))
    return out


THEME_COLUMNS = ("term", "count", "share", "n_comments", "suppressed")


def _inside(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """True when ``short`` is a run of consecutive words of ``long``."""
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def comment_themes(
    comments_frame: pd.DataFrame,
    by: str | Sequence[str] | None = "lever",
    min_group: int = 10,
    top: int = 10,
    ngram: tuple[int, int] = (1, 3),
    *,
    text_col: str = "comment",
    min_count: int = 3,
    stopwords: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Most frequent terms and bigrams of the comments of each group.

    Each comment is lower-cased, stripped of placeholders (``[nom]``...), cut into clauses at
    punctuation and into words; terms are runs of ``ngram`` sizes of content words (French stop
    words removed) joined by at most one linking word, counted by their lemmas (:func:`lemma`)
    and shown as written most often (a single word as its lemma). A term is counted once per
    comment (a verbose author counts once); a term inside a longer one shown with the same count
    is left out (it says nothing more). Groups of fewer than ``min_group`` comments (at least 3; the declared rule is 10) are
    suppressed: one row, ``term`` missing, ``suppressed`` True. Terms found in fewer than
    ``min_count`` comments are not shown (a rare word can identify its author).

    A group with enough comments but no term shared by ``min_count`` of them has one row, ``term``
    missing, ``suppressed`` False. Returns one row per (group, term), the ``top`` terms of each
    group by count then term, with
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
        counts: Counter[tuple[str, ...]] = Counter()
        written: dict[tuple[str, ...], Counter[str]] = {}
        for text in g["_text"]:
            for key, shown in _phrases(text, stop, (lo, hi)).items():
                counts[key] += 1
                written.setdefault(key, Counter())[shown] += 1
        kept = {k: c for k, c in counts.items() if c >= min_count}
        kept = {
            k: c
            for k, c in kept.items()
            if not any(len(o) > len(k) and c2 == c and _inside(k, o) for o, c2 in kept.items())
        }
        best = sorted(
            (
                (c, min(written[k].items(), key=lambda wc: (-wc[1], wc[0]))[0])
                for k, c in kept.items()
            ),
            key=lambda ct: (-ct[0], ct[1]),
        )
        if not best:  # enough comments, but no term shared by min_count of them
            rows.append({**base, "term": None, "count": float("nan"), "share": float("nan"),
                         "n_comments": float(len(g)), "suppressed": False})  # fmt: skip
        for c, term in best[:top]:
            rows.append({**base, "term": term, "count": float(c), "share": c / len(g),
                         "n_comments": float(len(g)), "suppressed": False})  # fmt: skip
    return pd.DataFrame(rows, columns=[*keys, *THEME_COLUMNS])


QUOTE_COLUMNS = ("term", "quote")


def _cut(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def theme_quotes(
    comments_frame: pd.DataFrame,
    themes: pd.DataFrame,
    by: str | Sequence[str] | None = "lever",
    per_theme: int = 2,
    *,
    seed: int = 0,
    text_col: str = "comment",
    max_chars: int = 280,
    stopwords: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Up to ``per_theme`` comments that use each theme of ``themes``, to quote beside it.

    ``themes`` is what :func:`comment_themes` returned for ``comments_frame`` with the same ``by``
    and ``stopwords``; suppressed groups and groups without a theme get no quote. A comment uses a
    theme when its terms (:func:`comment_themes`'s phrases, by their lemmas) hold it: « réunion de
    travail » quotes a comment that wrote « réunions de travail ». The quotes are drawn with a
    generator seeded by ``seed`` (the same seed quotes the same comments) among the comments whose
    words were not yet quoted for another theme of the group (words already quoted when there are
    no others, so that every theme has a quote), the same words never twice for one theme. Each quote is the cleaned
    comment (:func:`eco_eval.masking.clean_comment`; identities were masked before it was stored),
    cut to ``max_chars`` with « … ».

    Returns one row per quote: the ``by`` columns, ``term``, ``quote``, in the order of
    ``themes``. Raises :class:`ConfigError` for a ``per_theme`` below 1 and
    :class:`EcoEvalError` when ``themes`` lacks a column of :func:`comment_themes`' output.
    """
    if isinstance(per_theme, bool) or not isinstance(per_theme, int) or per_theme < 1:
        raise ConfigError(f"per_theme = {per_theme!r}: expected a whole number of at least 1")
    keys = [by] if isinstance(by, str) else list(by or [])
    columns = [*keys, *QUOTE_COLUMNS]
    for col in [*keys, "term", "suppressed"]:
        if col not in themes.columns:
            raise EcoEvalError(f"themes frame: no column {col!r} (expected comment_themes' output)")
    shown = themes[themes["term"].notna() & ~themes["suppressed"].astype(bool)]
    if shown.empty:
        return pd.DataFrame(columns=columns)
    stop = frozenset(fold(w)[0] for w in stopwords) if stopwords is not None else french_stopwords()
    texts = comments_frame[text_col].map(lambda t: clean_comment(t) if isinstance(t, str) else "")
    frame = comments_frame[keys].assign(_text=texts)
    frame = frame[frame["_text"] != ""]
    rng = np.random.default_rng(seed)

    def groups(df: pd.DataFrame) -> Iterable[tuple[tuple[object, ...], pd.DataFrame]]:
        return df.groupby(keys, sort=False, dropna=False) if keys else [((), df)]  # type: ignore[return-value]

    comments_of = dict(iter(groups(frame)))  # a GroupBy has .keys: not a mapping
    rows = []
    for group_key, mine in groups(shown):
        g = comments_of.get(group_key)
        if g is None:
            continue
        base = dict(zip(keys, group_key, strict=True))
        said = list(g["_text"])
        phrases = [_phrases(text, stop, (1, 3)) for text in said]
        key_of = {written: key for found in phrases for key, written in found.items()}
        quoted: set[str] = set()
        for term in mine["term"]:
            key = key_of.get(str(term), (lemma(str(term)),))
            using = [i for i, found in enumerate(phrases) if key in found]
            drawn = [_cut(said[using[i]], max_chars) for i in rng.permutation(len(using))]
            drawn.sort(key=lambda text: text in quoted)  # stable: the draw's order within each kind
            chosen: list[str] = []
            for text in drawn:
                # the same words from two people are quoted once; words quoted for another theme
                # are quoted again only when the theme has no others
                if text in chosen or (chosen and text in quoted):
                    continue
                chosen.append(text)
                rows.append({**base, "term": term, "quote": text})
                if len(chosen) == per_theme:
                    break
            quoted.update(chosen)
    return pd.DataFrame(rows, columns=columns)
