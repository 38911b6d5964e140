"""The lever deep dives: one shared kernel reading one release, the same pages as separate runs,
failures kept."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import nbformat
import pytest

from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ReportFailed
from eco_eval.publish import levers
from eco_eval.publish.staging import PeriodStage
from eco_eval.report.kernels import default_kernel

PARAMETERS = {
    "period": "2017-Q4",
    "compare_to": "2017-Q3",
    "lang": "fr",
    "k": 5,
    "project_dir": ".",
    "store_path": "data/processed/eco_eval.duckdb",
    "organisation": "Ville d'Exemple",
}
#: What lever.ipynb takes: the lever, the release's folder, the language.
NOTEBOOK_PARAMETERS = {"lever": "x", "release": "data/processed/releases/2017-Q4", "lang": "fr"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: the page's generation date (two runs on either side of midnight print different days)
GENERATED = re.compile(r"(?:Généré le|Generated on) [^<—]+—")


def _template(tmp_path: Path, failing: str | None = None) -> Path:
    """A lever notebook standing in for lever.ipynb: it takes the same parameters."""
    params = "\n".join(f"{k} = {v!r}" for k, v in NOTEBOOK_PARAMETERS.items())
    cells = [
        nbformat.v4.new_markdown_cell("# Levier"),
        nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import os\nprint(lever, os.getcwd())"),
    ]
    if failing:
        cells.append(nbformat.v4.new_code_cell(f"assert lever != {failing!r}, 'no dream'"))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "eco-eval",
        "display_name": "eco_eval",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    path = tmp_path / "lever.ipynb"
    nbformat.write(nb, path)
    return path


def _build(stage: PeriodStage, template: Path, cwd: Path, **kwargs):
    return levers.build_levers(
        stage,
        template=template,
        ecosystem=load_ecosystem(),
        parameters=PARAMETERS,
        release=lambda: cwd / "release",
        basis={"package_version": "test", "inputs_sha256": {}},
        kernel_name=default_kernel(),
        cwd=cwd,
        timeout=60,
        **kwargs,
    )


def test_twelve_notebooks_in_one_kernel_an_index_and_a_stamp(tmp_path):
    template = _template(tmp_path)
    reports, notebooks = tmp_path / "reports", tmp_path / "processed" / "notebooks"
    with PeriodStage(reports, "2017-Q4", notebooks_dir=notebooks) as stage:
        result = _build(stage, template, tmp_path)
        stage.publish()
    folder = reports / "2017-Q4" / "leviers"
    eco = load_ecosystem()
    assert result.rebuilt and result.levers == eco.lever_ids and len(result.timings) == 12
    assert not list(folder.glob("*.ipynb")), "the executed notebooks are not published"
    for lever in eco.lever_ids:
        executed = nbformat.read(
            notebooks / "2017-Q4" / "leviers" / f"{lever}.executed.ipynb", as_version=4
        )
        assert executed.metadata.papermill.parameters["lever"] == lever
        outputs = executed.cells[3].outputs
        out = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
        assert out.split() == [lever, str(tmp_path)], "the kernel runs in the project folder"
        page = (folder / f"{lever}.html").read_text(encoding="utf-8")
        assert f"<title>Levier\u202f: {eco.lever(lever).name('fr')} — 4ᵉ trimestre 2017" in page
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert index.count('.html">') == 12 + 2 and 'href="../bilan.html"' in index
    assert "« point silence »" in index
    stamp = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    assert stamp["levers"] == list(eco.lever_ids) and stamp["build_key"]
    # the same inputs again: nothing is executed
    with PeriodStage(reports, "2017-Q4") as stage:
        again = _build(stage, template, tmp_path)
        assert not again.rebuilt and stage.publish() is False


def test_a_failing_deep_dive_names_the_lever_and_the_cell_and_keeps_the_notebook(tmp_path):
    template = _template(tmp_path, failing="reve")
    reports = tmp_path / "reports"
    with pytest.raises(ReportFailed) as info, PeriodStage(reports, "2017-Q4") as stage:
        _build(stage, template, tmp_path)
    message = str(info.value)
    assert "lever reve" in message and "cell 4" in message and "no dream" in message
    kept = reports / "2017-Q4.failed" / "leviers" / "reve.executed.failed.ipynb"
    assert kept.is_file() and str(kept) in message
    assert not (reports / "2017-Q4").exists(), "nothing published"


def test_a_cancelled_run_stops_before_the_next_notebook(tmp_path):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(levers.Cancelled), PeriodStage(tmp_path / "reports", "2017-Q4") as stage:
        _build(stage, _template(tmp_path), tmp_path, cancel=cancel)


def test_the_index_escapes_what_it_shows():
    eco = load_ecosystem()
    html = levers.render_levers_index(eco, {**PARAMETERS, "period": "<b>2017-Q4</b>"})
    assert "<b>" not in html and "&lt;b&gt;" in html


# --------------------------------------------------------------------------- the demo city
def _outputs(path: Path) -> dict[str, list[str]]:
    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and "injected-parameters" not in cell.metadata.get("tags", []):
            texts = [
                GENERATED.sub(
                    "Généré le <date> —",
                    UUID.sub("<id>", str(o.get("data", {}).get("text/html", o.get("text", "")))),
                )
                for o in cell.get("outputs", [])
            ]
            out[cell.id] = texts
    return out


@pytest.mark.slow
def test_the_demo_citys_deep_dives_match_a_separate_run(demo_run, tmp_path):
    """Sharing one kernel changes nothing: the page of a lever equals what a kernel of its own
    gives (runner.execute_notebook, as for the bilan), from the same release."""
    from eco_eval.config import load_project
    from eco_eval.publish.bilan import notebook_path
    from eco_eval.report.runner import execute_notebook

    root: Path = demo_run["root"]
    folder = root / "reports" / "2017-Q4" / "leviers"
    eco = load_project(root).ecosystem()
    assert sorted(p.stem for p in folder.glob("*.html")) == sorted([*eco.lever_ids, "index"])
    for page in folder.glob("*.html"):
        assert not re.search(r"<script[^>]+src=\"?https?:", page.read_text(encoding="utf-8"))
    shared = (
        root / "data" / "processed" / "notebooks" / "2017-Q4" / "leviers" / "reve.executed.ipynb"
    )
    assert not list(folder.glob("*.ipynb")), "kept beside the store, not published"
    params = dict(nbformat.read(shared, as_version=4).metadata.papermill.parameters)
    alone = execute_notebook(
        notebook_path(load_project(root), "lever.ipynb"),
        tmp_path / "reve.ipynb",
        params,
        cwd=root,
    )
    assert _outputs(alone) == _outputs(shared)
    step = next(s for s in demo_run["summary"]["steps"] if s["step"] == "leviers")
    assert step["rebuilt"] and step["count"] == 12
