"""Keyed pseudonymisation of staff identifiers (HMAC-SHA256).

A matricule, an e-mail or a name is replaced at ingestion by ``HMAC-SHA256(key, normalised id)``
truncated to 16 hex characters (64 bits: collisions are negligible for a city's staff and still
rare at 2 million people). The same person gets the same pseudonym in every source and wave, which
is what lets barometer answers link to attendance. Without the key a pseudonym cannot be reversed
by trying every matricule, unlike a plain hash.

The key never lives in the repository, the store, the logs or the reports. It comes from the
environment variable named in the configuration (``ECO_EVAL_KEY`` by default) or from a key file
created with 0600 permissions under the user's configuration folder. Rotating the key gives every
person a new pseudonym: links with earlier ingests are lost, so the store must be rebuilt.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from eco_eval.errors import SecretMissing
from eco_eval.numbered import canonical_ints, grown, table_room
from eco_eval.readers.table import TEXT_DTYPE

log = logging.getLogger(__name__)

KEY_BYTES = 32
#: 32 characters: 128 bits when random hex, the least an HMAC key should carry.
MIN_KEY_CHARS = 32
#: Variables a shell or the system sets, which cannot hold a secret.
COMMON_VARIABLES = frozenset(
    [
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "PWD",
        "OLDPWD",
        "LANG",
        "LANGUAGE",
        "TERM",
        "HOSTNAME",
        "TMPDIR",
        "EDITOR",
        "PAGER",
        "MAIL",
        "DISPLAY",
        "TZ",
        "LC_ALL",
        "LC_CTYPE",
        "PYTHONPATH",
        "VIRTUAL_ENV",
        "XDG_CONFIG_HOME",
    ]
)


def default_key_file() -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "eco_eval" / "pseudonymisation.key"


def create_key(path: Path) -> Path:
    """Write a new random key to ``path`` with 0600 permissions (refuses to overwrite)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(KEY_BYTES) + "\n")
    return path


def load_key(
    *, env_var: str = "ECO_EVAL_KEY", key_file: str | Path | None = None, create: bool = False
) -> bytes:
    """The pseudonymisation key from ``env_var``, else the key file; create it only if asked.

    A key is at least :data:`MIN_KEY_CHARS` characters (``eco-eval key create`` writes 64 random hex
    characters), and ``env_var`` cannot be a variable every shell sets (:data:`COMMON_VARIABLES`):
    ``key_env: PATH`` would pseudonymise with a value anyone on the machine knows.
    """
    if env_var.upper() in COMMON_VARIABLES:
        raise SecretMissing(
            f"privacy.key_env: {env_var} is set by every shell and known to anyone on the machine; "
            "name a variable of your own, e.g. ECO_EVAL_KEY"
        )
    value = os.environ.get(env_var)
    if value:
        if len(value) < MIN_KEY_CHARS:
            raise SecretMissing(
                f"${env_var} is too short ({len(value)} characters); use at least "
                f"{MIN_KEY_CHARS} random characters, e.g. the file 'eco-eval key create' writes"
            )
        return value.encode("utf-8")
    path = Path(key_file).expanduser() if key_file else default_key_file()
    if not path.exists():
        if not create:
            raise SecretMissing(
                f"no pseudonymisation key: set ${env_var} or create {path} with "
                f"'eco-eval key create' (keep it secret and backed up: a new key gives new pseudonyms)"
            )
        create_key(path)
        log.warning(
            "created a new pseudonymisation key at %s (keep it secret; losing it breaks links with earlier ingests)",
            path,
        )
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise SecretMissing(
            f"{path}: key file is readable by others (mode {mode:o}); run 'chmod 600 {path}'"
        )
    text = path.read_text(encoding="utf-8").strip()
    if len(text) < MIN_KEY_CHARS:
        raise SecretMissing(
            f"{path}: key file is empty or too short; delete it and run 'eco-eval key create'"
        )
    return text.encode("utf-8")


def normalise_identifier(value: object) -> str | None:
    """Case-, accent- and space-insensitive form; leading zeros of numeric matricules kept."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).strip().lower()
    text = re.sub(r"\s+", " ", text)
    return text or None


def pseudonym(key: bytes, value: object, *, kind: str = "id") -> str | None:
    """``HMAC-SHA256(key, kind + ':' + normalised value)`` as 16 hex characters, None for missing."""
    return pseudonyms(key, [value], kind=kind)[0]


def pseudonyms(key: bytes, values: Iterable[object], *, kind: str = "id") -> list[str | None]:
    """:func:`pseudonym` of each value, for many values (every matricule of a national staff).

    The keyed hash is set up once and copied per value, and a value of printable ASCII (the
    usual matricule or e-mail) is normalised without the Unicode tables, which leave it as is
    but for case and spaces: together about a third of the time of one ``pseudonym`` call each.
    """
    base = hmac.new(key, digestmod=hashlib.sha256)
    prefix = f"{kind}:"
    out: list[str | None] = []
    for value in values:
        if isinstance(value, str) and value.isascii() and value.isprintable():
            norm: str | None = " ".join(value.lower().split()) or None  # only ' ' is a space
        else:
            norm = normalise_identifier(value)
        if norm is None:
            out.append(None)
            continue
        h = base.copy()
        h.update((prefix + norm).encode())
        out.append(h.hexdigest()[:16])
    return out


#: above this many entries a pseudonym cache is emptied rather than grown further
CACHE_LIMIT = 4_000_000


def pseudonymise_series(
    key: bytes, values: pd.Series, *, kind: str = "id", cache: dict | None = None
) -> pd.Series:
    """Vectorised over unique values (identifiers repeat a lot in attendance lists).

    ``cache`` (a dict owned by the caller, for one key): pseudonyms already computed, by kind
    then value, so that the files and slices of one ingest hash each identifier once; a kind's
    cache is emptied rather than grown past :data:`CACHE_LIMIT` entries. Identifiers that are
    canonical decimal integers (the usual matricule) are cached in a table indexed by the number
    (:class:`_Numbered`) and looked up in NumPy; the others in a dictionary, once per distinct
    value. The result holds Arrow strings (missing: NaN), gathered from the pseudonyms without a
    Python object per row.
    """
    text = pa.array(values.astype(TEXT_DTYPE), type=pa.large_string())
    ints = canonical_ints(text, partial=True)
    assert ints is not None  # partial: -1 for the values that are not numbers
    cache = {} if cache is None else cache
    known: dict = cache.setdefault(kind, {})
    if len(known) > CACHE_LIMIT:
        known.clear()
    numbered: _Numbered = cache.setdefault((kind, "numbered"), _Numbered())
    if len(numbered.hexes) > CACHE_LIMIT:
        numbered = cache[(kind, "numbered")] = _Numbered()
    rows = numbered.rows(key, kind, ints)  # -1: not numbered, or missing
    others = np.flatnonzero(rows < 0)
    found: list[str | None] = []
    if len(others):
        codes, uniques = pd.factorize(values.iloc[others], use_na_sentinel=True)
        distinct = uniques.tolist()
        found = [known.get(u) for u in distinct]  # one C-level dict lookup each
        new = [i for i, f in enumerate(found) if f is None]
        for i, p in zip(new, pseudonyms(key, [distinct[i] for i in new], kind=kind), strict=True):
            found[i] = known[distinct[i]] = p
        named = np.asarray([f is not None for f in found] + [False])
        rows[others] = np.where(named[codes], codes + len(numbered.hexes), -1)
    table = np.asarray([*(f or "" for f in found)], dtype="S16")
    table = np.concatenate([numbered.hexes, table]) if len(table) else numbered.hexes
    return pd.Series(pd.array(_hex_strings(table, rows), dtype=TEXT_DTYPE), index=values.index)


#: a pseudonym's length in characters (hex digits)
WIDTH = 16


def _hex_strings(table: np.ndarray, rows: np.ndarray) -> Any:
    """An Arrow string array of ``table[rows]`` (16-byte ASCII pseudonyms), null where ``rows``
    is -1, built from its buffers: every value has the same length."""
    present = rows >= 0
    data = np.zeros(len(rows), dtype=f"S{WIDTH}")
    data[present] = table[rows[present]]
    offsets = np.arange(0, WIDTH * (len(rows) + 1), WIDTH, dtype=np.int64)
    validity = pa.py_buffer(np.packbits(present, bitorder="little"))
    return pa.LargeStringArray.from_buffers(
        len(rows), pa.py_buffer(offsets), pa.py_buffer(data), validity,
        int(len(rows) - np.count_nonzero(present)),
    )  # fmt: skip


class _Numbered:
    """Pseudonyms of canonical decimal integers, in a table indexed by the number.

    A dictionary lookup of a matricule among a national staff mostly waits for memory; a table
    indexed by the number, read in NumPy, does not. Numbers are kept while the table stays within ``numbered.MAX_SLOTS_PER_KEY``
    slots per pseudonym (matricules numbered without large gaps); larger ones go to the
    dictionary. A canonical integer is its own normalised form, so its pseudonym is the same as
    through :func:`pseudonyms`.
    """

    def __init__(self) -> None:
        self.slots = np.empty(0, dtype=np.int32)  # number -> row of hexes, -1
        self.hexes = np.empty(0, dtype=f"S{WIDTH}")

    def rows(self, key: bytes, kind: str, ints: np.ndarray) -> np.ndarray:
        """The row of ``hexes`` holding each number's pseudonym (computed for new numbers),
        -1 where ``ints`` is -1 or the number is too large for the table."""
        out = np.full(len(ints), -1, dtype=np.int64)
        room = table_room(self.slots, len(self.hexes), len(ints))
        usable = (ints >= 0) & (ints < room)
        numbers = ints[usable]
        if not len(numbers):
            return out
        self.slots = grown(self.slots, int(numbers.max()), -1)
        at = self.slots[numbers]
        if (at < 0).any():
            new = pd.unique(numbers[at < 0])  # hashed, not sorted
            hexes = pseudonyms(key, [str(n) for n in new.tolist()], kind=kind)
            self.slots[new] = np.arange(len(self.hexes), len(self.hexes) + len(new))
            self.hexes = np.concatenate([self.hexes, np.asarray(hexes, dtype=f"S{WIDTH}")])
            at = self.slots[numbers]
        out[usable] = at
        return out
