from __future__ import annotations

import hashlib
import hmac
import stat

import numpy as np
import pandas as pd
import pytest

from eco_eval.errors import SecretMissing
from eco_eval.pseudonymise import (
    create_key,
    load_key,
    normalise_identifier,
    pseudonym,
    pseudonymise_series,
    pseudonyms,
)


def _hmac_of_normal_form(key: bytes, value: object) -> str | None:
    norm = normalise_identifier(value)
    if norm is None:
        return None
    return hmac.new(key, f"person:{norm}".encode(), hashlib.sha256).hexdigest()[:16]


def test_hmac_matches_an_independent_computation():
    key = b"k" * 32
    expected = hmac.new(key, b"person:012345", hashlib.sha256).hexdigest()[:16]
    assert pseudonym(key, " 012345 ", kind="person") == expected
    assert pseudonym(key, "Jean.Dupont@Ville.fr", kind="e") == pseudonym(
        key, "jean.dupont@ville.fr", kind="e"
    )
    assert pseudonym(key, None) is None
    assert pseudonym(b"other-key-000000", "012345", kind="person") != expected


def test_batch_pseudonyms_equal_the_hmac_of_the_normal_form():
    """The ASCII fast path and the copied keyed hash change nothing: each value against
    ``hmac.new`` over :func:`normalise_identifier` (NFKD, marks removed, trimmed, lower case,
    spaces collapsed), printable ASCII or not."""
    key = b"q" * 32
    values = [
        "  AbC   dE ", "A\tb", "a\u00a0b", "\x1cX\x1f", "\u00c9ric", "e\u0301ric", "",
        "   ", "M000123", "ﬁ", "\u0130stanbul", "\u01c5", 12345, 1.5, None, float("nan"),
        "jean.dupont@Ville.FR", "x" * 300,
    ]  # fmt: skip
    expected = [_hmac_of_normal_form(key, v) for v in values]
    assert pseudonyms(key, values, kind="person") == expected
    assert expected[0] == hmac.new(key, b"person:abc de", hashlib.sha256).hexdigest()[:16]
    assert expected[4] == expected[5]  # composed and decomposed accents alike
    assert expected[6] is None and expected[7] is None


def test_series_keeps_missing_and_repeats():
    s = pd.Series(["a1", None, "a1", "b2"])
    out = pseudonymise_series(b"x" * 32, s)
    assert out[0] == out[2] and pd.isna(out[1]) and out[0] != out[3]
    assert out.tolist()[0] == pseudonym(b"x" * 32, "a1")


def test_key_from_env_or_file(tmp_path, monkeypatch):
    monkeypatch.delenv("ECO_EVAL_KEY", raising=False)
    path = tmp_path / "k" / "key"
    with pytest.raises(SecretMissing, match="eco-eval key create"):
        load_key(key_file=path)
    key = load_key(key_file=path, create=True)
    assert len(key) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(key_file=path) == key
    path.chmod(0o644)
    with pytest.raises(SecretMissing, match="chmod 600"):
        load_key(key_file=path)
    with pytest.raises(FileExistsError):
        create_key(path)
    monkeypatch.setenv("ECO_EVAL_KEY", "short")
    with pytest.raises(SecretMissing, match="too short"):
        load_key()


def test_a_sixteen_character_key_or_a_common_variable_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("ECO_EVAL_KEY", "0123456789abcdef")  # 16 characters: 64 bits at most
    with pytest.raises(SecretMissing, match=r"too short \(16 characters\); use at least 32"):
        load_key()
    monkeypatch.setenv("ECO_EVAL_KEY", "0123456789abcdef" * 2)
    assert load_key() == b"0123456789abcdef" * 2
    with pytest.raises(SecretMissing, match=r"privacy.key_env: PATH is set by every shell"):
        load_key(env_var="PATH")
    short = tmp_path / "short.key"
    short.write_text("0123456789abcdef0123\n", encoding="utf-8")
    short.chmod(0o600)
    monkeypatch.delenv("ECO_EVAL_KEY")
    with pytest.raises(SecretMissing, match="too short; delete it"):
        load_key(key_file=short)


def test_cached_pseudonyms_across_slices_equal_the_direct_ones():
    """The per-run cache gives each value its own pseudonym, across slices."""
    rng = np.random.default_rng(11)
    key = b"k" * 32
    pool = np.array([f"M{i:06d}" for i in range(150_000)] + [" m000001 ", None, "  "], dtype=object)
    cache: dict = {}
    for size in (70_000, 120_000, 5_000, 90_000):
        values = pd.Series(pool[rng.integers(0, len(pool), size)], dtype=object)
        got = pseudonymise_series(key, values, kind="person", cache=cache).tolist()
        sample = rng.integers(0, size, 2_000)
        assert [got[i] for i in sample] == [
            pseudonym(key, values[i], kind="person") for i in sample
        ]
    assert len(cache["person"]) > 100_000  # the values did go through the cache
    assert got.count(None) == sum(v is None or not str(v).strip() for v in values)


@pytest.mark.parametrize("dtype", [object, "str"])
def test_numbered_identifiers_get_the_pseudonyms_of_their_text(dtype):
    """Matricules that are canonical decimal integers are cached in a table indexed by the
    number; every value, numbered or not, still gets ``hmac.new`` over its normal form, across
    calls sharing a cache: leading zeros, signs, spaces, Arabic-Indic and full-width digits,
    numbers too large for the table, empty and missing values."""
    rng = np.random.default_rng(5)
    key = b"n" * 32
    odd = [
        "007", " 42 ", "+5", "-5", "٤٢", "４２", "99999999999999", "12a", "", "  ", None, "0",
        "42", 42, "1e3", "9" * 19,
    ]  # fmt: skip
    pool = np.array([str(n) for n in rng.integers(1, 200_000, 40_000)] + odd, dtype=object)
    cache: dict = {}
    for size in (30_000, 50_000, 500):
        values = pd.Series(pool[rng.integers(0, len(pool), size)], dtype=object)
        values.iloc[: len(odd)] = odd
        if dtype == "str":
            values = values.astype("str")
        got = pseudonymise_series(key, values, kind="person", cache=cache)
        expected = [_hmac_of_normal_form(key, v) for v in values.astype(object)]
        assert [None if pd.isna(g) else g for g in got] == expected
        assert got.index.equals(values.index)
    numbered = cache[("person", "numbered")]
    assert len(numbered.hexes) > 30_000  # the numbers went through the table, not the dict
    assert "42" not in cache["person"] and "123456" not in cache["person"]
    assert "007" in cache["person"] and "99999999999999" in cache["person"]
