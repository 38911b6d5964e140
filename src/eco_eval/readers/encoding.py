"""Which text encoding a raw file uses, and whether it is text at all.

The rule is deterministic rather than statistical: a byte-order mark decides (UTF-8, UTF-16);
otherwise the whole file is checked as strict UTF-8 (chunk by chunk, so memory stays bounded);
failing that, Windows-1252, and Latin-1 as the last resort (it decodes any byte). Why not
charset-normalizer: the city's files come in exactly these encodings (``DOMAIN.md``), and text in
Windows-1252 with French accents is practically never valid UTF-8, whereas a statistical detector
can name a neighbouring code page (cp1250, mac_roman) for a short French file and costs a pass of
heuristics over large files.
"""

from __future__ import annotations

import codecs
import mmap
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

_CHUNK = 1 << 24  # 16 MiB

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Encoding:
    """``name`` is a Python codec name; ``bom`` tells whether the file starts with a BOM."""

    name: str
    bom: bool


def bom_encoding(head: bytes) -> Encoding | None:
    """The encoding a byte-order mark announces, or None."""
    for mark, name in BOMS:
        if head.startswith(mark):
            return Encoding(name, True)
    return None


def first_undecodable(data: bytes | memoryview | mmap.mmap, codec: str) -> int | None:
    """Offset of the first byte that does not decode with ``codec``, None when all do.

    UTF-8 is first checked by Arrow's validator over the whole buffer, in place (Python's
    decoder makes a string of every chunk; both accept and refuse the same bytes, surrogates and
    overlong forms included); only an invalid file is decoded again to find the offset."""
    if codecs.lookup(codec).name == "utf-8" and _valid_utf8(data):
        return None
    decoder = codecs.getincrementaldecoder(codec)("strict")
    chunks = [*range(0, len(data), _CHUNK), len(data)]  # the last: the final, empty call
    for start in chunks:
        # the decoder keeps an incomplete character from the previous chunk: an error's
        # position counts from those pending bytes, not from this chunk's start
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(bytes(data[start : start + _CHUNK]), final=start == len(data))
        except UnicodeDecodeError as exc:
            return start - pending + max(exc.start, 0)
    return None


def _valid_utf8(data: bytes | memoryview | mmap.mmap) -> bool:
    size = len(data)
    offsets = pa.py_buffer(np.array([0, size], dtype=np.int64))
    one = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        one.cast(pa.large_string())  # Arrow validates UTF-8 when it casts binary to text
    except pa.ArrowInvalid:
        return False
    return True


def detect_encoding(data: bytes | memoryview | mmap.mmap) -> Encoding:
    """Detect the encoding of a whole file's bytes (see the module docstring for the rule).

    >>> detect_encoding("Catégorie;Effectif".encode("cp1252")).name
    'cp1252'
    >>> detect_encoding(b"\\xef\\xbb\\xbfid;submitdate")
    Encoding(name='utf-8-sig', bom=True)
    """
    found = bom_encoding(bytes(data[:4]))
    if found is not None:
        return found
    if first_undecodable(data, "utf-8") is None:
        return Encoding("utf-8", False)
    if first_undecodable(data, "cp1252") is None:
        return Encoding("cp1252", False)
    return Encoding("latin-1", False)


def looks_binary(head: bytes) -> bool:
    """True for bytes that are not text: a NUL byte, or many control characters."""
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = sum(head.count(bytes([c])) for c in (*range(1, 9), 11, 12, *range(14, 32)))
    return controls > max(8, len(head) // 20)
