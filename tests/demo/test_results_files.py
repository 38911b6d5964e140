"""The organisational-results files of the demo city: their shape, their links to the
rest of the city, the planted relations and the ground truth, recomputed from the raw files."""

from __future__ import annotations

import inspect
import json
import re
from datetime import date, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest

from eco_eval.demo import _spec, generate_demo_city
from eco_eval.demo.city import STREAMS
from eco_eval.demo.resultfiles import CITIZEN_HEADER, HR_HEADER, IDEAS_HEADER, fe_slope
from eco_eval.demo.results import draw_citizens

from .conftest import norm, read_attendance, read_session_log, strip_accents, tool_resolver

IDEAS = "idees/registre_idees.xlsx"
HR = "rh/indicateurs_rh_trimestriels.csv"
CITIZENS = "usagers/satisfaction_usagers.csv"
STATUS = {
    "Proposée": "proposed",
    "Étudiée": "studied",
    "Expérimentée": "trialled",
    "Adoptée": "adopted",
    "Abandonnée": "dropped",
}
DEPARTMENTS = [d.name for d in _spec.DEPARTMENTS]


def dept_key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", strip_accents(str(text)).casefold()).strip()


CANONICAL = {dept_key(d): d for d in DEPARTMENTS}


def as_date(value: object) -> pd.Timestamp:
    if value is None:
        return pd.NaT
    if isinstance(value, str):
        return pd.Timestamp(datetime.strptime(value, "%d/%m/%Y"))
    return pd.Timestamp(value)


@pytest.fixture(scope="module")
def register(city) -> pd.DataFrame:
    """The ideas register read as a correct ingestion would: dates parsed, tools resolved."""
    wb = openpyxl.load_workbook(city.raw / IDEAS, read_only=True)
    assert wb.sheetnames == ["Registre"]
    rows = list(wb["Registre"].iter_rows(values_only=True))
    assert list(rows[0]) == list(IDEAS_HEADER)
    f = pd.DataFrame(rows[1:], columns=IDEAS_HEADER)
    f["line"] = range(2, 2 + len(f))
    resolver = tool_resolver()
    f["tool_id"] = f["Outil d'origine"].map(lambda x: None if x == "Autre" else resolver[norm(x)])
    f["department"] = f["Direction"].map(lambda x: CANONICAL[dept_key(x)])
    f["status"] = f["Statut"].map(STATUS)
    for col, name in (
        ("Date de dépôt", "proposed"),
        ("Date étude", "studied"),
        ("Date expérimentation", "trialled"),
        ("Date adoption", "adopted"),
        ("Date abandon", "dropped"),
    ):
        f[name] = f[col].map(as_date)
    f["quarter"] = f["proposed"].dt.to_period("Q").astype(str).str.replace("Q", "-Q")
    return f


@pytest.fixture(scope="module")
def hr_file(city) -> pd.DataFrame:
    return pd.read_csv(city.raw / HR, sep=";", dtype=str, encoding="utf-8", keep_default_na=False)


@pytest.fixture(scope="module")
def panel(city) -> pd.DataFrame:
    return city.truth_csv("results_panel.csv")


def test_streams_are_appended_so_earlier_draws_do_not_move():
    # SeedSequence children are numbered: only appending a stream keeps the others' draws
    assert STREAMS[:6] == ("staff", "sessions", "attendance", "defects", "feedback", "barometer")
    assert STREAMS[6:] == ("results", "results_defects")


def test_the_register_follows_the_contract(city, register, city_defects):
    f = register
    assert f["N° idée"].is_unique and f["N° idée"].str.fullmatch(r"20\d\d-\d{3}").all()
    assert set(f["Statut"]) == set(STATUS)
    text_dates = f[f["Date de dépôt"].map(lambda v: isinstance(v, str))]
    planted = city_defects[city_defects.kind == "idea_date_text"]
    assert sorted(text_dates["line"]) == sorted(planted["line"]) and len(planted) >= 2
    for col in ("Date étude", "Date expérimentation", "Date adoption", "Date abandon"):
        assert f[col].map(lambda v: v is None or isinstance(v, (date, datetime))).all()
    assert f["Porteur (matricule)"].map(lambda m: re.fullmatch(r"\d{6}", str(m)) is not None).all()
    # origins: mostly « colle ton avis » and « essais libres », some other tools, some "Autre"
    share = f["tool_id"].fillna("autre").value_counts(normalize=True)
    print("\norigin of the ideas:", share.round(3).to_dict())
    assert share["colle_ton_avis"] + share["essais_libres"] > 0.55
    assert 0.05 < share["autre"] < 0.2
    assert f["tool_id"].nunique() >= 8


def test_stage_dates_are_consistent(register):
    f = register
    for early, late in (("proposed", "studied"), ("studied", "trialled"), ("trialled", "adopted")):
        both = f[early].notna() & f[late].notna()
        assert (f.loc[both, late] > f.loc[both, early]).all(), (early, late)
    # a later stage implies the earlier ones; the status is the latest event
    assert (f["adopted"].isna() | f["trialled"].notna()).all()
    assert (f["trialled"].isna() | f["studied"].notna()).all()
    last = f[["proposed", "studied", "trialled"]].max(axis=1)
    dropped = f["status"] == "dropped"
    assert (f.loc[dropped, "dropped"] > last[dropped]).all()
    assert f.loc[~dropped, "dropped"].isna().all()
    assert (f["status"] == "adopted").eq(f["adopted"].notna()).all()
    # declared gains only on adopted ideas, hours always declared there
    adopted = f["status"] == "adopted"
    gains = ["Heures gagnées / an", "Économies (€) / an", "Usagers concernés"]
    assert f.loc[~adopted, gains].isna().all().all()
    assert (f.loc[adopted, "Heures gagnées / an"] > 0).all()
    assert 0.3 < f.loc[adopted, "Économies (€) / an"].isna().mean() < 0.6
    # nothing after the extraction date (15 December of the last quarter)
    assert f[["proposed", "studied", "trialled", "adopted", "dropped"]].max().max() <= pd.Timestamp(
        "2017-12-15"
    )


def test_ideas_come_from_people_who_attended_the_tool(city, register):
    """An idea from a tool is filed by someone who attended one of its sessions 0-14 days before."""
    log = read_session_log(city.raw).rename(columns={"N° séance": "session"})
    att = read_attendance(city.raw).rename(columns={"N° séance": "session"})
    att = att.merge(log[["session", "tool_id", "date"]], on="session")
    att["Matricule"] = att["Matricule"].astype(int)
    ideas = register[register["tool_id"].notna()]
    pairs = ideas.merge(
        att, left_on=["Porteur (matricule)", "tool_id"], right_on=["Matricule", "tool_id"]
    )
    delay = (pairs["proposed"] - pairs["date"]).dt.days
    ok = pairs[(delay >= 0) & (delay <= 14)]["N° idée"].nunique()
    # ideas from a session the pipeline sets aside (unknown tool, no date) cannot be traced
    assert ok / len(ideas) > 0.97, (ok, len(ideas))


def test_funnel_truth_recomputed_from_the_register(city, register):
    truth = city.truth_csv("ideas_funnel.csv").set_index(["quarter", "tool_id"])
    f = register.assign(tool_id=register["tool_id"].fillna("outside"))

    def counts(sub: pd.DataFrame) -> dict[str, float]:
        weeks = (sub["adopted"] - sub["proposed"]).dt.days / 7
        return {
            "ideas": len(sub),
            "reached_studied": sub["studied"].notna().sum(),
            "reached_trialled": sub["trialled"].notna().sum(),
            "adopted": (sub["status"] == "adopted").sum(),
            "dropped": (sub["status"] == "dropped").sum(),
            "in_progress": sub["status"].isin(["proposed", "studied", "trialled"]).sum(),
            "median_weeks_to_adoption": weeks.median(),
            "adopted_hours_saved": sub["Heures gagnées / an"].sum(),
        }

    for key, sub in [(("*", "*"), f), *f.groupby(["quarter", "tool_id"])]:
        expected = truth.loc[key]
        for name, value in counts(sub).items():
            assert expected[name] == pytest.approx(value, nan_ok=True), (key, name)
    total = truth.loc[("*", "*")]
    print(
        f"\nfunnel since launch: {total.ideas} proposed, {total.reached_studied} studied, "
        f"{total.reached_trialled} trialled, {total.adopted} adopted, {total.in_progress} in "
        f"progress; median {total.median_weeks_to_adoption:.1f} weeks to adoption"
    )
    # realistic conversion: most ideas are studied, fewer trialled, a minority adopted
    assert 0.6 < total.reached_studied / total.ideas < 0.8
    assert 0.4 < total.reached_trialled / total.reached_studied < 0.7
    assert 0.45 < total.adopted / total.reached_trialled < 0.75
    assert 15 < total.median_weeks_to_adoption < 35
    assert min(total.dropped_at_proposal, total.dropped_after_study, total.dropped_after_trial) > 0


def test_adopted_truth_by_quarter_of_adoption(city, register):
    truth = city.truth_csv("ideas_adopted.csv").set_index("quarter")
    adopted = register[register["status"] == "adopted"]
    q = adopted["adopted"].dt.to_period("Q").astype(str).str.replace("Q", "-Q")
    by_q = adopted.groupby(q)
    for quarter, sub in by_q:
        assert truth.loc[quarter, "adopted"] == len(sub)
        assert truth.loc[quarter, "cost_saved"] == sub["Économies (€) / an"].sum()
        assert truth.loc[quarter, "users_affected"] == sub["Usagers concernés"].sum()
    assert truth.loc["*", "adopted"] == len(adopted)


def test_exposure_is_what_a_correct_pipeline_measures(city, panel):
    """Reach per department and quarter recomputed from the sign-in sheets and the HR headcount."""
    log = read_session_log(city.raw)
    quarantined = set(city.truth_csv("quarantined_sessions.csv")["session_id"])
    held = log[(log["status"] == "held") & ~log["N° séance"].isin(quarantined)]
    att = read_attendance(city.raw).merge(held[["N° séance", "quarter", "hours"]], on="N° séance")
    reach = att.groupby(["quarter", "Direction"])["Matricule"].nunique()
    hours = att.groupby(["quarter", "Direction"])["hours"].sum()
    hc = pd.read_csv(city.raw / "rh" / "effectifs_trimestriels.csv", sep=";", encoding="cp1252")
    hc["quarter"] = (
        pd.to_datetime(hc["Date d'arrêté"], format="%d/%m/%Y").dt.to_period("Q").astype(str)
    ).str.replace("Q", "-Q")
    staff = hc.groupby(["quarter", "Direction"])["Effectif"].sum()
    p = panel.set_index(["quarter", "department"])
    expected = (reach.reindex(staff.index, fill_value=0) / staff).rename("reach")
    assert np.allclose(p.loc[expected.index, "reach_rate"], expected)
    assert np.allclose(
        p.loc[expected.index, "participant_hours_per_agent"],
        hours.reindex(staff.index, fill_value=0) / staff,
    )
    assert (p.loc[staff.index, "headcount"] == staff).all()


def test_ideas_per_100_staff_rise_with_reach(city):
    d = city.truth_csv("ideas_by_department.csv")
    by_dept = d.groupby("department")[["reach_rate", "ideas_per_100", "ideas_expected"]].mean()
    rho = by_dept["reach_rate"].corr(by_dept["ideas_per_100"], method="spearman")
    print(f"\nSpearman(reach, ideas per 100 staff) across 26 departments: {rho:.2f}")
    assert rho > 0.7
    # realised counts follow the model's expectation
    assert d["ideas"].sum() == pytest.approx(d["ideas_expected"].sum(), rel=0.1)


def test_hr_file_follows_the_contract(city, hr_file, city_defects):
    data = (city.raw / HR).read_bytes()
    text = data.decode("utf-8")
    assert not data.startswith(b"\xef\xbb\xbf") and text.endswith("\r\n")
    assert text.split("\r\n")[0] == ";".join(HR_HEADER)
    f = hr_file
    assert f["Trimestre"].str.fullmatch(r"20\d\d-T[1-4]").all()
    assert f["Taux d'absentéisme"].str.fullmatch(r"\d+,\d %").all()
    assert len(f) == 26 * 10
    nc = f[f["Jours de formation"] == "NC"]
    assert len(nc) == 1
    planted = city_defects[city_defects.kind == "hr_non_numeric"]
    assert planted["line"].tolist() == [nc.index[0] + 2]
    unknown = f[~f["Direction"].isin(DEPARTMENTS)]
    assert len(unknown) == 1 and dept_key(unknown["Direction"].iloc[0]) in CANONICAL
    num = {c: pd.to_numeric(f[c].str.replace(",", "."), errors="coerce") for c in HR_HEADER[2:9]}
    assert (
        num["Dont maladie ordinaire"] + num["Dont accident du travail"] <= num["Jours d'absence"]
    ).all()
    quarters = pd.PeriodIndex(f["Trimestre"].str.replace("-T", "Q"), freq="Q")
    days = quarters.days_in_month * 0 + (quarters.end_time - quarters.start_time).days + 1
    rate = num["Jours d'absence"] / (num["Effectif moyen"] * days) * 100
    printed = f["Taux d'absentéisme"].str[:-2].str.replace(",", ".").astype(float)
    assert np.allclose(rate, printed, atol=0.051)  # the file prints one decimal
    assert printed.between(1, 25).all() and 6 < printed.mean() < 11


def test_hr_truth_matches_the_file(hr_file, panel):
    f = hr_file.assign(
        quarter=hr_file["Trimestre"].str.replace("-T", "-Q"),
        department=hr_file["Direction"].map(lambda x: CANONICAL[dept_key(x)]),
    ).set_index(["quarter", "department"])
    p = panel.set_index(["quarter", "department"]).loc[f.index]
    printed = f["Taux d'absentéisme"].str[:-2].str.replace(",", ".").astype(float) / 100
    assert np.allclose(p["absence_rate"], printed)
    assert (p["leavers"] == f["Départs"].astype(int)).all()
    assert (p["absence_days"] == f["Jours d'absence"].astype(int)).all()
    assert (~p["in_hr_file"]).sum() == 1  # the row with the non-numeric cell
    turnover = p["turnover_rate"].groupby(level="quarter").mean()
    assert turnover.iloc[1:].between(0.005, 0.04).all()  # about 1.7 % of staff leave a quarter


def test_citizen_file_follows_the_contract(city, city_defects):
    data = (city.raw / CITIZENS).read_bytes().decode("utf-8")
    assert data.split("\n")[0] == ";".join(CITIZEN_HEADER) and "\r" not in data
    f = pd.read_csv(city.raw / CITIZENS, sep=";", dtype=str, keep_default_na=False)
    assert len(f) == 17 * 10 and f["Trimestre"].nunique() == 10
    depts = f["Direction"].map(lambda x: CANONICAL[dept_key(x)])
    assert depts.nunique() == 17 and (f["Direction"] != depts).sum() == 1
    score = f["Score moyen (sur 10)"].str.replace(",", ".").astype(float)
    assert score.between(3, 10).all()
    assert (f["Réclamations"] == "").sum() == 1
    kinds = set(city_defects[city_defects.file == CITIZENS].kind)
    assert kinds == {"citizen_department_variant", "citizen_blank_cell"}


def test_result_defects_point_at_their_cells(city, register, hr_file, city_defects):
    reg = register.set_index("line")
    for d in city_defects.itertuples():
        if d.kind == "idea_tool_variant":
            row = reg.loc[d.line]
            assert row["tool_id"] == d.detail.rsplit("-> ", 1)[1]
            assert row["Outil d'origine"] != d.detail  # written as a variant, resolved
            assert row["N° idée"] == d.record_id
        elif d.kind == "idea_department_variant":
            assert reg.loc[d.line, "Direction"] not in DEPARTMENTS
            assert reg.loc[d.line, "department"] == d.detail.rsplit("-> ", 1)[1]
        elif d.kind == "hr_department_misspelt":
            assert hr_file.loc[d.line - 2, "Direction"] not in DEPARTMENTS
    assert set(city_defects.action) <= {"resolve", "quarantine", "keep"}


def test_the_planted_absence_relation_is_exact_in_the_latent_rates(panel):
    """Change of the expected rate t -> t+1 = common(t) + slope x reach(d, t), exactly."""
    wide = panel.pivot(index="quarter", columns="department")
    reach, expected = wide["reach_rate"], wide["absence_expected"]
    change = expected.diff().shift(-1).iloc[:-1]  # row t: expected(t+1) - expected(t)
    residual = change - _spec.HR.slope * reach.iloc[:-1]
    # what is left is common to every department of the quarter
    assert (residual.max(axis=1) - residual.min(axis=1)).max() < 1e-8  # CSV keeps 10 digits


def test_citizen_satisfaction_does_not_depend_on_the_programme(city):
    """Exactly zero dependence: the satisfaction draw takes no input from the programme."""
    assert list(inspect.signature(draw_citizens).parameters) == ["rng", "cal", "n_staff"]
    relations = json.loads((city.truth / "exposure_relations.json").read_text(encoding="utf-8"))
    null = [r for r in relations["relations"] if r["outcome"] == "citizen_satisfaction"]
    assert {r["planted_slope"] for r in null if r["horizon"] == 1} == {0.0}
    assert {r["kind"] for r in null} == {"null"}


def test_oracle_estimates_are_recomputable(city, panel):
    relations = json.loads((city.truth / "exposure_relations.json").read_text(encoding="utf-8"))
    rel = next(
        r for r in relations["relations"] if r["outcome"] == "absence_rate" and r["horizon"] == 1
    )
    wide = panel.assign(absence_rate=panel["absence_rate"].where(panel["in_hr_file"])).pivot(
        index="quarter", columns="department"
    )
    y = (wide["absence_rate"].shift(-1) - wide["absence_rate"]).iloc[:-1]
    x, w = wide["reach_rate"].iloc[:-1], wide["headcount"].iloc[:-1]
    t = np.repeat(np.arange(len(x)), x.shape[1])
    est = fe_slope(y.to_numpy().ravel(), x.to_numpy().ravel(), t, w.to_numpy().ravel())
    assert est == pytest.approx(rel["oracle_estimate_weighted_headcount"], abs=1e-8)
    print(
        f"\nplanted slope {rel['planted_slope']}, oracle (weighted) {est:.5f}, "
        f"(unweighted) {rel['oracle_estimate_unweighted']:.5f}"
    )
    assert relations["absence_expected_min"] > 0.01  # latent rates stay plausible


def test_large_cities_get_a_csv_register(tmp_path):
    s = generate_demo_city(
        tmp_path / "raw", tmp_path / "truth", seed=3, n_staff=600, session_log="csv"
    )
    path = tmp_path / "raw" / "idees" / "registre_idees.csv"
    assert "idees/registre_idees.csv" in s.files and not (tmp_path / "raw" / IDEAS).exists()
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == ";".join(IDEAS_HEADER)
    f = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    assert len(f) == s.files["idees/registre_idees.csv"] == s.n_ideas
    assert f["Date de dépôt"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    funnel = pd.read_csv(tmp_path / "truth" / "ideas_funnel.csv").set_index(["quarter", "tool_id"])
    assert funnel.loc[("*", "*"), "adopted"] == (f["Statut"] == "Adoptée").sum()


@pytest.fixture(scope="module")
def city_defects(city) -> pd.DataFrame:
    return pd.read_csv(
        city.truth / "results_defects.csv", keep_default_na=False, na_values=[""],
        dtype={"line": "Int64"},
    )  # fmt: skip
