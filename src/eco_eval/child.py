"""One function of eco_eval run in a fresh Python process, its arguments and result pickled.

A child is a new interpreter (``python -c`` importing the function and calling :func:`serve`),
not a ``multiprocessing`` process: those re-import the caller's main module, which re-runs a
script that calls eco_eval without an ``if __name__ == "__main__"`` guard. The arguments go
through the child's stdin and the outcome comes back on its stdout; anything the child prints
(a library's banner, a warning) goes to stderr, where it cannot corrupt the result.

Two callers: the barometer's ingest beside the other sources (:mod:`eco_eval.ingest.aside`) and
the release build of a publication (:mod:`eco_eval.publish.release`), which keeps the
statistics' imports out of the process that runs the notebooks.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from eco_eval.errors import EcoEvalError, write_failed

__all__ = ["Child", "serve"]


class Child:
    """``function`` of ``module`` running in a child process with ``args`` and ``kwargs``.

    ``what`` names the work in the errors (« the ingest process of barometer ») and ``again`` the
    way to retry; ``env`` is added to this process's environment (this process's settings win);
    ``setup`` is the dotted name of a function the child calls first (e.g. one that has it killed
    with its parent).
    """

    def __init__(
        self,
        module: str,
        function: str,
        args: tuple[Any, ...],
        *,
        kwargs: Mapping[str, Any] | None = None,
        what: str,
        again: str = "run the command again",
        env: Mapping[str, str] | None = None,
        setup: str | None = None,
    ) -> None:
        self.what, self.again = what, again
        prelude = ""
        if setup is not None:
            setup_module, setup_function = setup.rsplit(".", 1)
            prelude = f"from {setup_module} import {setup_function}; {setup_function}(); "
        code = f"{prelude}from {module} import {function}; from eco_eval.child import serve; serve({function})"
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**(env or {}), **os.environ},
        )
        assert self.process.stdin is not None
        try:
            pickle.dump((tuple(args), dict(kwargs or {})), self.process.stdin)
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # the child died at start: result() says so

    def result(self) -> Any:
        """Wait for the child and return its function's result; re-raise its :class:`EcoEvalError`
        (the same one-line message as in this process), or raise one when it stopped without a
        result, or a RuntimeError with its traceback when it crashed."""
        assert self.process.stdout is not None
        data = self.process.stdout.read()
        self.process.wait()
        if not data:
            raise EcoEvalError(
                f"{self.what} stopped (exit code {self.process.returncode}) without a result; "
                f"{self.again}"
            )
        status, payload = pickle.loads(data)
        if status == "error":
            raise payload
        if status == "crash":
            raise RuntimeError(f"{self.what} failed:\n{payload}")
        return payload

    def stop(self) -> None:
        """Stop the child (when it still runs) and release its pipe."""
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def serve(function: Callable[..., Any]) -> None:
    """The child's side: arguments from stdin, ``(status, payload)`` to stdout, anything else to
    stderr."""
    result = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints (GX, warnings) must not corrupt the pickled result
    sys.stdout = sys.stderr
    outcome: tuple[str, Any]
    try:
        args, kwargs = pickle.load(sys.stdin.buffer)
        outcome = ("ok", function(*args, **kwargs))
    except EcoEvalError as exc:
        outcome = ("error", exc)
    except OSError as exc:  # a read-only folder or a full disk is the user's to fix
        failure = write_failed(exc)
        outcome = ("error", failure) if failure is not None else ("crash", traceback.format_exc())
    except BaseException:
        outcome = ("crash", traceback.format_exc())
    with result:
        pickle.dump(outcome, result)
