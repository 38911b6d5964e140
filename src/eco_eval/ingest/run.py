"""One ingest: raw files -> canonical tables, through the gate, into the store in one transaction.

The files of each source are found and checksummed; with no new or changed file, nothing is
written. Otherwise the sources are ingested in the schema's order (:mod:`eco_eval.schema`), the
barometer possibly in a child process alongside (:mod:`eco_eval.ingest.aside`); then come the
checks across tables (:mod:`eco_eval.ingest.checks`) and the ingest log.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from eco_eval.config import Project
from eco_eval.ingest import tuning
from eco_eval.ingest.aside import Aside
from eco_eval.ingest.checks import count_undated, cross_checks, link_identities
from eco_eval.ingest.files import checksums, discover, discover_codebooks, relative_label
from eco_eval.ingest.lookup_tables import lookup_files, used_lookups
from eco_eval.ingest.outcome import FileResult, IngestReport
from eco_eval.ingest.state import Run
from eco_eval.ingest.writing import ingest_source, log_inputs
from eco_eval.pseudonymise import load_key
from eco_eval.schema import SOURCE_NAMES
from eco_eval.store import KEPT_BY_INGEST, Store, project_lock, write_transaction

log = logging.getLogger(__name__)


def ingest(
    project: Project, *, progress: Callable[[str], None] | None = None, force: bool = False
) -> IngestReport:
    """Ingest every configured raw file into the store (one transaction); see the module doc."""
    key = load_key(
        env_var=project.privacy.key_env,
        key_file=project.privacy.key_file,
        create=project.privacy.create_key_if_missing,
    )
    files = discover(project)
    codebooks, codebook_of = discover_codebooks(project, files)
    lookup_paths = sorted(
        {p for name in used_lookups(project) for p in lookup_files(project, name)}
    )
    hashes = checksums([*(p for _, p in files), *lookup_paths])
    store = Store(project.store_path) if project.store_path.exists() else None
    known: dict[str, str] = store.known_files() if store else {}
    outdated = (
        store.outdated() if store else []
    )  # a store of another layout: every file is read again
    current = {relative_label(project, p): h for p, h in hashes.items()}  # data and lookup files
    current.update({cb.label: cb.sha256 for cb in codebooks})
    removed = sorted(set(known) - set(current))
    changed = force or removed or outdated or any(known.get(f) != h for f, h in current.items())
    if not changed:
        log.info("nothing new: %d files already in the store", len(current))
        return IngestReport(files=[], changed=False)
    run = Run(project, key)
    lookups = run.lookup_tables(hashes)  # read before any source: their errors come first
    labels = {relative_label(project, p) for _, p in files}
    with (
        tuning.bulk_settings(),  # before the child starts: it inherits the huge-page setting
        project_lock(project.processed_dir / ".ingest.lock", "an ingest"),
        write_transaction(project.store_path, carry_over=KEPT_BY_INGEST) as w,
        contextlib.ExitStack() as children,  # left first: the child stops before any rollback
    ):
        rel = {p: relative_label(project, p) for _, p in files}
        aside = Aside.start(project, key, files, hashes, codebook_of, rel)
        if aside:
            children.callback(aside.stop)  # whatever happens (a no-op once it was collected)
            aside.copy_when_done(w)
        for f in removed:
            w.delete_file(f)
        now = datetime.now()  # the log's time of this ingest
        sources_read = {src.name for src, _ in files}
        by_source: dict[str, list[FileResult]] = {}
        aside_sources = aside.sources if aside else []
        for name in SOURCE_NAMES:  # the parent's sources, while the child ingests its own
            source_files = [(src, p) for src, p in files if src.name == name]
            if source_files and name not in aside_sources:
                tallies = ingest_source(
                    run,
                    w,
                    source_files,
                    hashes,
                    codebook_of,
                    progress,
                    chunk_rows=tuning.CHUNK_ROWS,
                )
                by_source[name] = [tally.result() for tally in tallies]
        # on the parent's tables only: done while the child's rows are still being copied
        warnings = cross_checks(w.con, labels, sources_read)
        count_undated(w.con, by_source)
        if aside:
            for name in aside_sources:
                by_source[name] = aside.collect(name, w, progress)
        linkage = link_identities(run, w, by_source, sources_read)
        results = [result for name in SOURCE_NAMES for result in by_source.get(name, [])]
        log_inputs(w, project, now, results, codebooks, codebook_of, lookups)
    return IngestReport(
        files=results,
        changed=True,
        removed_files=removed,
        warnings=warnings,
        codebooks=[cb.label for cb in codebooks],
        lookups=[lf.label for table in lookups.values() for lf in table.files],
        linkage=linkage,
    )
