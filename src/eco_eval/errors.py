"""Exception hierarchy and the CLI's exit codes.

Every error eco_eval raises on purpose derives from :class:`EcoEvalError`. Its message is one line
that names the file, the place (line, column, parameter) and the fix, so that the CLI can print it
as it is, without a traceback.
"""

from __future__ import annotations

import difflib
import errno
import os
from collections.abc import Iterable
from pathlib import Path


class EcoEvalError(Exception):
    """Base class; ``exit_code`` is what the CLI returns for it."""

    exit_code = 1


class ConfigError(EcoEvalError):
    """The project configuration or a parameter is wrong."""

    exit_code = 2


class InputFileError(EcoEvalError):
    """A raw file cannot be read as a whole (unreadable, wrong format, required column missing)."""

    exit_code = 3


def input_error(path: str | Path, place: str, problem: str, fix: str) -> InputFileError:
    """The one-line message every reader uses: ``file: place: problem; fix``."""
    where = f"{path}: {place}: " if place else f"{path}: "
    return InputFileError(f"{where}{problem}; {fix}".replace("\n", " "))


class ValidationFailed(EcoEvalError):
    """A table failed a table-level expectation; the store was left as it was."""

    exit_code = 4


class StoreError(EcoEvalError):
    """The processed store is missing, locked or inconsistent."""

    exit_code = 5


class ReportFailed(EcoEvalError):
    """Executing or converting a report notebook failed; the previous report is kept."""

    exit_code = 6


class LockHeld(EcoEvalError):
    """Another eco_eval run holds the project lock."""

    exit_code = 7


class SecretMissing(EcoEvalError):
    """The pseudonymisation key is missing or unusable."""

    exit_code = 8


class SourceQuarantined(EcoEvalError):
    """A source the bilan needs (headcount, sessions, attendance) had rows, none accepted; the
    store was written all the same, so that the data-quality page shows why."""

    exit_code = 9


class WriteFailed(EcoEvalError):
    """A folder eco_eval writes to (``data/processed``, ``reports``) is read-only, not
    writable by this user, or on a full disk; what was published before is kept."""

    exit_code = 10


#: the errors of a write that the user, not the code, must fix
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, errno.EDQUOT}


def write_failed(exc: OSError, folder: str | os.PathLike[str] | None = None) -> WriteFailed | None:
    """The one-line :class:`WriteFailed` for ``exc``, raised while writing into ``folder``
    (default: the folder of the file ``exc`` names), or None when ``exc`` is not a read-only,
    permission or full-disk error."""
    if exc.errno not in _READ_ONLY | _FULL:
        return None
    where = folder if folder is not None else Path(exc.filename).parent if exc.filename else None
    place = f"{where}" if where is not None else "a folder of the project"
    if exc.errno in _FULL:
        return WriteFailed(
            f"{place}: the disk is full (or the quota reached); free some space there, or move "
            "the project to a larger disk, then run the command again (what was published "
            "before is kept)"
        )
    return WriteFailed(
        f"{place}: cannot write there ({os.strerror(exc.errno or errno.EACCES).lower()}); make "
        "the folder writable by this user (chmod u+w, or ask its owner), or move the project "
        "to a writable folder, then run the command again (what was published before is kept)"
    )


EXIT_CODES = {
    0: "success",
    1: "unexpected error (a bug: please report it with the log)",
    2: "configuration or parameter error",
    3: "input file unreadable or missing a required column",
    4: "validation failed at table level (store unchanged)",
    5: "store missing, locked or inconsistent",
    6: "report generation failed (previous report kept)",
    7: "another run holds the lock",
    8: "pseudonymisation key missing",
    9: "a source the bilan needs was entirely quarantined (store written: see the data-quality page)",
    10: "a folder of the project cannot be written (read-only, permissions, full disk)",
    130: "interrupted (Ctrl-C): what was half-written is removed, the published files are kept",
    143: "stopped (SIGTERM, a scheduler's stop or timeout): as for an interruption",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean "x"?)' for the closest choice, or '' when none is close."""
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f' (did you mean "{match[0]}"?)' if match else ""
