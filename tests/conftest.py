"""Shared fixtures. Every test works in tmp_path; the pseudonymisation key comes from the
environment so no test touches the user's key file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import settings

from eco_eval.report.kernel_environment import SINGLE_THREAD_MATH
from session_folder import session_folder

# the two test workers, like a run's two kernels, would each start one BLAS thread per core and
# spin against each other; set before any test module imports numpy
for _name, _value in SINGLE_THREAD_MATH.items():
    os.environ.setdefault(_name, _value)

# property tests draw the same examples on every machine: a failure seen once is seen again
# (HYPOTHESIS_PROFILE=explore draws new ones)
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "samples"


#: the session fixtures one worker builds while the other waits for them
SHARED_DEMO = frozenset({"demo_ingested", "demo_project", "demo_run"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules with a slow test first, each module's tests together and in their order: the two
    workers, which take work from the end of each other's queue, then finish on short tests
    rather than one of them on a run of a minute started last. Among the slow modules and among
    the others, those without the shared demo come first, so that the worker building it is
    not waited for by the other, which has work of its own."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)

    def rank(tests: list[pytest.Item]) -> tuple[bool, bool]:
        slow = any(t.get_closest_marker("slow") for t in tests)
        demo = any(SHARED_DEMO.intersection(getattr(t, "fixturenames", ())) for t in tests)
        return (not slow, demo)

    ordered = sorted(modules.values(), key=rank)
    items[:] = [item for tests in ordered for item in tests]


@pytest.fixture(autouse=True)
def _test_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECO_EVAL_KEY", "test-key-0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def chromium() -> str:
    import shutil

    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed: run 'make system-deps' (apt-get install chromium)")
    return path


@pytest.fixture(scope="module")
def browser(chromium: str):
    """One headless Chromium per test module, its pages opened one after the other in one tab
    (:class:`browser.Chromium`). Not one per session: Playwright's synchronous API keeps an
    event loop running in the thread while it is started, and ``asyncio.run`` in a later
    module's test would refuse to start."""
    from browser import Chromium

    opened = Chromium(chromium)
    yield opened
    opened.close()


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build) -> object:
    """``build(folder)`` run once for the whole test session, whichever worker asks first.

    The pytest-xdist workers share the parent of their temporary folders: the first to ask
    builds under a file lock, the others wait and read the same result (the pattern of
    pytest-xdist's documentation). ``build`` returns a JSON-able value kept beside the folder.
    """
    shared = session_folder(tmp_path_factory)
    folder = shared / f"shared-{name}"
    done = shared / f"shared-{name}.json"
    with FileLock(str(shared / f"shared-{name}.lock")):
        if not done.exists():
            mp = pytest.MonkeyPatch()
            mp.setenv("ECO_EVAL_KEY", "test-key-0123456789abcdef0123456789abcdef")
            try:
                value = build(folder)
            finally:
                mp.undo()
            done.write_text(json.dumps(value, default=str), encoding="utf-8")
    return json.loads(done.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_ingested(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo city (seed 42) generated and ingested once for the whole session, shared by
    both test workers and never modified: ``root``, and ``ingest_seconds``, the in-process
    ingest's wall time (what the crash tests time their kills on)."""
    import time

    from eco_eval.pipeline import run_ingest
    from eco_eval.projects import create_demo_project

    def build(folder: Path) -> dict:
        root = folder / "city"
        create_demo_project(root, seed=42)
        t0 = time.perf_counter()
        run_ingest(root)
        return {"root": str(root), "ingest_seconds": time.perf_counter() - t0}

    built = _built_once(tmp_path_factory, "demo_ingested", build)
    assert isinstance(built, dict)
    return {"root": Path(built["root"]), "ingest_seconds": float(built["ingest_seconds"])}


@pytest.fixture(scope="session")
def demo_project(demo_ingested: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This test worker's copy of the ingested demo city; tests must not modify it (the export
    tests add their cells to its publication ledger, hence one per worker)."""
    import shutil

    root = tmp_path_factory.mktemp("demo") / "city"
    shutil.copytree(demo_ingested["root"], root, symlinks=True)
    return root


@pytest.fixture(scope="session")
def demo_run(demo_ingested: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the ingested demo city after one full ``run`` for 2017-Q4 (bilan HTML + PDF,
    index), built once for the whole session and read by both test workers: tests must not
    modify it (they work on copies)."""
    import shutil

    from eco_eval.pipeline import run_all

    def build(folder: Path) -> dict:
        root = folder / "city"
        shutil.copytree(demo_ingested["root"], root, symlinks=True)
        return {"root": str(root), "summary": run_all(root, "2017-Q4", pdf=True)}

    built = _built_once(tmp_path_factory, "demo_run", build)
    assert isinstance(built, dict)
    return {"root": Path(built["root"]), "summary": built["summary"]}
