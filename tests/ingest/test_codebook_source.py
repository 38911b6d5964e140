"""``sources.<name>.codebook``: a LimeSurvey survey structure as the codebook of a source."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from eco_eval.config import demo_config_text, load_project, parse_config
from eco_eval.errors import ConfigError, InputFileError
from eco_eval.ingest import ingest, sha256_file
from eco_eval.ingest.codebook import CodebookInput, convert
from eco_eval.ingest.mapping import parse_scale
from eco_eval.readers import read_limesurvey_structure
from eco_eval.store import TABLES, open_store

from .conftest import AGREEMENT, FREQUENCY, structure_tsv

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "limesurvey"
META = ["id", "submitdate", "lastpage", "startlanguage", "seed"]


def _csv(head: list[str], rows: list[list[str]]) -> bytes:
    """A response export as LimeSurvey writes it: BOM, ';', every value quoted, CRLF."""
    lines = [";".join(f'"{v}"' if v else "" for v in r) for r in [head, *rows]]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _codebook(tmp_path: Path, text: str, name: str = "limesurvey_survey_9.txt") -> CodebookInput:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    book = read_limesurvey_structure(path)
    return CodebookInput(path, name, sha256_file(path), book, "barometer")


# -- the conversion, by hand ------------------------------------------------------------------


def test_full_answers_become_codes_then_canonical_values_by_hand(tmp_path):
    # codes A1..A5 (not numbers), labels in French and English; the declared scale knows French
    labels = {
        "fr": FREQUENCY,
        "en": ("Never", "Rarely", "Sometimes", "Often", "All of the time"),
    }
    answers = [
        (f"A{i + 1}", {lang: labels[lang][i] for lang in labels}, 0) for i in range(5)
    ]  # fmt: skip
    # one label that reads differently in the two languages: "Parfois" is A5 for English speakers
    answers[4] = ("A5", {"fr": "Tout le temps", "en": "Parfois"}, 0)
    cb = _codebook(tmp_path, structure_tsv("9", [("WB", "F", ["SQ001"], answers)], ("fr", "en")))
    raw = pd.DataFrame(
        {
            "id": ["1", "2", "3", "4", "5", "6", "7"],
            "startlanguage": ["fr", "en", "en", "fr", "en", "fr", "fr"],
            "WB[SQ001]": ["Souvent", "Often", "A2", " parfois ", "Parfois", "Toujours", None],
        },
        dtype="str",
    )
    source = parse_config(yaml.safe_load(demo_config_text()), tmp_path).sources["barometer"]
    scales = {"frequency5": dict(zip(FREQUENCY, range(1, 6), strict=True))}
    out = convert(
        raw, {"WB[SQ001]": ("swemwbs_1", "frequency5")}, cb, scales, source=source, file_label="f"
    )
    # hand computation: Souvent=A4 -> "Souvent" -> 4; Often=A4 -> 4; A2 -> "Rarement" -> 2;
    # " parfois " in French = A3 -> 3; "Parfois" in English = A5 -> 5; "Toujours" unknown; missing
    assert out.frame["WB[SQ001]"].tolist()[:5] == [
        "Souvent",
        "Souvent",
        "Rarement",
        "Parfois",
        "Tout le temps",
    ]
    values, bad = parse_scale(out.frame["WB[SQ001]"], scales["frequency5"])
    assert values.tolist()[:5] == [4, 4, 2, 3, 5] and values[5:].isna().all()
    assert not bad.any()
    assert [(r, m.tolist()) for r, m in out.problems] == [
        ("codebook:swemwbs_1", [False] * 5 + [True, False])
    ]
    assert raw["WB[SQ001]"].iloc[5] == "Toujours"  # the raw frame (quarantine) is not changed


def test_codes_the_scale_does_not_know_go_through_as_codes(tmp_path):
    # an English-only structure: the declared (French) scale knows no label, the codes are numbers
    answers = [(str(i + 1), label, 0) for i, label in enumerate(AGREEMENT[::-1])]
    english = [(c, {"en": f"option {c}"}, s) for c, _, s in answers]
    cb = _codebook(tmp_path, structure_tsv("9", [("CLIM", "F", ["SQ001"], english)], ("en",)))
    raw = pd.DataFrame({"CLIM[SQ001]": ["option 4", "2", "option 9"]}, dtype="str")
    source = parse_config(yaml.safe_load(demo_config_text()), tmp_path).sources["barometer"]
    scales = {"agreement5": dict(zip(AGREEMENT, range(1, 6), strict=True))}
    out = convert(
        raw, {"CLIM[SQ001]": ("clim_x_1", "agreement5")}, cb, scales, source=source, file_label="f"
    )
    assert out.frame["CLIM[SQ001]"].tolist()[:2] == ["4", "2"]
    assert out.problems[0][1].tolist() == [False, False, True]


# -- through the ingest -----------------------------------------------------------------------


def _items(root: Path) -> pd.DataFrame:
    wide = open_store(load_project(root).store_path).table("barometer")
    items = [c for c in wide.columns if c not in TABLES["barometer"]]
    long = wide.melt(id_vars="response_id", value_vars=items, var_name="item")
    return long.dropna(subset=["value"])


def test_demo_shaped_project_uses_its_codebooks(tiny_project):
    report = ingest(load_project(tiny_project))
    assert sorted(report.codebooks) == [
        "data/raw/barometre/limesurvey_survey_736251.txt",
        "data/raw/retours/limesurvey_survey_123.txt",
    ]
    store = open_store(load_project(tiny_project).store_path)
    fb = store.table("feedback").sort_values("response_id")
    # accepted: 1 (Très satisfait, Tout à fait d'accord) and 4 (Peu satisfait, Plutôt pas
    # d'accord); 2 is a duplicate and 3 recommends 12
    assert fb["satisfaction"].tolist() == [5, 2]
    assert fb["usefulness"].tolist() == [5, 2]  # UTIL read on the structure's answer scale 1
    log = store.table("ingest_log").set_index("source_file")
    detail = json.loads(log.loc["data/raw/retours/results-survey123.csv", "detail"])
    assert detail["codebook"] == "data/raw/retours/limesurvey_survey_123.txt"
    book = json.loads(log.loc["data/raw/retours/limesurvey_survey_123.txt", "detail"])
    assert book["role"] == "codebook" and book["used_by"] == [
        "data/raw/retours/results-survey123.csv"
    ]


def test_answer_codes_and_full_answers_give_the_same_store(tiny_project, tmp_path):
    import shutil

    ingest(load_project(tiny_project))
    full = open_store(load_project(tiny_project).store_path).table("feedback")
    codes = tmp_path / "codes"
    shutil.copytree(tiny_project, codes)
    shutil.rmtree(codes / "data" / "processed")
    fb = codes / "data" / "raw" / "retours" / "results-survey123.csv"
    text = fb.read_text(encoding="utf-8")
    for label, code in [("Très satisfait", "5"), ('"Satisfait"', '"4"'), ("Peu satisfait", "2"),
                        ("Tout à fait d'accord", "5"), ("Plutôt pas d'accord", "2"),
                        ("Plutôt d'accord", "4")]:  # fmt: skip
        text = text.replace(label, code)
    fb.write_text(text, encoding="utf-8")
    ingest(load_project(codes))
    coded = open_store(load_project(codes).store_path).table("feedback")
    cols = ["response_id", "satisfaction", "usefulness", "recommend"]
    pd.testing.assert_frame_equal(
        full[cols].sort_values("response_id").reset_index(drop=True),
        coded[cols].sort_values("response_id").reset_index(drop=True),
    )


def test_codebook_checksum_is_a_known_file_and_a_change_triggers_an_ingest(tiny_project):
    project = load_project(tiny_project)
    ingest(project)
    path = project.raw_dir / "barometre" / "limesurvey_survey_736251.txt"
    known = open_store(project.store_path).known_files()
    assert known["data/raw/barometre/limesurvey_survey_736251.txt"] == sha256_file(path)
    assert known["data/raw/retours/limesurvey_survey_123.txt"] == sha256_file(
        project.raw_dir / "retours" / "limesurvey_survey_123.txt"
    )
    assert not ingest(project).changed  # nothing new
    path.write_text(path.read_text(encoding="utf-8").replace("Enquête", "Baromètre"), "utf-8")
    report = ingest(project)
    assert report.changed
    known = open_store(project.store_path).known_files()
    assert known["data/raw/barometre/limesurvey_survey_736251.txt"] == sha256_file(path)
    # the data-quality summary counts data rows only: the codebook is not a source file there
    from eco_eval.report.quality import latest_log

    log = open_store(project.store_path).table("ingest_log")
    assert not latest_log(log)["source_file"].str.contains("limesurvey_survey").any()
    assert (
        latest_log(log, codebooks=True)["source_file"].str.contains("limesurvey_survey").sum() == 2
    )


def test_missing_codebook_is_one_line_naming_the_file_and_the_fix(tiny_project):
    project = load_project(tiny_project)
    (project.raw_dir / "barometre" / "limesurvey_survey_736251.txt").unlink()
    with pytest.raises(InputFileError) as err:
        ingest(project)
    message = str(err.value)
    assert "\n" not in message
    assert "data/raw/barometre/limesurvey_survey_*.txt" in message
    assert "sources.barometer.codebook" in message and "export it from LimeSurvey" in message
    assert not project.store_path.exists()


def test_unreadable_codebook_names_the_file(tiny_project):
    project = load_project(tiny_project)
    path = project.raw_dir / "retours" / "limesurvey_survey_123.txt"
    path.write_text("this is not a survey structure\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        ingest(project)
    assert "limesurvey_survey_123.txt" in str(err.value) and "\n" not in str(err.value)
    assert "Tab-separated" in str(err.value)


def test_question_missing_from_the_codebook_stops_the_file(tiny_project):
    project = load_project(tiny_project)
    path = project.raw_dir / "barometre" / "limesurvey_survey_736251.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("\tWHO\t", "\tWHO5\t"), encoding="utf-8"
    )
    with pytest.raises(InputFileError, match=r"question 'WHO', which is not in the codebook"):
        ingest(project)


def test_codebook_only_for_limesurvey_sources(tmp_path):
    doc = yaml.safe_load(demo_config_text())
    doc["sources"]["attendance"]["codebook"] = "presences/structure.txt"
    with pytest.raises(ConfigError, match=r"sources.attendance.codebook is for LimeSurvey"):
        parse_config(doc, tmp_path)


def test_an_answer_not_in_the_codebook_is_quarantined_with_its_reason(tiny_project):
    project = load_project(tiny_project)
    path = project.raw_dir / "barometre" / "barometre_2016-11.csv"
    text = path.read_bytes().decode("utf-8")
    path.write_bytes(text.replace('"Souvent"', '"Très souvent"', 1).encode("utf-8"))
    report = ingest(project)
    bar = next(f for f in report.files if f.table == "barometer")
    assert bar.rows_read == bar.rows_accepted + bar.rows_quarantined == 2
    q = open_store(project.store_path).table("quarantine")
    row = q[(q["table_name"] == "barometer") & (q["source_line"] == 2)].iloc[0]
    assert "codebook:swemwbs_1" in row["reasons"]
    assert json.loads(row["raw"])["WB[SQ001]"] == "Très souvent"  # kept as the file has it


# -- waves: a renamed item and a recoded answer -----------------------------------------------

WAVE_HEAD = [*META, "MATRICULE", "DIR", "CAT", "SEXE"]
CAT_SEXE = [
    ("CAT", "L", [], [("A", "A", 0), ("B", "B", 0), ("C", "C", 0)]),
    ("SEXE", "L", [], [("F", "Femme", 0), ("M", "Homme", 0)]),
]


def _wave_project(tmp_path: Path) -> Path:
    root = tmp_path / "waves"
    raw = root / "data" / "raw" / "barometre"
    raw.mkdir(parents=True)
    doc = yaml.safe_load(demo_config_text())
    bar = doc["sources"]["barometer"]
    bar["items"] = [
        {"match": r"CLIM\[SQ003\]", "to": "clim_bien_etre_1", "scale": "agreement5"},
        # wave 2: the item moved to question CLIM2 (renamed): one more rule, same item code
        {"match": r"CLIM2\[SQ001\]", "to": "clim_bien_etre_1", "scale": "agreement5"},
    ]
    doc["sources"] = {"barometer": bar}
    (root / "eco_eval.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    # wave 1 (survey 700001): agreement codes 1..5 in the usual order
    (raw / "limesurvey_survey_700001.txt").write_text(
        structure_tsv(
            "700001",
            [*CAT_SEXE, ("CLIM", "F", ["SQ001", "SQ002", "SQ003"],
                         [(str(i + 1), a, 0) for i, a in enumerate(AGREEMENT)])],
        ),
        encoding="utf-8",
    )  # fmt: skip
    # wave 2 (survey 700002): the question is renamed and its answers are listed the other way
    # round, so code 1 now means "Tout à fait d'accord"
    (raw / "limesurvey_survey_700002.txt").write_text(
        structure_tsv(
            "700002",
            [*CAT_SEXE, ("CLIM2", "F", ["SQ001"],
                         [(str(i + 1), a, 0) for i, a in enumerate(AGREEMENT[::-1])])],
        ),
        encoding="utf-8",
    )  # fmt: skip
    person = ["100001", "Direction des Finances", "A", "F"]
    (raw / "barometre_2016-05_700001.csv").write_bytes(
        _csv(
            [*WAVE_HEAD, "CLIM[SQ001]", "CLIM[SQ002]", "CLIM[SQ003]"],
            [
                ["1", "2016-05-10 10:00:00", "2", "fr", "1", *person, "1", "1", "Plutôt d'accord"],
                ["2", "2016-05-11 10:00:00", "2", "fr", "2", "", "", "B", "M", "", "", "2"],
            ],
        )
    )
    (raw / "barometre_2016-11_700002.csv").write_bytes(
        _csv(
            [*WAVE_HEAD, "CLIM2[SQ001]"],
            [
                ["1", "2016-11-10 10:00:00", "2", "fr", "1", *person, "Tout à fait d'accord"],
                ["2", "2016-11-11 10:00:00", "2", "fr", "2", "", "", "B", "M", "2"],  # a code
            ],
        )
    )
    return root


def test_renamed_item_keeps_its_trend_and_recoded_answers_keep_their_meaning(tmp_path):
    root = _wave_project(tmp_path)
    report = ingest(load_project(root))
    assert {f.rows_quarantined for f in report.files} == {0}
    assert sorted(report.codebooks) == [
        "data/raw/barometre/limesurvey_survey_700001.txt",
        "data/raw/barometre/limesurvey_survey_700002.txt",
    ]
    items = _items(root)
    trend = items[items["item"] == "clim_bien_etre_1"].set_index("response_id")["value"]
    # wave 1: "Plutôt d'accord" = 4, code 2 = "Plutôt pas d'accord" = 2
    # wave 2 (CLIM2, reordered): "Tout à fait d'accord" = 5, code 2 = "Plutôt d'accord" = 4
    assert trend.to_dict() == {"2016-05:1": 4, "2016-05:2": 2, "2016-11:1": 5, "2016-11:2": 4}
    store = open_store(load_project(root).store_path)
    log = store.table("ingest_log").set_index("source_file")
    used = {
        json.loads(log.loc[f"data/raw/barometre/barometre_{w}.csv", "detail"])["codebook"]
        for w in ("2016-05_700001", "2016-11_700002")
    }
    assert used == {
        "data/raw/barometre/limesurvey_survey_700001.txt",
        "data/raw/barometre/limesurvey_survey_700002.txt",
    }


def test_several_codebooks_need_the_survey_id_in_the_file_name(tmp_path):
    root = _wave_project(tmp_path)
    raw = root / "data" / "raw" / "barometre"
    (raw / "barometre_2016-05_700001.csv").rename(raw / "barometre_2016-05.csv")
    with pytest.raises(InputFileError, match=r"barometre_2016-05.csv: none of the codebooks"):
        ingest(load_project(root))


# -- real LimeSurvey files ----------------------------------------------------------------------


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples/limesurvey/ is absent")
def test_real_multilingual_structure_as_the_codebook_of_a_source(tmp_path):
    """LimeSurvey's own structure export (English + Dutch) declared as a source's codebook.

    The samples hold no response export of this survey: the responses are written in the layout
    of the real export next to it (BOM, ';', quoted values, CRLF), answered in both languages."""
    structure = SAMPLES / "testing-multilingual-export.txt"
    root = tmp_path / "real"
    raw = root / "data" / "raw" / "enquete"
    raw.mkdir(parents=True)
    (raw / "limesurvey_survey_1.txt").symlink_to(structure)  # read in place, not copied
    doc = yaml.safe_load(demo_config_text())
    doc["scales"]["options"] = {
        "This is the first answer option": 1,
        "This is the second answer option": 2,
    }
    doc["sources"] = {
        "barometer": {
            "pattern": "enquete/barometre_*.csv",
            "format": "limesurvey",
            "codebook": "enquete/limesurvey_survey_*.txt",
            "wave_from": r"barometre_(?P<wave>\d{4}-\d{2})",
            "columns": {"response_id": "id", "submitted_at": "submitdate"},
            "items": [{"match": "onlyQuestion", "to": "clim_only_1", "scale": "options"}],
        }
    }
    (root / "eco_eval.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    rows = [
        ["1", "1980-01-01 00:00:00", "1", "en", "11", "This is the first answer option"],
        ["2", "1980-01-01 00:00:00", "1", "nl", "12", "Antwoordoptie 2"],
        ["3", "1980-01-01 00:00:00", "1", "nl", "13", "Dit is antwoordoptie 1"],
        ["4", "1980-01-01 00:00:00", "1", "en", "14", "2"],  # an answer code
        ["5", "1980-01-01 00:00:00", "1", "nl", "15", "Antwoordoptie 3"],  # not in the survey
    ]
    (raw / "barometre_2021-09.csv").write_bytes(_csv([*META, "onlyQuestion"], rows))
    project = load_project(root)
    report = ingest(project)
    (result,) = report.files
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (5, 4, 1)
    items = _items(root).set_index("response_id")["value"].to_dict()
    assert items == {"2021-09:1": 1, "2021-09:2": 2, "2021-09:3": 1, "2021-09:4": 2}
    q = open_store(project.store_path).table("quarantine")
    assert q["reasons"].tolist() == ["codebook:clim_only_1"]
    known = open_store(project.store_path).known_files()
    # a link leading out of the project is recorded under its own (absolute) path
    assert known[str(raw / "limesurvey_survey_1.txt")] == sha256_file(structure)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples/limesurvey/ is absent")
def test_real_response_export_through_a_real_lss_codebook(tmp_path):
    """The real API export (answer codes 1..5 in arrays) converted through the real .lss
    structure of an array question; the export's questions q1..q10 are not in that structure,
    which is refused with the fix, while an array of the .lss reads its answer codes."""
    from eco_eval.readers import read_file

    raw = read_file(SAMPLES / "export_responses_rpc_csv_sid113242.csv").frame
    book_path = SAMPLES / "answers.lss"
    cb = CodebookInput(
        book_path, "answers.lss", sha256_file(book_path), read_limesurvey_structure(book_path), "x"
    )
    source = parse_config(yaml.safe_load(demo_config_text()), tmp_path).sources["barometer"]
    with pytest.raises(InputFileError, match=r"question 'q1', which is not in the codebook"):
        convert(
            raw, {"q1[vis1]": ("clim_x_1", "agreement5")}, cb, {}, source=source, file_label="f"
        )
    # the same values under a heading of the .lss (Q02 answers AO01..AO05): codes pass, the
    # export's "1" is not one of Q02's codes and is quarantined, never dropped
    frame = pd.DataFrame({"Q02[SQ001]": [*raw["q1[vis1]"], "AO03", "Just Right"]}, dtype="str")
    out = convert(frame, {"Q02[SQ001]": ("clim_x_1", "s")}, cb, {"s": {}}, source=source,
                  file_label="f")  # fmt: skip
    assert out.frame["Q02[SQ001]"].tolist()[-2:] == ["AO03", "AO03"]
    assert out.problems[0][1].tolist() == [True] * len(raw) + [False, False]
