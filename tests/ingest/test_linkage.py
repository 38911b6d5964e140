"""Lookup tables and linkage: a barometer keyed by LimeSurvey token, linked through the survey's
participant table (token -> e-mail) to an attendance register keyed by e-mail or by matricule,
and a directions reference (code -> name).

Every expected value is computed here from the clear files (an independent join), then
pseudonymised with :func:`eco_eval.pseudonymise.pseudonym`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from eco_eval.config import demo_config_text, load_project
from eco_eval.errors import ConfigError, InputFileError
from eco_eval.ingest import ingest
from eco_eval.pseudonymise import load_key, pseudonym
from eco_eval.store import open_store
from eco_eval.store_quality import link_rates

from .conftest import BAROMETER_HEAD

FULL = [
    "tid", "firstname", "lastname", "email", "emailstatus", "token", "language", "validfrom",
    "validuntil", "invited", "reminded", "remindercount", "completed", "usesleft", "attribute_1",
]  # fmt: skip
REDUCED = ["tid", "firstname", "lastname", "email", "token"]
# (token, first name, last name, e-mail, matricule); the e-mails in another case than the
# sign-in sheets', as people type them
PEOPLE = [
    ("tokA1xyz", "Alice", "Martin", "Alice.Martin@ville-exemple.fr", "100001"),
    ("tokB2xyz", "Bruno", "Durand", "bruno.durand@ville-exemple.fr", "100002"),
    ("tokC3xyz", "Chloé", "Petit", "chloe.petit@ville-exemple.fr", "100003"),
    ("tokE5xyz", "Eve", "Blanc", "eve.blanc@ville-exemple.fr", "100005"),  # never attended
    ("tokF6xyz", "Fanny", "Noir", "", "100006"),  # no e-mail in the participant table
    ("tokQ7xyz", "Quentin", "Gris", "quentin.gris@ville-exemple.fr", "100007"),
]
# sign-ins: (session, person index); S9 is not in the session log (quarantined)
SIGN_INS = [("S1", 0), ("S1", 1), ("S2", 0), ("S2", 2), ("S9", 5)]
DIRECTIONS = {"FIN": "Direction des Finances", "EDU": "Direction de l'Éducation"}
# barometer rows: (token as typed in the export, DIR code); response ids are 1..n
RESPONSES = [
    ("tokA1xyz", "FIN"),
    (" TOKB2XYZ ", " fin "),  # case and spaces: still matched
    ("tokC3xyz", "EDU"),
    ("tokZZ999", "FIN"),  # not in the participant table
    ("tokE5xyz", "XXX"),  # never attended; a code absent from the reference
    ("", "EDU"),  # no token
    ("tokF6xyz", "EDU"),  # participant without e-mail
    ("tokQ7xyz", "FIN"),  # quarantined below (an answer out of range)
]
QUARANTINED_RESPONSE = 8


def _participants(columns: list[str]) -> str:
    rows = [columns]
    for i, (token, first, last, email, _mat) in enumerate(PEOPLE, start=1):
        full = {
            "tid": str(i), "firstname": first, "lastname": last, "email": email,
            "emailstatus": "OK", "token": token, "language": "fr", "validfrom": "",
            "validuntil": "", "invited": "2016-11-01 09:00", "reminded": "N",
            "remindercount": "0", "completed": "2016-11-10 10:00", "usesleft": "0",
            "attribute_1": "Service test",
        }  # fmt: skip
        rows.append([full[c] for c in columns])
    return "\n".join(",".join(f'"{v}"' for v in r) for r in rows) + "\n"


def _attendance(with_matricule: bool) -> str:
    head = ["N° séance", *(["Matricule"] if with_matricule else []), "Nom", "Prénom"]
    head += ["Adresse mail", "Direction"]
    lines = [";".join(head)]
    for session, who in SIGN_INS:
        _token, first, last, email, mat = PEOPLE[who]
        cells = [session, *([mat] if with_matricule else []), last, first, email.lower()]
        lines.append(";".join([*cells, "Direction des Finances"]))
    return "\n".join(lines) + "\n"


def _barometer() -> str:
    # LimeSurvey exports the participant's attributes when asked: 'firstname' after the token
    head = ["token,firstname" if h == "MATRICULE" else h for h in BAROMETER_HEAD]
    rows = [",".join(head).split(",")]
    first_names = {p[0]: p[1] for p in PEOPLE}
    for i, (token, code) in enumerate(RESPONSES, start=1):
        clim = "7" if i == QUARANTINED_RESPONSE else "Plutôt d'accord"
        first = first_names.get(token, "")
        rows.append(
            [str(i), f"2016-11-{10 + i} 10:00:00", "3", "fr", str(i), token, first, code, "A"]
            + ["F"]
            + ["Souvent"] * 7
            + ["La plupart du temps"] * 5
            + [clim, "Tout à fait d'accord", "Oui"]
        )
    return "\n".join(";".join(f'"{v}"' if v else "" for v in r) for r in rows) + "\n"


def _project(tiny_project: Path, *, participant_columns=FULL, with_matricule=False) -> Path:
    raw = tiny_project / "data" / "raw"
    (raw / "referentiel").mkdir()
    (raw / "barometre" / "participants_2016-11.csv").write_text(
        _participants(participant_columns), encoding="utf-8"
    )
    (raw / "referentiel" / "directions.csv").write_bytes(
        ("Code;Libellé\n" + "".join(f"{k};{v}\n" for k, v in DIRECTIONS.items())).encode("cp1252")
    )
    (raw / "presences" / "emargements_2016-T3.csv").write_text(
        _attendance(with_matricule), encoding="utf-8"
    )
    (raw / "barometre" / "limesurvey_survey_736251.txt").unlink()
    (raw / "barometre" / "barometre_2016-11.csv").write_text(_barometer(), encoding="utf-8")
    doc = yaml.safe_load(demo_config_text())
    doc["lookups"] = {
        "participants": {
            "pattern": "barometre/participants_*.csv",
            "key": "token",
            "identifiers": ["token", "email", "firstname", "lastname"],
        },
        "directions": {"pattern": "referentiel/directions.csv", "key": "Code"},
    }
    baro = doc["sources"]["barometer"]
    del baro["codebook"], baro["columns"]["matricule"]
    baro["ignore"] = ["firstname", "lastname"]  # the survey's token attributes, never stored
    baro["lookups"] = {
        "email": {"column": "token", "table": "participants", "value": "email"},
        "department": {"column": "DIR", "table": "directions", "value": "Libellé"},
    }
    att = doc["sources"]["attendance"]["columns"]
    att["email"] = "Adresse mail"
    for fld in ("category", "gender", "filiere", *([] if with_matricule else ["matricule"])):
        del att[fld]
    (tiny_project / "eco_eval.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return tiny_project


def _expected_keys(with_matricule: bool) -> dict[str, str | None]:
    """response id -> the attendance person key of its respondent, by a join on clear values."""
    key = load_key(env_var="ECO_EVAL_KEY")
    by_token = {p[0].lower(): p for p in PEOPLE}
    attended = {PEOPLE[who][3].lower(): PEOPLE[who] for s, who in SIGN_INS if s != "S9"}
    out: dict[str, str | None] = {}
    for i, (token, _code) in enumerate(RESPONSES, start=1):
        person = by_token.get(token.strip().lower())
        email = person[3].lower() if person else ""
        if not email:
            out[f"2016-11:{i}"] = None
        elif email in attended and with_matricule:
            out[f"2016-11:{i}"] = pseudonym(key, attended[email][4], kind="person")
        else:  # keyed by e-mail, linked or not
            out[f"2016-11:{i}"] = pseudonym(key, email, kind="person:email")
    return out


@pytest.mark.parametrize(
    ("columns", "with_matricule"),
    [(FULL, False), (REDUCED, False), (FULL, True)],
    ids=["full-table/by-email", "reduced-table/by-email", "full-table/by-matricule+email"],
)
def test_token_to_email_to_attendance(tiny_project, columns, with_matricule):
    root = _project(tiny_project, participant_columns=columns, with_matricule=with_matricule)
    report = ingest(load_project(root))
    store = open_store(load_project(root).store_path)
    baro = store.table("barometer").set_index("response_id")
    expected = _expected_keys(with_matricule)
    accepted = {k: v for k, v in expected.items() if k != f"2016-11:{QUARANTINED_RESPONSE}"}
    assert sorted(baro.index) == sorted(accepted)
    got = {r: (None if k is None or k != k else k) for r, k in baro["person_key"].items()}
    assert got == accepted
    attendance_keys = set(store.table("attendance")["person_key"])
    # the people who signed in are exactly the respondents found in the register
    linked = {r for r, k in got.items() if k in attendance_keys}
    assert linked == {"2016-11:1", "2016-11:2", "2016-11:3"}
    # link rates: every accepted respondent counted once, by cause
    rates = link_rates(store).set_index("table_name").loc["barometer"]
    assert (rates["rows"], rates["linked"]) == (7, 3)
    assert rates["causes"] == {
        "not_in_attendance": 1,  # tokE5 (a key, never signed in)
        "not_in_lookup:participants": 1,  # tokZZ
        "no_value_in_lookup:participants": 1,  # tokF6
        "no_identifier": 1,  # empty token
    }
    assert rates["rate"] == pytest.approx(3 / 7)
    assert report.linkage is not None and int(report.linkage["linked"].iloc[0]) == 3


def test_directions_code_to_name_and_unmatched_counts(tiny_project):
    root = _project(tiny_project)
    report = ingest(load_project(root))
    store = open_store(load_project(root).store_path)
    baro = store.table("barometer").set_index("response_id")["department"]
    for i, (_token, code) in enumerate(RESPONSES, start=1):
        if i == QUARANTINED_RESPONSE:
            continue
        want = DIRECTIONS.get(code.strip().upper(), code.strip())  # unmatched: the code kept
        assert baro[f"2016-11:{i}"] == want
    (result,) = [f for f in report.files if f.table == "barometer"]
    counts = result.meta["lookups"]
    n = len(RESPONSES)
    codes = [c.strip().upper() for _, c in RESPONSES]
    unmatched = [c for c in codes if c not in DIRECTIONS]
    assert counts["department"]["matched"] == n - len(unmatched)
    assert counts["department"]["unmatched"] == len(unmatched)
    assert counts["department"]["unmatched_values"] == {"XXX": unmatched.count("XXX")}
    tokens = {p[0].lower(): p[3] for p in PEOPLE}
    typed = [t.strip().lower() for t, _ in RESPONSES]
    assert counts["email"]["empty"] == typed.count("")
    assert counts["email"]["unmatched"] == sum(1 for t in typed if t and t not in tokens)
    assert counts["email"]["no_value"] == sum(1 for t in typed if tokens.get(t) == "")
    assert counts["email"]["matched"] == sum(1 for t in typed if tokens.get(t))
    assert "unmatched_values" not in counts["email"]  # tokens are never listed
    # the lookup files are in the ingest log (checksums), not among the sources
    log = store.table("ingest_log")
    assert set(log.loc[log["table_name"].str.startswith("lookup:"), "source_file"]) == {
        "data/raw/barometre/participants_2016-11.csv",
        "data/raw/referentiel/directions.csv",
    }
    assert sorted(report.lookups) == sorted(
        ["data/raw/barometre/participants_2016-11.csv", "data/raw/referentiel/directions.csv"]
    )
    assert ingest(load_project(root)).changed is False  # nothing new, lookups included
    (root / "data/raw/referentiel/directions.csv").write_text("Code;Libellé\nFIN;Finances\n")
    assert ingest(load_project(root)).changed is True  # a changed reference re-ingests


@pytest.mark.parametrize("with_matricule", [False, True])
def test_no_token_or_email_in_clear_anywhere_in_the_store(tiny_project, with_matricule):
    root = _project(tiny_project, with_matricule=with_matricule)
    ingest(load_project(root))
    secrets = [p[0].lower() for p in PEOPLE] + [p[3].lower() for p in PEOPLE if p[3]]
    secrets += ["tokzz999", "quentin"]  # the quarantined respondent's first name
    store = open_store(load_project(root).store_path)
    scanned = 0
    for table in store.sql("SELECT table_name FROM information_schema.tables")["table_name"]:
        frame = store.sql(f'SELECT * FROM "{table}"')
        for col in frame.columns:
            for value in frame[col].dropna().astype(str):
                scanned += 1
                low = value.lower()
                assert not any(s in low for s in secrets), (table, col, value)
    assert scanned > 100
    q = store.table("quarantine")
    raws = [json.loads(r) for r in q.loc[q["table_name"] == "barometer", "raw"]]
    assert len(raws) == 1 and raws[0]["token"].startswith("pseudo:")
    assert raws[0]["email (lookup participants.email)"].startswith("pseudo:")
    assert raws[0]["firstname"].startswith("pseudo:")


def test_identity_map_links_email_to_matricule(tiny_project):
    root = _project(tiny_project, with_matricule=True)
    ingest(load_project(root))
    store = open_store(load_project(root).store_path)
    key = load_key(env_var="ECO_EVAL_KEY")
    links = store.table("person_links")
    signed = {(PEOPLE[w][3].lower(), PEOPLE[w][4]) for _s, w in SIGN_INS}  # S9 included
    want = {
        (pseudonym(key, e, kind="person:email"), pseudonym(key, m, kind="person"))
        for e, m in signed
    }
    assert set(zip(links["id_key"], links["person_key"], strict=True)) == want
    assert set(links["kind"]) == {"person:email"}


def _config_error(tiny_project: Path, edit) -> str:
    root = _project(tiny_project)
    doc = yaml.safe_load((root / "eco_eval.yaml").read_text(encoding="utf-8"))
    edit(doc)
    (root / "eco_eval.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises((ConfigError, InputFileError)) as info:
        ingest(load_project(root))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_unknown_lookup_table_is_one_line_with_did_you_mean(tiny_project):
    def edit(doc):
        doc["sources"]["barometer"]["lookups"]["email"]["table"] = "participant"

    message = _config_error(tiny_project, edit)
    assert "sources.barometer.lookups.email.table 'participant'" in message
    assert 'did you mean "participants"' in message


def test_value_column_absent_names_file_column_and_columns(tiny_project):
    def edit(doc):
        doc["sources"]["barometer"]["lookups"]["email"]["value"] = "courriel"

    message = _config_error(tiny_project, edit)
    assert message.startswith("data/raw/barometre/participants_2016-11.csv: column 'courriel'")
    assert "columns: tid, firstname, lastname, email, emailstatus, token" in message


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda d: d["lookups"]["directions"].update(kee="Code"),
            "unknown key lookups.directions.'kee' (did you mean \"key\"?)",
        ),
        (lambda d: d["lookups"]["directions"].pop("key"), "lookups.directions needs a 'key'"),
        (
            lambda d: d["sources"]["barometer"]["lookups"].update(
                departement={"column": "DIR", "table": "directions", "value": "Libellé"}
            ),
            "no field 'departement' (did you mean \"department\"?)",
        ),
        (
            lambda d: d["sources"]["barometer"]["lookups"]["department"].update(
                table="participants", value="email"
            ),
            "is an identifier of the lookup table",
        ),
        (
            lambda d: (
                d["sources"]["barometer"]["lookups"]["email"].update(column="matricule")
                or d["sources"]["barometer"]["lookups"].update(
                    matricule={"column": "email", "table": "participants", "value": "tid"}
                )
            ),
            "form a cycle",
        ),
        (lambda d: d["lookups"]["directions"].update(pattern="ref/*.csv"), "no file matches"),
        (
            lambda d: d["sources"]["barometer"]["lookups"]["department"].update(column="DIRX"),
            "column 'DIRX' (sources.barometer.lookups.department.column) not found",
        ),
    ],
    ids=[
        "unknown-key",
        "no-key",
        "unknown-field",
        "identifier-in-clear",
        "cycle",
        "no-file",
        "no-column",
    ],
)
def test_config_errors_are_one_line(tiny_project, edit, words):
    assert words in _config_error(tiny_project, edit)


def test_quality_page_and_summary_report_link_rates(tiny_project):
    from eco_eval.pipeline import run_ingest

    root = _project(tiny_project)
    outcome = run_ingest(root)
    text = outcome.summary_text()
    assert "linkage: 3 of 7 barometer respondents linked to the attendance register" in text
    assert "not_in_lookup:participants 1" in text
    html = (root / "reports" / "data-quality" / "latest.html").read_text(encoding="utf-8")
    assert "3 sur 7 réponses (baromètre social) appariées aux feuilles d&#x27;émargement" in html
    assert "valeur absente de la table « participants » (1)" in html
    assert "XXX (1)" in html  # the direction code the reference does not know
    assert "participants_2016-11.csv (6, SHA-256" in html
    low = html.lower()
    assert not any(p[0].lower() in low or (p[3] and p[3].lower() in low) for p in PEOPLE)
    # the lookup files are not a source of the summary by source
    assert "lookup:" not in html


def test_chain_token_to_email_to_matricule_through_an_hr_directory(tiny_project):
    """A chain: the e-mail found by token is looked up in an HR directory for the matricule,
    which keys the attendance register (no e-mail in the sign-in sheets at all)."""
    root = _project(tiny_project, with_matricule=True)
    raw = root / "data" / "raw"
    directory = ["Courriel;Matricule"] + [f"{p[3].upper()};{p[4]}" for p in PEOPLE if p[3]]
    (raw / "referentiel" / "annuaire.csv").write_text("\n".join(directory) + "\n")
    doc = yaml.safe_load((root / "eco_eval.yaml").read_text(encoding="utf-8"))
    doc["lookups"]["annuaire"] = {
        "pattern": "referentiel/annuaire.csv",
        "key": "Courriel",
        "identifiers": ["Courriel", "Matricule"],
    }
    doc["sources"]["barometer"]["lookups"]["matricule"] = {
        "column": "email", "table": "annuaire", "value": "Matricule",
    }  # fmt: skip
    del doc["sources"]["attendance"]["columns"]["email"]
    doc["sources"]["attendance"]["ignore"] = ["Adresse mail"]
    (root / "eco_eval.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    ingest(load_project(root))
    store = open_store(load_project(root).store_path)
    key = load_key(env_var="ECO_EVAL_KEY")
    by_token = {p[0].lower(): p for p in PEOPLE}
    baro = store.table("barometer").set_index("response_id")["person_key"]
    for i, (token, _code) in enumerate(RESPONSES, start=1):
        if i == QUARANTINED_RESPONSE:
            continue
        person = by_token.get(token.strip().lower())
        want = pseudonym(key, person[4], kind="person") if person and person[3] else None
        got = baro[f"2016-11:{i}"]
        assert (None if pd.isna(got) else got) == want
    assert len(store.table("person_links")) == 0  # the sign-in sheets hold one identifier
    rates = link_rates(store).set_index("table_name").loc["barometer"]
    assert (rates["rows"], rates["linked"]) == (7, 3)


def test_barometer_ingested_aside_links_alike(tiny_project, monkeypatch):
    """The barometer's child process reads the lookups itself; the link and its counts are
    those of a serial ingest (the identity map is applied in the parent, at the end)."""
    from eco_eval import child as child_module
    from eco_eval.ingest import aside as aside_module

    root = _project(tiny_project, with_matricule=True)
    monkeypatch.setattr(aside_module, "MIN_BYTES", 2**40)
    first = ingest(load_project(root))
    store = open_store(load_project(root).store_path)
    serial = (store.table("barometer"), link_rates(store), store.table("person_links"))
    monkeypatch.setattr(aside_module, "MIN_BYTES", 0)
    monkeypatch.setattr(aside_module, "_cores", lambda: 2)
    started, popen = [], child_module.subprocess.Popen
    monkeypatch.setattr(
        child_module.subprocess, "Popen", lambda *a, **k: started.append(a) or popen(*a, **k)
    )
    report = ingest(load_project(root), force=True)
    assert len(started) == 1  # the barometer went to the child
    assert [f.meta["lookups"] for f in report.files if f.table == "barometer"] == [
        f.meta["lookups"] for f in first.files if f.table == "barometer"
    ]
    store = open_store(load_project(root).store_path)
    aside = (store.table("barometer"), link_rates(store), store.table("person_links"))
    for one, other in zip(serial, aside, strict=True):
        pd.testing.assert_frame_equal(one, other)
    assert int(aside[1]["linked"].iloc[0]) == 3
