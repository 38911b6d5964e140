"""generate_demo_city: arguments, summary, determinism."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from eco_eval.demo import generate_demo_city
from eco_eval.errors import ConfigError


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_summary_matches_the_files(city):
    s = city.summary
    assert s.n_staff == 2400 and s.seed == 42 and s.session_log_format == "xlsx"
    assert s.quarters[0] == "2015-Q3" and s.quarters[-1] == "2017-Q4" and len(s.quarters) == 10
    assert s.waves == ("2015-11", "2016-05", "2016-11", "2017-05", "2017-11")
    for rel in s.files:
        assert (city.raw / rel).is_file(), rel
    assert {p.relative_to(city.raw).as_posix() for p in city.raw.rglob("*") if p.is_file()} == set(
        s.files
    )
    assert set(s.truth_files) == {p.name for p in city.truth.iterdir()}
    assert s.n_people > s.n_staff  # hires over the period
    assert s.n_sessions > s.n_sessions_held > 0
    assert s.elapsed_s > 0  # the summary records how long the generation took


def test_same_seed_gives_identical_bytes(city, tmp_path):
    generate_demo_city(tmp_path / "raw", tmp_path / "truth", seed=42)
    assert _digests(tmp_path / "raw") == _digests(city.raw)
    assert _digests(tmp_path / "truth") == _digests(city.truth)


def test_another_seed_gives_other_files(city, tmp_path):
    generate_demo_city(tmp_path / "raw", tmp_path / "truth", seed=43)
    mine, theirs = _digests(tmp_path / "raw"), _digests(city.raw)
    assert set(mine) == set(theirs)  # same file names ...
    changed = [k for k in mine if mine[k] != theirs[k]]
    codebooks = {k for k in mine if k.endswith(".txt")}
    assert set(changed) == set(mine) - codebooks  # ... every data file differs, codebooks do not


def test_xlsx_metadata_is_fixed(city):
    with zipfile.ZipFile(city.raw / "animations" / "journal_animations.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2018, 1, 5, 9, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2018-01-05T09:00:00Z") == 2


def test_a_second_run_replaces_the_previous_files(tmp_path):
    generate_demo_city(tmp_path / "raw", tmp_path / "truth", seed=1, n_staff=600, session_log="csv")
    (tmp_path / "raw" / "README.md").write_text("not a demo file", encoding="utf-8")
    summary = generate_demo_city(tmp_path / "raw", tmp_path / "truth", seed=1, n_staff=600)
    assert not (tmp_path / "raw" / "animations" / "journal_animations.csv").exists()
    assert (tmp_path / "raw" / "README.md").exists()  # nothing but the demo's own files is removed
    assert set(summary.files) == {
        p.relative_to(tmp_path / "raw").as_posix()
        for p in (tmp_path / "raw").rglob("*")
        if p.suffix != ".md" and p.is_file()
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_staff": 10}, "n_staff=10"),
        ({"n_staff": 2400.0}, "n_staff=2400.0"),
        ({"seed": -1}, "seed=-1"),
        ({"start": "2015-3"}, "start='2015-3': expected a quarter like 2015-Q3"),
        ({"start": "2017-Q4", "end": "2015-Q3"}, "swap them"),
        ({"session_log": "ods"}, "session_log='ods'"),
    ],
)
def test_bad_arguments_raise_config_errors(tmp_path, kwargs, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")):
        generate_demo_city(tmp_path / "raw", tmp_path / "truth", **kwargs)


def test_other_periods_work(tmp_path):
    s = generate_demo_city(
        tmp_path / "raw", tmp_path / "truth", n_staff=500, start="2016-Q1", end="2016-Q4"
    )
    assert s.quarters == ("2016-Q1", "2016-Q2", "2016-Q3", "2016-Q4")
    assert s.waves == ("2016-05", "2016-11")
    assert sorted(p.name for p in (tmp_path / "raw" / "presences").iterdir()) == [
        f"emargements_2016-T{q}.csv" for q in range(1, 5)
    ]
