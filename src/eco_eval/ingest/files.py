"""The input files of an ingest: the raw files of each source, their codebooks, checksums.

A file is known by its path under the project's root (:func:`relative_label`) and its SHA-256:
the store's ingest log keeps both, and an ingest with no new or changed file writes nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from eco_eval.config import Project, Source
from eco_eval.digest import sha256_file
from eco_eval.ingest.codebook import CodebookInput, assign_codebooks, find_codebooks
from eco_eval.schema import SOURCE_NAMES

log = logging.getLogger(__name__)


def checksums(paths: list[Path]) -> dict[Path, str]:
    """sha256 of each file, two at a time (hashlib releases the GIL while it hashes)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(paths, pool.map(sha256_file, paths), strict=True))


def discover(project: Project) -> list[tuple[Source, Path]]:
    """The raw files of each configured source, in dependency order."""
    found: list[tuple[Source, Path]] = []
    for name in SOURCE_NAMES:
        source = project.sources.get(name)
        if source is None:
            continue
        files = sorted(p for p in project.raw_dir.glob(source.pattern) if p.is_file())
        if not files and source.required:
            log.warning(
                "source %s: no file matches %s under %s", name, source.pattern, project.raw_dir
            )
        found.extend((_looked_up_source(source), p) for p in files)
    return found


def _looked_up_source(source: Source) -> Source:
    """``source`` with each looked-up field read from its lookup's column (see lookup_tables)."""
    if not source.lookups:
        return source
    looked = {fld: source.lookup_column(fld) for fld in source.lookups}
    return dataclasses.replace(source, columns={**source.columns, **looked})


def discover_codebooks(
    project: Project, files: list[tuple[Source, Path]]
) -> tuple[list[CodebookInput], dict[Path, CodebookInput]]:
    """The codebooks of the sources that declare one (``codebook:``) and the codebook of each of
    their data files; a one-line InputFileError when a codebook is missing or unreadable."""
    by_source: dict[str, tuple[Source, list[Path]]] = {}
    for source, path in files:
        by_source.setdefault(source.name, (source, []))[1].append(path)
    inputs: list[CodebookInput] = []
    assigned: dict[Path, CodebookInput] = {}
    for source, paths in by_source.values():
        if not source.codebook:
            continue
        found = find_codebooks(project, source, lambda p: relative_label(project, p), sha256_file)
        assigned.update(
            assign_codebooks(source, [(p, relative_label(project, p)) for p in paths], found)
        )
        inputs.extend(found)
    return inputs, assigned


def relative_label(project: Project, path: Path) -> str:
    """How the store names a file: its path under the project's root (as given elsewhere)."""
    try:
        return str(path.resolve().relative_to(project.root))
    except ValueError:
        return str(path)
