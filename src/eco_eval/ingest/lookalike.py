"""Columns that look like personal identifiers, found before anything of a file is stored.

Every column of a source is mapped (``sources.<name>.columns``), declared as ignored
(``sources.<name>.ignore``) or read by the source's own rules (items, lookups, LimeSurvey
metadata).
An unmapped column is never stored, and one that looks like an identifier — by its header (a name,
an e-mail, a phone number, a matricule, a birth name, an address) or by its values (e-mail
addresses, phone numbers) — stops the ingest until it is declared: a renamed identifier column
(« Matricule agent » where ``matricule`` was expected) would otherwise leave the people of the
file unlinked without a word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from eco_eval.readers.limesurvey import meta_field

__all__ = ["identifier_like_columns"]

#: header words of personal identifiers (accents and case ignored)
_HEADER = re.compile(
    r"\b(nom|noms|prenom|prenoms|name|names|surname|firstname|lastname|fullname|e ?mail|"
    r"courriel|mel|mail|telephone|tel|phone|mobile|portable|gsm|matricule|nir|insee|"
    r"securite sociale|naissance|birth|birthname|adresse|address|iban|login|identifiant|"
    r"username)\b"
)
_EMAIL = re.compile(
    r"^[\w.+-]+\s*(?:@|\(at\)|\[at\]|\s+arobase\s+)\s*[\w-]+(?:\.[\w-]+)+$", re.IGNORECASE
)
#: French numbers (0x xx xx xx xx, +33 x xx xx xx xx) and international ones written with a +
_PHONE = re.compile(
    r"^(?:(?:\+33|0033)\s?(?:\(0\))?\s?|0)[1-9](?:[ .-]?\d{2}){4}$|^\+\d{1,3}[ .-]?\d[\d .-]{6,14}\d$"
)
#: share of a sample of a column's values that makes it look like e-mails or phone numbers
_SHARE = 0.5
_SAMPLE = 200


def _words(header: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFKD", header) if not unicodedata.combining(c))
    text = re.sub(r"[\W_]+", " ", text.lower())
    return " ".join(text.encode("ascii", "ignore").decode().split())


def _sample(values: pd.Series) -> pd.Series:
    """The column's first :data:`_SAMPLE` values that are neither missing nor blank, stripped, as
    text. They are looked for a window at a time (growing), so that a column of a million rows
    costs about what its first few hundred do."""
    present = np.flatnonzero(values.notna().to_numpy(dtype=bool))
    found: list[pd.Series] = []
    start, window, n_found = 0, _SAMPLE, 0
    while start < len(present) and n_found < _SAMPLE:
        chunk = values.iloc[present[start : start + window]].astype(str).str.strip()
        found.append(chunk[chunk != ""])
        n_found += len(found[-1])
        start, window = start + window, window * 4
    return pd.concat(found).head(_SAMPLE) if found else pd.Series([], dtype=str)


def _looks_like(values: pd.Series) -> str | None:
    sample = _sample(values)
    if sample.empty:
        return None
    if sample.str.match(_EMAIL).mean() >= _SHARE:
        return "e-mail addresses"
    if sample.str.match(_PHONE).mean() >= _SHARE:
        return "phone numbers"
    return None


def identifier_like_columns(
    frame: pd.DataFrame, used: Collection[str], ignored: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """The columns of ``frame`` that are neither ``used`` (mapped or read by the source's rules)
    nor ``ignored`` and look like identifiers, each with what gave it away (``header`` or the
    kind of values). ``ignored`` compares headers without case, accents or punctuation."""
    skip = {_words(str(c)) for c in ignored} | {_words(str(c)) for c in used}
    out = []
    for col in frame.columns:
        header = _words(str(col))
        if header in skip or meta_field(str(col)) is not None:  # survey metadata
            continue
        if _HEADER.search(header):
            out.append((str(col), "header"))
            continue
        kind = _looks_like(frame[col])
        if kind is not None:
            out.append((str(col), kind))
    return out
