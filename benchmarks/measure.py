"""Run one command in a child process; return its wall time and its own peak RSS.

The child is reaped with ``os.wait4``, which gives the resource usage of that one child (its
``ru_maxrss`` is the largest of the child and of the descendants it waited for, such as the Jupyter
kernel or Chromium), so measurements do not leak into each other as
``getrusage(RUSAGE_CHILDREN)``'s running maximum would. Processes that run side by side (the
ingest's barometer child) add up: the largest sampled sum is ``detail["tree_peak_mib"]``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Any


def load_average() -> float:
    return os.getloadavg()[0]


@dataclass
class Measurement:
    name: str
    size: str
    wall_s: float  # whole process, interpreter start-up and imports included
    peak_rss_mib: float
    cpu_s: float  # user + system time of the child and its waited-for descendants
    load_before: float
    load_after: float
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)  # what the task printed (timed section)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rss_mib(pid: int) -> float:
    """Current RSS of ``pid`` and its descendants (from /proc), for the watchdog."""
    total = 0
    try:
        out = subprocess.run(
            ["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        total = sum(int(x) for x in out.split())
    except (OSError, ValueError):
        pass
    return total / 1024


def run(
    name: str,
    size: str,
    cmd: list[str],
    *,
    cwd: str | None = None,
    timeout_s: float = 3600,
    limit_mib: float = 14_000,
) -> Measurement:
    """Run ``cmd``; kill it (and its process group) past ``timeout_s`` or ``limit_mib`` of RSS, so
    that a benchmark never takes the shared machine down with it."""
    load0 = load_average()
    killed = ""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=out, stderr=err, text=True, start_new_session=True
        )
        tree_peak = 0.0  # the child and its children at once (sampled every 0.5 s)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.perf_counter() - t0
            rss = _rss_mib(proc.pid)
            tree_peak = max(tree_peak, rss)
            if not killed and (elapsed > timeout_s or rss > limit_mib):
                killed = (
                    f"stopped by the benchmark watchdog after {elapsed:.0f} s at "
                    f"{rss:.0f} MiB (limits {timeout_s:.0f} s, {limit_mib:.0f} MiB)"
                )
                os.killpg(proc.pid, signal.SIGKILL)
            # short processes (``--help``) are timed to the 10 ms, long ones polled less often
            time.sleep(0.01 if elapsed < 2 else 0.5)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    detail: dict[str, Any] = {}
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            detail = json.loads(line[len("RESULT ") :])
    ok = proc.returncode == 0
    if tree_peak > usage.ru_maxrss / 1024 * 1.05:  # processes running side by side
        detail["tree_peak_mib"] = round(tree_peak)
    if killed:
        stderr = killed + "\n" + stderr[-1000:]
    return Measurement(
        name,
        size,
        wall,
        usage.ru_maxrss / 1024,
        usage.ru_utime + usage.ru_stime,
        load0,
        load_average(),
        ok,
        detail,
        "" if ok else stderr[-3000:],
    )
