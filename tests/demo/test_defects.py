"""Planted defects: present, rare, and found at the file and line the ground truth gives."""

from __future__ import annotations

import pandas as pd
import pytest

from eco_eval.demo.defects import TOOL_VARIANTS, UNKNOWN_TOOL_NAMES

from .conftest import norm, read_attendance, read_limesurvey, read_session_log, tool_resolver

FEEDBACK = "retours/results-survey482915.csv"


@pytest.fixture(scope="module")
def defects(city):
    return city.truth_csv("defects.csv")


@pytest.fixture(scope="module")
def log(city):
    return read_session_log(city.raw).set_index("line")


@pytest.fixture(scope="module")
def feedback(city):
    f = read_limesurvey(city.raw / FEEDBACK)
    return f.set_index(f["id"].astype(int))


@pytest.mark.parametrize(
    ("kind", "denominator", "low", "high"),
    [
        ("tool_name_variant", "sessions", 0.015, 0.035),
        ("tool_name_unknown", "sessions", 0.002, 0.012),
        ("session_date_missing", "sessions", 0.004, 0.012),
        ("attendance_unknown_session", "attendance_rows", 0.003, 0.008),
        ("feedback_duplicate", "feedback_rows", 0.01, 0.02),
        ("feedback_reco_out_of_range", "feedback_rows", 0.001, 0.005),
        ("feedback_likert_out_of_range", "feedback_rows", 0.001, 0.005),
    ],
)
def test_defects_are_rare_but_present(city, defects, kind, denominator, low, high):
    n = (defects.kind == kind).sum()
    total = city.truth_json()["totals"][denominator]
    assert low <= n / total <= high, (kind, n, total)
    assert city.truth_json()["defects_by_kind"][kind] == n


def test_tool_name_variants_resolve_and_unknown_names_do_not(defects, log):
    resolver = tool_resolver()
    variants = defects[defects.kind == "tool_name_variant"]
    for row in variants.itertuples():
        written = log.loc[row.line, "Outil"]
        expected = row.detail.rsplit("-> ", 1)[1]
        assert resolver[norm(written)] == expected
    official = {t for t in resolver if t}
    exact = log["Outil"].map(lambda x: norm(x) in official)
    assert exact.mean() > 0.99
    unknown = defects[defects.kind == "tool_name_unknown"]
    names = {log.loc[line, "Outil"] for line in unknown["line"]}
    assert 2 <= len(names) <= 3 and not any(norm(n) in resolver for n in names)


def test_every_variant_the_generator_writes_resolves():
    resolver = tool_resolver()
    for tool, variants in TOOL_VARIANTS.items():
        for v in variants:
            assert resolver[norm(v)] == tool, v
    assert not any(norm(n) in resolver for n in UNKNOWN_TOOL_NAMES)
    written = {v for vs in TOOL_VARIANTS.values() for v in vs}
    assert {
        "Point Silence",
        "pt silence",
        "time-out",
        "Echecs & mates",
        "apprenons nous",
    } <= written


def test_missing_dates_and_text_values(defects, log):
    for line in defects.loc[defects.kind == "session_date_missing", "line"]:
        assert pd.isna(log.loc[line, "Date"])
    for line in defects.loc[defects.kind == "session_date_text", "line"]:
        assert isinstance(log.loc[line, "Date"], str)
    for line in defects.loc[defects.kind == "duration_text", "line"]:
        assert isinstance(log.loc[line, "Durée (h)"], str)
    assert log["Date"].isna().sum() == (defects.kind == "session_date_missing").sum()


def test_unknown_session_numbers_in_attendance(city, defects, log):
    a = read_attendance(city.raw)
    known = set(log["N° séance"])
    bad = a[~a["N° séance"].isin(known)]
    rows = defects[defects.kind == "attendance_unknown_session"]
    assert len(bad) == len(rows)
    located = {(f"presences/{r.file}", r.line) for r in bad.itertuples()}
    assert located == set(zip(rows.file, rows.line, strict=True))
    assert (
        bad["N° séance"].astype(str).sort_values().to_numpy()
        == rows.record_id.astype(str).sort_values().to_numpy()
    ).all()


def test_duplicates_repeat_the_answers_a_few_seconds_later(defects, feedback):
    answers = ["SEANCE", "OUTIL", "EVAL[SAT]", "EVAL[UTIL]", "RECO", "COMM"]
    for row in defects[defects.kind == "feedback_duplicate"].itertuples():
        original = int(row.detail.rsplit(" ", 1)[1])
        dup, first = feedback.loc[row.record_id], feedback.loc[original]
        assert dup[answers].fillna("").tolist() == first[answers].fillna("").tolist()
        gap = pd.Timestamp(dup["submitdate"]) - pd.Timestamp(first["submitdate"])
        assert pd.Timedelta(seconds=1) < gap <= pd.Timedelta(seconds=40)
        assert dup["seed"] != first["seed"] and row.record_id > original


def test_out_of_range_answers(defects, feedback):
    for row in defects[
        defects.kind.isin(["feedback_reco_out_of_range", "feedback_likert_out_of_range"])
    ].itertuples():
        column, value = row.detail.split("=")
        assert feedback.loc[row.record_id, column] == value


def test_defect_lines_point_at_the_record(city, defects):
    """Physical line numbers account for line breaks inside quoted comments."""
    lines = (city.raw / FEEDBACK).read_bytes()[3:].decode("utf-8").split("\r\n")
    physical = "\n".join(lines).split("\n")
    fb = defects[defects.file == FEEDBACK]
    for row in fb.itertuples():
        assert physical[row.line - 1].startswith(f'"{row.record_id}";'), row
    assert (defects.kind == "comment_multiline").sum() >= 2


def test_hostile_and_identifying_comments(city, defects, feedback):
    comments = set(feedback["COMM"].dropna())
    for hostile in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '=HYPERLINK("http://x","clic")',
    ):
        assert hostile in comments
    raw = (city.raw / FEEDBACK).read_text(encoding="utf-8-sig")
    assert '"=HYPERLINK(""http://x"",""clic"")"' in raw
    ids = city.truth_csv("identities.csv")
    assert len(ids) >= 4 and set(ids["kind"]) == {"name", "email"}
    assert ids["matricule"].astype(str).str.fullmatch(r"\d{6}").all()
    for row in ids.itertuples():
        assert row.text in feedback.loc[row.response_id, "COMM"]
        if row.kind == "email":
            assert row.text == row.email
        else:
            assert row.text.startswith(row.prenom + " ") and row.text.upper().endswith(row.nom)
    assert city.truth_json()["planted_identities"] == ids.to_dict(orient="records")


def test_the_survey_has_no_respondent_identifier(feedback):
    assert not {"token", "ipaddr", "email", "MATRICULE"} & set(feedback.columns)
