"""Nothing in clear: an export whose identifier columns were renamed (« Matricule agent »,
« E-mail pro ») and that carries extra ones (a phone number, a birth name) is refused until its
columns are declared; once declared, no raw identifier of the file is found in the store, its
quarantine or the data-quality page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from eco_eval.errors import InputFileError
from eco_eval.ingest import lookalike
from eco_eval.ingest.lookalike import identifier_like_columns
from eco_eval.pipeline import run_ingest
from eco_eval.report.quality import coarsened_example

FILE = "data/raw/presences/emargements_2017-T4.csv"


@pytest.fixture(scope="module")
def renamed(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the demo whose last sign-in sheet renames its identifiers and adds two more,
    with one row quarantined (an unknown session)."""
    root = tmp_path_factory.mktemp("renamed") / "city"
    shutil.copytree(demo_project, root)
    secrets: set[str] = set()
    for path in sorted((root / "data/raw/presences").glob("emargements_*.csv")):
        frame = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8")
        frame = frame.rename(columns={"Matricule": "Matricule agent", "Courriel": "E-mail pro"})
        if path == root / FILE:
            n = len(frame)
            frame["Téléphone"] = [
                f"06 {i % 100:02d} {i // 100:02d} 47 {i % 89:02d}" for i in range(n)
            ]
            frame["Nom de naissance"] = [f"Naissance{i:04d}x" for i in range(n)]
            frame.loc[0, "N° séance"] = "99999"  # no such session: quarantined
            secrets |= {*frame["Téléphone"], *frame["Nom de naissance"]}
        frame.to_csv(path, sep=";", index=False, encoding="utf-8")
        secrets |= {
            *frame["Matricule agent"], *frame["E-mail pro"], *(frame["Nom"] + " " + frame["Prénom"]),
        }  # fmt: skip
    secrets = {s for s in secrets if isinstance(s, str) and len(s) > 5}
    return {"root": root, "secrets": secrets}


def _declare(root: Path) -> None:
    config = root / "eco_eval.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace('matricule: "Matricule"', 'matricule: "Matricule agent"')
    text = text.replace('email: "Courriel"', 'email: "E-mail pro"')
    text = text.replace(
        "    identifiers: [matricule, email, last_name, first_name]",
        "    identifiers: [matricule, email, last_name, first_name]\n"
        "    ignore: [Téléphone, Nom de naissance]",
        1,
    )
    config.write_text(text, encoding="utf-8")


def test_undeclared_identifier_columns_stop_the_ingest(renamed: dict, monkeypatch) -> None:
    monkeypatch.setenv("ECO_EVAL_KEY", "test-key-0123456789abcdef0123456789abcdef")
    with pytest.raises(InputFileError) as err:
        run_ingest(renamed["root"])
    message = str(err.value)
    assert "\n" not in message and message.startswith("data/raw/presences/emargements_")
    for col in ("'Matricule agent' (header)", "'E-mail pro' (header)"):
        assert col in message
    assert "sources.attendance.ignore" in message and "sources.attendance.columns" in message


def test_declared_export_leaves_no_identifier_anywhere(renamed: dict, monkeypatch) -> None:
    monkeypatch.setenv("ECO_EVAL_KEY", "test-key-0123456789abcdef0123456789abcdef")
    root = renamed["root"]
    _declare(root)
    run_ingest(root)
    secrets = renamed["secrets"]
    assert len(secrets) > 1000
    # the store, every text column of every table (DuckDB compresses strings: read them back)
    con = duckdb.connect(str(root / "data/processed/eco_eval.duckdb"), read_only=True)
    try:
        texts = []
        for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
            cols = [
                r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall() if r[1] == "VARCHAR"
            ]
            for col in cols:
                texts += [
                    v
                    for (v,) in con.execute(f'SELECT DISTINCT "{col}" FROM "{table}"').fetchall()
                    if v
                ]
        quarantined = con.execute(
            "SELECT raw FROM quarantine WHERE source_file = ?", [FILE]
        ).fetchall()
    finally:
        con.close()
    assert quarantined  # the row of the unknown session is there, without the extra columns
    assert all("Téléphone" not in r and "Nom de naissance" not in r for (r,) in quarantined)
    # whole values: a six-digit matricule may be a run of digits inside a hex digest
    words = {w for t in texts for w in re.split(r"[\s\"',:{}]+", str(t))} | set(map(str, texts))
    # a secret inside any text is inside their concatenation, separated by a character that no
    # secret holds (one substring search per secret, not one per secret and text)
    joined = "\0".join(map(str, texts))
    assert not any("\0" in s for s in secrets)
    found = [s for s in secrets if s in words or (not s.isdigit() and s in joined)]
    assert not found
    # every file the ingest wrote under reports/ (the data-quality pages): one pattern that
    # matches wherever any secret does
    any_secret = re.compile(
        "(?<![0-9a-f])(?:"
        + "|".join(map(re.escape, sorted(secrets, key=len, reverse=True)))
        + ")(?![0-9a-f])"
    )
    pages = [p for p in (root / "reports").rglob("*") if p.is_file()]
    assert pages
    for page in pages:
        shown = any_secret.search(page.read_text(encoding="utf-8", errors="replace"))
        assert shown is None, (page, shown.group(0) if shown else None)


def test_values_give_identifiers_away_whatever_the_header() -> None:
    frame = pd.DataFrame({
        "contact": ["ana.silva@ville.fr", "b.roux (at) ville.fr", "c.dupont arobase ville.fr"],
        "x1": ["06 12 34 56 78", "+33 6 98 76 54 32", "0611223344"],
        "code": ["A-102", "B-220", "C-310"],
        "Nom d'usage": ["a", "b", "c"],
    })  # fmt: skip
    found = identifier_like_columns(frame, used=["code"], ignored=["Nom d’usage"])
    assert found == [("contact", "e-mail addresses"), ("x1", "phone numbers")]


def test_examples_never_combine_quasi_identifiers() -> None:
    raw = (
        '{"Direction": "Direction de la Culture", "Catégorie": "C", "Sexe": "F", '
        '"matricule": "pseudo:ab12", "SWEMWBS_1": "' + "4" * 100 + '"}'
    )
    shown = coarsened_example(raw)
    assert "Culture" not in shown and '"Sexe": "•••"' in shown and '"Catégorie": "•••"' in shown
    assert "pseudo:ab12" in shown and "4" * 61 not in shown


@pytest.mark.parametrize("dtype", ["str", object])
def test_the_sample_is_the_first_non_blank_values_however_far_they_are(dtype) -> None:
    """Values looked for a window at a time: the same sample as reading the whole column,
    e-mails found after thousands of blank or missing cells."""
    rng = np.random.default_rng(5)
    cells = rng.choice([None, "", "  ", "x@ville.fr", " y@ville.fr ", "note"], 6_000)
    cells[:4_000] = rng.choice([None, "", " "], 4_000)
    values = pd.Series(cells, dtype=dtype)
    whole = values.dropna().astype(str).str.strip()
    expected = whole[whole != ""].head(200)
    assert lookalike._sample(values).tolist() == expected.tolist()
    assert lookalike._sample(pd.Series([None, " "], dtype=dtype)).empty
    frame = pd.DataFrame({"contact": values.where(values != "note", "z@ville.fr")})
    assert identifier_like_columns(frame, used=[]) == [("contact", "e-mail addresses")]
