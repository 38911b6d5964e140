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
    # an invalid file is decoded again to find the offset: characters split across chunks
    assert first_undecodable("ééééé".encode() + b"\xff", "utf-8") == 10


_TRICKY = [
    b"\xed\xa0\x80",  # a UTF-16 surrogate
    b"\xc0\xaf",  # overlong "/"
    b"\xe0\x80\xaf",
    b"\xf0\x80\x80\xaf",
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\xf8\x88\x80\x80\x80",  # five bytes
    b"abc\xc3",  # cut at the end
    b"ab\xe2\x82;x",
    "é€😀\U0010ffff".encode(),
    b"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80",  # the edges, all valid
    b"",
]


@pytest.mark.parametrize("data", _TRICKY)
@pytest.mark.parametrize(
    ("codec", "chunk"), [("utf-8", 1 << 24), ("UTF8", 1 << 24), ("utf-8", 1), ("utf_8", 2)]
)
@pytest.mark.parametrize("arrow", [True, False])
def test_utf8_check_agrees_with_pythons_strict_decoder(
    data: bytes, codec: str, chunk: int, arrow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """UTF-8 is validated by Arrow first (``arrow``), or decoded chunk by chunk: either way the
    verdict and the offset ``bytes.decode`` gives, characters split across chunks included."""
    import eco_eval.readers.encoding as encoding

    monkeypatch.setattr(encoding, "_CHUNK", chunk)
    if not arrow:
        monkeypatch.setattr(encoding, "_valid_utf8", lambda data: False)
    try:
        data.decode("utf-8")
        expected = None
    except UnicodeDecodeError as exc:
        expected = exc.start
    assert first_undecodable(data, codec) == expected
    assert first_undecodable(memoryview(b"ok;" + data)[3:], codec) == expected


def test_looks_binary() -> None:
    assert looks_binary(b"PK\x03\x04\x00\x00")
    assert looks_binary(bytes(range(1, 32)) * 10)
    assert not looks_binary(b"a;b\r\n1;2\t3\n")
    assert not looks_binary(b"")
