"""Every string a PDF file holds, whatever object it sits in (reachable from a page or not) and
however it is written (literal with escapes, hexadecimal, in a stream): what a published file
could leak is searched there, not in its raw bytes, where ``/`` may be written ``\\057``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    StreamObject,
    TextStringObject,
)


def pdf_strings(pdf: Path) -> Iterator[str]:
    """The strings of every object of ``pdf`` listed in its cross-reference table, and the
    decoded data of its streams (as Latin-1 text)."""
    reader = PdfReader(pdf)
    numbers = {n for table in reader.xref.values() for n in table} | set(reader.xref_objStm)
    for number in sorted(numbers):
        yield from _strings(reader.get_object(number))


def _strings(obj: object) -> Iterator[str]:
    # references to other objects are not followed: each is read once from the table
    if isinstance(obj, TextStringObject):
        yield str(obj)
    elif isinstance(obj, ByteStringObject):
        yield bytes(obj).decode("latin-1")
    elif isinstance(obj, DictionaryObject):
        for value in obj.values():
            yield from _strings(value)
        if isinstance(obj, StreamObject):
            yield obj.get_data().decode("latin-1")
    elif isinstance(obj, ArrayObject):
        for item in obj:
            yield from _strings(item)
