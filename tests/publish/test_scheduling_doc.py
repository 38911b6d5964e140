"""docs/scheduling.md: its cron line and systemd service run as written (paths replaced)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import KEY, copy_project

DOC = Path(__file__).resolve().parents[2] / "docs" / "scheduling.md"
PROJECT = "/srv/eco-eval/ville"
VENV = "/opt/eco-eval/.venv"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def cron_commands() -> list[str]:
    """The commands of the crontab lines (five time fields, then the command)."""
    (block,) = blocks("cron")
    lines = [
        line
        for line in block.splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"^[A-Z_]+=", line)
    ]
    out = []
    for line in lines:
        fields = line.split(maxsplit=5)
        assert len(fields) == 6 and all(re.fullmatch(r"[\d*,/-]+", f) for f in fields[:5]), line
        out.append(fields[5])
    return out


def unit(block: str) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for line in block.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            entries.setdefault(key.strip(), []).append(value.strip())
    return entries


def service_and_timer() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    units = [unit(b) for b in blocks("ini")]
    service = next(u for u in units if "ExecStart" in u)
    timer = next(u for u in units if "OnCalendar" in u)
    return service, timer


def replace_paths(text: str, paths: dict[str, Path]) -> str:
    for old, new in sorted(paths.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(old, str(new))
    return text


@pytest.fixture
def machine(demo_run: dict, tmp_path: Path) -> Iterator[dict[str, Path]]:
    """The doc's paths on this machine: a copy of the demo project, this venv, secret files.

    The project is the demo after its 2017-Q4 run, that period's published folder removed: the
    scheduled run publishes it again, reading the release the first run saved.

    The home and runtime folders are short, as the doc's are: Jupyter's kernels use Unix sockets
    only when the runtime path is short (else TCP, and a warning that --quiet would not hide).
    """
    secrets = tmp_path / "etc"
    secrets.mkdir()
    (secrets / "pseudonymisation.key").write_text(KEY + "\n", encoding="utf-8")
    (secrets / "eco-eval.env").write_text(f"ECO_EVAL_KEY={KEY}\n", encoding="utf-8")
    project = copy_project(demo_run["root"], tmp_path / "ville")
    shutil.rmtree(project / "reports" / "2017-Q4")
    short = Path(tempfile.mkdtemp(prefix="ee-", dir="/tmp"))
    (short / "home").mkdir()
    (short / "run").mkdir()
    try:
        yield {
            PROJECT: project,
            VENV: Path(sys.executable).parents[1],
            "/etc/eco-eval": secrets,
            "/var/lib/eco-eval": short / "home",
            "/run/eco-eval": short / "run",
        }
    finally:
        shutil.rmtree(short, ignore_errors=True)


def test_the_doc_has_one_cron_line_and_a_service_with_its_timer():
    (command,) = cron_commands()
    assert f"cd {PROJECT} &&" in command and "ECO_EVAL_KEY=" in command
    assert "eco-eval run" in command and "--quiet" in command
    service, timer = service_and_timer()
    assert service["Type"] == ["oneshot"] and service["WorkingDirectory"] == [PROJECT]
    assert service["EnvironmentFile"] and "--quiet" in service["ExecStart"][0]
    assert timer["Unit"] == ["eco-eval.service"] and timer["Persistent"] == ["true"]
    assert timer["OnCalendar"] == ["Mon *-*-* 06:30:00"]


@pytest.mark.slow
def test_the_cron_line_then_the_systemd_service_run_as_written(machine):
    project = machine[PROJECT]
    base_env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(machine["/var/lib/eco-eval"]),
        "LANG": "C.UTF-8",
    }
    # cron: /bin/sh -c "<command>" with cron's bare environment
    (command,) = cron_commands()
    cron = subprocess.run(
        ["/bin/sh", "-c", replace_paths(command, machine)],
        env=base_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert cron.returncode == 0, cron.stderr
    assert cron.stdout == "" and cron.stderr == "", "--quiet prints nothing on success"
    period = project / "reports" / "2017-Q4"
    assert (period / "bilan.pdf").is_file() and (period / "leviers" / "reve.html").is_file()
    assert (period / "open-data" / "datapackage.json").is_file()
    # systemd: ExecStart in WorkingDirectory, with EnvironmentFile and Environment=
    service, _ = service_and_timer()
    env = dict(base_env)
    for line in (
        Path(replace_paths(service["EnvironmentFile"][0], machine)).read_text().splitlines()
    ):
        key, value = line.split("=", 1)
        env[key] = value
    for assignment in service.get("Environment", []):
        key, value = replace_paths(assignment, machine).split("=", 1)
        env[key] = value
    before = {p: p.stat().st_mtime_ns for p in period.rglob("*")}
    unit_run = subprocess.run(
        shlex.split(replace_paths(service["ExecStart"][0], machine)),
        cwd=replace_paths(service["WorkingDirectory"][0], machine),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert unit_run.returncode == 0, unit_run.stderr
    assert unit_run.stdout == "" and unit_run.stderr == ""
    assert {p: p.stat().st_mtime_ns for p in period.rglob("*")} == before, "nothing new"
    last = json.loads((project / "reports" / "logs" / "last-run.json").read_text("utf-8"))
    assert last["ok"] and last["period"] == "2017-Q4" and not last["published"]
