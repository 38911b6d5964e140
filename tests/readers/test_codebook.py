"""LimeSurvey codebooks from the structure exports (TSV and .lss), and labels back to codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from eco_eval.errors import InputFileError
from eco_eval.readers import Codebook, labels_to_codes, read_limesurvey_structure
from eco_eval.readers.codebook import normalise_label


def test_minimal_survey_tsv(samples: Path) -> None:
    book = read_limesurvey_structure(samples / "export-of-minimal-survey-as-tsv.txt")
    assert book.title == "Your COVID-19 Risk: minimal survey"
    assert book.languages == ["en", "nl"]
    assert len(book.questions) == 18
    assert list(book.questions)[:4] == ["country", "localDistance", "age", "gender"]
    age = book.question("age")
    assert age.type == "L" and age.group == "age"
    assert age.text == {"en": "How old are you?", "nl": "Hoe oud ben je?"}
    assert book.answer_labels("age")["8"] == "80 or older"
    assert book.answer_labels("gender") == {
        "fem": "I am female", "male": "I am male", "enby": "I am nonbinary / third gender",
        "unknw": "I prefer not to say", "-oth-": "Other",
    }  # fmt: skip
    assert book.subquestion_texts("work", "nl")["chldr"] == "Ja, met kinderen"
    assert (
        book.subquestion_texts("work")["ptnts"] == "Yes, with patients or other vulnerable people"
    )
    answers = book.answers_frame()
    assert set(answers.columns) == {"question", "scale", "code", "language", "label"}
    assert len(answers[(answers["question"] == "age") & (answers["language"] == "en")]) == 9


def test_multilingual_and_one_question_exports(samples: Path) -> None:
    book = read_limesurvey_structure(samples / "testing-multilingual-export.txt")
    assert book.languages == ["en", "nl"]
    assert book.answer_labels("onlyQuestion", "nl") == {
        "1": "Dit is antwoordoptie 1",
        "2": "Antwoordoptie 2",
    }
    assert book.question("onlyQuestion").text["nl"] == "Vraagtekst"
    assert book.question("onlyQuestion").help["nl"] == "Hulptekst"
    for name in ("testing-export.txt", "export-of-survey-with-one-question-as-tsv.txt"):
        one = read_limesurvey_structure(samples / name)
        assert one.answer_labels("onlyQuestion") == {
            "1": "This is the first answer option", "2": "This is the second answer option"
        }  # fmt: skip
    # answer rows whose id differs from the question row's still belong to the question above
    en_nl = read_limesurvey_structure(
        samples / "export-of-en-and-nl-survey-with-one-question-as-tsv.txt"
    )
    assert list(en_nl.answer_labels("onlyQuestion", "nl")) == ["1", "2"]
    multi = read_limesurvey_structure(
        samples / "export-of-survey-with-one-multi-choice-question-as-tsv.txt"
    )
    assert multi.question("onlyQuestion").type == "M"
    assert multi.subquestion_texts("onlyQuestion") == {"opt": "Option 1", "opt1": "Option 2"}
    assert multi.answer_labels("onlyQuestion") == {"Y": "Yes"}


def test_lss_new_layout(samples: Path) -> None:
    book = read_limesurvey_structure(samples / "answers.lss")
    assert book.title == "Survey with Question Answers"
    assert list(book.questions) == ["Q01", "Q02"]
    assert book.question("Q02").type == "F"
    assert book.answer_labels("Q02") == {
        "AO01": "Too much", "AO02": "More than I like", "AO03": "Just Right",
        "AO04": "Less than I like", "AO05": "Too little",
    }  # fmt: skip
    assert book.subquestion_texts("Q02")["SQ005"] == "Aftertaste"
    assert book.subquestion_texts("Q01") == {
        "SQ001": "First option",
        "SQ002": "Second option",
        "SQ003": "Third option",
    }
    assert book.question("Q01").group == "Group One"


def test_lss_without_answers(samples: Path) -> None:
    book = read_limesurvey_structure(samples / "survey.lss")
    assert [(q.code, q.type) for q in book.questions.values()] == [
        ("G01Q01", "T"), ("G01Q02", "5"), ("G02Q03", "|"), ("G02Q04", "Y")
    ]  # fmt: skip
    assert book.question("G02Q04").text["en"] == "Do you like this survey?"
    assert book.answer_labels("G02Q04") == {"Y": "Yes", "N": "No"}  # LimeSurvey's built-in labels
    assert book.answer_labels("G01Q02") == {str(i): str(i) for i in range(1, 6)}
    assert book.question("G02Q03").group == "Second Group"


def test_unknown_question_names_close_codes(samples: Path) -> None:
    book = read_limesurvey_structure(samples / "survey.lss")
    with pytest.raises(KeyError, match='did you mean "G02Q04"'):
        book.answer_labels("G02Q4")


def test_labels_and_codes_give_the_same_codes(samples: Path) -> None:
    book = read_limesurvey_structure(samples / "answers.lss")
    full = pd.Series(["Too much", "just right", "  Too   little ", None, "Beaucoup trop"])
    codes = pd.Series(["AO01", "AO03", "AO05", None, "AO09"])
    from_labels, bad_labels = labels_to_codes(full, book, "Q02")
    from_codes, bad_codes = labels_to_codes(codes, book, "Q02")
    assert from_labels.tolist()[:3] == from_codes.tolist()[:3] == ["AO01", "AO03", "AO05"]
    assert bad_labels.tolist() == bad_codes.tolist() == [False, False, False, False, True]
    assert from_labels.isna().tolist() == [False, False, False, True, True]


def _french_structure(tmp_path: Path) -> Path:
    rows = [
        ["id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language", "other"],
        ["", "", "S", "", "language", "", "fr", "", "", ""],
        ["", "", "S", "", "additional_languages", "", "", "", "", ""],
        ["1", "", "G", "1", "Retours", "1", "", "", "fr", ""],
        ["2", "", "Q", "F", "EVAL", "1", "Votre avis sur la séance", "", "fr", "N"],
        ["3", "", "SQ", "", "SAT", "1", "Je suis satisfait(e)", "", "fr", ""],
        ["2", "", "A", "0", "A1", "", "Tout à fait d'accord", "", "fr", ""],
        ["2", "", "A", "0", "A2", "", "Plutôt d'accord", "", "fr", ""],
        ["2", "", "A", "0", "A3", "", "Plutôt pas d'accord", "", "fr", ""],
        ["2", "", "A", "0", "A4", "", "Pas du tout d'accord", "", "fr", ""],
        ["4", "", "Q", "Y", "RECO", "1", "Recommanderiez-vous ?", "", "fr", "N"],
        ["5", "", "Q", "L", "OUTIL", "1", "Outil", "", "fr", "Y"],
        ["5", "", "A", "0", "balade", "", "« la balade »", "", "fr", ""],
    ]  # fmt: skip
    path = tmp_path / "limesurvey_survey_1.txt"
    path.write_bytes(("\r\n".join("\t".join(r) for r in rows) + "\r\n").encode("utf-8-sig"))
    return path


def test_french_labels_ignore_case_accents_and_apostrophes(tmp_path: Path) -> None:
    book = read_limesurvey_structure(_french_structure(tmp_path))
    assert book.languages == ["fr"]
    values = pd.Series(["PLUTOT D’ACCORD", "Tout à fait d'accord", "A4", "neutre"])
    codes, unmatched = labels_to_codes(values, book, "EVAL")
    assert codes.tolist()[:3] == ["A2", "A1", "A4"]
    assert unmatched.tolist() == [False, False, False, True]
    yes_no, bad = labels_to_codes(pd.Series(["Oui", "Non", "Y", "Yes"]), book, "RECO")
    assert yes_no.tolist() == ["Y", "N", "Y", "Y"] and not bad.any()
    other, _ = labels_to_codes(pd.Series(["Autre", "« la balade »", "-oth-"]), book, "OUTIL")
    assert other.tolist() == ["-oth-", "balade", "-oth-"]
    assert book.answer_labels("OUTIL") == {"balade": "« la balade »", "-oth-": "Autre"}


def test_normalise_label() -> None:
    assert normalise_label("  Plutôt <b>d’accord</b>\u00a0") == "plutot d'accord"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"a;b\n1;2\n", "not a LimeSurvey structure export"),
        (b"<?xml version='1.0'?><document><LimeSurveyDocType>Survey", "not well-formed XML"),
        (b"<?xml version='1.0'?><other/>", "not a LimeSurvey survey structure"),
        (b"\x00\x01\x02" * 100, "binary content"),
        (b"id\trelated_id\tclass\tname\n\t\tS\tsid\n", "no question"),
    ],
)
def test_structure_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "structure.txt"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        read_limesurvey_structure(path)


def test_codebook_frames(samples: Path) -> None:
    book: Codebook = read_limesurvey_structure(samples / "answers.lss")
    questions = book.questions_frame()
    assert questions["code"].tolist() == ["Q01", "Q02"]
    subs = book.subquestions_frame()
    assert len(subs) == 8 and set(subs["question"]) == {"Q01", "Q02"}
