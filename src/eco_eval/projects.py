"""Project folders: a synthetic city written into one, and the doctor's diagnosis of one.

``eco-eval demo`` writes the demo city (or Valbrune, the second city) as a city would hand its
exports over: an ``eco_eval.yaml``, an ``actions.yaml`` and the raw files, with the planted truths
beside them; ``eco-eval doctor`` checks a folder's configuration, raw files and store.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eco_eval.config import CONFIG_NAME, demo_config_text, load_project
from eco_eval.demo import generate_demo_city
from eco_eval.doctor import diagnose
from eco_eval.second_city import config_text, generate_second_city
from eco_eval.store import open_store

__all__ = ["DEMO_ACTIONS", "create_demo_project", "create_second_city_project", "run_doctor"]

DEMO_ACTIONS = """\
# The deputy directorate's actions, followed up in the bilan against the indicators they aim to move.
actions:
  - id: A1
    action: "Ouvrir « point silence » aux agents de catégorie C des services techniques"
    lever: bien_etre
    indicator: reach_rate
    target: 0.05
    owner: "Direction adjointe"
    due: "2017-12-31"
  - id: A2
    action: "Relancer « dans la peau de Walt » avec deux nouveaux animateurs"
    lever: reve
    indicator: sessions_held
    target: 6
    owner: "Groupe projet"
    due: "2017-09-30"
  - id: A3
    action: "Porter le taux de réponse aux questionnaires de fin de séance à 60 %"
    lever: "*"
    indicator: feedback_response_rate
    target: 0.6
    owner: "Animateurs"
    due: "2017-12-31"
"""


# --------------------------------------------------------------------------- demo
def create_demo_project(root: Path, *, seed: int = 42, n_staff: int = 2400) -> str:
    """Write eco_eval.yaml (if absent), actions.yaml and the demo city's raw files under ``root``."""

    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / CONFIG_NAME
    if not cfg.exists():
        cfg.write_text(demo_config_text(), encoding="utf-8")
    actions = root / "actions.yaml"
    if not actions.exists():
        actions.write_text(DEMO_ACTIONS, encoding="utf-8")
    t0 = time.perf_counter()
    summary = generate_demo_city(
        root / "data" / "raw", root / "data" / "ground_truth", seed=seed, n_staff=n_staff
    )
    n_files = len(getattr(summary, "files", []) or [])
    return f"demo city written to {root / 'data' / 'raw'} ({n_files} files, seed {seed}, {n_staff} staff, {time.perf_counter() - t0:.1f} s)"


def create_second_city_project(
    root: Path, *, seed: int | None = None, n_staff: int | None = None
) -> str:
    """Write Valbrune's eco_eval.yaml (if absent), raw files and planted truths under ``root``."""

    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / CONFIG_NAME
    if not cfg.exists():
        cfg.write_text(config_text(), encoding="utf-8")
    given = {k: v for k, v in {"seed": seed, "n_staff": n_staff}.items() if v is not None}
    summary = generate_second_city(root / "data" / "raw", root / "data" / "ground_truth", **given)
    return (
        f"second city (Valbrune) written to {root / 'data' / 'raw'} ({len(summary.files)} files, "
        f"seed {summary.seed}, {summary.n_staff} staff, {summary.elapsed_s:.1f} s)"
    )


def run_doctor(root: Path) -> Any:
    """The project's :class:`~eco_eval.doctor.Diagnosis`: from the store when there is one,
    else from the configuration and the raw files."""

    project = load_project(root)
    store = open_store(project.store_path) if project.store_path.exists() else None
    return diagnose(project, store)
