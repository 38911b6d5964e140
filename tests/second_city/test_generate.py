"""The second city's generator: deterministic, and its files have the promised shapes (read back
with the standard library and openpyxl, not with eco_eval's readers, except the codebook)."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from eco_eval.readers.codebook import read_limesurvey_structure
from eco_eval.second_city import config_text, generate_second_city
from eco_eval.second_city import files as F
from eco_eval.second_city.limesurvey import TOKEN_COLUMNS


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_files(tmp_path: Path, small_city: Path) -> None:
    generate_second_city(tmp_path / "raw", tmp_path / "truth", seed=3, n_staff=300)
    again = _digests(tmp_path)
    assert again == _digests(small_city)
    assert len(again) == 15 + 7
    generate_second_city(tmp_path / "raw", tmp_path / "truth", seed=4, n_staff=300)
    other = _digests(tmp_path)
    assert set(other) == set(again)  # stale files replaced, nothing added
    assert other["raw/" + F.SESSION_LOG] != again["raw/" + F.SESSION_LOG]


def _csv(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding)), delimiter=delimiter))


def test_session_log_is_windows_1252_with_decimal_commas_and_two_facilitators(small_city):
    data = (small_city / "raw" / F.SESSION_LOG).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert b"\r\n" in data
    rows = _csv(small_city / "raw" / F.SESSION_LOG, "cp1252", ";")
    header, body = rows[0], rows[1:]
    assert header == list(F.SESSION_HEADER)
    col = {name: i for i, name in enumerate(header)}
    assert any("," in r[col["Durée (heures)"]] for r in body)
    assert not any("." in r[col["Durée (heures)"]] for r in body)
    joined = [
        r[col["Animé par"]] for r in body if re.search(r" / | et |, | & ", r[col["Animé par"]])
    ]
    assert len(joined) >= 5
    undated = [r for r in body if not r[col["Jour"]]]
    assert len(undated) == 1 and undated[0][col["État"]] == "Tenue"
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", r[col["Jour"]]) for r in body if r[col["Jour"]])
    # the same tool spelt several ways (case, accents)
    spellings = {r[col["Dispositif"]] for r in body}
    assert {"Café des idées", "CAFE DES IDEES"} <= spellings


def test_headcount_has_quarter_labels_and_no_gender_nor_category(small_city):
    rows = _csv(small_city / "raw" / F.HEADCOUNT, "utf-8", ",")
    assert rows[0] == ["Trimestre", "Direction", "Filière", "Nombre d'agents"]
    labels = {r[0] for r in rows[1:]}
    assert any(re.fullmatch(r"\d{4}-T[1-4]", x) for x in labels)
    assert any(re.fullmatch(r"T[1-4] \d{4}", x) for x in labels)
    assert len(labels) == 10
    assert all(int(r[3]) > 0 for r in rows[1:])


def test_sign_in_workbook_has_title_rows_emails_codes_and_one_exact_duplicate(small_city):
    from openpyxl import load_workbook

    wb = load_workbook(small_city / "raw" / F.SIGN_INS, read_only=True)
    ws = wb[F.SIGN_IN_SHEET]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0][0] == F.SIGN_IN_TITLE[0] and rows[1][0] == F.SIGN_IN_TITLE[1]
    assert all(v is None for v in rows[2])
    assert rows[3] == F.SIGN_IN_HEADER
    body = rows[4:]
    assert sum(1 for a, b in itertools.pairwise(body) if a == b) == 1
    assert len(set(body)) == len(body) - 1
    assert all(re.fullmatch(r"[a-z.\-0-9]+@valbrune\.fr", r[3]) for r in body)
    codes = {r[0] for r in _csv(small_city / "raw" / F.DIRECTIONS, "utf-8-sig", ";")[1:]}
    assert {r[4] for r in body} <= codes
    assert "DGA-RH" in codes and "D04" in codes


def _responses(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8")
    assert not text.startswith("\ufeff") and text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text)))


def test_feedback_has_a_four_item_battery_full_answers_and_incomplete_responses(small_city):
    rows = _responses(small_city / "raw" / F.FEEDBACK)
    sat = [f"SAT[SQ00{i}]" for i in range(1, 5)]
    assert set(sat) <= set(rows[0])
    complete = [r for r in rows if r["submitdate"]]
    incomplete = [r for r in rows if not r["submitdate"]]
    assert complete and incomplete
    assert {r[c] for r in complete for c in sat} <= set(F.SATISFACTION)
    book = read_limesurvey_structure(small_city / "raw" / F.FEEDBACK_STRUCTURE)
    assert len(book.subquestion_texts("SAT")) == 4
    assert set(book.answer_labels("SAT").values()) == set(F.SATISFACTION)
    assert {r["DISPO"] for r in rows} <= set(book.answer_labels("DISPO").values())


def test_barometer_links_only_through_tokens(small_city):
    raw = small_city / "raw"
    book = read_limesurvey_structure(raw / F.BAROMETER_STRUCTURE)
    assert book.survey_id == "271828"
    assert len(book.subquestion_texts("BE")) == 7
    assert len(book.subquestion_texts("OMS")) == 5
    assert len(book.subquestion_texts("CLIMAT")) == 6  # one climate item per lever
    assert list(book.subquestion_texts("PART")) == ["ANY"]
    seen_tokens: set[str] = set()
    for n in range(1, 5):
        rows = _responses(raw / F.BAROMETER.format(n=n))
        assert "token" in rows[0] and not any("matricule" in c.lower() for c in rows[0])
        assert any(not r["submitdate"] for r in rows) and any(r["submitdate"] for r in rows)
        table = _csv(raw / F.TOKENS.format(n=n), "utf-8-sig", ",")
        assert tuple(table[0]) == TOKEN_COLUMNS
        tokens = {t[5]: t for t in table[1:]}
        assert {r["token"] for r in rows} <= set(tokens)
        assert not seen_tokens & set(tokens)  # a new token table per wave
        seen_tokens |= set(tokens)
        for r in rows:  # a completed response is marked completed in the token table
            assert (tokens[r["token"]][12] != "N") == bool(r["submitdate"])


def test_cli_writes_the_city_and_its_configuration(tmp_path: Path) -> None:
    from eco_eval.cli import main

    out = CliRunner().invoke(
        main, ["demo", "--city", "valbrune", "--project", str(tmp_path), "--staff", "300"]
    )
    assert out.exit_code == 0, out.output
    assert (tmp_path / "eco_eval.yaml").read_text(encoding="utf-8") == config_text()
    assert (tmp_path / "data" / "raw" / F.SESSION_LOG).exists()
    assert (tmp_path / "data" / "ground_truth" / "effects.csv").exists()
    bad = CliRunner().invoke(
        main, ["demo", "--city", "valbrune", "--project", str(tmp_path), "--staff", "10"]
    )
    assert bad.exit_code != 0 and "n_staff=10" in bad.output
