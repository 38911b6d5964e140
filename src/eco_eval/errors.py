"""Exception hierarchy and the CLI's exit codes.

Every error eco_eval raises on purpose derives from :class:`EcoEvalError`. Its message is one line
that names the file, the place (line, column, parameter) and the fix, so that the CLI can print it
as it is, without a traceback.
"""

from __future__ import annotations

import difflib
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
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean "x"?)' for the closest choice, or '' when none is close."""
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f' (did you mean "{match[0]}"?)' if match else ""
