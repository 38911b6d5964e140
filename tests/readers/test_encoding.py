"""Encoding detection."""

from __future__ import annotations

import codecs

import pytest

from eco_eval.readers.encoding import detect_encoding, first_undecodable, looks_binary


@pytest.mark.parametrize(
    ("data", "name", "bom"),
    [
        (b"id;nom\n1;x\n", "utf-8", False),
        ("Catégorie;Filière".encode(), "utf-8", False),
        (codecs.BOM_UTF8 + b"id", "utf-8-sig", True),
        ("Catégorie;Filière ’".encode("cp1252"), "cp1252", False),
        (b"a;\x81\xe9", "latin-1", False),  # 0x81 is undefined in Windows-1252
        ("a;b".encode("utf-16"), "utf-16", True),
    ],
)
def test_detect_encoding(data: bytes, name: str, bom: bool) -> None:
    found = detect_encoding(data)
    assert (found.name, found.bom) == (name, bom)


def test_utf8_split_across_chunks_is_still_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    import eco_eval.readers.encoding as encoding

    monkeypatch.setattr(encoding, "_CHUNK", 3)
    assert detect_encoding("ééééé".encode()).name == "utf-8"
    assert first_undecodable(b"abc\xff", "utf-8") == 3


def test_looks_binary() -> None:
    assert looks_binary(b"PK\x03\x04\x00\x00")
    assert looks_binary(bytes(range(1, 32)) * 10)
    assert not looks_binary(b"a;b\r\n1;2\t3\n")
    assert not looks_binary(b"")
