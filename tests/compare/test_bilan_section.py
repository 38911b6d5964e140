"""The bilan's section « Comparaison avec d'autres collectivités »: absent without a configured
folder, one sentence when the folder has no usable package, the city against the others when it
has the period's packages; no machine path, secret cells never drawn."""

from __future__ import annotations

import copy
import html
from pathlib import Path

import pytest

from eco_eval.bilan import Bilan
from eco_eval.compare.fictional import fictional_cities, write_fictional_packages
from eco_eval.config import demo_config_text, load_project
from eco_eval.release.build import release_from_tables
from sparse_city import ECO, Q2, K, sparse_city


def _cities_in(period: str) -> dict[str, dict]:
    """The fictional cities, their latest period relabelled ``period``."""
    out = {}
    for cid, spec in fictional_cities().items():
        spec = copy.deepcopy(spec)
        spec["periods"] = {period: spec["periods"][max(spec["periods"])]}
        spec.pop("second_generation_from", None)
        out[cid] = spec
    return out


@pytest.fixture(scope="module")
def release():
    release, _ = release_from_tables(sparse_city(), Q2, ECO, k=K)
    return release


def _bilan(release, root: Path, benchmark: str | None, lang: str = "fr") -> Bilan:
    root.mkdir(parents=True, exist_ok=True)
    text = demo_config_text()
    if benchmark is not None:
        text = text.replace(
            "report:\n  lang: fr\n", f"report:\n  lang: fr\n  benchmark: {benchmark}\n"
        )
    (root / "eco_eval.yaml").write_text(text, encoding="utf-8")
    return Bilan.from_release(release, lang=lang, project=load_project(root))


def test_no_folder_configured_shows_nothing(release, tmp_path: Path) -> None:
    b = _bilan(release, tmp_path / "city", None)
    assert b.benchmark() == "" and b.benchmark_figure() is None


def test_an_empty_folder_is_one_sentence_without_machine_path(release, tmp_path: Path) -> None:
    b = _bilan(release, tmp_path / "city", "autres_villes")
    text = b.benchmark()
    assert (
        "Comparaison avec d&#x27;autres collectivités" in text
        or "Comparaison avec d'autres" in text
    )
    assert text.count('class="eco-unavailable"') == 1
    assert "autres_villes" in html.unescape(text) and str(tmp_path) not in text
    assert b.benchmark_figure() is None


def test_an_invalid_package_names_its_file_relative_to_the_project(release, tmp_path: Path) -> None:
    root = tmp_path / "city"
    write_fictional_packages(root / "autres", cities=_cities_in("2016-Q2"))
    target = next((root / "autres" / "lanvallec").rglob("*indicateurs_innovation*.csv"))
    target.write_text(target.read_text(encoding="utf-8").replace(",oui\n", ",peut-être\n", 1))
    text = html.unescape(_bilan(release, root, "autres").benchmark())
    assert "autres/lanvallec/2016-Q2/datapackage.json" in text and str(tmp_path) not in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_city_against_the_others_of_the_period(release, tmp_path: Path, lang: str) -> None:
    root = tmp_path / "city"
    write_fictional_packages(root / "autres", cities=_cities_in("2016-Q2"))
    b = _bilan(release, root, "autres", lang=lang)
    text = html.unescape(b.benchmark())
    assert 'class="eco-unavailable"' not in text
    own = b.organisation or "Ville d'Exemple"
    assert own in text and "Ville de Kerbrient" in text  # the intro names the others
    assert text.count("<tr>") == 1 + 5  # header + the city's five published measures
    assert ("Précautions de lecture" if lang == "fr" else "Reading with care") in text
    assert str(tmp_path) not in text
    fig = b.benchmark_figure()
    cities = {y for trace in fig.data for y in (trace.y or ())}
    assert own in cities and "Ville de Saint-Aubrac" in cities
    secret = "secret statistique" if lang == "fr" else "statistical secrecy"
    assert any(a.text == secret for a in fig.layout.annotations)  # Saint-Aubrac's reach
    drawn = [
        t for t in fig.data if t.mode == "markers" and t.y == ("Ville de Saint-Aubrac",)
        and t.marker.size == 11
    ]  # fmt: skip
    assert len(drawn) == 1  # its balance only; its secret measures have no dot
