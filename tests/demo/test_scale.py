"""Larger cities and the CSV session log."""

from __future__ import annotations

import pandas as pd
import pytest

from eco_eval.demo import generate_demo_city


def test_the_csv_session_log_carries_the_same_sessions(city, tmp_path):
    s = generate_demo_city(tmp_path / "raw", tmp_path / "truth", seed=42, session_log="csv")
    assert s.session_log_format == "csv" and "animations/journal_animations.csv" in s.files
    lines = (
        (tmp_path / "raw" / "animations" / "journal_animations.csv")
        .read_text(encoding="utf-8")
        .split("\n")
    )
    assert lines[0] == (
        "N° séance;Date;Outil;Animateur;Matricule animateur;Durée (h);Lieu;Direction d'accueil;Statut"
    )
    log = pd.read_csv(
        tmp_path / "raw" / "animations" / "journal_animations.csv", sep=";", dtype=str
    )
    xlsx = pd.read_excel(
        city.raw / "animations" / "journal_animations.xlsx",
        header=2,
        dtype=object,
        engine="openpyxl",
    )
    assert len(log) == len(xlsx)
    assert (log["Outil"] == xlsx["Outil"]).all() and (log["Statut"] == xlsx["Statut"]).all()
    assert log["Date"].dropna().str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    for name in (
        "sessions_by_quarter_tool.csv",
        "participants_by_quarter.csv",
        "effects.csv",
        "identities.csv",
    ):
        assert (tmp_path / "truth" / name).read_bytes() == (city.truth / name).read_bytes(), name


@pytest.mark.slow
def test_fifty_thousand_agents(tmp_path):
    s = generate_demo_city(tmp_path / "raw", tmp_path / "truth", seed=7, n_staff=50_000)
    assert s.session_log_format == "xlsx"  # up to 50,000 agents
    assert 300_000 < s.n_attendance < 500_000
    hc = pd.read_csv(tmp_path / "truth" / "headcount_by_quarter.csv")
    assert hc["headcount"].iloc[0] == 50_000
    truth = pd.read_csv(tmp_path / "truth" / "sessions_by_quarter_tool.csv")
    assert truth["participations"].sum() <= s.n_attendance
    assert s.files["retours/results-survey482915.csv"] == s.n_feedback


@pytest.mark.slow
def test_above_fifty_thousand_the_log_is_csv(tmp_path):
    s = generate_demo_city(tmp_path / "raw", tmp_path / "truth", seed=7, n_staff=60_000)
    assert s.session_log_format == "csv"
    assert not (tmp_path / "raw" / "animations" / "journal_animations.xlsx").exists()
