"""The bilan always publishes: every section whose data is missing says so in one sentence.

Small demo cities (300 staff) with sources removed, left undeclared, emptied or entirely
quarantined are ingested; the bilan and a lever deep dive are executed cell by cell in this process
(:func:`execute_cells`) and each section that lacks its data must be replaced by the sentence
naming the cause and the fix (``bilan.u_*`` labels) — no cell may raise. One full ``eco-eval run``
checks the published HTML, the deep dives and the open data of such a city.
"""

from __future__ import annotations

import re
import shutil
from html import escape
from pathlib import Path

import pandas as pd
import pytest
import yaml

from eco_eval.bilan import bilan_labels
from eco_eval.report.i18n import Labels

from .conftest import NOTEBOOKS, execute_cells, run_cli

PERIOD = "2017-Q4"
LABELS = Labels("fr").extend(bilan_labels("fr"))
UNAVAILABLE = re.compile(r'<p class="eco-unavailable">(.*?)</p>', re.S)


@pytest.fixture(scope="session")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city's raw files and configuration (300 staff), not ingested."""
    from eco_eval.projects import create_demo_project

    root = tmp_path_factory.mktemp("small") / "city"
    create_demo_project(root, seed=7, n_staff=300)
    return root


def _config(root: Path) -> dict:
    return yaml.safe_load((root / "eco_eval.yaml").read_text(encoding="utf-8"))


def _files(root: Path, source: str) -> list[Path]:
    return sorted((root / "data" / "raw").glob(_config(root)["sources"][source]["pattern"]))


def remove(root: Path, source: str) -> None:
    for f in _files(root, source):
        f.unlink()


def undeclare(root: Path, source: str) -> None:
    remove(root, source)
    cfg = _config(root)
    del cfg["sources"][source]
    (root / "eco_eval.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")


def empty(root: Path, source: str) -> None:
    """Keep the header row only (CSV) or the header row of every sheet (workbook)."""
    for f in _files(root, source):
        if f.suffix == ".csv":
            f.write_bytes(f.read_bytes().split(b"\n", 1)[0] + b"\n")
        else:
            import openpyxl

            book = openpyxl.load_workbook(f)
            for sheet in book.worksheets:
                sheet.delete_rows(2, sheet.max_row)
            book.save(f)


def unreadable_dates(root: Path, source: str, field: str, value: str) -> int:
    """Write ``value`` in ``field``'s column of every row (each row is then quarantined);
    returns the number of rows."""
    column = _config(root)["sources"][source]["columns"][field]
    n = 0
    for f in _files(root, source):
        frame = pd.read_csv(f, sep=";", dtype=str, encoding="cp1252", keep_default_na=False)
        frame[column] = value
        frame.to_csv(f, sep=";", index=False, encoding="cp1252")
        n += len(frame)
    return n


def unmap(root: Path, source: str, field: str) -> None:
    cfg = _config(root)
    del cfg["sources"][source]["columns"][field]
    cfg["sources"][source].get("values", {}).pop(field, None)
    (root / "eco_eval.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")


def variant(small_city: Path, dst: Path, *changes) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the small city with ``changes`` applied to its raw files and configuration,
    then ingested."""
    from eco_eval.pipeline import run_ingest

    shutil.copytree(small_city, dst)
    for change, *args in changes:
        change(dst, *args)
    run_ingest(dst)
    return dst


def _release(root: Path, period: str) -> str:
    """The folder of the period's release, built as a run builds it."""
    from eco_eval.config import load_project
    from eco_eval.pipeline import resolve_period
    from eco_eval.publish.release import PeriodRelease

    project = load_project(root)
    p = resolve_period(project, period)
    return str(PeriodRelease(project, p, p.label).get())


def bilan_sections(root: Path, period: str = PERIOD) -> list[str]:
    """What each cell of the bilan shows, executed in this process."""
    params = {"release": _release(root, period), "lang": "fr", "lever_pages": ""}
    return execute_cells(NOTEBOOKS / "bilan.ipynb", params)


def lever_sections(root: Path, lever: str, period: str = PERIOD) -> list[str]:
    params = {"release": _release(root, period), "lang": "fr", "lever": lever}
    return execute_cells(NOTEBOOKS / "lever.ipynb", params)


def sentences(shown: list[str]) -> list[str]:
    """The sentences that replace sections, unescaped back to text."""
    import html

    return [html.unescape(m) for cell in shown for m in UNAVAILABLE.findall(cell)]


def source_name(source: str) -> str:
    return LABELS[f"bilan.source_{source}"]


def cause(key: str, **values: object) -> str:
    return LABELS.format(f"bilan.{key}", **values)


# --------------------------------------------------------------------------- in-process
@pytest.fixture(scope="module")
def missing(small_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Feedback, barometer and ideas files removed; HR results and citizen satisfaction not
    declared; the sign-in sheets' category column not mapped."""
    return variant(
        small_city,
        tmp_path_factory.mktemp("missing") / "city",
        (remove, "feedback"),
        (remove, "barometer"),
        (remove, "ideas"),
        (undeclare, "hr_results"),
        (undeclare, "citizen_satisfaction"),
        (unmap, "attendance", "category"),
    )


def test_removed_and_undeclared_sources_each_give_their_sentence(missing: Path):
    shown = bilan_sections(missing)
    said = sentences(shown)
    pattern = _config(missing)["sources"]
    # removed: the pattern that matched nothing, and where to put the export
    for source in ("feedback", "barometer", "ideas"):
        expected = cause(
            "u_no_file",
            source=source_name(source),
            pattern=pattern[source]["pattern"],
            raw="data/raw",
        )
        assert any(s.startswith(expected + " ; ") for s in said), (source, said)
    # not declared: the source named, and its place in eco_eval.yaml
    expected = cause("u_not_configured", source=source_name("hr_results"), name="hr_results")
    assert any(s.startswith(expected) for s in said), said
    # a breakdown absent from the sign-in sheets: reach by category says so
    category = cause(
        "u_no_breakdown",
        dimension=LABELS["dimension.category"],
        where=LABELS["bilan.u_where_attendance"],
    )
    # said once, at the head of the reach section (the heat map and the tables show the others)
    assert sum(s.startswith(category) for s in said) == 1
    # the sections with their data are still there
    html = "".join(shown)
    assert "eco-key-figures" in html and "eco-levers" in html and "eco-first-page" in html
    assert 'href="leviers/bien_etre.html"' in html or ">Le bien-être<" in html
    # the summary names what its figures lack
    summary = next(cell for cell in shown if 'class="eco-summary"' in cell)
    assert escape(source_name("feedback")) in summary
    # every sentence has a cause and a fix, and no Python error text
    assert all(" ; " in s and s.endswith(".") for s in said)
    assert "Traceback" not in html and "Error" not in html


@pytest.fixture(scope="module")
def emptied(small_city: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Headcount with every date unreadable; feedback, barometer, ideas, HR results and citizen
    satisfaction with a header row and no data."""
    root = tmp_path_factory.mktemp("emptied") / "city"
    shutil.copytree(small_city, root)
    n = unreadable_dates(root, "headcount", "as_of", "date inconnue")
    for source in ("feedback", "barometer", "ideas", "hr_results", "citizen_satisfaction"):
        empty(root, source)
    from eco_eval.pipeline import run_ingest

    run_ingest(root)
    return {"root": root, "headcount_rows": n}


def test_quarantined_and_empty_sources_each_give_their_sentence(emptied: dict):
    shown = bilan_sections(emptied["root"])
    said = sentences(shown)
    quarantined = [
        s
        for s in said
        if s.startswith(
            cause("u_quarantined", source=source_name("headcount"), n="", reason="")[:30]
        )
    ]
    assert quarantined, said
    # the count of quarantined rows and an example of the unreadable value
    n = LABELS  # noqa: F841 - keep the labels object in the failure report
    from eco_eval.report.fmt import fmt_number

    assert fmt_number(emptied["headcount_rows"], "fr", digits=0) in quarantined[0]
    assert "« date inconnue »" in quarantined[0]
    assert "sources.headcount" in quarantined[0]
    # header-only files: "no row", naming the source's sheet / header settings
    for source in ("feedback", "barometer"):
        start = cause("u_no_rows", source=source_name(source), files="1").split("(")[0]
        assert any(s.startswith(start) for s in said), (source, said)
    assert "Traceback" not in "".join(shown)


@pytest.fixture(scope="module")
def no_sessions(small_city: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No session log and no headcount: every sign-in is then quarantined (unknown session)."""
    return variant(
        small_city,
        tmp_path_factory.mktemp("nosessions") / "city",
        (remove, "sessions"),
        (remove, "headcount"),
    )


def test_without_sessions_the_activity_sections_say_why(no_sessions: Path):
    shown = bilan_sections(no_sessions)
    said = sentences(shown)
    no_log = cause(
        "u_no_file",
        source=source_name("sessions"),
        pattern=_config(no_sessions)["sources"]["sessions"]["pattern"],
        raw="data/raw",
    )
    # summary, key figures, wheel, trend, cards, cost
    assert sum(s.startswith(no_log) for s in said) >= 6, said
    # reach: the sign-in sheets are all quarantined, as unknown sessions
    reason = LABELS["bilan.reason_known_session"]
    assert any(
        s.startswith(cause("u_quarantined", source=source_name("attendance"), n="", reason="")[:30])
        and reason in s
        for s in said
    ), said
    # the lever deep dive degrades the same way
    deep = sentences(lever_sections(no_sessions, "bien_etre"))
    assert any(s.startswith(no_log) for s in deep), deep


def test_a_period_before_the_first_barometer_wave_and_without_comparisons(
    small_city: Path, tmp_path_factory: pytest.TempPathFactory
):
    """2015-Q3, the first quarter after launch: no year before, no barometer wave yet."""
    root = variant(small_city, tmp_path_factory.mktemp("q3") / "city")
    shown = bilan_sections(root, "2015-Q3")
    html = "".join(shown)
    assert escape(LABELS["bilan.no_comparison"]) in html  # the cover
    assert (
        escape(
            cause(
                "no_comparison_col", column=LABELS["bilan.col_year_before"], launch="1er juin 2015"
            )
        )
        in html
    )
    said = sentences(shown)
    start = cause("u_no_wave_yet", period="3ᵉ trimestre 2015", span="").split("(")[0]
    baro = [s for s in said if s.startswith(start)]
    assert len(baro) >= 5 and all("2015" in s for s in baro), said  # names the waves available


# --------------------------------------------------------------------------- a whole run
@pytest.mark.slow
def test_run_publishes_a_city_whose_sources_are_missing(emptied: dict, tmp_path: Path):
    """``eco-eval run`` exits 0 for a city with headcount quarantined and five sources empty:
    the bilan, the deep dives and the open data are published, each missing section replaced by
    its sentence, and no Python error in any page."""
    root = emptied["root"]
    result = run_cli(["run", "--project", str(root), "--period", PERIOD, "--no-pdf"], tmp_path)
    assert result.returncode == 0, result.stderr
    folder = root / "reports" / PERIOD
    html = (folder / "bilan.html").read_text(encoding="utf-8")
    said = [s for s in sentences([html])]
    assert any(source_name("headcount") in s and "sources.headcount" in s for s in said), said
    assert any(source_name("barometer") in s for s in said), said
    deep_dives = sorted((folder / "leviers").glob("*.html"))
    assert deep_dives, sorted(p.name for p in folder.iterdir())
    for page in [folder / "bilan.html", *deep_dives]:
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text and "ReportFailed" not in text, page.name
    assert any(folder.rglob("*.csv")), "open data"


def test_show_displays_a_replaced_section_as_html():
    from unittest import mock

    from eco_eval.bilan.unavailable import Unavailable
    from eco_eval.report.figures import show

    shown = []
    with mock.patch("IPython.display.display", lambda v, raw=False: shown.append(v)):
        show(Unavailable('<p class="eco-unavailable">Aucune donnée ; corrigez.</p>'))
    assert shown == [{"text/html": '<p class="eco-unavailable">Aucune donnée ; corrigez.</p>'}]
