"""Ingestion: raw files -> canonical tables, through the gate, into the store in one transaction.

Every row read is either accepted or quarantined with its reasons (rows read = accepted +
quarantined, per file); raw files are only read; identifiers are pseudonymised before anything is
written. A file that cannot be read as a whole stops the ingest with one line and leaves the store
as it was. Running it again with no new or changed raw file writes nothing.

One job per module:

- :mod:`~eco_eval.ingest.run`: :func:`ingest`, one ingest from the files to the ingest log;
- :mod:`~eco_eval.ingest.files`: the raw files of each source, their codebooks and checksums;
- :mod:`~eco_eval.ingest.reading`: one file read whole, then its slices;
- :mod:`~eco_eval.ingest.mapping`, :mod:`~eco_eval.ingest.derive`: columns to canonical fields,
  then to the stored columns of each table (with :mod:`~eco_eval.ingest.codebook`,
  :mod:`~eco_eval.ingest.lookup_tables`, :mod:`~eco_eval.ingest.waves`);
- :mod:`~eco_eval.ingest.gate`, :mod:`~eco_eval.ingest.validation`,
  :mod:`~eco_eval.ingest.duplicates`: accepted or quarantined, and why;
- :mod:`~eco_eval.ingest.writing`, :mod:`~eco_eval.ingest.checks`: into the store, then the
  checks across tables (:mod:`~eco_eval.ingest.identity`: the identity map);
- :mod:`~eco_eval.ingest.aside`: the barometer ingested in a child process;
- :mod:`~eco_eval.ingest.state`, :mod:`~eco_eval.ingest.outcome`: what a run holds and reports;
- :mod:`~eco_eval.ingest.tuning`: the speed settings for large inputs;
- :mod:`~eco_eval.ingest.quality`: the warnings about sources quarantined heavily.
"""

from eco_eval.digest import sha256_file
from eco_eval.ingest.derive import quarter_labels
from eco_eval.ingest.files import discover, discover_codebooks
from eco_eval.ingest.outcome import FileResult, IngestReport
from eco_eval.ingest.run import ingest
from eco_eval.ingest.state import MISSION_LETTER
from eco_eval.schema import SOURCE_NAMES

#: the sources in the order they are ingested (:data:`eco_eval.schema.SOURCE_NAMES`)
ORDER = SOURCE_NAMES

__all__ = [
    "MISSION_LETTER",
    "ORDER",
    "FileResult",
    "IngestReport",
    "discover",
    "discover_codebooks",
    "ingest",
    "quarter_labels",
    "sha256_file",
]
