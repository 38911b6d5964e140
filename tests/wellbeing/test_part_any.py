"""One "took part in any tool" question (``part_any``): the programme-level cross-section."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from eco_eval.indicators.core import Tables
from eco_eval.instruments import load_instruments
from eco_eval.wellbeing.impact import impact_table

from .conftest import LEVERS

EFFECT = 1.0  # planted: participants answer every temps climate item one point higher


def _city(seed: int = 3, n: int = 900) -> Tables:
    """Two waves of anonymous respondents (no linkage: no DiD), a ``part_any`` question and no
    per-tool ``part_<lever>``; participation is random (independent of everything else), so the
    true participant - non-participant difference is EFFECT on temps and 0 on audace."""
    rng = np.random.default_rng(seed)
    rows = []
    for wave in ("2016-05", "2016-11"):
        part = (rng.random(n) < 0.35).astype(int)
        dept = rng.integers(0, 8, n)
        cat = rng.choice(["A", "B", "C"], n)
        for i in range(n):
            base = rng.integers(1, 5, 4)  # 1..4: one point more stays on the 1-5 scale
            row = {
                "response_id": f"{wave}:{i}", "wave": wave, "wave_date": pd.Timestamp(f"{wave}-10"),
                "person_key": None, "department": f"Direction {dept[i]}", "category": cat[i],
                "gender": "F", "part_any": part[i],
                "clim_temps_1": base[0] + EFFECT * part[i], "clim_temps_2": base[1] + EFFECT * part[i],
                "clim_audace_1": base[2], "clim_audace_2": base[3],
            }  # fmt: skip
            row.update({f"swemwbs_{j}": int(rng.integers(1, 6)) for j in range(1, 8)})
            rows.append(row)
    sessions = pd.DataFrame(
        {"session_id": ["1"], "date": [pd.Timestamp("2016-06-01")], "lever_id": ["temps"],
         "tool_id": ["t_temps"], "status": ["held"]}
    )  # fmt: skip
    return Tables(
        sessions=sessions,
        attendance=pd.DataFrame({"session_id": ["1"], "person_key": ["nobody"]}),
        headcount=pd.DataFrame(),
        feedback=pd.DataFrame(),
        barometer=pd.DataFrame(rows),
    )


@pytest.fixture(scope="module")
def rows() -> tuple[pd.DataFrame, Tables]:
    city = _city()
    out = impact_table(
        city, load_instruments(levers=LEVERS), SimpleNamespace(lever_ids=LEVERS),
        outcomes=("climate", "swemwbs"), pooled=False,
    )  # fmt: skip
    return out, city


def test_programme_level_fallback_recovers_the_planted_difference(rows):
    out, city = rows
    climate = out[out["outcome"] == "climate"].set_index("lever")
    assert set(climate["design"]) == {"cross_sectional_programme"}
    assert (climate["sms_level"] == 2).all() and not climate["causal_wording_allowed"].any()
    assert "part_any" in climate.loc["temps", "adjustment"]
    temps, audace = climate.loc["temps"], climate.loc["audace"]
    assert temps["ci_low"] <= EFFECT <= temps["ci_high"] and temps["significant_fdr"]
    assert audace["ci_low"] <= 0 <= audace["ci_high"]
    # the same regression written independently (statsmodels formula, department clusters)
    second = city.barometer[city.barometer["wave"] == "2016-11"].copy()
    second["y"] = (second["clim_temps_1"] + second["clim_temps_2"]) / 2
    fit = smf.ols("y ~ part_any + C(category) + C(department)", data=second).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(second["department"])[0]}
    )
    assert temps["estimate"] == pytest.approx(fit.params["part_any"], abs=1e-9)
    n_t = int(second["part_any"].sum())
    assert (temps["n_treated"], temps["n_control"]) == (n_t, len(second) - n_t)


def test_programme_level_rows_are_one_comparison_for_every_lever(rows):
    out, _ = rows
    wellbeing = out[out["outcome"] == "swemwbs"]
    assert set(wellbeing["design"]) == {"cross_sectional_programme"}
    assert wellbeing["estimate"].nunique() == 1  # the same participants against the same others


def test_a_per_tool_question_is_preferred_to_part_any():
    city = _city()
    baro = city.barometer.assign(part_temps=city.barometer["part_any"])
    city = Tables(city.sessions, city.attendance, city.headcount, city.feedback, baro)
    out = impact_table(
        city, load_instruments(levers=LEVERS), SimpleNamespace(lever_ids=LEVERS),
        outcomes=("climate",), pooled=False,
    )  # fmt: skip
    design = out.set_index("lever")["design"]
    assert design["temps"] == "cross_sectional" and design["audace"] == "cross_sectional_programme"


def test_the_bilan_says_when_the_comparison_is_programme_level(rows):
    from eco_eval.bilan import wellbeing as wb
    from eco_eval.ecosystem import load_ecosystem
    from eco_eval.periods import parse_period
    from eco_eval.report.i18n import Labels

    eco = load_ecosystem()
    lever = eco.lever_ids[0]
    out, _ = rows
    frame = out[out["lever"] == "temps"].assign(lever=lever)
    b = SimpleNamespace(
        lang="fr", k=5, eco=eco, project=None, labels=Labels("fr", ecosystem=eco),
        period=parse_period("2017-Q2", launch=eco.launch),
    )  # fmt: skip
    s = wb.WellbeingSection(b, b.labels.extend(wb.wellbeing_labels("fr")), 5, {},
                            *(pd.DataFrame(),) * 4, ["2016-05", "2016-11"])  # fmt: skip
    row = frame[frame["outcome"] == "climate"].iloc[0]
    assert "outil quelconque" in s.design_label(row)
    assert "l'un des outils de l'écosystème" in s.sentence(row)


def test_waves_are_named_from_their_fielding_window():
    from eco_eval.bilan import wellbeing as wb
    from eco_eval.ecosystem import load_ecosystem
    from eco_eval.release.wellbeing import wave_windows
    from eco_eval.report.i18n import Labels

    eco = load_ecosystem()
    baro = pd.DataFrame(
        {"wave": ["vague4", "vague4"], "wave_start": pd.to_datetime(["2015-05-12"] * 2),
         "wave_end": pd.to_datetime(["2015-06-01", "2015-06-02"])}
    )  # fmt: skip
    facts = {"wave_windows": wave_windows(baro)}
    labels = Labels("fr", ecosystem=eco)
    for template, expected in (
        (None, "mai 2015"),
        ("{wave} ({month_fr} {year})", "vague4 (mai 2015)"),
    ):
        project = SimpleNamespace(sources={"barometer": SimpleNamespace(wave_label=template)})
        b = SimpleNamespace(lang="fr", project=project)
        s = wb.WellbeingSection(b, labels, 5, facts, *(pd.DataFrame(),) * 4, ["vague4"])
        assert s.wave_name("vague4") == expected
    assert s._wave_windows["vague4"] == (pd.Timestamp("2015-05-12"), pd.Timestamp("2015-06-02"))
