"""'eco-eval impact|reliability|wellbeing --out': the numbers of the bilan of the same period
(computed here through a release and Bilan.from_release, the bilan's own route), its columns, nothing from fewer than
k people, one-line errors."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from eco_eval.bilan import Bilan
from eco_eval.bilan import wellbeing as wb
from eco_eval.bilan.exports import (
    IMPACT_EXPORT_COLUMNS,
    RELIABILITY_EXPORT_COLUMNS,
    WELLBEING_EXPORT_COLUMNS,
    impact_export,
)
from eco_eval.cli import main
from eco_eval.config import load_project
from eco_eval.periods import parse_period
from eco_eval.publish.release import PeriodRelease

PERIOD = "2016-Q2"  # two barometer waves: one pair, the shortest impact computation


@pytest.fixture(scope="module")
def bilan_section(demo_project: Path) -> wb.WellbeingSection:
    """The well-being section of the period's bilan, from the release the bilan and the exports
    read (built and saved here, read again by the exports)."""
    project = load_project(demo_project)
    period = parse_period(PERIOD, launch=project.ecosystem().launch)
    release = PeriodRelease(project, period).loaded()
    return wb.section(Bilan.from_release(release, lang="fr", project=project))


def _export(demo_project: Path, table: str, out: Path) -> pd.DataFrame:
    result = CliRunner().invoke(
        main, [table, "--project", str(demo_project), "--period", PERIOD, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype={"wave": str, "wave_from": str, "wave_to": str})
    assert result.output.strip() == f"{len(frame)} rows written to {out}"
    return frame


def _same(got: pd.Series, want: pd.Series, rtol: float = 1e-12) -> None:
    np.testing.assert_allclose(
        pd.to_numeric(got, errors="coerce").to_numpy(dtype=float),
        pd.to_numeric(want, errors="coerce").to_numpy(dtype=float),
        rtol=rtol,
        equal_nan=True,
    )


def _no_small_counts(frame: pd.DataFrame, counts: tuple[str, ...], k: int) -> None:
    for col in counts:
        shown = frame[col].dropna()
        assert (shown >= k).all(), (col, shown[shown < k])


@pytest.mark.slow
def test_impact_export_is_the_bilans_impact_table(demo_project, bilan_section, tmp_path):
    got = _export(demo_project, "impact", tmp_path / "impact.csv")
    assert tuple(got.columns) == IMPACT_EXPORT_COLUMNS
    k = bilan_section.k
    shown = pd.concat([bilan_section.headline(o) for o in ("climate", "swemwbs")])
    assert len(got) == len(shown) == 2 * len(bilan_section.b.eco.levers)
    assert set(got["period"]) == {PERIOD}
    want = shown.set_index(["outcome", "lever"])
    got = got.set_index(["outcome", "lever"]).loc[want.index]
    hidden = (want["n_treated"] < k) | (want["n_control"] < k)
    for mine, theirs in {
        "estimate": "estimate", "ci_low": "ci_low", "ci_high": "ci_high", "p": "p_value",
        "p_adj": "p_adjusted", "effect_size": "hedges_g", "sms_level": "sms_level",
    }.items():  # fmt: skip
        _same(got.loc[~hidden, mine], want.loc[~hidden, theirs])
        assert got.loc[hidden, mine].isna().all() or mine == "sms_level"
    for col in ("n_treated", "n_control"):
        _same(got.loc[want[col] >= k, col], want.loc[want[col] >= k, col])
    assert (got["design"] == want["design"]).all()
    assert got["estimate"].notna().sum() > 0
    _no_small_counts(got, ("n_treated", "n_control"), k)


def test_reliability_export_is_the_bilans_reliability(demo_project, bilan_section, tmp_path):
    got = _export(demo_project, "reliability", tmp_path / "reliability.csv")
    assert tuple(got.columns) == RELIABILITY_EXPORT_COLUMNS
    want = bilan_section.reliability_frame
    assert len(got) == len(want) > 0
    assert set(got["wave"]) == set(bilan_section.waves)
    for col in ("alpha", "alpha_ci_low", "alpha_ci_high", "reliability", "n"):
        _same(got[col], want[col])
    # omega is an iterative factor fit: equal to its convergence tolerance, not to the last bit
    _same(got["omega"], want["omega"], rtol=1e-6)
    _same(got["items"], want["k"])
    assert (got["trusted"] == want["trusted"]).all()
    _no_small_counts(got, ("n",), bilan_section.k)


def test_wellbeing_export_is_the_bilans_levels(demo_project, bilan_section, tmp_path):
    got = _export(demo_project, "wellbeing", tmp_path / "wellbeing.csv")
    assert tuple(got.columns) == WELLBEING_EXPORT_COLUMNS
    want = bilan_section.levels
    assert len(got) == len(want) > 0
    assert (got["suppressed"].to_numpy() == want["suppressed"].to_numpy()).all()
    assert got["suppressed"].any()  # the demo has small groups: suppression is exercised
    visible = ~want["suppressed"].to_numpy()
    for col in ("value", "n", "ci_low", "ci_high"):
        _same(got.loc[visible, col], want.loc[visible, col])
        assert got.loc[~visible, col].isna().all()
    assert (got["wave"].to_numpy() == want["period"].astype(str).to_numpy()).all()
    _no_small_counts(got, ("n",), bilan_section.k)


def test_impact_export_blanks_counts_and_figures_under_k():
    eco = SimpleNamespace(levers=[SimpleNamespace(id="a"), SimpleNamespace(id="b")])
    rows = pd.DataFrame(
        {
            "outcome": "climate", "lever": ["b", "a"], "estimate": [0.4, 0.2],
            "ci_low": [0.1, -0.1], "ci_high": [0.7, 0.5], "p_value": [0.01, 0.2],
            "p_adjusted": [0.02, 0.2], "n_treated": [3, 40], "n_control": [500, 460],
            "design": "did_linked_panel", "sms_level": 3, "hedges_g": [0.5, 0.2],
            "g_ci_low": [0.1, -0.1], "g_ci_high": [0.9, 0.5], "significant_fdr": [True, False],
            "causal_wording_allowed": True, "mde": [0.3, 0.3], "wave_from": "2016-05",
            "wave_to": "2016-11", "pooled": False, "suppressed": False,
        }
    )  # fmt: skip
    section = SimpleNamespace(
        b=SimpleNamespace(eco=eco, period=SimpleNamespace(label="2016-Q4")),
        k=5,
        headline=lambda o: rows if o == "climate" else rows.iloc[0:0],
    )
    out = impact_export(section)  # type: ignore[arg-type]
    assert list(out["lever"]) == ["a", "b"]  # the ecosystem's order
    small = out.set_index("lever").loc["b"]
    assert small["suppressed"] and pd.isna(small["n_treated"]) and small["n_control"] == 500
    assert pd.isna(small["estimate"]) and pd.isna(small["p"]) and not small["significant_fdr"]
    assert out.set_index("lever").loc["a", "estimate"] == 0.2


@pytest.mark.parametrize("table", ["impact", "reliability", "wellbeing"])
def test_bad_arguments_are_one_line_errors(demo_project, tmp_path, table):
    runner = CliRunner()
    cases = [
        (["--period", PERIOD, "--out", str(tmp_path / "t.xlsx")], "use .csv or .parquet"),
        (["--period", "2016-Q7", "--out", str(tmp_path / "t.csv")], "2016-Q7"),
    ]
    for args, needle in cases:
        result = runner.invoke(main, [table, "--project", str(demo_project), *args])
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())
    (tmp_path / "eco_eval.yaml").write_text(
        (demo_project / "eco_eval.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = runner.invoke(main, [table, "--project", str(tmp_path), "--period", PERIOD])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 5 and len(lines) == 1 and "eco-eval ingest" in lines[0]
