"""eco_eval.doctor and 'eco-eval doctor': what the data supports, on the demo city and on copies
of it with a source missing, unreadable headcount dates, no breakdowns, no barometer linkage."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from eco_eval.cli import main
from eco_eval.config import load_project
from eco_eval.doctor import STATUSES, diagnose
from eco_eval.doctor.requirements import load_requirements
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.pipeline import run_ingest
from eco_eval.store import open_store


def _copy(demo_project: Path, dest: Path, *, store: bool) -> Path:
    """The demo project without its reports (and without its store unless ``store``)."""
    ignore = shutil.ignore_patterns("reports", *(() if store else ("processed",)))
    shutil.copytree(demo_project, dest, ignore=ignore)
    return dest


def _edit_config(root: Path, edit) -> None:
    path = root / "eco_eval.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _diagnose(root: Path, *, store: bool = True):
    project = load_project(root)
    return diagnose(project, open_store(project.store_path) if store else None)


def _causes(section) -> str:
    return " | ".join(c.cause for c in section.problems)


def test_requirements_name_known_tables_fields_and_sections():
    from eco_eval.ingest.mapping import load_schema

    schema = load_schema()
    specs = load_requirements()
    assert len({s.id for s in specs}) == len(specs)
    for spec in specs:
        for check in (*spec.required, *spec.optional):
            if check.kind == "rows":
                assert check.value in schema, (spec.id, check)
            if check.kind == "fields":
                assert set(check.value) <= set(schema[check.table]["fields"]), (spec.id, check)
            assert check.why, (spec.id, check)


def test_demo_store_supports_every_section_and_indicator(demo_project):
    result = _diagnose(demo_project)
    assert result.ingested and not result.blockers and not result.advice
    bad = {s.id: _causes(s) for s in result.sections if s.status != "supported"}
    assert bad == {}
    assert {i.id for i in result.indicators} == set(load_catalogue().ids)
    assert all(i.ok for i in result.indicators)
    assert [s.id for s in result.sections] == [s.id for s in load_requirements()]


@pytest.fixture(scope="module")
def broken_city(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city ingested again with: unreadable headcount dates (every row quarantined), no
    ideas source, attendance without gender, a barometer without its person key."""
    root = _copy(demo_project, tmp_path_factory.mktemp("doctor") / "city", store=False)
    hc = root / "data" / "raw" / "rh" / "effectifs_trimestriels.csv"
    text = hc.read_text(encoding="cp1252")
    hc.write_text(re.sub(r"\d\d/\d\d/\d{4}", "bientôt", text), encoding="cp1252")

    def edit(doc):
        del doc["sources"]["ideas"]
        del doc["sources"]["attendance"]["columns"]["gender"]
        del doc["sources"]["barometer"]["columns"]["matricule"]
        doc["sources"]["barometer"]["identifiers"] = []
        doc["sources"]["barometer"]["ignore"] = ["MATRICULE"]  # declared: not read, not stored

    _edit_config(root, edit)
    mp = pytest.MonkeyPatch()
    mp.setenv("ECO_EVAL_KEY", "test-key-0123456789abcdef0123456789abcdef")
    try:
        run_ingest(root)
    finally:
        mp.undo()
    return root


def test_broken_city_names_the_unsupported_sections_and_their_causes(broken_city):
    result = _diagnose(broken_city)
    status = {s.id: s.status for s in result.sections}
    n_rows = sum(1 for _ in (broken_city / "data/raw/rh/effectifs_trimestriels.csv").open("rb")) - 1

    reach = result.section("reach")
    assert reach.status == "unsupported"
    assert f"0 accepted headcount rows: {n_rows:,} quarantined" in _causes(reach)
    assert "parse:as_of" in _causes(reach)
    assert any("sources.headcount.columns.as_of" in c.fix for c in reach.problems)
    assert "attendance has no gender" in _causes(reach)

    impact = result.section("impact")
    assert impact.status == "unsupported"
    assert "barometer respondents carry no person key" in _causes(impact)
    assert all("onboarding" in c.fix for c in impact.problems)

    results = result.section("results")
    assert results.status == "partial" and "no source 'ideas'" in _causes(results)
    # sections that need neither headcount, ideas nor linkage stay supported
    for sid in ("ecosystem", "levers", "wellbeing", "reliability", "feedback", "time_cost"):
        assert status[sid] == "supported", (sid, _causes(result.section(sid)))
    assert status["summary"] == "partial"

    off = {i.id: i for i in result.indicators if not i.ok}
    headcount_based = {i.id for i in load_catalogue().indicators if "headcount" in i.sources}
    ideas_based = {i.id for i in load_catalogue().indicators if "ideas" in i.sources}
    assert set(off) == headcount_based | ideas_based
    assert "quarantined" in off["reach_rate"].cause


@pytest.fixture(scope="module")
def no_breakdowns(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store with the headcount's category emptied and no longer mapped, as an export
    without that column gives, and no barometer respondent known to the attendance register."""
    root = _copy(demo_project, tmp_path_factory.mktemp("doctor") / "city", store=True)
    _edit_config(root, lambda doc: doc["sources"]["headcount"]["columns"].pop("category"))
    con = duckdb.connect(str(root / "data" / "processed" / "eco_eval.duckdb"))
    try:
        con.execute("UPDATE headcount SET category = NULL")
        con.execute("UPDATE barometer SET person_key = 'unknown-' || response_id")
    finally:
        con.close()
    return root


def test_headcount_without_category_makes_reach_partial(no_breakdowns):
    result = _diagnose(no_breakdowns)
    reach = result.section("reach")
    assert reach.status == "partial"
    assert [c.why for c in reach.problems] == ["reach by category"]
    assert "headcount has no category" in _causes(reach)
    assert "sources.headcount.columns.category" in reach.problems[0].fix


def test_raw_files_not_in_the_store_are_pointed_out(no_breakdowns, tmp_path):
    root = _copy(no_breakdowns, tmp_path / "city", store=True)
    new = root / "data" / "raw" / "presences" / "emargements_2099-T1.csv"
    shutil.copy(root / "data" / "raw" / "presences" / "emargements_2015-T3.csv", new)
    advice = _diagnose(root).advice
    assert len(advice) == 1 and "data/raw/presences/emargements_2099-T1.csv" in advice[0]
    assert "eco-eval ingest" in advice[0]


def test_barometer_not_linked_to_attendance_makes_impact_unsupported(no_breakdowns):
    store = open_store(load_project(no_breakdowns).store_path)
    n = int(store.sql("SELECT count(*) AS n FROM barometer")["n"].iloc[0])
    impact = _diagnose(no_breakdowns).section("impact")
    assert impact.status == "unsupported"
    assert f"0 of {n:,} barometer responses linked to the attendance register" in _causes(impact)


def test_without_a_store_checks_configuration_and_headers(demo_project, tmp_path):
    root = _copy(demo_project, tmp_path / "city", store=False)
    result = _diagnose(root, store=False)
    assert not result.ingested and result.advice and "eco-eval ingest" in result.advice[0]
    assert {s.status for s in result.sections} == {"supported"}
    assert not result.blockers and all(i.ok for i in result.indicators)

    def edit(doc):
        doc["sources"]["attendance"]["columns"]["category"] = "Categorie agent"
        doc["sources"]["sessions"]["columns"]["date"] = "Date de séance"
        doc["sources"]["hr_results"]["pattern"] = "rh/absent_*.csv"

    _edit_config(root, edit)
    result = _diagnose(root, store=False)
    reach = result.section("reach")
    assert reach.status == "partial"
    assert (
        "'Categorie agent' (sources.attendance.columns.category) is not in the header"
        in _causes(reach)
    )
    assert 'did you mean "Catégorie"' in _causes(reach)
    assert any("sources.sessions.columns.date" in b.cause for b in result.blockers)
    assert result.section("results").status == "partial"
    assert "no file under data/raw/ matches sources.hr_results.pattern" in _causes(
        result.section("results")
    )


def test_cli_doctor_text_and_json(demo_project, tmp_path):
    runner = CliRunner()
    helped = runner.invoke(main, ["--help"]).output
    assert all(cmd in helped for cmd in ("doctor", "impact", "reliability", "wellbeing"))
    out = runner.invoke(main, ["doctor", "--project", str(demo_project)])
    assert out.exit_code == 0, out.output
    last = out.output.strip().splitlines()[-1]
    n = len(load_requirements())
    assert last.startswith(f"doctor: {n} sections supported, 0 partial, 0 unsupported")
    js = runner.invoke(main, ["doctor", "--project", str(demo_project), "--json"])
    assert js.exit_code == 0
    doc = json.loads(js.output)
    assert doc["ingested"] is True and doc["summary"] == last
    assert {s["status"] for s in doc["sections"]} <= set(STATUSES)

    empty = runner.invoke(main, ["doctor", "--project", str(tmp_path)])
    assert empty.exit_code == 2
    lines = [line for line in empty.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "eco_eval.yaml" in lines[0]


def test_cli_doctor_exits_0_when_sections_are_unsupported(broken_city):
    out = CliRunner().invoke(main, ["doctor", "--project", str(broken_city)])
    assert out.exit_code == 0, out.output
    assert re.search(r"unsupported +Participation and representativeness", out.output)
    assert "fix: check sources.headcount.columns.as_of" in out.output
