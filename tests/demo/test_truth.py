"""The ground truth agrees with the raw files, recomputed here with pandas as a correct ingestion would:
resolve tool names through the ecosystem (case and spaces ignored), quarantine sessions with no
date or an unknown tool, drop attendance rows pointing at no (kept) session, drop re-submissions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from .conftest import ECOSYSTEM, read_attendance, read_limesurvey, read_session_log

LEVER_OF = {t["id"]: t["lever"] for t in ECOSYSTEM["tools"]}


@pytest.fixture(scope="module")
def log(city):
    return read_session_log(city.raw)


@pytest.fixture(scope="module")
def kept(log):
    return log[log["tool_id"].notna() & log["date"].notna()]


@pytest.fixture(scope="module")
def attendance(city, kept):
    a = read_attendance(city.raw)
    return a.merge(
        kept[["N° séance", "quarter", "tool_id", "status", "hours"]], on="N° séance", how="left"
    )


def test_quarantined_sessions_are_exactly_the_unreadable_rows(city, log):
    q = city.truth_csv("quarantined_sessions.csv")
    bad = log[log["tool_id"].isna() | log["date"].isna()]
    assert sorted(q["session_id"]) == sorted(bad["N° séance"])
    assert (
        q.set_index("session_id")["line"]
        == bad.set_index("N° séance")["line"].reindex(q["session_id"])
    ).all()
    assert set(q["reason"]) == {"tool_name_unknown", "session_date_missing"}


def test_session_counts_per_quarter_and_tool(city, kept, attendance):
    truth = city.truth_csv("sessions_by_quarter_tool.csv").set_index(["quarter", "tool_id"])
    counts = kept.groupby(["quarter", "tool_id", "status"]).size().unstack(fill_value=0)
    counts = counts.reindex(truth.index, fill_value=0)
    for status in ("planned", "held", "cancelled"):
        assert (counts[status] == truth[status]).all(), status
    held = (
        kept[kept.status == "held"]
        .groupby(["quarter", "tool_id"])["hours"]
        .sum()
        .reindex(truth.index, fill_value=0)
    )
    assert np.allclose(held, truth["facilitator_hours"])
    a = attendance[attendance["tool_id"].notna()]
    g = a.groupby(["quarter", "tool_id"])
    assert (g.size().reindex(truth.index, fill_value=0) == truth["participations"]).all()
    assert (
        g["Matricule"].nunique().reindex(truth.index, fill_value=0) == truth["unique_participants"]
    ).all()
    assert np.allclose(
        g["hours"].sum().reindex(truth.index, fill_value=0), truth["participant_hours"]
    )
    assert (
        truth["lever_id"] == [LEVER_OF[t] for t in truth.index.get_level_values("tool_id")]
    ).all()


def test_attendance_only_for_held_sessions_of_4_to_15(log, attendance):
    known = attendance[attendance["N° séance"].isin(log["N° séance"])]
    status = log.set_index("N° séance")["status"]
    assert (status.reindex(known["N° séance"]) == "held").all()
    sizes = known.groupby("N° séance").size()
    assert sizes.between(4, 15).all()
    held = set(log.loc[log.status == "held", "N° séance"])
    assert held == set(sizes.index)  # every held session has its sign-in sheet
    assert not known.duplicated(["N° séance", "Matricule"]).any()


def test_headcount_and_participants_are_consistent(city, attendance):
    hc = pd.read_csv(city.raw / "rh" / "effectifs_trimestriels.csv", sep=";", encoding="cp1252")
    hc["quarter"] = (
        pd.to_datetime(hc["Date d'arrêté"], format="%d/%m/%Y")
        .dt.to_period("Q")
        .astype(str)
        .str.replace("Q", "-Q")
    )
    per_quarter = hc.groupby("quarter")["Effectif"].sum()
    truth_hc = city.truth_csv("headcount_by_quarter.csv").set_index("quarter")["headcount"]
    assert (per_quarter.reindex(truth_hc.index) == truth_hc).all()
    assert truth_hc.iloc[0] == 2400

    p = city.truth_csv("participants_by_quarter.csv")
    a = attendance[attendance["tool_id"].notna()]
    by_dim = {
        "department": "Direction",
        "category": "Catégorie",
        "gender": "Sexe",
        "filiere": "Filière",
    }
    hc_col = {
        "department": "Direction",
        "category": "Catégorie",
        "gender": "Sexe",
        "filiere": "Filière",
    }
    for quarter, part in a.groupby("quarter"):
        rows = p[p.quarter == quarter]
        assert (
            rows.loc[rows.dimension == "*", "unique_participants"].item()
            == part["Matricule"].nunique()
        )
        for dim, col in by_dim.items():
            mine = part.groupby(col)["Matricule"].nunique()
            theirs = rows[rows.dimension == dim].set_index("group")
            assert (
                mine.reindex(theirs.index, fill_value=0) == theirs["unique_participants"]
            ).all(), (quarter, dim)
            staff = hc[hc.quarter == quarter].groupby(hc_col[dim])["Effectif"].sum()
            assert (staff.reindex(theirs.index) == theirs["headcount"]).all(), (quarter, dim)
            assert (theirs["unique_participants"] <= theirs["headcount"]).all()


def test_cumulative_participants(city, attendance):
    a = attendance[attendance["tool_id"].notna()]
    first = a.groupby("Matricule")["quarter"].min().value_counts().sort_index().cumsum()
    c = city.truth_csv("cumulative_participants.csv")
    overall = c[c.tool_id == "*"].set_index("quarter")["cumulative_unique_participants"]
    assert (first.reindex(overall.index).ffill().fillna(0).astype(int) == overall).all()
    assert overall.is_monotonic_increasing
    balade = (
        a[a.tool_id == "la_balade"]
        .groupby("Matricule")["quarter"]
        .min()
        .value_counts()
        .sort_index()
        .cumsum()
    )
    mine = c[c.tool_id == "la_balade"].set_index("quarter")["cumulative_unique_participants"]
    assert (balade.reindex(mine.index).ffill().fillna(0).astype(int) == mine).all()


def test_feedback_tallies(city):
    f = read_limesurvey(city.raw / "retours" / "results-survey482915.csv")
    d = city.truth_csv("defects.csv")
    dup_ids = set(d.loc[d.kind == "feedback_duplicate", "record_id"].astype(str))
    f = f[~f["id"].isin(dup_ids)]
    tool_of = {t["fr"]: t["id"] for t in ECOSYSTEM["tools"]}
    f["quarter"] = (
        pd.to_datetime(f["submitdate"]).dt.to_period("Q").astype(str).str.replace("Q", "-Q")
    )
    f["tool_id"] = f["OUTIL"].map(tool_of)
    truth = city.truth_csv("feedback_by_quarter_tool.csv").set_index(["quarter", "tool_id"])
    assert (
        f.groupby(["quarter", "tool_id"]).size().reindex(truth.index, fill_value=0)
        == truth["responses"]
    ).all()
    sat = {
        label: i + 1
        for i, label in enumerate(
            [
                "Pas du tout satisfait",
                "Peu satisfait",
                "Moyennement satisfait",
                "Satisfait",
                "Très satisfait",
            ]
        )
    }
    valid = f[f["EVAL[SAT]"].isin([*sat, np.nan]) & (f["EVAL[UTIL]"] != "6") & (f["RECO"] != "12")]
    assert (
        valid.groupby(["quarter", "tool_id"]).size().reindex(truth.index, fill_value=0)
        == truth["responses_valid"]
    ).all()
    mean_sat = (
        valid.assign(s=valid["EVAL[SAT]"].map(sat)).groupby(["quarter", "tool_id"])["s"].mean()
    )
    assert np.allclose(mean_sat.reindex(truth.index), truth["satisfaction_mean"], equal_nan=True)
    assert (
        0.45 < len(f) / city.truth_json()["totals"]["attendance_rows"] < 0.55
    )  # about half answer


def test_totals_and_file_rows(city):
    t = city.truth_json()
    assert t["files"] == city.summary.files
    assert t["totals"]["sessions"] == city.summary.n_sessions
    assert t["generator"] == {
        "module": "eco_eval.demo",
        "seed": 42,
        "n_staff": 2400,
        "start": "2015-Q3",
        "end": "2017-Q4",
        "session_log_format": "xlsx",
    }
    assert sorted(t["truth_files"]) == sorted(city.summary.truth_files)
    assert set(t["definitions"]) <= set(t["truth_files"])
    waves = city.truth_csv("barometer_waves.csv")
    assert waves["response_rate"].between(0.55, 0.68).all()
    assert (waves["with_matricule"] / waves["responses"]).between(0.62, 0.78).all()
    for w in waves.itertuples():
        b = read_limesurvey(city.raw / "barometre" / f"barometre_{w.wave}.csv")
        assert len(b) == w.responses and b["MATRICULE"].notna().sum() == w.with_matricule
        assert int(b["id"].iloc[0]) == w.first_id


def test_planted_effects(city):
    e = city.truth_csv("effects.csv")
    zero = e[e.latent_effect == 0]
    assert (
        len(zero)
        and (
            zero[["realised_att", "realised_att_change", "realised_att_all_respondents"]].fillna(0)
            == 0
        )
        .all()
        .all()
    )
    positive = e[e.latent_effect > 0]
    assert set(positive.lever_id) >= {"bien_etre", "temps", "bienveillance", "echanges"}
    assert set(zero.lever_id) >= {"contrainte", "audace", "reve"}
    assert (positive["realised_att"] > 0).all()
    # rounding to the 1..5 scale leaves the realised effect close to the latent one
    ratio = positive.groupby("outcome").apply(
        lambda g: g["realised_att"].mean() / g["latent_effect"].mean(), include_groups=False
    )
    assert ratio.between(0.75, 1.15).all(), ratio
    assert (e.wave_to.str[:4] >= e.wave_from.str[:4]).all()
    assert e.groupby(["lever_id", "outcome"]).size().eq(4).all()  # 4 consecutive wave pairs
    rev = city.truth_json()["reverse_keyed_item"]
    assert rev["column"] == "CLIM[temps2]"


def test_the_reverse_keyed_item_runs_against_its_twin(city):
    agree = {
        "Pas du tout d'accord": 1,
        "Plutôt pas d'accord": 2,
        "Ni d'accord ni pas d'accord": 3,
        "Plutôt d'accord": 4,
        "Tout à fait d'accord": 5,
    }
    b = read_limesurvey(city.raw / "barometre" / "barometre_2016-11.csv")
    x = (
        b[[f"CLIM[{lv}{i}]" for lv in ("temps", "echanges") for i in (1, 2)]]
        .replace(agree)
        .astype(int)
    )
    assert x["CLIM[temps1]"].corr(x["CLIM[temps2]"]) < -0.2
    assert x["CLIM[echanges1]"].corr(x["CLIM[echanges2]"]) > 0.2


def test_self_reported_participation_follows_real_participation(city, attendance):
    """PART[bien_etre] at 2016-05 is mostly 'Oui' for people who attended « point silence » since 2015-11."""
    b = read_limesurvey(city.raw / "barometre" / "barometre_2016-05.csv").dropna(
        subset=["MATRICULE"]
    )
    a = attendance[(attendance.tool_id == "point_silence")]
    log = read_session_log(city.raw).set_index("N° séance")["date"]
    dates = log.reindex(a["N° séance"]).to_numpy()
    took = set(
        a.loc[
            (dates >= np.datetime64("2015-11-01")) & (dates < np.datetime64("2016-05-01")),
            "Matricule",
        ]
    )
    yes = b["PART[bien_etre]"] == "Oui"
    did = b["MATRICULE"].isin(took)
    assert yes[did].mean() > 0.8 and yes[~did].mean() < 0.1
