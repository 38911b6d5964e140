"""Survey-tool conventions: incomplete LimeSurvey responses, waves from submission dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from eco_eval.bilan import bilan_labels
from eco_eval.config import load_project, parse_config
from eco_eval.errors import ConfigError
from eco_eval.ingest import ingest
from eco_eval.ingest.waves import WAVE_GAP_DAYS, file_waves
from eco_eval.report.fmt import fmt_wave
from eco_eval.report.i18n import Labels
from eco_eval.report.quality import summary_by_source
from eco_eval.store import open_store

from .conftest import _barometer

INCOMPLETE_ROW = '"5";"";"1";"fr";"15";"S2";"la balade";"Satisfait";;;\r\n'


def _configure(root: Path, source: str, **keys: object) -> None:
    path = root / "eco_eval.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in keys.items():
        if value is None:
            doc["sources"][source].pop(key, None)
        else:
            doc["sources"][source][key] = value
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def _add_incomplete_feedback(root: Path) -> None:
    path = root / "data" / "raw" / "retours" / "results-survey123.csv"
    text = path.read_bytes().decode("utf-8").rstrip("\r\n") + "\r\n" + INCOMPLETE_ROW
    path.write_bytes(text.encode("utf-8"))


def _feedback_log(root: Path):
    report = ingest(load_project(root))
    return next(f for f in report.files if f.table == "feedback")


def test_incomplete_responses_are_quarantined_and_counted(tiny_project):
    _add_incomplete_feedback(tiny_project)
    fb = _feedback_log(tiny_project)
    assert fb.rows_read == 5 and fb.rows_read == fb.rows_accepted + fb.rows_quarantined
    assert fb.top_reasons.get("incomplete_response") == 1
    assert fb.meta["incomplete"] == "exclude"
    store = open_store(load_project(tiny_project).store_path)
    q = store.table("quarantine")
    held = q[q["reasons"].str.contains("incomplete_response")]
    assert list(held["table_name"]) == ["feedback"] and list(held["source_line"]) == [6]
    assert "5" not in set(store.table("feedback")["response_id"].astype(str))
    labels = Labels("fr").extend(bilan_labels("fr"))
    summary = summary_by_source(store.table("ingest_log"), q, labels, top=1).set_index("table")
    # shown even when it is not among the most frequent reasons
    assert "réponse incomplète (non envoyée) (1)" in summary.loc["feedback", "top_reasons"]


def test_incomplete_responses_kept_on_request(tiny_project):
    _add_incomplete_feedback(tiny_project)
    _configure(tiny_project, "feedback", incomplete="keep")
    fb = _feedback_log(tiny_project)
    assert "incomplete_response" not in fb.top_reasons and fb.meta["incomplete"] == "keep"
    ids = set(open_store(load_project(tiny_project).store_path).table("feedback")["response_id"])
    assert "5" in {str(i) for i in ids}


def test_other_formats_keep_incomplete_unless_told(tiny_project):
    source = load_project(tiny_project).sources["feedback"]
    assert source.incomplete_rule("limesurvey") == "exclude"
    assert source.incomplete_rule("csv") == "keep"


def test_wave_from_submission_dates_when_the_name_says_nothing(tiny_project):
    baro = tiny_project / "data" / "raw" / "barometre"
    (baro / "barometre_2016-11.csv").rename(baro / "barometre_export.csv")
    _configure(tiny_project, "barometer", wave_from=None, wave_label="{month_fr} {year}")
    report = ingest(load_project(tiny_project))
    b = next(f for f in report.files if f.table == "barometer")
    assert b.rows_read == b.rows_accepted + b.rows_quarantined
    frame = open_store(load_project(tiny_project).store_path).table("barometer")
    assert set(frame["wave"]) == {"2016-11"}
    assert set(pd.to_datetime(frame["wave_start"]).dt.date) == {date(2016, 11, 10)}
    assert set(pd.to_datetime(frame["wave_end"]).dt.date) == {date(2016, 11, 11)}
    submitted = pd.to_datetime(frame.sort_values("response_id")["submitted_at"])
    assert list(submitted.dt.day) == [10, 11][: len(submitted)]
    assert frame["response_id"].str.startswith("2016-11:").all()


def test_a_barometer_file_without_any_date_or_wave_name_is_refused(tiny_project):
    baro = tiny_project / "data" / "raw" / "barometre"
    text = _barometer().replace("2016-11-10 10:00:00", "").replace("2016-11-11 10:00:00", "")
    (baro / "barometre_2016-11.csv").unlink()
    (baro / "barometre_export.csv").write_bytes(text.encode("utf-8"))
    _configure(tiny_project, "barometer", incomplete="keep")
    with pytest.raises(Exception, match=r"barometre_export\.csv: cannot tell the barometer wave"):
        ingest(load_project(tiny_project))


def test_one_file_two_waves_split_by_a_gap():
    submitted = pd.Series(
        ["2015-05-04 10:00", "2015-05-20 11:00", None, "2015-11-03 09:00", "2015-11-30 17:00"]
    )
    found = file_waves(submitted, None)
    assert found is not None
    assert list(found.wave) == ["2015-05", "2015-05", None, "2015-11", "2015-11"]
    assert found.wave_start[0] == date(2015, 5, 4) and found.wave_end[1] == date(2015, 5, 20)
    assert found.wave_start[3] == date(2015, 11, 3) and found.wave_end[4] == date(2015, 11, 30)
    # a gap of exactly WAVE_GAP_DAYS keeps one wave; the undated response joins it
    close = pd.Series(
        ["2015-05-04", None, str(date(2015, 5, 4) + pd.Timedelta(days=WAVE_GAP_DAYS))]
    )
    one = file_waves(close, None)
    assert one is not None and list(one.wave) == ["2015-05"] * 3
    # a name from the file wins: one wave, its window from the dates
    named = file_waves(submitted, "vague4")
    assert named is not None and set(named.wave) == {"vague4"}
    assert named.wave_start[0] == date(2015, 5, 4) and named.wave_end[0] == date(2015, 11, 30)
    assert file_waves(pd.Series([None, "1980-01-01 00:00:00"]), None) is None


def test_wave_labels_in_words():
    assert fmt_wave("2015-05", "fr") == "mai 2015"
    assert fmt_wave("vague4", "fr", start=date(2015, 5, 12)) == "mai 2015"
    assert fmt_wave("vague4", "en", start="2015-05-12") == "May 2015"
    assert fmt_wave("vague4", "fr") == "vague4"
    label = fmt_wave(
        "vague4", "fr", start="2015-05-12", end="2015-06-02", template="{wave} : {start} – {end}"
    )
    assert label == "vague4 : 12 mai 2015 – 2 juin 2015"
    assert fmt_wave("v", "fr", start="2015-06-01", template="{month_fr} {year}") == "juin 2015"


@pytest.mark.parametrize(
    ("source", "keys", "message"),
    [
        ("feedback", {"incomplete": "drop"}, r"incomplete must be 'keep' or 'exclude'"),
        ("sessions", {"incomplete": "keep"}, r"sessions\.incomplete applies to survey sources"),
        ("barometer", {"wave_label": "{mois} {year}"}, r"unknown placeholder \{mois\}"),
        ("feedback", {"wave_label": "{year}"}, r"feedback\.wave_label is for the barometer"),
    ],
)
def test_configuration_mistakes_are_named(tmp_path, source, keys, message):
    doc = {"sources": {source: {"pattern": "x/*.csv", **keys}}}
    with pytest.raises(ConfigError, match=message):
        parse_config(doc, tmp_path)


AGREE = ("Pas du tout d'accord", "Plutôt pas d'accord", "Ni d'accord ni pas d'accord",
         "Plutôt d'accord", "Tout à fait d'accord")  # fmt: skip


def test_a_feedback_battery_is_stored_as_items_and_scored(tiny_project):
    from eco_eval.exports import compute_indicators

    head = ["id", "submitdate", "lastpage", "startlanguage", "seed", "SEANCE", "OUTIL"]
    head += [f"SAT[SQ00{j}]" for j in range(1, 5)]
    answers = [(4, 5, 4, 5), (2, 3, 1, 2), (5, 5, 5, 4), (3, 3, 4, 3)]
    lines = [";".join(head)]
    for i, a in enumerate(answers, start=1):
        lines.append(";".join([str(i), f"2016-07-05 1{i}:00:00", "1", "fr", str(i), "S1",
                               "point silence", *(AGREE[v - 1] for v in a)]))  # fmt: skip
    path = tiny_project / "data" / "raw" / "retours" / "results-survey123.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    _configure(
        tiny_project, "feedback", codebook=None,
        columns={"response_id": "id", "submitted_at": "submitdate", "session_id": "SEANCE",
                 "tool": "OUTIL"},
        values={"tool": "tool"},
        items=[{"match": r"SAT\[SQ0*(\d+)\]", "to": r"sat_\1", "scale": "agreement5"}],
    )  # fmt: skip
    doc = yaml.safe_load((tiny_project / "eco_eval.yaml").read_text(encoding="utf-8"))
    doc["privacy"]["k"] = 3  # 4 answers: published
    doc["instruments"]["sat_battery"] = {
        "source": "feedback", "measures": "satisfaction", "items": {"prefix": "sat_", "count": 4},
        "item_range": [1, 5], "aggregate": "mean",
    }  # fmt: skip
    (tiny_project / "eco_eval.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    fb = _feedback_log(tiny_project)
    assert fb.rows_read == 4 and fb.rows_accepted == 4, fb.top_reasons
    stored = open_store(load_project(tiny_project).store_path).table("feedback")
    assert [c for c in stored.columns if c.startswith("sat_")] == [f"sat_{j}" for j in range(1, 5)]
    assert stored.sort_values("response_id")["sat_3"].tolist() == [a[2] for a in answers]
    frame = compute_indicators(tiny_project, "2016-Q3", by=())
    alpha = frame[(frame["indicator"] == "satisfaction_alpha") & (frame["lever"] == "*")]
    mean = frame[(frame["indicator"] == "satisfaction_mean") & (frame["lever"] == "*")]
    assert len(alpha) == 1 and len(mean) == 1
    expected = np.mean([np.mean(a) for a in answers])
    assert not mean["suppressed"].iloc[0] and mean["value"].iloc[0] == pytest.approx(expected)
    assert mean["n"].iloc[0] == 4 and alpha["n"].iloc[0] == 4
