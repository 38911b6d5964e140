"""Build stamps of the published parts: what each depends on, and whether it must be rebuilt.

A stamp is a JSON object written beside a part (``provenance.json``). Its ``build_key`` is the
sha256 of what the part depends on: package version, git commit, parameters, the sha256 of every
raw input and of the notebook that renders it, and whatever else the part names (earlier releases
for open data). The time of the build is recorded but is not part of the key, so a run with
nothing new finds every key unchanged and rebuilds nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

STAMP = "provenance.json"


#: Parameters that name this machine's paths: left out of build keys, so that the same inputs
#: give the same key in any copy of the project.
LOCAL_PARAMETERS = frozenset({"project_dir", "store_path", "output_dir", "suppression_log"})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
