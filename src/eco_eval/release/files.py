"""A release on disk: one Parquet file per frame and ``manifest.json``, written atomically.

The manifest holds the release's scalars (period, threshold, waves, provenance...), the list of
its frames with their row counts and SHA-256, and :data:`FORMAT`; :func:`load_release` checks the
format and every file's digest, so a notebook never reads a half-written or edited release.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from eco_eval.digest import sha256_file
from eco_eval.errors import EcoEvalError
from eco_eval.release.model import FORMAT, Release
from eco_eval.schema import one_sentinel

__all__ = ["MANIFEST", "ReleaseError", "load_release", "save_release", "update_manifest"]

MANIFEST = "manifest.json"


class ReleaseError(EcoEvalError):
    """A release folder that cannot be read (absent, another format, a file changed)."""

    exit_code = 4


def save_release(release: Release, folder: str | Path) -> Path:
    """Write ``release`` into ``folder`` (replaced whole, never half-written); return it."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        frames = {}
        for name, frame in release.frames.items():
            path = tmp / f"{name}.parquet"
            frame.to_parquet(path, index=False)
            frames[name] = {"rows": len(frame), "sha256": sha256_file(path)}
        manifest = {**release.manifest, "format": FORMAT, "frames": frames}
        (tmp / MANIFEST).write_text(_manifest_text(manifest), encoding="utf-8")
        old = folder.with_name(f".{folder.name}.old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def update_manifest(folder: str | Path, entries: Mapping[str, Any]) -> None:
    """Set ``entries`` in the manifest of the release in ``folder`` (replaced atomically); the
    frames, which the manifest's checksums protect, are left as they are."""
    path = Path(folder) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(entries)
    tmp = path.with_name(f".{MANIFEST}.tmp")
    tmp.write_text(_manifest_text(manifest), encoding="utf-8")
    os.replace(tmp, path)


def _manifest_text(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, ensure_ascii=False, indent=1, default=str)


def load_release(folder: str | Path) -> Release:
    """The release saved in ``folder`` by :func:`save_release`."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise ReleaseError(
            f"{folder}: no release here ({MANIFEST} missing); build one with "
            "'eco-eval run' or eco_eval.release.build.build_release(...)"
        )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ReleaseError(
            f"{path}: release format {manifest.get('format')!r}, this eco_eval reads {FORMAT}; "
            "rebuild the release with 'eco-eval run --force'"
        )
    frames = {}
    for name, entry in manifest.pop("frames").items():
        file = folder / f"{name}.parquet"
        if not file.is_file() or sha256_file(file) != entry["sha256"]:
            raise ReleaseError(
                f"{file}: missing or changed since the release was written; "
                "rebuild the release with 'eco-eval run --force'"
            )
        frames[name] = one_sentinel(pd.read_parquet(file))
    manifest.pop("format")
    return Release(manifest, frames)
