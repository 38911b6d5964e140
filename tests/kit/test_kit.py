"""The adoption kit: its questionnaires parse back as LimeSurvey structures, its templates offer
the ecosystem's tools and statuses, and its own exports ingest with no quarantined row."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import load_workbook

from eco_eval.config import load_project
from eco_eval.demo.limesurvey import write_responses
from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ConfigError
from eco_eval.kit.config import ATTENDANCE, BAROMETER_LSS, FEEDBACK_LSS, HEADCOUNT, SESSIONS
from eco_eval.kit.lss import ANSWER_CODE, QUESTION_CODE, SUBQUESTION_CODE
from eco_eval.kit.surveys import FEEDBACK_SID
from eco_eval.kit.templates import validation_lists
from eco_eval.kit.write import write_kit
from eco_eval.pipeline import run_ingest
from eco_eval.readers.codebook import read_limesurvey_structure

SAMPLE_LSS = Path(__file__).resolve().parents[2].parent / "shared/samples/limesurvey/answers.lss"
BAROMETER_CODES = ("MATRICULE", "DIR", "CAT", "SEXE", "WB", "WHO", "CLIM", "PART")
SECOND_GENERATION = {
    "tools": [
        {"id": "cafe_idees", "fr": "café des idées", "en": "ideas café", "lever": "echanges",
         "generation": 2},
    ]
}  # fmt: skip


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kit") / "ma_ville"
    write_kit(folder, name="Ville de Test", siren="123456789", siret="12345678900011")
    return folder


def test_lss_parse_back_with_question_and_answer_codes(kit: Path) -> None:
    feedback = read_limesurvey_structure(kit / "data/raw" / FEEDBACK_LSS)
    assert feedback.survey_id == str(FEEDBACK_SID) and feedback.languages == ["fr"]
    assert list(feedback.questions) == ["SEANCE", "OUTIL", "SAT", "UTIL", "RECO", "COMM"]
    eco = load_ecosystem()
    assert list(feedback.answer_labels("OUTIL").values()) == [t.name("fr") for t in eco.tools]
    assert feedback.answer_labels("SAT") == {
        "1": "Pas du tout satisfait", "2": "Peu satisfait", "3": "Moyennement satisfait",
        "4": "Satisfait", "5": "Très satisfait",
    }  # fmt: skip
    barometer = read_limesurvey_structure(kit / "data/raw" / BAROMETER_LSS)
    assert tuple(barometer.questions) == BAROMETER_CODES
    assert list(barometer.subquestion_texts("WB")) == [f"SQ{i:03d}" for i in range(1, 8)]
    assert list(barometer.subquestion_texts("WHO")) == [f"SQ{i:03d}" for i in range(1, 6)]
    assert sorted(barometer.answer_labels("WHO")) == [str(i) for i in range(6)]
    assert len(barometer.subquestion_texts("CLIM")) == 2 * len(eco.levers)
    assert list(barometer.answer_labels("PART")) == ["N", "Y"]
    for book in (feedback, barometer):
        for q in book.questions.values():
            assert QUESTION_CODE.match(q.code)
            assert all(SUBQUESTION_CODE.match(c) for s in q.subquestions.values() for c in s)
            assert all(ANSWER_CODE.match(c) for a in q.answers.values() for c in a)


@pytest.mark.skipif(not SAMPLE_LSS.is_file(), reason="../shared/samples/limesurvey/ is absent")
def test_lss_tables_have_limesurvey_columns(kit: Path) -> None:
    """Every table of the kit's archives has the columns of the same table in an archive
    LimeSurvey wrote (the shared sample), and every row exactly its table's columns."""
    sample = ET.parse(SAMPLE_LSS).getroot()
    tables: set[str] = set()
    for name in (FEEDBACK_LSS, BAROMETER_LSS):
        root = ET.parse(kit / "data/raw" / name).getroot()
        assert root.findtext("LimeSurveyDocType") == "Survey"
        assert int(root.findtext("DBVersion") or 0) >= int(sample.findtext("DBVersion") or 0)
        for table in root:
            fields = [f.text for f in table.findall("fields/fieldname")]
            if not fields:
                continue
            reference = [f.text for f in sample.findall(f"{table.tag}/fields/fieldname")]
            assert reference, f"{table.tag}: not a table of LimeSurvey's archive"
            assert set(fields) <= set(reference), (table.tag, set(fields) - set(reference))
            for row in table.findall("rows/row"):
                assert [c.tag for c in row] == fields
        tables |= {t.tag for t in root}
    assert tables >= {"answers", "answer_l10ns", "questions", "subquestions", "question_l10ns",
                      "groups", "group_l10ns", "surveys", "surveys_languagesettings"}  # fmt: skip


def test_licence_notes_name_both_instruments(kit: Path) -> None:
    text = (kit / "LICENCES.md").read_text(encoding="utf-8")
    assert "Warwick" in text and "CC BY-NC-SA 3.0" in text
    assert "WHO-5" in ET.parse(kit / "data/raw" / BAROMETER_LSS).getroot().findtext(
        "group_l10ns/rows/row[2]/description"
    )


def test_template_lists_are_the_ecosystem_tools_and_statuses(kit: Path) -> None:
    project = load_project(kit)
    eco = project.ecosystem()
    lists = validation_lists(kit / "modeles" / SESSIONS[0])
    assert lists["Outil"] == [t.name("fr") for t in eco.tools]
    statuses = project.scales["status"]
    assert sorted(statuses[s] for s in lists["Statut"]) == ["cancelled", "held", "planned"]
    assert validation_lists(kit / "modeles" / ATTENDANCE[0])["Sexe"] == ["F", "M"]


def test_a_project_second_generation_reaches_every_part(tmp_path: Path) -> None:
    folder = tmp_path / "kit2"
    write_kit(folder, ecosystem=SECOND_GENERATION)
    assert "café des idées" in validation_lists(folder / "modeles" / SESSIONS[0])["Outil"]
    book = read_limesurvey_structure(folder / "data/raw" / FEEDBACK_LSS)
    assert "café des idées" in book.answer_labels("OUTIL").values()
    assert "cafe_idees" in load_project(folder).ecosystem().tool_ids
    with pytest.raises(ConfigError, match=r"eco_eval\.yaml already exists"):
        write_kit(folder)


# ------------------------------------------------------------------------ the round trip
def _fill(template: Path, target: Path, rows: list[list[object]]) -> None:
    wb = load_workbook(template)
    ws = wb.worksheets[0]
    for row in rows:
        ws.append(row)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)


def _export(path: Path, book_path: Path, answers: list[dict[str, str]], *, labels: bool) -> None:
    """A LimeSurvey response export (code headings) of the survey ``book_path`` describes:
    ``id, submitdate, lastpage, startlanguage, seed``, then every question's column in survey
    order; answers as full answers (``labels``) or answer codes."""
    book = read_limesurvey_structure(book_path)
    columns = ["id", "submitdate", "lastpage", "startlanguage", "seed"]
    for q in book.questions.values():
        subs = q.subquestions.get(0)
        columns += [f"{q.code}[{s}]" for s in subs] if subs else [q.code]
    table: dict[str, list[str | None]] = {c: [] for c in columns}
    for i, answer in enumerate(answers, start=1):
        meta = {"id": str(i), "submitdate": "2016-06-15 10:00:00", "lastpage": "2",
                "startlanguage": "fr", "seed": str(1000 + i)}  # fmt: skip
        for c in columns:
            value = meta.get(c, answer.get(c))
            q = c.split("[")[0]
            if value is not None and labels and q in book.questions and book.questions[q].answers:
                value = book.answer_labels(q)[value]
            table[c].append(value)
    write_responses(path, pa.table({c: pa.array(v, pa.string()) for c, v in table.items()}))


@pytest.fixture(scope="module")
def ingested(kit: Path, tmp_path_factory: pytest.TempPathFactory) -> object:
    rng = random.Random(3)
    eco = load_ecosystem()
    raw = kit / "data/raw"
    departments = ["Direction des sports", "Direction de l'enfance", "Direction des finances"]
    _fill(kit / "modeles" / HEADCOUNT[0], raw / "rh/effectifs_2016.xlsx",
          [["2016-06-30", d, c, g, "Administrative", 40] for d in departments
           for c in "ABC" for g in "FM"])  # fmt: skip
    tools = [t.name("fr") for t in eco.tools]
    sessions = [[f"S{i:03d}", f"2016-0{1 + i % 6}-1{i % 9}", tools[i % len(tools)],
                 "Jeanne Martin", 1.5, "Salle 2", departments[i % 3],
                 ["Réalisée", "Annulée", "Prévue"][i % 3 if i % 5 == 0 else 0]]
                for i in range(1, 25)]  # fmt: skip
    _fill(kit / "modeles" / SESSIONS[0], raw / "animations/journal_animations_2016.xlsx", sessions)
    people = [(f"M{j:04d}", f"Nom{j}", f"Prénom{j}", departments[j % 3], "ABC"[j % 3], "FM"[j % 2])
              for j in range(60)]  # fmt: skip
    attendance = [[s[0], *p, "Administrative"] for s in sessions if s[-1] == "Réalisée"
                  for p in rng.sample(people, 8)]  # fmt: skip
    _fill(kit / "modeles" / ATTENDANCE[0], raw / "presences/emargement_2016.xlsx", attendance)
    feedback = [
        {"SEANCE": s[0], "OUTIL": f"O{tools.index(s[2]) + 1:02d}", "SAT": str(rng.randint(1, 5)),
         "UTIL": str(rng.randint(1, 5)), "RECO": str(rng.randint(0, 10)),
         "COMM": [f"Très bien ; à refaire ({s[0]}, {n})", f'Un "vrai" moment\nd\'échange {n}',
                  None][n]}
        for s in sessions if s[-1] == "Réalisée" for n in range(3)
    ]  # fmt: skip
    _export(raw / f"retours/results-survey{FEEDBACK_SID}.csv", raw / FEEDBACK_LSS, feedback,
            labels=True)  # fmt: skip
    book = read_limesurvey_structure(raw / BAROMETER_LSS)
    barometer = []
    for p in people:
        answer = {"MATRICULE": p[0], "DIR": p[3], "CAT": p[4], "SEXE": p[5]}
        answer |= {f"WB[{s}]": str(rng.randint(1, 5)) for s in book.subquestion_texts("WB")}
        answer |= {f"WHO[{s}]": str(rng.randint(0, 5)) for s in book.subquestion_texts("WHO")}
        answer |= {f"CLIM[{s}]": str(rng.randint(1, 5)) for s in book.subquestion_texts("CLIM")}
        answer |= {f"PART[{s}]": rng.choice("NY") for s in book.subquestion_texts("PART")}
        barometer.append(answer)
    _export(raw / "barometre/barometre_2016-06.csv", raw / BAROMETER_LSS, barometer, labels=False)
    mp = pytest.MonkeyPatch()
    mp.setenv("ECO_EVAL_KEY", "test-key-0123456789abcdef0123456789abcdef")
    try:
        return run_ingest(kit)
    finally:
        mp.undo()


def test_kit_exports_ingest_with_no_quarantined_row(ingested: object) -> None:
    report = ingested.report  # type: ignore[attr-defined]
    by_table = {f.table: f for f in report.files}
    assert set(by_table) >= {"headcount", "sessions", "attendance", "feedback", "barometer"}
    assert all(f.rows_read > 0 for f in by_table.values())
    assert report.totals["rows_quarantined"] == 0, report.to_frame().to_string()
    assert not ingested.entirely_quarantined  # type: ignore[attr-defined]


def test_kit_command_writes_the_folder_and_refuses_an_existing_project(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from eco_eval.cli import main

    folder = tmp_path / "ville"
    args = ["kit", str(folder), "--name", "Ville de Test", "--siren", "123456789",
            "--siret", "12345678900011", "--project", str(tmp_path / "none")]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert load_project(folder).organisation.siret == "12345678900011"
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2
    assert again.stderr.strip().splitlines() == [
        f"eco-eval: error: {folder / 'eco_eval.yaml'} already exists; write the kit into a new "
        "folder (eco-eval kit <new folder>)"
    ]
