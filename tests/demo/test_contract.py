"""The raw files follow docs/data-model.md, "The demo city's raw files", to the byte where it matters."""

from __future__ import annotations

import re

import openpyxl
import pytest

from .conftest import ECOSYSTEM, read_limesurvey

LEVERS = [lv["id"] for lv in ECOSYSTEM["levers"]]
TOOL_NAMES = [t["fr"] for t in ECOSYSTEM["tools"]]
SAT = [
    "Pas du tout satisfait",
    "Peu satisfait",
    "Moyennement satisfait",
    "Satisfait",
    "Très satisfait",
]
AGREE = [
    "Pas du tout d'accord",
    "Plutôt pas d'accord",
    "Ni d'accord ni pas d'accord",
    "Plutôt d'accord",
    "Tout à fait d'accord",
]
FREQ = ["Jamais", "Rarement", "Parfois", "Souvent", "Tout le temps"]
WHO = [
    "Tout le temps",
    "La plupart du temps",
    "Plus de la moitié du temps",
    "Moins de la moitié du temps",
    "De temps en temps",
    "Jamais",
]
BAROMETER_HEADER = (
    ["id", "submitdate", "lastpage", "startlanguage", "seed", "MATRICULE", "DIR", "CAT", "SEXE"]
    + [f"WB[SQ00{i}]" for i in range(1, 8)]
    + [f"WHO[SQ00{i}]" for i in range(1, 6)]
    + [f"CLIM[{lv}{i}]" for lv in LEVERS for i in (1, 2)]
    + [f"PART[{lv}]" for lv in LEVERS]
)


def test_the_file_list_is_the_contract(city):
    quarters = [
        f"{y}-T{q}"
        for y, q in [(2015, 3), (2015, 4)] + [(y, q) for y in (2016, 2017) for q in range(1, 5)]
    ]
    expected = {
        "rh/effectifs_trimestriels.csv",
        "animations/journal_animations.xlsx",
        "retours/results-survey482915.csv",
        "retours/limesurvey_survey_482915.txt",
        "barometre/limesurvey_survey_736251.txt",
        *(f"presences/emargements_{q}.csv" for q in quarters),
        *(
            f"barometre/barometre_{w}.csv"
            for w in ("2015-11", "2016-05", "2016-11", "2017-05", "2017-11")
        ),
        # organisational results
        "idees/registre_idees.xlsx",
        "rh/indicateurs_rh_trimestriels.csv",
        "usagers/satisfaction_usagers.csv",
    }
    assert set(city.summary.files) == expected


def test_headcount_is_windows_1252_with_the_contract_header(city):
    data = (city.raw / "rh" / "effectifs_trimestriels.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1252")
    lines = text.split("\r\n")
    assert lines[0] == "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif"
    assert lines[-1] == "" and "\n" not in text.replace("\r\n", "")
    dates = {line.split(";")[0] for line in lines[1:-1]}
    assert dates == {
        "30/09/2015",
        "31/12/2015",
        "31/03/2016",
        "30/06/2016",
        "30/09/2016",
        "31/12/2016",
        "31/03/2017",
        "30/06/2017",
        "30/09/2017",
        "31/12/2017",
    }
    rows = [line.split(";") for line in lines[1:-1]]
    assert {r[2] for r in rows} == {"A", "B", "C"} and {r[3] for r in rows} == {"F", "M"}
    assert len({r[1] for r in rows}) >= 20
    assert {r[4] for r in rows} == {
        "Administrative",
        "Technique",
        "Culturelle",
        "Sociale",
        "Sportive",
        "Police municipale",
        "Médico-sociale",
        "Animation",
    }
    assert all(int(r[5]) > 0 for r in rows)


def test_session_log_sheet_layout(city):
    wb = openpyxl.load_workbook(city.raw / "animations" / "journal_animations.xlsx")
    assert wb.sheetnames == ["Journal"]
    rows = list(wb["Journal"].iter_rows(values_only=True))
    assert rows[0][0].startswith("Journal des animations")
    assert all(v is None for v in rows[1])
    assert list(rows[2]) == [
        "N° séance",
        "Date",
        "Outil",
        "Animateur",
        "Matricule animateur",
        "Durée (h)",
        "Lieu",
        "Direction d'accueil",
        "Statut",
    ]
    data = rows[3:]
    assert {r[8] for r in data} == {"Réalisée", "Annulée", "Prévue"}
    text_dates = [r[1] for r in data if isinstance(r[1], str)]
    assert text_dates and all(re.fullmatch(r"\d\d/\d\d/\d{4}", d) for d in text_dates)
    text_hours = [r[5] for r in data if isinstance(r[5], str)]
    assert (
        text_hours
        and all(re.fullmatch(r"\d+(,\d+)?", h) for h in text_hours)
        and any("," in h for h in text_hours)
    )
    hours = [float(str(r[5]).replace(",", ".")) for r in data]
    assert min(hours) >= 0.5 and max(hours) <= 3
    # about twenty facilitators (the pool and the five recruits), each with one matricule
    assert 15 <= len({r[3] for r in data}) <= 25
    assert len({r[3] for r in data}) == len({r[4] for r in data})
    assert all(re.fullmatch(r"\d{6,}", str(r[4])) for r in data)
    assert [r[0] for r in data] == list(range(1, len(data) + 1))


def test_attendance_files_header_and_encoding(city):
    for path in sorted((city.raw / "presences").glob("*.csv")):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8")
        assert (
            text.split("\n")[0]
            == "N° séance;Matricule;Nom;Prénom;Courriel;Direction;Catégorie;Sexe;Filière"
        )
        first = text.split("\n")[1].split(";")
        assert re.fullmatch(r"\d+", first[0]) and re.fullmatch(r"\d{6}", first[1])
        assert re.fullmatch(r"[a-z-]+\.[a-z-]+\d*@ville-exemple\.fr", first[4])


def _raw_lines(path):
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n\r\n")  # one extra empty line, as LimeSurvey writes
    return text


def test_feedback_export_is_limesurvey_shaped(city):
    path = city.raw / "retours" / "results-survey482915.csv"
    text = _raw_lines(path)
    assert (
        text.split("\r\n")[0]
        == '"id";"submitdate";"lastpage";"startlanguage";"seed";"SEANCE";"OUTIL";"EVAL[SAT]";"EVAL[UTIL]";"RECO";"COMM"'
    )
    # every non-empty field quoted: a record is a sequence of "..." or empty fields
    field = r'(?:"(?:[^"]|"")*"|)'
    record = re.compile(rf"{field}(?:;{field}){{10}}", re.S)
    records = text.split("\r\n")[1:-2]
    assert all(record.fullmatch(r) for r in records)
    f = read_limesurvey(path)
    assert list(f.columns) == [
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "SEANCE",
        "OUTIL",
        "EVAL[SAT]",
        "EVAL[UTIL]",
        "RECO",
        "COMM",
    ]
    assert (f["id"].astype(int).diff().dropna() == 1).all()
    assert f["submitdate"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert set(f["OUTIL"]) == set(TOOL_NAMES)
    assert set(f["EVAL[SAT]"].dropna()) == {*SAT, "6"}
    assert set(f["EVAL[UTIL]"].dropna()) == {*AGREE, "6"}
    assert set(f["RECO"].dropna().astype(int)) == {*range(11), 12}
    assert 0.25 < f["COMM"].notna().mean() < 0.35
    assert 0.05 < f["SEANCE"].isna().mean() < 0.11


def test_barometer_exports_are_limesurvey_shaped(city):
    for wave in ("2015-11", "2016-05", "2016-11", "2017-05", "2017-11"):
        path = city.raw / "barometre" / f"barometre_{wave}.csv"
        text = _raw_lines(path)
        assert text.split("\r\n")[0] == ";".join(f'"{c}"' for c in BAROMETER_HEADER)
        b = read_limesurvey(path)
        assert list(b.columns) == BAROMETER_HEADER
        assert b["submitdate"].str.startswith(wave).all()
        assert 0.6 < b["MATRICULE"].notna().mean() < 0.8
        assert b["MATRICULE"].dropna().str.fullmatch(r"\d{6}").all()
        assert set(b["CAT"].dropna()) == {"A", "B", "C"} and set(b["SEXE"].dropna()) == {
            "Femme",
            "Homme",
        }
        for col in BAROMETER_HEADER[9:16]:
            assert set(b[col]) <= set(FREQ)
        for col in BAROMETER_HEADER[16:21]:
            assert set(b[col]) <= set(WHO)
        for col in BAROMETER_HEADER[21:45]:
            assert set(b[col]) <= set(AGREE)
        for col in BAROMETER_HEADER[45:]:
            assert set(b[col].dropna()) == {"Oui", "Non"}


def _structure(path):
    text = path.read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    assert lines[-1] == ""
    rows = [line.split("\t") for line in lines[:-1]]
    assert {len(r) for r in rows} == {146}
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


def test_feedback_codebook(city):
    rows = _structure(city.raw / "retours" / "limesurvey_survey_482915.txt")
    questions = [r["name"] for r in rows if r["class"] == "Q"]
    assert questions == ["SEANCE", "OUTIL", "EVAL", "RECO", "COMM"]
    assert [r["name"] for r in rows if r["class"] == "SQ"] == ["SAT", "UTIL"]
    answers = [
        (r["type/scale"], r["text"].strip('"'), r["assessment_value"])
        for r in rows
        if r["class"] == "A"
    ]
    assert [a[1] for a in answers if a[0] == "0"][-5:] == SAT
    assert [a[1] for a in answers if a[0] == "1"] == AGREE
    assert [a[2] for a in answers if a[0] == "1"] == ["1", "2", "3", "4", "5"]
    settings = {r["name"]: r["text"] for r in rows if r["class"] == "S"}
    assert settings["sid"] == "482915" and settings["anonymized"] == "Y"


def test_barometer_codebook(city):
    rows = _structure(city.raw / "barometre" / "limesurvey_survey_736251.txt")
    assert [r["name"] for r in rows if r["class"] == "Q"] == [
        "MATRICULE",
        "DIR",
        "CAT",
        "SEXE",
        "WB",
        "WHO",
        "CLIM",
        "PART",
    ]
    subs = [r["name"] for r in rows if r["class"] == "SQ"]
    assert subs == [c.split("[")[1][:-1] for c in BAROMETER_HEADER[9:]]
    who = {
        r["text"].strip('"'): int(r["assessment_value"])
        for r in rows
        if r["class"] == "A" and r["id"] == next(q["id"] for q in rows if q["name"] == "WHO")
    }
    assert who == {label: 5 - i for i, label in enumerate(WHO)}
    clim = next(r for r in rows if r["name"] == "CLIM")
    assert "temps2" in clim["help"]  # the reverse-keyed item is documented in the codebook
