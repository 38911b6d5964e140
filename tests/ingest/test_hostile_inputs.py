"""A corpus of malformed and hostile inputs through the whole ingestion.

Each case ends in a clear one-line error naming the file (and the store is left as it was) or in an
ingest where, for every file, rows read = rows accepted + rows quarantined. Never a traceback.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from eco_eval.config import load_project
from eco_eval.errors import EcoEvalError
from eco_eval.ingest import ingest

from .conftest import ATTENDANCE, SESSIONS

ATT = "data/raw/presences/emargements_2016-T3.csv"
HC = "data/raw/rh/effectifs_trimestriels.csv"
FB = "data/raw/retours/results-survey123.csv"
SES = "data/raw/animations/journal_animations.xlsx"
HEADER = ATTENDANCE.splitlines()[0]
ROW = ATTENDANCE.splitlines()[1]


def _xlsx(rows, merged=None, title=True) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Journal"
    if title:
        ws.append(["Journal des animations"])
        ws.append([])
    for r in rows:
        ws.append(list(r))
    if merged:
        ws.merge_cells(merged)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


CASES: dict[str, tuple[str, bytes]] = {
    "att_empty_file": (ATT, b""),
    "att_header_only": (ATT, (HEADER + "\n").encode()),
    "att_bom_utf8": (ATT, ("\ufeff" + ATTENDANCE).encode("utf-8")),
    "att_cp1252": (ATT, ATTENDANCE.replace("Chloé", "Chloé").encode("cp1252")),
    "att_latin1_accents": (ATT, ATTENDANCE.encode("latin-1")),
    "att_comma_delimited": (ATT, ATTENDANCE.replace(";", ",").encode()),
    "att_tab_delimited": (ATT, ATTENDANCE.replace(";", "\t").encode()),
    "att_crlf": (ATT, ATTENDANCE.replace("\n", "\r\n").encode()),
    "att_truncated_mid_row": (ATT, ATTENDANCE[: len(ATTENDANCE) - 25].encode()),
    "att_missing_column": (
        ATT,
        "\n".join(
            ";".join(line.split(";")[:1] + line.split(";")[2:]) for line in ATTENDANCE.splitlines()
        ).encode(),
    ),
    "att_renamed_column": (ATT, ATTENDANCE.replace("Direction;", "Service;", 1).encode()),
    "att_extra_column": (
        ATT,
        "\n".join(line + ";extra" for line in ATTENDANCE.splitlines()).encode(),
    ),
    "att_ragged_rows": (ATT, (ATTENDANCE + "S1;100009\n" + ROW + ";x;y;z\n").encode()),
    "att_blank_lines": (ATT, ATTENDANCE.replace("\n", "\n\n").encode()),
    "att_quoted_newline": (
        ATT,
        (HEADER + '\nS1;100001;"Mar\ntin";Alice;a@b.fr;Direction des Finances;A;F;adm\n').encode(),
    ),
    "att_unknown_session": (
        ATT,
        (HEADER + "\nS99;100001;M;A;a@b.fr;Direction des Finances;A;F;adm\n").encode(),
    ),
    "att_no_identifier": (ATT, (HEADER + "\nS1;;;;;Direction des Finances;A;F;adm\n").encode()),
    "att_bad_category": (
        ATT,
        (HEADER + "\nS1;100001;M;A;a@b.fr;Direction des Finances;Z;F;adm\n").encode(),
    ),
    "att_formula_payload": (
        ATT,
        (
            HEADER
            + '\nS1;100001;=HYPERLINK("http://x","y");A;a@b.fr;Direction des Finances;A;F;adm\n'
        ).encode(),
    ),
    "att_html_payload": (
        ATT,
        (
            HEADER + "\nS1;100001;<script>alert(1)</script>;A;a@b.fr;<b>Finances</b>;A;F;adm\n"
        ).encode(),
    ),
    "att_10mb_garbage_line": (ATT, (HEADER + "\n" + "x" * 10_000_000 + "\n").encode()),
    "att_binary_garbage": (ATT, bytes(range(256)) * 100),
    "att_nul_bytes": (ATT, ATTENDANCE.encode().replace(b"Martin", b"Mar\x00tin")),
    "att_utf16": (ATT, ATTENDANCE.encode("utf-16")),
    "att_duplicate_header_names": (ATT, ATTENDANCE.replace("Nom;", "Prénom;", 1).encode()),
    "att_very_long_text": (
        ATT,
        (
            HEADER + "\nS1;100001;" + "N" * 100_000 + ";A;a@b.fr;Direction des Finances;A;F;adm\n"
        ).encode(),
    ),
    "hc_non_numeric_count": (
        HC,
        "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif\n30/09/2016;Finances;A;F;adm;dix\n".encode(
            "cp1252"
        ),
    ),
    "hc_negative_count": (
        HC,
        "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif\n30/09/2016;Finances;A;F;adm;-3\n".encode(
            "cp1252"
        ),
    ),
    "hc_decimal_comma_count": (
        HC,
        "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif\n30/09/2016;Finances;A;F;adm;12,5\n".encode(
            "cp1252"
        ),
    ),
    "hc_impossible_date": (
        HC,
        "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif\n31/02/2016;Finances;A;F;adm;12\n".encode(
            "cp1252"
        ),
    ),
    "hc_date_out_of_span": (
        HC,
        "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif\n30/09/1999;Finances;A;F;adm;12\n".encode(
            "cp1252"
        ),
    ),
    "hc_excel_serial_date": (
        HC,
        "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif\n42643;Finances;A;F;adm;12\n".encode(
            "cp1252"
        ),
    ),
    "hc_dotted_date": (
        HC,
        "Date d'arrêté;Direction;Catégorie;Sexe;Filière;Effectif\n30.09.2016;Finances;A;F;adm;12\n".encode(
            "cp1252"
        ),
    ),
    "fb_out_of_range_likert": (
        FB,
        '"id";"submitdate";"lastpage";"startlanguage";"seed";"SEANCE";"OUTIL";"EVAL[SAT]";"EVAL[UTIL]";"RECO";"COMM"\n"1";"";"1";"fr";"1";"S1";"point silence";"9";"Tout à fait d\'accord";"abc";\n'.encode(),
    ),
    "fb_duplicate_ids": (
        FB,
        b'"id";"submitdate";"lastpage";"startlanguage";"seed";"SEANCE";"OUTIL";"EVAL[SAT]";"EVAL[UTIL]";"RECO";"COMM"\n"1";"";"1";"fr";"1";"S1";"point silence";"Satisfait";"";"8";\n"1";"";"1";"fr";"1";"S2";"la balade";"Satisfait";"";"7";\n',
    ),
    "fb_unknown_tool": (
        FB,
        b'"id";"submitdate";"lastpage";"startlanguage";"seed";"SEANCE";"OUTIL";"EVAL[SAT]";"EVAL[UTIL]";"RECO";"COMM"\n"1";"";"1";"fr";"1";"S1";"atelier zen";"Satisfait";"";"8";\n',
    ),
    "fb_incomplete_responses": (
        FB,
        b'"id";"submitdate";"lastpage";"startlanguage";"seed";"SEANCE";"OUTIL";"EVAL[SAT]";"EVAL[UTIL]";"RECO";"COMM"\n"1";;"1";"fr";"1";"S1";"point silence";;;;\n',
    ),
    "fb_missing_question_column": (
        FB,
        b'"id";"submitdate";"lastpage";"startlanguage";"seed";"SEANCE";"EVAL[SAT]"\n"1";"";"1";"fr";"1";"S1";"Satisfait"\n',
    ),
    "ses_merged_header": (SES, _xlsx(SESSIONS[:3], merged="A3:B3")),
    "ses_no_title_rows": (SES, _xlsx(SESSIONS, title=False)),
    "ses_text_durations": (
        SES,
        _xlsx(
            [
                SESSIONS[0],
                ("S1", "05/07/2016", "point silence", "X", "une heure", "A", "B", "Réalisée"),
            ]
        ),
    ),
    "ses_truncated_zip": (SES, _xlsx(SESSIONS)[:2000]),
    "ses_not_a_zip": (SES, b"this is not an xlsx file at all"),
    "ses_zip_without_workbook": (
        SES,
        (lambda b: (zipfile.ZipFile(b, "w").writestr("a.txt", "x"), b.getvalue())[1])(io.BytesIO()),
    ),
    "ses_unknown_status": (
        SES,
        _xlsx([SESSIONS[0], ("S1", "05/07/2016", "point silence", "X", 1, "A", "B", "Reportée")]),
    ),
    "ses_duplicate_session_ids": (SES, _xlsx([SESSIONS[0], SESSIONS[1], SESSIONS[1]])),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_ends_in_a_clear_message_or_quarantine(tiny_project: Path, case: str, capsys):
    rel, content = CASES[case]
    target = tiny_project / rel
    target.write_bytes(content)
    project = load_project(tiny_project)
    try:
        report = ingest(project)
    except EcoEvalError as exc:
        msg = str(exc)
        assert "\n" not in msg and len(msg) < 2000, msg
        assert Path(rel).name in msg, msg
        assert not project.store_path.exists()  # the first ingest failed: nothing written
        outcome = "error"
    else:
        for f in report.files:
            assert f.rows_read == f.rows_accepted + f.rows_quarantined, (case, f)
        outcome = "ingested"
    print(f"{case}: {outcome}")


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
