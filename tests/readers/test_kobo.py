"""KoboToolbox exports."""

from __future__ import annotations

from pathlib import Path

from eco_eval.readers import kobo_columns, read_file, strip_group_paths
from eco_eval.readers.kobo import is_kobo


def test_strip_group_paths_keeps_names_unique() -> None:
    assert strip_group_paths(["group_a/q1", "group_b/q2", "g1/age", "g2/age", "_id", "x"]) == [
        "q1", "q2", "g1/age", "g2/age", "_id", "x"
    ]  # fmt: skip
    assert strip_group_paths(["a/b/c", "d/b/c"]) == ["a/b/c", "d/b/c"]


def test_kobo_csv(tmp_path: Path) -> None:
    path = tmp_path / "kobo.csv"
    path.write_text(
        'start;end;identification/direction;identification/categorie;avis/outils/balade;avis/note;_id;_uuid;_submission_time;_index\n'
        '"2016-03-01T10:00:00";"2016-03-01T10:05:00";"DRH";"B";"1";"4";"17";"0f3a";"2016-03-01T09:05:11";"1"\n',
        encoding="utf-8",
    )  # fmt: skip
    raw = read_file(path)
    assert raw.meta.format == "kobo" and raw.meta.delimiter == ";"
    cols = kobo_columns(raw).set_index("column")
    assert cols.loc["identification/direction", ["role", "group", "name"]].tolist() == [
        "question", "identification", "direction"
    ]  # fmt: skip
    assert cols.loc["avis/outils/balade", "name"] == "balade"
    assert cols.loc["_submission_time", "role"] == "meta"
    assert cols.loc["start", "role"] == "meta"
    assert raw.frame.loc[0, "_id"] == "17"


def test_detection() -> None:
    assert is_kobo(["q", "_id", "_uuid"])
    assert not is_kobo(["q", "_id"])
