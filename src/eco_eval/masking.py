"""Identity masking and comment cleaning of free text, at ingestion and after.

A comment is cleaned (:func:`clean_comment`: no control or invisible characters, single spaces,
capped length) then masked (:func:`mask_identities`: e-mail addresses, French phone numbers, staff
identifiers and names replaced by placeholders) before it is stored; a quarantined row's free text
is masked alike. The ingest calls both, and :mod:`eco_eval.privacy.text` builds the comment themes
on the same folding of text (:func:`fold`).

Masking is best effort and errs on the side of masking: a postcode or an 8-digit date looks like an
identifier and is masked too. Names are only found when they are in ``known_names`` (the staff
list) or follow a civility (M., Mme, Monsieur, Madame...); a bare first name not in the list
passes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from eco_eval.errors import ConfigError, did_you_mean

PLACEHOLDERS = {
    "email": "[courriel]",
    "phone": "[téléphone]",
    "id": "[matricule]",
    "name": "[nom]",
}
# a matricule: one or two letters then 4 to 8 digits (M12345), or 5 to 8 digits alone
ID_PATTERN = r"(?<![\w@.])(?:[A-Za-z]{1,2}[-_]?\d{4,8}|\d{5,8})(?![\w@])"
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]++@[\w-]++(?:\.[\w-]++)+")
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)"
)
_UPPER = "A-ZÀ-ÖØ-Þ"
_CIVILITY = re.compile(
    r"(?<!\w)(?i:M\.|MM\.|Mme|Mmes|Mlle|Mr\.?|Monsieur|Madame|Mademoiselle|Messieurs|Mesdames)"
    rf"\s+(?:[{_UPPER}]\.\s*)?[{_UPPER}][\w'’-]*(?:[\s-]+[{_UPPER}][\w'’-]*)?"
)


class _CharTable(dict[int, str | None]):
    """A :meth:`str.translate` table filled the first time each character is met.

    ``str.translate`` runs in C; the per-character rule (Unicode decomposition, category) then
    runs once per distinct character instead of once per character of every comment.
    """

    def __init__(self, rule: Callable[[str], str | None]) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, code: int) -> str | None:
        value = self[code] = self.rule(chr(code))
        return value


def _fold_char(ch: str) -> str:
    return "".join(
        c.casefold() for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
    )


_FOLD = _CharTable(_fold_char)


def fold(text: str) -> tuple[str, list[int]]:
    """Case- and accent-folded ``text`` and, for each folded character, its source position."""
    pos: list[int] = []
    for i, ch in enumerate(text):
        pos += [i] * len(_FOLD[ord(ch)] or "")
    return text.translate(_FOLD), pos


_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class _Names:
    """Known names as tuples of folded words, their first words, and the longest word count."""

    index: frozenset[tuple[str, ...]]
    firsts: frozenset[str]
    longest: int


@lru_cache(maxsize=4)
def _name_index(names: tuple[str, ...]) -> _Names:
    """Index the known names (cached: a run masks many files against the same staff list).

    Names are matched word by word rather than with one large regular expression: a staff list
    has thousands of names and a regex alternation would try each one at every character.
    """
    index = set()
    for name in names:
        words = tuple(_TOKEN.findall(str(name).translate(_FOLD)))
        if words and sum(len(w) for w in words) >= 2:
            index.add(words)
    return _Names(
        frozenset(index), frozenset(w[0] for w in index), max((len(w) for w in index), default=0)
    )


def _name_spans(text: str, names: _Names) -> list[tuple[int, int]]:
    words = _TOKEN.findall(text.translate(_FOLD))
    if names.firsts.isdisjoint(words):  # most comments name nobody: no positions needed
        return []
    folded, pos = fold(text)
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(folded)]
    words = [t[2] for t in tokens]
    spans = []
    for i in range(len(tokens)):
        if words[i] not in names.firsts:
            continue
        for size in range(min(names.longest, len(tokens) - i), 0, -1):
            if tuple(words[i : i + size]) in names.index:
                spans.append((pos[tokens[i][0]], pos[tokens[i + size - 1][1] - 1] + 1))
                break
    return spans


def _mask_one(
    text: str,
    names: _Names,
    ids: re.Pattern[str],
    marks: dict[str, str],
) -> str:
    spans: list[tuple[int, int, str]] = []
    for pattern, kind in ((_EMAIL, "email"), (_PHONE, "phone"), (ids, "id"), (_CIVILITY, "name")):
        spans += [(m.start(), m.end(), kind) for m in pattern.finditer(text)]
    if names.longest:
        spans += [(start, end, "name") for start, end in _name_spans(text, names)]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[str] = []
    cursor = 0
    for start, end, kind in spans:
        if start < cursor:
            if end > cursor and out:  # overlapping matches: one placeholder covers both
                cursor = end
            continue
        out += [text[cursor:start], marks[kind]]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def mask_identities(
    texts: str | Iterable[str] | pd.Series,
    known_names: Iterable[str] = (),
    *,
    id_pattern: str | re.Pattern[str] = ID_PATTERN,
    placeholders: dict[str, str] | None = None,
) -> str | list[str | None] | pd.Series:
    """Replace e-mail addresses, French phone numbers, staff identifiers and names by placeholders.

    ``texts``: one text, an iterable of texts (a list is returned) or a Series (a Series is
    returned); missing values (None, NaN) stay missing. ``known_names``: names to find (the staff list:
    surnames, first names, "Prénom Nom"), case- and accent-insensitive, as whole words.
    ``id_pattern``: the regex of a staff identifier (default :data:`ID_PATTERN`: ``M12345`` or
    5 to 8 digits). ``placeholders``: overrides of :data:`PLACEHOLDERS` (keys ``email``,
    ``phone``, ``id``, ``name``). Civility + capitalised name (« Mme Durand », « M. J. Martin »)
    is masked whole.

    >>> mask_identities("Merci à Mme Durand (jean.dupont@ville.fr, 06 12 34 56 78, M12345) et à élodie",
    ...                 known_names=["Élodie"])
    'Merci à [nom] ([courriel], [téléphone], [matricule]) et à [nom]'
    """
    marks = dict(PLACEHOLDERS)
    for key, value in (placeholders or {}).items():
        if key not in PLACEHOLDERS:
            raise ConfigError(
                f"placeholders: unknown kind {key!r}{did_you_mean(key, PLACEHOLDERS)}; "
                f"expected {', '.join(PLACEHOLDERS)}"
            )
        marks[key] = str(value)
    try:
        ids = re.compile(id_pattern) if isinstance(id_pattern, str) else id_pattern
    except re.error as exc:
        raise ConfigError(
            f"id_pattern {id_pattern!r} is not a valid regular expression: {exc}"
        ) from exc
    if isinstance(known_names, str):
        known_names = [known_names]
    names = _name_index(tuple(str(n) for n in known_names))
    if isinstance(texts, str):
        return _mask_one(texts, names, ids, marks)
    if isinstance(texts, pd.Series):
        return texts.map(lambda t: _mask_one(t, names, ids, marks) if isinstance(t, str) else t)
    return [_mask_one(t, names, ids, marks) if isinstance(t, str) else t for t in texts]


def _clean_char(ch: str) -> str | None:
    if ch.isspace() or unicodedata.category(ch) in ("Zl", "Zp"):
        return " "
    return None if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn") else ch


_CLEAN = _CharTable(_clean_char)
_SPACES = re.compile(r" {2,}")


def clean_comment(text: object, *, max_length: int = 2000, ellipsis: str = "…") -> str:
    """Normalise a comment: NFC, no control or invisible characters, single spaces, capped length.

    Control characters (tabs and line breaks become spaces), format characters (zero-width
    spaces, bidirectional overrides that can make a text read differently from what it is) and
    lone surrogates are removed; runs of white space become one space; a text longer than
    ``max_length`` is cut at a word boundary where possible and ends with ``ellipsis``.
    A missing value gives ``""``.

    >>> clean_comment("  Très\\tbien\\u200b !\\r\\nMerci ")
    'Très bien ! Merci'
    """
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ConfigError(f"max_length = {max_length!r}: expected a positive whole number")
    if text is None or (isinstance(text, float) and text != text):
        return ""
    if not isinstance(text, str):
        text = str(text)
    text = unicodedata.normalize("NFC", text).translate(_CLEAN)
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= max_length:
        return text
    keep = max(max_length - len(ellipsis), 0)
    cut = text[:keep]
    space = cut.rfind(" ")
    if text[keep] != " " and space >= keep * 0.8:  # do not end on half a word
        cut = cut[:space]
    return cut.rstrip() + ellipsis if keep else ellipsis[:max_length]
