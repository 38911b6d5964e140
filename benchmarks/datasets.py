"""The benchmark data sets: the demo city at three sizes, generated once under ``benchmarks/data/``.

Each size is a complete demo project (``eco_eval.yaml``, ``data/raw/``, ``data/ground_truth/``)
written by :func:`eco_eval.projects.create_demo_project` with a fixed seed, so figures from two
runs rest on byte-identical raw files. A ``.complete`` marker is written last: an interrupted
generation is redone, never half-used.
"""

from __future__ import annotations

import shutil
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 42

#: name -> staff count: a city, a metropolis, a national administration
SIZES: dict[str, int] = {"city": 2_400, "metropolis": 40_000, "national": 2_000_000}


def project_dir(size: str) -> Path:
    return DATA_DIR / size


def ensure_dataset(size: str) -> Path:
    """Return the project folder of ``size``, generating it first when absent or incomplete."""
    from eco_eval.projects import create_demo_project

    if size == "national-tiled":  # indicators at national scale from 50 metropolis stores
        import tile

        ensure_dataset("metropolis")
        return tile.build(50)
    root = project_dir(size)
    marker = root / ".complete"
    if marker.exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    create_demo_project(root, seed=SEED, n_staff=SIZES[size])
    marker.write_text("ok\n", encoding="utf-8")
    return root


def raw_stats(size: str) -> dict[str, float]:
    """Bytes and rows (lines minus headers) of the raw files of ``size``, by folder."""
    raw = project_dir(size) / "data" / "raw"
    out: dict[str, float] = {"bytes": 0.0}
    for f in raw.rglob("*"):
        if f.is_file():
            out["bytes"] += f.stat().st_size
    return out


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:] or list(SIZES):
        print(name, ensure_dataset(name))
