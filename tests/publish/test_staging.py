"""The staged period folder: hard links for unchanged parts, one swap to publish."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eco_eval.publish import staging
from eco_eval.publish.staging import PeriodStage


@pytest.fixture
def published(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    final = reports / "2017-Q4"
    (final / "leviers").mkdir(parents=True)
    (final / "bilan.html").write_text("old bilan", encoding="utf-8")
    (final / "leviers" / "reve.html").write_text("old reve", encoding="utf-8")
    return reports


def test_unchanged_parts_are_hard_links_and_nothing_changed_publishes_nothing(published):
    final = published / "2017-Q4"
    inode = (final / "bilan.html").stat().st_ino
    with PeriodStage(published, "2017-Q4") as stage:
        assert stage.path("bilan.html").stat().st_ino == inode  # linked, not copied
        assert stage.publish() is False
        staged = stage.dir
    assert (final / "bilan.html").stat().st_ino == inode
    assert not staged.exists(), "the stage is removed"


def test_a_rebuilt_part_never_writes_through_to_the_published_file(published):
    final = published / "2017-Q4"
    with PeriodStage(published, "2017-Q4") as stage:
        stage.fresh(files_only=True)
        # writing in place (open 'w') would truncate a hard-linked published file
        with open(stage.path("bilan.html"), "w", encoding="utf-8") as fh:
            fh.write("new bilan")
        assert (final / "bilan.html").read_text(encoding="utf-8") == "old bilan"
        assert stage.path("leviers", "reve.html").exists(), "files_only keeps subfolders"
        stage.mark_changed("bilan")
        assert stage.publish() is True
    assert (final / "bilan.html").read_text(encoding="utf-8") == "new bilan"
    assert (final / "leviers" / "reve.html").read_text(encoding="utf-8") == "old reve"
    assert sorted(p.name for p in published.iterdir()) == ["2017-Q4"], "no stage or .old left"


def test_a_failure_leaves_the_published_folder_as_it_was(published):
    final = published / "2017-Q4"
    with pytest.raises(RuntimeError), PeriodStage(published, "2017-Q4") as stage:
        stage.fresh("leviers")
        stage.mark_changed("leviers")
        raise RuntimeError("a notebook failed")
    assert (final / "leviers" / "reve.html").read_text(encoding="utf-8") == "old reve"
    assert sorted(p.name for p in published.iterdir()) == ["2017-Q4"]


def test_two_renames_when_the_system_cannot_exchange(published, monkeypatch):
    monkeypatch.setattr(staging, "_renameat2", lambda: None)
    with PeriodStage(published, "2017-Q4") as stage:
        stage.fresh("bilan.html")
        stage.path("bilan.html").write_text("new", encoding="utf-8")
        stage.mark_changed("bilan")
        stage.publish()
    assert (published / "2017-Q4" / "bilan.html").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in published.iterdir()) == ["2017-Q4"]


def test_a_first_publication_creates_the_folder(tmp_path):
    with PeriodStage(tmp_path / "reports", "2016-Q2") as stage:
        stage.path("bilan.html").write_text("first", encoding="utf-8")
        stage.mark_changed("bilan")
        stage.publish()
    assert (tmp_path / "reports" / "2016-Q2" / "bilan.html").read_text(encoding="utf-8") == "first"


def test_what_a_killed_run_left_is_repaired(published):
    final = published / "2017-Q4"
    os.replace(final, published / "2017-Q4.old")  # killed between the two renames
    (published / ".2017-Q4.abcd1234").mkdir()  # a stage of a killed run
    with PeriodStage(published, "2017-Q4") as stage:
        assert stage.path("bilan.html").read_text(encoding="utf-8") == "old bilan"
    assert (final / "bilan.html").exists()
    assert sorted(p.name for p in published.iterdir()) == ["2017-Q4"]


def test_failed_notebooks_are_kept_beside_and_cleared_by_the_next_publication(published):
    with pytest.raises(RuntimeError), PeriodStage(published, "2017-Q4") as stage:
        partial = stage.path("bilan.executed.failed.ipynb")
        partial.write_text("{}", encoding="utf-8")
        kept = stage.keep_failed(partial, "bilan.executed.failed.ipynb")
        raise RuntimeError("cell 3 failed")
    assert kept == published / "2017-Q4.failed" / "bilan.executed.failed.ipynb" and kept.exists()
    with PeriodStage(published, "2017-Q4") as stage:
        stage.mark_changed("bilan")
        stage.publish()
    assert not (published / "2017-Q4.failed").exists()


def test_executed_notebooks_are_kept_beside_and_follow_the_published_folder(published, tmp_path):
    """The notebooks go to ``notebooks_dir/<period>/``, never into the published folder; a
    failed build leaves the kept ones as they were, a rebuilt part replaces only its own."""
    notebooks = tmp_path / "processed" / "notebooks"
    kept = notebooks / "2017-Q4"
    (kept / "leviers").mkdir(parents=True)
    (kept / "bilan.executed.ipynb").write_text("old bilan", encoding="utf-8")
    (kept / "leviers" / "reve.executed.ipynb").write_text("old reve", encoding="utf-8")
    with (
        pytest.raises(RuntimeError),
        PeriodStage(published, "2017-Q4", notebooks_dir=notebooks) as stage,
    ):
        (stage.notebooks(files_only=True) / "bilan.executed.ipynb").write_text(
            "new", encoding="utf-8"
        )
        stage.mark_changed("bilan")
        raise RuntimeError("the PDF failed")
    assert (kept / "bilan.executed.ipynb").read_text(encoding="utf-8") == "old bilan"
    with PeriodStage(published, "2017-Q4", notebooks_dir=notebooks) as stage:
        folder = stage.notebooks(files_only=True)
        assert not (folder / "bilan.executed.ipynb").exists(), "emptied for the rebuilt part"
        (folder / "bilan.executed.ipynb").write_text("new bilan", encoding="utf-8")
        stage.mark_changed("bilan")
        assert stage.publish()
    assert (kept / "bilan.executed.ipynb").read_text(encoding="utf-8") == "new bilan"
    assert (kept / "leviers" / "reve.executed.ipynb").read_text(encoding="utf-8") == "old reve"
    assert not list((published / "2017-Q4").rglob("*.ipynb"))
    assert sorted(p.name for p in notebooks.iterdir()) == ["2017-Q4"], "no stage left"


def test_without_a_notebooks_folder_they_are_kept_nowhere(published):
    with PeriodStage(published, "2017-Q4") as stage:
        scratch = stage.notebooks("leviers")
        (scratch / "reve.executed.ipynb").write_text("{}", encoding="utf-8")
        assert stage.dir not in scratch.parents
    assert not scratch.exists()


def test_exchange_swaps_two_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "f").write_text("a", encoding="utf-8")
    (b / "f").write_text("b", encoding="utf-8")
    if not staging.exchange(a, b):
        pytest.skip("no renameat2(RENAME_EXCHANGE) here: the two-rename path is tested above")
    assert (a / "f").read_text(encoding="utf-8") == "b"
    assert (b / "f").read_text(encoding="utf-8") == "a"
