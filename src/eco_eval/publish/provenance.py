"""Build stamps of the published parts: what each depends on, and whether it must be rebuilt.

A stamp is a JSON object written beside a part (``provenance.json``). Its ``build_key`` is the
sha256 of what the part depends on: package version, git commit, parameters, the sha256 of every
raw input and of the notebook that renders it, and whatever else the part names (earlier releases
for open data). The time of the build is recorded but is not part of the key, so a run with
nothing new finds every key unchanged and rebuilds nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from eco_eval.store import open_store

STAMP = "provenance.json"


#: Parameters that name this machine's paths: left out of build keys, so that the same inputs
#: give the same key in any copy of the project.
LOCAL_PARAMETERS = frozenset(
    {"project_dir", "store_path", "output_dir", "suppression_log", "release"}
)


def make_stamp(basis: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """``basis`` (what the part depends on) plus ``extra`` (recorded, not keyed) and the key."""
    key = hashlib.sha256(
        json.dumps(dict(basis), sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    return {**basis, **extra, "build_key": key}


def is_current(folder: Path, key: str, required: Iterable[str] = ()) -> bool:
    """True when ``folder`` holds a stamp with ``key`` and every ``required`` file."""
    stamp = folder / STAMP
    if not stamp.is_file() or not all((folder / name).exists() for name in required):
        return False
    try:
        return json.loads(stamp.read_text(encoding="utf-8")).get("build_key") == key
    except (OSError, ValueError):
        return False


def write_json(path: Path, doc: Any) -> Path:
    """Write ``doc`` as indented UTF-8 JSON through a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 of eco_eval's own files (its modules and data files), as installed: a release or a
    report built by other code is built again, committed or not."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix != ".pyc":
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def git_commit() -> str:
    """The short commit of the eco_eval checkout running ("unknown" outside a git checkout)."""
    with contextlib.suppress(Exception):
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
        if out.returncode == 0:
            return out.stdout.strip()
    return "unknown"


def input_checksums(store_path: Path) -> dict[str, str]:
    """sha256 of every raw file, as the store's ingest log recorded them."""
    return dict(sorted(open_store(store_path).known_files().items()))


def build_key(stamp: Mapping[str, Any]) -> str:
    """What a published report depends on: inputs, parameters, notebook and code (not the time)."""
    basis = {
        k: stamp[k]
        for k in (
            "package_version",
            "git_commit",
            "parameters",
            "inputs_sha256",
            "notebook_sha256",
        )
        if k in stamp
    }
    return hashlib.sha256(
        json.dumps(basis, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def is_up_to_date(final_dir: Path, key: str) -> bool:
    """Whether ``final_dir`` holds a bilan whose stamp has ``key``."""
    prov = final_dir / STAMP
    if not (final_dir / "bilan.html").exists() or not prov.exists():
        return False
    try:
        return json.loads(prov.read_text(encoding="utf-8")).get("build_key") == key
    except (OSError, ValueError):
        return False
