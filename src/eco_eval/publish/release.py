"""The release step of a publication: the period's release built once, on first demand.

The bilan and the deep dives of one run read the same release (:mod:`eco_eval.release`). It is
built by whichever part needs it first — the other waits for it — and only when some part is
rebuilt: a run with nothing new computes nothing. A saved release is read again instead of
computed when its build key is unchanged: the store's inputs, the project's configuration
(ecosystem and instruments included, not the folder it lives in), the period, the suppressions of
earlier publications (this release's own, once kept, aside) and eco_eval's own code
(:func:`eco_eval.publish.provenance.code_digest`). ``--force`` rebuilds the published files from
the release; a release is only recomputed when what it depends on changed. The release is saved
under ``data/processed/releases/<folder>/``, beside the store: it holds tables below the
publication rules' reach (each department's quarterly results behind the slopes, the
quarantine's examples), so it stays with the city's private data, never in ``reports/``.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from pathlib import Path
from typing import Any

import pandas as pd

from eco_eval import __version__
from eco_eval.child import Child
from eco_eval.privacy.suppression import read_suppression_log, write_suppression_log
from eco_eval.publish.provenance import code_digest, git_commit, input_checksums, make_stamp
from eco_eval.release.files import MANIFEST, ReleaseError, load_release, update_manifest
from eco_eval.release.model import (
    LEDGER_FRAME,
    SUPPRESSION_LOG_FRAME,
    Release,
    earlier_publications,
    period_entry,
)
from eco_eval.report.kernel_environment import kernel_environment
from eco_eval.store import open_store

__all__ = ["BILAN_SUPPRESSION_LOG", "RELEASES_DIR", "PeriodRelease"]

#: Where the bilans keep the cells they hid, so that the next bilans hide them too.
BILAN_SUPPRESSION_LOG = "bilan_suppression_log.csv"
#: The releases' folder under ``data/processed``.
RELEASES_DIR = "releases"


class PeriodRelease:
    """The release of ``period`` for one run of ``project``, saved as ``folder`` (default the
    period's label: one release per period, whatever the report's language, since no figure
    depends on it; a bilan in a second language reads the first one's release)."""

    def __init__(self, project: Any, period: Any, folder: str | None = None) -> None:
        self.project = project
        self.period = period
        name = folder if folder is not None else period.label.replace(":", "_")
        self.path = Path(project.processed_dir) / RELEASES_DIR / name
        self.release: Release | None = None
        #: The suppression log to keep once the publication is out (None until built).
        self.suppression_log: pd.DataFrame | None = None
        #: The cells the release publishes, for the publication ledger (None until built).
        self.ledger: pd.DataFrame | None = None
        #: Whether this run computed the release (False when it read the saved one again).
        self.rebuilt = False
        self._lock = threading.Lock()

    def build_key(self, earlier: pd.DataFrame | None) -> str:
        """What the release depends on (see the module doc), as one sha256."""
        project = self.project
        basis = {
            "inputs": input_checksums(project.store_path),
            # where the project lives is not an input: a moved or copied project reads its
            # releases again
            "project": repr(project).replace(str(project.root), "<project>"),
            "ecosystem": repr(project.ecosystem()),
            "instruments": repr(project.instruments()),
            "period": period_entry(self.period),
            "earlier_suppressions": None if earlier is None else earlier.to_csv(index=False),
            "earlier_publications": _ledger_digest(project, self.period),
            "code": code_digest(),
        }
        return str(make_stamp(basis)["build_key"])

    def _saved(self, key: str) -> Release | None:
        """The release saved at :attr:`path` with ``key`` (None when absent, stale or unreadable)."""
        if not (self.path / MANIFEST).is_file():
            return None
        try:
            saved = load_release(self.path)
        except (ReleaseError, OSError, ValueError):
            return None
        keys = [saved.manifest.get("build_key"), *saved.manifest.get("build_keys", [])]
        return saved if key in keys else None

    def get(self) -> Path:
        """The release's folder, built and saved on the first call (any thread), or read again
        when the saved one has the same build key."""
        with self._lock:
            if self.release is None:
                earlier = read_suppression_log(self.project.processed_dir / BILAN_SUPPRESSION_LOG)
                key = self.build_key(earlier)
                saved = self._saved(key)
                if saved is None:
                    self._build(key, earlier)
                    saved = self._add_next_key(load_release(self.path), key)
                    self.rebuilt = True
                elif saved.manifest.get("project_dir") != str(self.project.root):
                    # a moved or copied project: its notebooks find the configuration here
                    saved = self._update_manifest(saved, {"project_dir": str(self.project.root)})
                self.release = saved
                self.suppression_log = saved.frame(SUPPRESSION_LOG_FRAME).astype(str)
                if LEDGER_FRAME in saved.frames:
                    self.ledger = saved.frame(LEDGER_FRAME)
            return self.path

    def _update_manifest(self, saved: Release, entries: dict[str, Any]) -> Release:
        """``saved`` with ``entries`` set in its manifest, here and on disk (frames unchanged)."""
        update_manifest(self.path, entries)
        return Release({**saved.manifest, **entries}, saved.frames)

    def _add_next_key(self, saved: Release, key: str) -> Release:
        """Record the build key the next run will compute once this release's suppression log
        is kept: the log grows with the cells hidden now, which changes the key although
        nothing the release depends on did. Building again from that log could hide a few more
        cells (earlier cells are protected like small ones), yet what this release publishes is
        already out: a run with nothing new reads it again rather than publish a variant."""
        with tempfile.TemporaryDirectory() as tmp:
            # the log as the next run reads it back
            kept = Path(tmp) / BILAN_SUPPRESSION_LOG
            write_suppression_log(kept, saved.frame(SUPPRESSION_LOG_FRAME).astype(str))
            after = self.build_key(read_suppression_log(kept))
        return self._update_manifest(saved, {"build_keys": [after]}) if after != key else saved

    def _build(self, key: str, earlier: pd.DataFrame | None) -> None:
        """Build and save the release in a child process (:mod:`eco_eval.child`): the statistics
        it imports (statsmodels, pingouin, scipy's distributions) stay out of this process, which
        only runs the notebooks, and their memory is returned when the child ends."""
        child = Child(
            "eco_eval.release.build",
            "save_built_release",
            (self.project, self.period, self.path),
            kwargs={
                "build_key": key,
                "suppression_log": earlier,
                "provenance": {"version": __version__, "commit": git_commit()},
            },
            what=f"the release build of {self.period.label}",
            env=kernel_environment(),
        )
        try:
            child.result()
        finally:
            child.stop()

    def loaded(self) -> Release:
        """The release itself, built or read first (see :meth:`get`)."""
        self.get()
        assert self.release is not None
        return self.release

    def frame(self, name: str) -> pd.DataFrame:
        """The release's frame ``name`` (the release built or read first, see :meth:`get`)."""
        return self.loaded().frame(name)


def _ledger_digest(project: Any, period: Any) -> str:
    """The cells of the publication ledger the release of ``period`` is checked against
    (:func:`~eco_eval.release.model.earlier_publications`), as one sha256."""
    if not Path(project.store_path).is_file():
        return ""
    ledger = open_store(project.store_path).table("publication_ledger")
    others = earlier_publications(ledger, period).drop(columns=["published_at"])
    others = others.sort_values(list(others.columns), ignore_index=True)
    return hashlib.sha256(others.to_csv(index=False).encode()).hexdigest()
