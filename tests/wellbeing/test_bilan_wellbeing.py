"""bilan/wellbeing.py: labels, escaping, wording that follows the level of evidence, the sections
on the demo city."""

from __future__ import annotations

import re
import string
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import pytest
import yaml

from eco_eval.bilan import Bilan
from eco_eval.bilan import wellbeing as wb
from eco_eval.config import load_project
from eco_eval.ecosystem import load_ecosystem
from eco_eval.errors import ConfigError
from eco_eval.instruments import load_instruments
from eco_eval.periods import parse_period
from eco_eval.publish.release import RELEASES_DIR
from eco_eval.release.files import load_release
from eco_eval.release.model import Release
from eco_eval.release.wellbeing import wellbeing_part
from eco_eval.report.i18n import Labels
from eco_eval.report.theme import data_path

from .conftest import synthetic_city

ECO = load_ecosystem()
CAUSAL_FR = re.compile(r"a entraîné|entraîne|effet estimé|grâce à|a permis", re.I)
HOSTILE = '<script>alert("x")</script> & Cie'


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_label_files_have_the_same_keys_and_placeholders():
    fr, en = (
        yaml.safe_load(data_path("labels", f"wellbeing_{lang}.yaml").read_text(encoding="utf-8"))[
            "wellbeing"
        ]
        for lang in ("fr", "en")
    )
    assert set(fr) == set(en)
    for key in fr:
        assert _placeholders(fr[key]) == _placeholders(en[key]), key
    assert wb.wellbeing_labels("fr")["wellbeing.h_wellbeing"] == "Bien-être et climat"


def _bilan(tables, lang: str = "fr", period: str = "2017-Q2", k: int = 5):
    """What the well-being sections read of a bilan of ``period``: the well-being part of a
    release of ``tables`` (no project: the packaged ecosystem and instruments)."""
    p = parse_period(period, launch=ECO.launch)
    instruments = load_instruments(levers=ECO.lever_ids)
    frames, facts = wellbeing_part(tables, p, ECO, instruments, k=k, k_drivers=25)
    return SimpleNamespace(
        release=Release({"wellbeing": facts, "k_drivers": 25}, frames), period=p, lang=lang,
        k=k, labels=Labels(lang, ecosystem=ECO), project=None, eco=ECO,
    )  # fmt: skip


@pytest.fixture(scope="module")
def hostile_city():
    """The synthetic city with a department named like an HTML injection."""
    return synthetic_city(department_name=lambda d: HOSTILE if d == 0 else f"Direction {d:02d}")


@pytest.fixture(scope="module")
def hostile_bilan(hostile_city):
    return _bilan(hostile_city)


@pytest.mark.slow  # the first caller builds the well-being models (module fixture)
def test_data_text_is_escaped(hostile_bilan):
    html = wb.next_steps(hostile_bilan)  # the roll-out calendar lists the departments
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie" in html
    for section in (wb.wellbeing, wb.reliability, wb.drivers):
        assert "<script>" not in section(hostile_bilan)
    for outcome in ("climate", "swemwbs"):
        assert "<script>" not in wb.impact(hostile_bilan, outcome)


def _row(**values) -> pd.Series:
    base = {
        "lever": "temps", "outcome": "climate", "estimate": 0.4, "ci_low": 0.2, "ci_high": 0.6,
        "n_treated": 120, "n_control": 900, "mde": 0.2, "significant_fdr": True,
        "causal_wording_allowed": True, "design": "did_linked_panel", "suppressed": False,
        "note": "", "estimate_baseline_adjusted": 0.45, "sms_level": 3, "hedges_g": 0.3,
        "wave_from": "2015-11", "wave_to": "2017-05",
    }  # fmt: skip
    return pd.Series({**base, **values})


@pytest.mark.slow  # the first caller builds the well-being models (module fixture)
def test_wording_follows_the_level_of_evidence(hostile_bilan, hostile_city):
    """The verdict words come from the design level, the FDR significance and the waves pooled;
    no causal verb for an observational design (eco_eval.bilan.wording)."""
    s = wb.section(hostile_bilan)
    probable = s.sentence(_row())
    assert probable.startswith(
        "Les participants à « time out » ont vu le climat perçu du levier progresser de 0,40 point"
        " de plus que les autres agents suivis (mesuré de novembre 2015 à mai 2017"
    )
    assert probable.endswith("niveau de preuve 3 sur 5 : effet probable, non démontré.")
    assert not CAUSAL_FR.search(probable)
    down = s.sentence(_row(estimate=-0.4, ci_low=-0.6, ci_high=-0.2))
    assert "reculer de 0,40 point" in down
    shown = s.sentence(_row(sms_level=5))
    assert shown.endswith("niveau de preuve 5 sur 5 : effet démontré.")
    association = s.sentence(
        _row(causal_wording_allowed=False, design="cross_sectional", sms_level=2)
    )
    assert "va de pair avec" in association and "une association, pas un effet" in association
    assert not CAUSAL_FR.search(association)
    null = s.sentence(_row(significant_fdr=False, ci_low=-0.1, estimate=0.05))
    assert null.startswith("Aucun effet démontré") and "au moins 0,20 point aurait pu" in null
    fragile = s.sentence(_row(significant_fdr=False))
    assert "correction pour comparaisons multiples" in fragile and "effet possible" in fragile
    assert not CAUSAL_FR.search(fragile)
    weak_assoc = s.sentence(
        _row(causal_wording_allowed=False, significant_fdr=False, ci_low=-0.1, sms_level=2)
    )
    assert weak_assoc.startswith("Pas d'association nette") and not CAUSAL_FR.search(weak_assoc)
    large = s.sentence(_row(hedges_g=0.65))
    assert large.endswith("Ampleur inhabituelle : à confirmer.")
    assert "à confirmer" not in s.sentence(_row(hedges_g=0.65, significant_fdr=False, ci_low=-0.1))
    assert "Trop peu" in s.sentence(_row(estimate=float("nan")))
    assert "Moins de 5 participants" in s.sentence(_row(suppressed=True))
    # both models given when they disagree
    both = s.sentence(_row(note="... the two models disagree by more than one SE; report both"))
    assert both.endswith("En tenant compte du score de départ : +0,45 point.")
    en = wb.section(_bilan(hostile_city, lang="en"))
    assert en.sentence(_row(estimate=2.5, ci_high=3.0)).startswith(
        "Participants in “time out” saw the perceived climate of the lever rise by 2.50 points"
    )


@pytest.mark.slow  # the first caller builds the well-being models (module fixture)
def test_sections_render(hostile_bilan):
    html = wb.wellbeing(hostile_bilan)
    assert "Bien-être mental (SWEMWBS, 7–35)" in html and "mai 2017" in html
    assert "<table" in wb.reliability(hostile_bilan)
    card = wb.lever_impact(hostile_bilan, "temps")
    assert "sur le climat du levier (fourchette [" in card and "niveau de preuve 3 sur 5" in card
    assert "non estimé" in wb.lever_impact(hostile_bilan, "reve")  # no climate scale asked
    text = wb.lever_impact_text(hostile_bilan, "temps")
    assert "<" not in text and text.startswith("+0,")
    assert wb.heading(hostile_bilan, "impact") == (
        '<h2 id="impact">Effets des outils sur le climat et le bien-être</h2>'
    )
    with pytest.raises(ConfigError, match="did you mean"):
        wb.heading(hostile_bilan, "impacts")
    assert isinstance(wb.trend_figure(hostile_bilan), go.Figure)
    fig = wb.impact_figure(hostile_bilan, "climate")
    assert isinstance(fig, go.Figure) and list(fig.data[0].y) == ["l'audace", "le temps"]


def test_no_barometer_before_the_period(hostile_city):
    early = _bilan(hostile_city, period="2015-Q4")
    assert "Aucune vague" in wb.wellbeing(early)
    assert "Aucune vague" in wb.impact(early)


@pytest.mark.slow  # the first caller builds the well-being models (module fixture)
def test_drivers_need_k_drivers(hostile_bilan):
    small = synthetic_city(n_people=20)
    assert "Moins de 25 répondants" in wb.drivers(_bilan(small))


# --------------------------------------------------------------------------- the demo city
@pytest.fixture(scope="module")
def demo_bilan(demo_run):
    """The demo's 2017-Q4 bilan, from the release its run saved."""
    project = load_project(demo_run["root"])
    release = load_release(Path(project.processed_dir) / RELEASES_DIR / "2017-Q4")
    return Bilan.from_release(release, project=project)


def test_demo_sections(demo_bilan):
    html = wb.impact(demo_bilan, "climate")
    assert "les 4 intervalles entre vagues de novembre 2015 à novembre 2017, regroupés" in html
    # « point silence » (bien_etre) has a planted climate effect: probable at level 3, no more
    assert (
        "Les participants à « point silence » ont vu le climat perçu du levier progresser" in html
    )
    assert "a entraîné" not in html
    card = wb.lever_impact(demo_bilan, "bien_etre")
    assert (
        "effet probable, non démontré (niveau de preuve 3 sur 5), mesuré de novembre 2015" in card
    )
    assert "fiable" in wb.reliability(demo_bilan)
    assert "R² =" in wb.drivers(demo_bilan)
    plan = wb.next_steps(demo_bilan)
    assert "26 directions en 4 groupes" in plan and "plus de 99\xa0%" in plan
    assert "novembre 2018" in plan  # first group at the wave after the baseline wave of May 2018
    for section in (wb.wellbeing, wb.reliability, wb.drivers):
        assert section(demo_bilan).count("<table") == (2 if section is wb.wellbeing else 1)


def test_demo_methods_show_weighted_and_unweighted_levels_and_the_design_effect(demo_bilan):
    html = wb.weights_methods(demo_bilan)
    assert "Pondéré (agents)" in html and "Non pondéré (répondants)" in html
    lv = demo_bilan.release.frame("wellbeing_levels")
    wave = wb.section(demo_bilan).wave
    row = lv[
        (lv["period"] == wave) & (lv["indicator"] == "swemwbs_mean")
        & (lv["dimension"] == "*") & (lv["lever"] == "*")
    ].iloc[0]  # fmt: skip
    for value in (row["value"], row["value_unweighted"]):
        assert f'<td class="num">{value:.2f}</td>'.replace(".", ",") in html
    weights = demo_bilan.release.manifest["wellbeing"]["weights"]
    assert len(weights) >= 2
    for w in weights:  # one line per wave with its design effect
        assert f"{w['design_effect']:.3f}".replace(".", ",") in html
    assert html in demo_bilan.methods()


def test_demo_deep_dive_shows_the_sensitivity_analyses(demo_bilan):
    html = demo_bilan.lever_sensitivity("bien_etre")
    for label in ("Modèle du levier seul", "Erreurs groupées par direction",
                  "Premières différences", "Contrôle des tendances antérieures"):  # fmt: skip
        assert label in html
    im = demo_bilan.release.frame("wellbeing_impact")
    row = im[im["pooled"] & (im["lever"] == "bien_etre") & (im["outcome"] == "climate")].iloc[0]
    for col in ("estimate", "estimate_single_lever", "estimate_first_difference"):
        assert f"{row[col]:+.2f}".replace(".", ",") in html
    # department clustering is estimated on the demo city (blank departments form one cluster)
    low = f"{row['ci_low_department']:.2f}".replace(".", ",")
    assert f"[{low}" in html
    assert "non estimé" not in html.split("Erreurs groupées par direction")[1].split("</tr>")[0]


def test_the_analyst_may_say_all_for_the_sentinel(demo_bilan):
    from eco_eval.report import figures

    star = demo_bilan.figure("reach_rate")
    assert star is not None and star["dimension"] == "*"
    said = demo_bilan.figure("reach_rate", lever="all", dimension="all", group="All")
    assert said is not None and said.equals(star)
    history = demo_bilan.release.frame("history")
    a = figures.trend(history, "sessions_held", by="all", lever="all")
    b = figures.trend(history, "sessions_held")
    assert [list(t.y) for t in a.data] == [list(t.y) for t in b.data]
    assert len(b.data) and len(b.data[0].y)
