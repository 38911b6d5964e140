"""A release on disk: every frame comes back as it was written, and a folder that was changed,
half-written or written by another format is refused with a message naming the fix."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from eco_eval.periods import parse_period
from eco_eval.release.files import ReleaseError, load_release, save_release
from eco_eval.release.model import Release, period_entry


def _release() -> Release:
    q4 = parse_period("2017-Q4")
    frames = {
        "current": pd.DataFrame(
            {
                "indicator": ["reach_rate", "sessions_held"],
                "value": [0.125, 12.0],
                "suppressed": [False, True],
                "when": pd.to_datetime(["2017-10-01", "2017-12-31"]),
            }
        ),
        "empty": pd.DataFrame(),
    }
    manifest = {"period": period_entry(q4), "launch": "2015-01-01", "k": 5, "note": "« é »"}
    return Release(manifest, frames)


def test_a_release_comes_back_as_written(tmp_path):
    folder = save_release(_release(), tmp_path / "releases" / "2017-Q4")
    again = load_release(folder)
    pd.testing.assert_frame_equal(again.frame("current"), _release().frame("current"))
    assert again.frame("empty").empty and again.frame("absent").empty
    assert again.period == parse_period("2017-Q4") and again.period.kind == "quarter"
    assert again.launch == date(2015, 1, 1) and again.k == 5
    assert again.manifest["note"] == "« é »"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["frames"]["current"]["rows"] == 2
    assert sorted(p.name for p in folder.parent.iterdir()) == ["2017-Q4"], "no temporary left"


def test_saving_again_replaces_the_folder_whole(tmp_path):
    folder = save_release(_release(), tmp_path / "r")
    (folder / "stale.parquet").write_bytes(b"x")
    save_release(Release(_release().manifest, {"current": _release().frame("current")}), folder)
    assert sorted(p.name for p in folder.iterdir()) == ["current.parquet", "manifest.json"]


def test_a_changed_file_is_refused(tmp_path):
    folder = save_release(_release(), tmp_path / "r")
    _release().frame("current").head(1).to_parquet(folder / "current.parquet")
    with pytest.raises(ReleaseError, match=r"current.parquet: missing or changed.*--force"):
        load_release(folder)


def test_no_release_and_another_format_say_what_to_do(tmp_path):
    with pytest.raises(ReleaseError, match="no release here"):
        load_release(tmp_path)
    folder = save_release(_release(), tmp_path / "r")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "format": 99}))
    with pytest.raises(ReleaseError, match="release format 99"):
        load_release(folder)
