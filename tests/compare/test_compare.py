"""eco-eval compare on the fictional cities' packages: valid packages, the benchmark checked
against an independent quantile, secrecy kept (never shown, never recomputed, never inferable),
one line naming the file for a package that fails its schema, and the page in a browser."""

from __future__ import annotations

import csv
import json
import shutil
import statistics
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from eco_eval.benchmark.compute import benchmark, city_values
from eco_eval.benchmark.packages import read_package, read_packages
from eco_eval.cli import main
from eco_eval.compare.fictional import fictional_cities, write_fictional_packages
from eco_eval.compare.run import PAGE, TABLE, run_compare
from eco_eval.errors import InputFileError

from browser import Chromium

SECRET = "secret statistique"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("packages")
    write_fictional_packages(folder)
    return folder


@pytest.fixture(scope="module")
def compared(packages: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compared")
    run_compare(packages, out)
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _copy(packages: Path, where: Path) -> Path:
    """A copy of the fictional packages to alter."""
    shutil.copytree(packages, where)
    return where


def _indicator_csv(package: Path) -> Path:
    return next(package.glob("*indicateurs_innovation*.csv"))


def test_fictional_cities_differ_in_size_ecosystem_and_generation(packages: Path) -> None:
    read = read_packages(packages)  # validates every package with frictionless
    assert len(read) == sum(len(c["periods"]) for c in fictional_cities().values()) == 9
    tools = {(p.city, p.periods[0]): p.tools for p in read}
    assert len(tools[("Ville de Lanvallec", "2017-Q4")]) == 12
    assert len(tools[("Communauté d'agglomération du Val d'Orge", "2017-Q4")]) == 6
    # Kerbrient's second generation arrives in 2017-Q3
    assert max(tools[("Ville de Kerbrient", "2017-Q2")].values()) == 1
    assert len(tools[("Ville de Kerbrient", "2017-Q4")]) == 14
    assert max(tools[("Ville de Kerbrient", "2017-Q4")].values()) == 2
    # the small city's small cells are secret, as the publication rule makes them
    small = read_package(packages / "saint_aubrac" / "2017-Q4").cells
    assert small["secret"].sum() > 0 and small.loc[small["secret"], "value"].isna().all()


def test_others_median_and_iqr_match_an_independent_quantile(compared: Path) -> None:
    rows = _csv(compared / TABLE)
    checked = 0
    for r in rows:
        if r["others_median"] == "":
            continue
        others = [
            float(o["value"])
            for o in rows
            if o["period"] == r["period"] and o["measure"] == r["measure"]
            and o["city"] != r["city"] and o["status"] == "published"
        ]  # fmt: skip
        assert int(r["others_n"]) == len(others)
        q1, _, q3 = statistics.quantiles(others, n=4, method="inclusive")  # Hyndman-Fan type 7
        assert float(r["others_median"]) == pytest.approx(statistics.median(others), abs=1e-3)
        assert float(r["others_q1"]) == pytest.approx(q1, abs=1e-3)
        assert float(r["others_q3"]) == pytest.approx(q3, abs=1e-3)
        checked += 1
    assert checked >= 20


def test_a_secret_cell_stays_secret_and_enters_no_statistic(compared: Path) -> None:
    rows = _csv(compared / TABLE)
    q4 = {(r["measure"], r["city"]): r for r in rows if r["period"] == "2017-Q4"}
    small = "Ville de Saint-Aubrac"
    for measure in ("reach", "satisfaction", "recommendation"):
        assert q4[(measure, small)]["value"] == SECRET
        assert q4[(measure, small)]["status"] == "secret"
        # the three other cities see two others: the secret city is in no one's median
        assert {q4[(measure, c)]["others_n"] for c in _cities(q4) if c != small} == {"2"}
    # staff time is published (activity) but participants are secret: the ratio stays secret,
    # it is not recomputed from the published reach or participations
    assert q4[("cost_per_participant", small)]["value"] == SECRET
    assert q4[("balance", small)]["status"] == "published"


def _cities(rows: dict[tuple[str, str], dict[str, str]]) -> set[str]:
    return {c for _, c in rows}


def test_what_a_secret_cell_holds_never_reaches_the_outputs(
    packages: Path, compared: Path, tmp_path: Path
) -> None:
    """A package whose secret cells hold numbers (against the rule) gives the same page and CSV
    as the one whose secret cells are empty: nothing of a secret cell is read, so nothing of it
    can be inferred."""
    tampered = _copy(packages, tmp_path / "tampered")
    target = _indicator_csv(tampered / "saint_aubrac" / "2017-Q4")
    table = pd.read_csv(target, dtype=str, keep_default_na=False)
    secret = table["secretStatistique"] == "oui"
    assert secret.sum() > 0
    table.loc[secret, "valeur"] = "0.777"
    table.loc[secret, "effectif"] = "15"
    table.to_csv(target, index=False, lineterminator="\n")
    out = tmp_path / "out"
    run_compare(tampered, out)
    assert (out / TABLE).read_text(encoding="utf-8") == (compared / TABLE).read_text(
        encoding="utf-8"
    )
    assert (out / PAGE).read_text(encoding="utf-8") == (compared / PAGE).read_text(encoding="utf-8")
    main = (out / PAGE).read_text(encoding="utf-8").split('<main class="page">', 1)[1]
    assert "77,7" not in main and "0,777" not in main and "0.777" not in main


def test_numeric_values_with_a_separate_secrecy_flag_read_the_same(
    packages: Path, tmp_path: Path
) -> None:
    """The layout with a numeric value column (secret cells empty) and the flag alone."""
    source = packages / "saint_aubrac" / "2017-Q4"
    copy = tmp_path / "numeric"
    shutil.copytree(source, copy)
    target = _indicator_csv(copy)
    table = pd.read_csv(target, dtype=str, keep_default_na=False)
    for column in ("valeur", "effectif", "intervalleBas", "intervalleHaut"):
        table[column] = table[column].where(~table[column].isin([SECRET, "non applicable"]), "")
    table.to_csv(target, index=False, lineterminator="\n")
    schema_path = next(copy.glob("*indicateurs_innovation*.schema.json"))
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    schema["missingValues"] = ["", *schema["missingValues"]]
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    before = city_values([read_package(source)])
    after = city_values([read_package(copy)])
    pd.testing.assert_frame_equal(before, after)
    assert (after["status"] == "secret").sum() >= 3


def test_a_package_failing_its_schema_is_one_line_naming_the_file(
    packages: Path, tmp_path: Path
) -> None:
    broken = _copy(packages, tmp_path / "broken")
    target = _indicator_csv(broken / "lanvallec" / "2017-Q4")
    table = pd.read_csv(target, dtype=str, keep_default_na=False)
    row = table.index[table["effectif"].str.fullmatch(r"\d+")][0]
    table.loc[row, "effectif"] = "3"  # a published count of fewer than 10 people
    table.to_csv(target, index=False, lineterminator="\n")
    with pytest.raises(InputFileError) as caught:
        read_packages(broken)
    message = str(caught.value)
    assert "lanvallec/2017-Q4/datapackage.json" in message
    assert target.name in message and "effectif" in message and "\n" not in message
    result = CliRunner().invoke(main, ["compare", str(broken), "--out", str(tmp_path / "o")])
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("eco-eval: error: ")
    assert "Traceback" not in result.output + result.stderr


def test_one_city_only_is_a_clear_error(packages: Path, tmp_path: Path) -> None:
    single = tmp_path / "single"
    shutil.copytree(packages / "lanvallec", single / "lanvallec")
    with pytest.raises(InputFileError, match="at least two cities"):
        run_compare(single, tmp_path / "o")


def test_compare_cli_writes_fictional_packages_and_the_page(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "compare",
            str(tmp_path / "p"),
            "--fictional",
            "--out",
            str(tmp_path / "o"),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "o" / PAGE).read_text(encoding="utf-8")
    assert "Benchmark between local authorities" in page and "statistical secrecy" in page
    assert str(tmp_path) not in page  # no machine path in the page
    assert "<script src=" not in page and "<link" not in page  # plotly.js inline, no CDN


def test_benchmark_positions_follow_the_quartiles() -> None:
    values = pd.DataFrame(
        {
            "period": "2017-Q4", "measure": "reach", "city": list("ABCDE"),
            "siret": list("12345"), "value": [0.1, 0.2, 0.3, 0.4, float("nan")],
            "status": ["published"] * 4 + ["secret"], "participants": 100.0,
        }
    )  # fmt: skip
    b = benchmark(values).set_index("city")
    # A against B, C, D: quartiles 0.25, 0.3, 0.35 (type 7)
    assert b.loc["A", ["others_q1", "others_median", "others_q3"]].tolist() == pytest.approx(
        [0.25, 0.3, 0.35]
    )
    assert b.loc["A", "position"] == "below" and b.loc["D", "position"] == "above"
    assert b.loc["E", "position"] == "secret" and b.loc["E", "others_n"] == 4


@pytest.mark.browser
def test_benchmark_page_in_a_browser_offline_with_hostile_city_name(
    packages: Path, browser: Chromium, tmp_path: Path
) -> None:
    hostile = _copy(packages, tmp_path / "hostile")
    name = '<img src=x onerror="alert(1)">Ville & Cie'
    for target in (hostile / "val_dorge").rglob("*.csv"):
        table = pd.read_csv(target, dtype=str, keep_default_na=False)
        table["nomProducteur"] = name
        table.to_csv(target, index=False, lineterminator="\n")
    run_compare(hostile, tmp_path / "out")
    page, problems, requests, close = browser.open(
        tmp_path / "out" / PAGE, viewport={"width": 1100, "height": 900}
    )
    try:
        page.wait_for_function(
            "Array.from(document.querySelectorAll('.plotly-graph-div')).every(d => d.querySelector('svg.main-svg'))",
            timeout=30_000,
        )
        assert page.locator(".plotly-graph-div").count() == 1
        assert page.locator("svg .subplot").count() >= 5  # one panel per published measure
        assert problems == [] and requests == []
        text = page.inner_text("body")
        assert name in text and SECRET in text
        assert page.locator("body img[src='x']").count() == 0
        rows = page.locator("table.eco-table tbody tr").count()
        assert rows == 5 * 4  # five published measures x four cities
        page.screenshot(path=str(tmp_path / "benchmark.png"), full_page=True)
    finally:
        close()


@pytest.mark.slow
def test_a_package_the_pipeline_published_compares_with_the_fictional_ones(
    demo_run: dict, packages: Path, tmp_path: Path
) -> None:
    """The demo city's package, as ``eco-eval run`` published it, beside the fictional ones."""
    folder = _copy(packages, tmp_path / "packages")
    shutil.copytree(demo_run["root"] / "reports" / "2017-Q4" / "open-data", folder / "demo")
    result = run_compare(folder, tmp_path / "out")
    assert result.cities == 5 and result.period == "2017-Q4"
    rows = [r for r in _csv(tmp_path / "out" / TABLE) if r["city"] == "Ville d'Exemple"]
    published = {r["measure"] for r in rows if r["status"] == "published"}
    assert published == {
        "reach",
        "satisfaction",
        "recommendation",
        "balance",
        "cost_per_participant",
    }
    assert {r["others_n"] for r in rows if r["measure"] == "reach"} == {"3"}  # one other is secret
