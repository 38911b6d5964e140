"""A scheduler's stop (SIGTERM) cleans up like Ctrl-C: every ``finally`` runs, exit code 143."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from eco_eval.errors import EXIT_CODES

# a command of the real group that holds a temporary folder and waits to be stopped
SCRIPT = """
import sys, tempfile, time
import click
from eco_eval.cli import main

@main.command("wait")
def wait():
    with tempfile.TemporaryDirectory(dir=sys.argv[1]) as held:
        print(held, flush=True)
        time.sleep(60)

main(["wait"], prog_name="eco-eval")
"""


def test_sigterm_runs_the_cleanup_and_exits_143(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    held = Path(proc.stdout.readline().strip())  # the folder exists: the command is waiting
    assert held.is_dir()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert err.strip() == "eco-eval: stopped (SIGTERM)"
    assert not held.exists()  # Python's default for SIGTERM would have left it
    assert 143 in EXIT_CODES


def test_the_handler_is_given_back_after_the_command() -> None:
    from click.testing import CliRunner

    from eco_eval.cli import main

    before = signal.getsignal(signal.SIGTERM)
    assert CliRunner().invoke(main, ["key", "--help"]).exit_code == 0
    assert signal.getsignal(signal.SIGTERM) is before
