"""``eco-eval lab``: JupyterLab on loopback runs explore.ipynb's cells with the eco-eval kernel."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
import uuid

import nbformat
import pytest

from eco_eval.lab import lab_command, redacted
from eco_eval.publish.bilan import repo_notebooks

from .conftest import ECO_EVAL, cli_env, copy_project

TIMEOUT = 120  # the whole test, from start to stop


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(base: str, token: str, path: str, body: dict | None = None) -> object:
    request = urllib.request.Request(
        f"{base}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _execute(ws, code: str, deadline: float) -> dict:
    """Send one execute_request on the kernel's websocket; collect its outputs and reply."""
    msg_id = uuid.uuid4().hex
    ws.send(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "username": "test",
                    "session": uuid.uuid4().hex,
                    "version": "5.3",
                    "date": "",
                },
                "parent_header": {},
                "metadata": {},
                "content": {"code": code, "silent": False, "store_history": False,
                            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
                "channel": "shell",
                "buffers": [],
            }
        )
    )  # fmt: skip
    got: dict = {"outputs": [], "reply": None}
    idle = False  # outputs come on iopub and may arrive after the shell reply: wait for both
    while got["reply"] is None or not idle:
        assert time.monotonic() < deadline, "the kernel did not answer in time"
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if kind in ("execute_result", "stream", "error", "display_data"):
            got["outputs"].append(msg["content"])
        elif kind == "execute_reply":
            got["reply"] = msg["content"]
        elif kind == "status" and msg["content"].get("execution_state") == "idle":
            idle = True
    return got


def test_the_command_line_names_the_project_notebooks_and_kernel(tmp_path):
    root = tmp_path / "city"
    root.mkdir()
    argv, env = lab_command(
        root, port=8899, no_browser=True, extra=["--debug", "--ServerApp.ip=::1"]
    )
    assert f"--ServerApp.root_dir={root / 'notebooks'}" in argv
    assert "--MappingKernelManager.default_kernel_name=eco-eval" in argv
    assert "--ServerApp.open_browser=False" in argv and "--ServerApp.port=8899" in argv
    assert "--ServerApp.ip=127.0.0.1" not in argv, "an option given explicitly wins"
    assert argv[-2:] == ["--debug", "--ServerApp.ip=::1"] and env["ECO_EVAL_PROJECT"] == str(root)
    assert "secret" not in redacted(["--IdentityProvider.token=secret"])
    # a project without notebooks gets the analysts' starting point, not the report notebooks
    assert sorted(p.name for p in (root / "notebooks").iterdir()) == ["explore.ipynb"]


@pytest.mark.slow
def test_lab_serves_the_kernel_and_runs_a_cell_of_explore_against_the_demo_store(
    demo_project, tmp_path
):
    websocket = pytest.importorskip("websocket")
    root = copy_project(demo_project, tmp_path / "city")
    port, token = _free_port(), secrets.token_hex(16)
    env = cli_env(
        tmp_path,
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"),
        JUPYTER_NO_CONFIG="1",
    )
    server = subprocess.Popen(
        [str(ECO_EVAL), "lab", "--project", str(root), "--port", str(port), "--no-browser",
         f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + TIMEOUT
    base = f"http://127.0.0.1:{port}"
    try:
        while True:  # wait for the server
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "JupyterLab did not start"
            try:
                _api(base, token, "/api/status")
                break
            except OSError:
                time.sleep(0.5)
        specs = _api(base, token, "/api/kernelspecs")
        assert isinstance(specs, dict)
        assert specs["default"] == "eco-eval" and "eco-eval" in specs["kernelspecs"]
        session = _api(
            base,
            token,
            "/api/sessions",
            {
                "path": "explore.ipynb",
                "type": "notebook",
                "name": "",
                "kernel": {"name": "eco-eval"},
            },
        )
        assert isinstance(session, dict)
        kernel_id = session["kernel"]["id"]
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels",
            header=[f"Authorization: token {token}"],
            timeout=30,
        )
        try:
            nb = nbformat.read(repo_notebooks() / "explore.ipynb", as_version=4)
            code = [c.source for c in nb.cells if c.cell_type == "code"]
            params, first = code[0], code[1]  # the parameters cell, then "open the store"
            assert "store_path" in params and "open_store(store_path)" in first
            assert _execute(ws, params, deadline)["reply"]["status"] == "ok"
            result = _execute(ws, first, deadline)
            assert result["reply"]["status"] == "ok", result
            shown = " ".join(
                str(o.get("data", {}).get("text/plain", "")) for o in result["outputs"]
            )
            assert "'sessions'" in shown and "'attendance'" in shown
            cwd = _execute(ws, "import os; print(os.getcwd())", deadline)
            printed = "".join(o.get("text", "") for o in cwd["outputs"]).strip()
            assert printed == str(root), "kernels start in the project folder"
        finally:
            ws.close()
    finally:
        with contextlib.suppress(ProcessLookupError):  # our own group: the server, its kernels
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
