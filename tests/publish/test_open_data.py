"""The open-data package: Frictionless-valid, French conventions, the stricter rule, consistent."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import frictionless
import numpy as np
import pandas as pd
import pytest

from eco_eval.ecosystem import load_ecosystem
from eco_eval.periods import parse_period
from eco_eval.publish import open_data as od

ORG = SimpleNamespace(name="Ville d'Exemple", siren="210000000", siret="21000000000017")
PUBLISHED = date(2018, 1, 5)
FORMULA = ("=", "+", "-", "@")
HOSTILE = ['=HYPERLINK("http://x","clic")', "+33 1 23", "-2+3", "@SUM(A1)"]


def _row(indicator, dimension, group, n, value=None, lever="*", tool="*", period="2017-Q4"):
    return {
        "period": period, "lever": lever, "tool": tool, "dimension": dimension, "group": group,
        "indicator": indicator, "value": float(n if value is None else value), "n": float(n),
        "ci_low": np.nan, "ci_high": np.nan, "suppressed": False,
    }  # fmt: skip


def raw_frame(sizes: dict[str, int] | None = None) -> pd.DataFrame:
    """Participants by department (one of them small), their reach rate, one answer-based and
    one activity indicator; department names include spreadsheet formulas."""
    sizes = sizes or {"Direction A": 7, HOSTILE[0]: 12, HOSTILE[1]: 44, HOSTILE[2]: 23}
    total = sum(sizes.values())
    rows = [_row("unique_participants", "*", "*", total)]
    rows += [_row("unique_participants", "department", g, n) for g, n in sizes.items()]
    rows += [_row("reach_rate", "*", "*", total, total / 400)]
    rows += [_row("reach_rate", "department", g, n, n / 100) for g, n in sizes.items()]
    rows += [
        {**_row("satisfaction_mean", "*", "*", 31, 4.21), "ci_low": 3.9, "ci_high": 4.5},
        _row("satisfaction_mean", "*", "*", 8, 3.5, lever="reve", tool="dans_la_peau_de_walt"),
        _row("sessions_held", "*", "*", 3, lever="reve", tool="dans_la_peau_de_walt"),
        _row("cancellation_rate", "*", "*", 0, float("nan"), lever="reve", tool="dans_la_peau_de_walt"),
        _row("cumulative_reach_rate", "*", "*", 250, 0.6),
    ]  # fmt: skip
    return od.label_cumulative(pd.DataFrame(rows), "2017-Q4")


def write(folder: Path, raw: pd.DataFrame, log: pd.DataFrame | None = None):
    eco = load_ecosystem()
    result = od.apply_rule(raw, k=10, suppression_log=log, launch=eco.launch)
    table = od.indicator_table(
        result.frame,
        organisation=ORG,
        published_on=PUBLISHED,
        period=parse_period("2017-Q4"),
        launch=eco.launch,
        ecosystem=eco,
    )
    files = od.write_package(
        folder,
        {
            "indicateurs_innovation_2017-Q4": (table, od.INDICATOR_FIELDS, "Indicateurs"),
            od.ECOSYSTEM: (
                od.ecosystem_table(organisation=ORG, published_on=PUBLISHED, ecosystem=eco),
                od.ECOSYSTEM_FIELDS,
                "Leviers",
            ),
            od.CATALOGUE: (
                od.catalogue_table(organisation=ORG, published_on=PUBLISHED),
                od.CATALOGUE_FIELDS,
                "Catalogue",
            ),
        },
        organisation=ORG,
        published_on=PUBLISHED,
        period_label="2017-Q4",
        k=10,
    )
    return result, files


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def check_package(folder: Path, k: int = 10) -> dict[str, list[dict[str, str]]]:
    """What every release must satisfy; returns the rows of each file."""
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["title"] == "Licence Ouverte / Open Licence 2.0"
    out = {}
    for res in package["resources"]:
        assert re.fullmatch(r"\d{8}_\d{9}_[a-z0-9_-]+\.csv", res["path"]), res["path"]
        assert res["dialect"]["delimiter"] == "," and res["encoding"] == "utf-8"
        raw = (folder / res["path"]).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), "UTF-8 without BOM"
        schema = json.loads((folder / res["schema"]).read_text(encoding="utf-8"))
        assert schema["missingValues"] == [""]
        fields = {f["name"]: f for f in schema["fields"]}
        assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z]*)*", f) for f in fields), "camelCase"
        rows = read_rows(folder / res["path"])
        assert rows
        for r in rows:
            assert r["nomProducteur"] and re.fullmatch(r"\d{14}", r["siretProducteur"])
            assert date.fromisoformat(r["datePublication"])
            for name, value in r.items():
                if fields[name]["type"] == "string":
                    assert not value.lstrip(" ").startswith(FORMULA), (name, value)
                if (
                    fields[name]["type"] in {"number", "integer"}
                    and value not in schema["missingValues"]
                ):
                    assert "," not in value and re.fullmatch(r"-?\d+(\.\d+)?", value), value
                if fields[name]["type"] == "date":
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
        out[res["path"]] = rows
    indicators = next(rows for path, rows in out.items() if "indicateurs_innovation" in path)
    for r in indicators:
        if r["secretStatistique"] == "oui":
            assert r["valeur"] == r["effectif"] == r["intervalleBas"] == ""
            continue
        if r["nature"] == "activite":
            assert r["effectif"] == ""
            continue
        n = int(r["effectif"])
        assert n >= k and n % 5 == 0, r  # no published cell below k people, counts rounded to 5
        if r["indicateurId"] in od.NUMERATORS:
            value = int(r["valeur"])
            assert value >= k and value % 5 == 0, r
    return out


def test_a_package_follows_the_conventions_and_the_rule(tmp_path):
    result, files = write(tmp_path, raw_frame())
    assert files[0] == "20180105_210000000_indicateurs_innovation_2017-q4.csv"
    rows = check_package(tmp_path)[files[0]]
    by_group = {(r["indicateurId"], r["groupe"]): r for r in rows if r["levierId"] == "ensemble"}
    # 7 people: primary; the next smallest (12) hidden with it; the others rounded to 5
    assert by_group[("unique_participants", "Direction A")]["valeur"] == ""
    assert by_group[("unique_participants", "Direction A")]["secretStatistique"] == "oui"
    assert by_group[("unique_participants", "'" + HOSTILE[0])]["secretStatistique"] == "oui"
    assert by_group[("unique_participants", "'" + HOSTILE[1])]["valeur"] == "45"
    assert by_group[("unique_participants", "ensemble")]["effectif"] == "85"
    # the same people in the reach rate are hidden alike (one family)
    assert by_group[("reach_rate", "Direction A")]["secretStatistique"] == "oui"
    # 8 answers is below 10: hidden; the activity count is published as it is
    reve = {r["indicateurId"]: r for r in rows if r["levierId"] == "reve"}
    assert reve["satisfaction_mean"]["valeur"] == ""
    assert reve["satisfaction_mean"]["secretStatistique"] == "oui"
    assert reve["sessions_held"]["valeur"] == "3"
    assert reve["cancellation_rate"]["valeur"] == ""  # no session planned: no rate, not a secret
    assert reve["cancellation_rate"]["secretStatistique"] == "non"
    assert by_group[("satisfaction_mean", "ensemble")]["intervalleBas"] == "3.9"
    cumul = by_group[("cumulative_reach_rate", "ensemble")]
    assert cumul["periode"] == "cumul:2017-Q4" and cumul["dateDebut"] == "2015-06-01"
    assert {r["dimension"] for r in rows} <= {"ensemble", "direction"}
    assert result.n_primary >= 1


def test_cells_hidden_in_a_release_stay_hidden_when_the_period_is_published_again(tmp_path):
    first, _ = write(tmp_path / "v1", raw_frame())
    log_path = tmp_path / "processed" / od.LOG_NAME
    od.save_log(log_path, first.log)
    # revised data: Direction A now has 15 people, above the threshold
    revised = raw_frame({"Direction A": 15, HOSTILE[0]: 12, HOSTILE[1]: 44, HOSTILE[2]: 23})
    second, files = write(tmp_path / "v2", revised, od.load_log(log_path))
    rows = check_package(tmp_path / "v2")[files[0]]
    hidden = {(r["indicateurId"], r["groupe"]) for r in rows if r["secretStatistique"] == "oui"}
    before = {
        (r["indicateurId"], r["groupe"])
        for r in read_rows(tmp_path / "v1" / files[0])
        if r["secretStatistique"] == "oui"
    }
    assert before <= hidden
    assert ("unique_participants", "Direction A") in hidden
    od.save_log(log_path, second.log)
    assert len(od.load_log(log_path)) >= len(first.log), "the log only grows"


def test_a_published_release_reads_back_as_a_tidy_frame(tmp_path):
    result, _ = write(tmp_path, raw_frame())
    back = od.read_release(tmp_path)
    assert back is not None and len(back) == len(result.frame)
    assert set(back["group"]) >= {"*", HOSTILE[0]}, "'*' and formulas restored"
    assert back["suppressed"].sum() == result.frame["suppressed"].sum()


# --------------------------------------------------------------------------- the demo city
@pytest.mark.slow
def test_the_demo_citys_package_validates_and_hides_every_small_cell(demo_run):
    root: Path = demo_run["root"]
    folder = root / "reports" / "2017-Q4" / "open-data"
    rows = check_package(folder)
    indicators = next(r for p, r in rows.items() if "indicateurs_innovation" in p)
    assert len(indicators) > 1000
    hidden = [r for r in indicators if r["secretStatistique"] == "oui"]
    assert 0 < len(hidden) < len(indicators)
    published = [r for r in indicators if r["secretStatistique"] == "non"]
    assert {r["dimension"] for r in published} >= {"ensemble", "direction", "categorie", "sexe"}
    # the cells hidden by this release are persisted for the next ones
    log = pd.read_csv(root / "data" / "processed" / od.LOG_NAME, dtype=str)
    assert len(log) >= len(hidden) - sum(r["nature"] == "activite" for r in hidden)
    # ... with the cells the bilan hid (k = 5): they stay hidden in the open data too, or a
    # reader holding both could subtract one from the other
    bilan_log = pd.read_csv(root / "data" / "processed" / "bilan_suppression_log.csv", dtype=str)
    key = ["period", "lever", "tool", "dimension", "group", "indicator"]
    logged = set(map(tuple, log[key].to_numpy()))
    assert set(map(tuple, bilan_log[key].to_numpy())) <= logged
    release = od.read_release(folder)
    assert release is not None
    shown = release.loc[~release["suppressed"].astype(bool), key].astype(str)
    bilan_hidden = set(map(tuple, bilan_log.loc[bilan_log["period"] == "2017-Q4", key].to_numpy()))
    leaked = bilan_hidden & set(map(tuple, shown.to_numpy()))
    assert bilan_hidden & set(map(tuple, release[key].astype(str).to_numpy()))  # same keys
    assert bilan_hidden and not leaked, sorted(leaked)[:5]
    step = next(s for s in demo_run["summary"]["steps"] if s["step"] == "open-data")
    assert step["rebuilt"] and len(step["files"]) == 3
    # and with the command a publisher would run
    cli = Path(sys.executable).with_name("frictionless")
    done = subprocess.run(
        [str(cli), "validate", "--json", str(folder / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["valid"], done.stdout[-2000:]


def test_the_demo_citys_package_is_in_the_publication_ledger(demo_run):
    """Every cell about people of the package is in the store's ledger under its own name,
    before rounding; each one it shows, the bilan of the period shows with the same figure (so
    the bilan's audit covers it)."""
    from eco_eval.store import open_store

    root: Path = demo_run["root"]
    ledger = open_store(root / "data" / "processed" / "eco_eval.duckdb").table("publication_ledger")
    package = ledger[ledger["publication"] == "open-data:2017-Q4"]
    bilan = ledger[ledger["publication"] == "bilan:2017-Q4"]
    release = od.read_release(root / "reports" / "2017-Q4" / "open-data")
    assert release is not None and len(package) > 0 and len(bilan) > 0
    key = ["period", "lever", "tool", "dimension", "group", "indicator"]
    people = release[release["indicator"].isin(set(package["indicator"]))]
    assert len(package) == len(people.drop_duplicates(key))
    shown = package[~package["suppressed"].astype(bool)]
    # the package labels its cumulative figures « cumul:2017-Q4 », the bilan by its period
    shown = shown.assign(period=shown["period"].str.removeprefix("cumul:"))
    same = shown.merge(bilan[[*key, "value", "suppressed"]], on=key, suffixes=("", "_bilan"))
    assert len(same) == len(shown) > 0
    assert not same["suppressed_bilan"].astype(bool).any()
    assert np.allclose(same["value"].astype(float), same["value_bilan"].astype(float))
    counts = shown[shown["indicator"].isin(["participations", "unique_participants"])]
    assert (counts["value"] % 5 != 0).any()  # the figures before rounding


def test_percent_units_hold_percentages_and_value_columns_read_as_numbers(tmp_path):
    _, files = write(tmp_path, raw_frame())
    published = pd.read_csv(tmp_path / files[0])  # what a reuser does, no options
    for col in ("valeur", "effectif", "intervalleBas", "intervalleHaut"):
        assert pd.api.types.is_numeric_dtype(published[col]), col
    reach = published[
        (published["indicateurId"] == "reach_rate") & (published["groupe"] == "ensemble")
    ]
    assert reach["unite"].iloc[0] == "%"
    assert reach["valeur"].iloc[0] == pytest.approx(100 * 86 / 400, abs=0.05)  # 21.5, not 0.215
    secret = published[published["secretStatistique"] == "oui"]
    assert len(secret) and secret["valeur"].isna().all()
    # read back (for the protection of later releases) as the proportions the indicators compute
    back = od.read_release(tmp_path)
    row = back[(back["indicator"] == "reach_rate") & (back["group"] == "*")].iloc[0]
    assert row["value"] == pytest.approx(86 / 400, abs=5e-4)
