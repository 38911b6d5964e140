"""The release step of a publication: the period's release built once, on first demand.

The bilan and the deep dives of one run read the same release (:mod:`eco_eval.release`). It is
built by whichever part needs it first — the other waits for it — and only when some part is
rebuilt: a run with nothing new computes nothing. The release is saved under
``data/processed/releases/<folder>/``, beside the store: it holds tables below the publication
rules' reach (each department's quarterly results behind the slopes, the quarantine's examples),
so it stays with the city's private data, never in ``reports/``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from eco_eval import __version__
from eco_eval.privacy.suppression import read_suppression_log
from eco_eval.publish.provenance import git_commit
from eco_eval.release import Release, build_release, save_release

__all__ = ["BILAN_SUPPRESSION_LOG", "RELEASES_DIR", "PeriodRelease"]

#: Where the bilans keep the cells they hid, so that the next bilans hide them too.
BILAN_SUPPRESSION_LOG = "bilan_suppression_log.csv"
#: The releases' folder under ``data/processed``.
RELEASES_DIR = "releases"


class PeriodRelease:
    """The release of ``period`` for one run of ``project``, saved as ``folder``."""

    def __init__(self, project: Any, period: Any, folder: str) -> None:
        self.project = project
        self.period = period
        self.path = Path(project.processed_dir) / RELEASES_DIR / folder
        self.release: Release | None = None
        #: The suppression log to keep once the publication is out (None until built).
        self.suppression_log: pd.DataFrame | None = None
        self._lock = threading.Lock()

    def get(self) -> Path:
        """The release's folder, built and saved on the first call (any thread)."""
        with self._lock:
            if self.release is None:
                earlier = read_suppression_log(self.project.processed_dir / BILAN_SUPPRESSION_LOG)
                # The impact models solve many small least-squares problems: one BLAS thread
                # each is faster than threads spinning against the report kernels.
                with threadpool_limits(limits=1):
                    release, log = build_release(
                        self.project,
                        self.period,
                        suppression_log=earlier,
                        provenance={"version": __version__, "commit": git_commit()},
                    )
                save_release(release, self.path)
                self.release, self.suppression_log = release, log
            return self.path
