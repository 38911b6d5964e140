"""Labels: fr and en complete and consistent, errors that name the key, names from the data."""

from __future__ import annotations

import pytest

from eco_eval.errors import ConfigError
from eco_eval.report.i18n import LANGS, LabelMissing, Labels, label_file, placeholders


def test_every_language_has_the_same_keys() -> None:
    reference = set(label_file("fr"))
    for lang in LANGS:
        keys = set(label_file(lang))
        assert keys == reference, f"{lang}.yaml differs from fr.yaml: {sorted(keys ^ reference)}"


def test_every_label_has_the_same_placeholders_in_every_language() -> None:
    for key, text in label_file("fr").items():
        for lang in LANGS:
            assert placeholders(label_file(lang)[key]) == placeholders(text), f"{lang}: {key}"


def test_no_label_is_empty() -> None:
    for lang in LANGS:
        assert all(text.strip() for text in label_file(lang).values()), lang


def test_missing_key_names_the_file_and_the_closest_key(labels: Labels) -> None:
    with pytest.raises(LabelMissing) as caught:
        labels["section.sumary"]
    message = str(caught.value)
    assert "fr.yaml" in message
    assert 'did you mean "section.summary"' in message
    assert isinstance(caught.value, ConfigError)
    assert isinstance(caught.value, KeyError)  # so that labels.get() and `in` work
    assert labels.get("section.sumary", "défaut") == "défaut"


def test_labels_are_frozen(labels: Labels) -> None:
    with pytest.raises(AttributeError):
        labels.lang = "en"  # type: ignore[misc]
    with pytest.raises(TypeError):
        labels["section.summary"] = "autre"  # type: ignore[index]


def test_extend_returns_a_changed_copy(labels: Labels) -> None:
    city = labels.extend({"section.summary": "L'essentiel"})
    assert city["section.summary"] == "L'essentiel"
    assert labels["section.summary"] == "Synthèse"
    assert city.lever_ids == labels.lever_ids


def test_format_fills_placeholders_and_names_a_missing_value(labels: Labels) -> None:
    assert labels.format("value.suppressed_k", k=5) == "< 5 pers."
    with pytest.raises(ConfigError, match=r"value\.suppressed_k.*needs the value 'k'"):
        labels.format("value.suppressed_k")


def test_lever_and_tool_names_come_from_the_ecosystem(labels: Labels, labels_en: Labels) -> None:
    assert labels.lever_ids[0] == "contrainte" and len(labels.lever_ids) == 12
    assert labels.lever("bien_etre") == "le bien-être"
    assert labels_en.lever("bien_etre") == "well-being"
    assert labels.lever("*") == "ensemble du programme"
    assert labels.lever("nouveau_levier") == "nouveau_levier"
    assert labels.tool("point_silence") == "« point silence »"
    assert labels_en.tool("point_silence") == "“point silence”"


def test_indicator_names_and_units_come_from_the_catalogue(
    labels: Labels, labels_en: Labels
) -> None:
    assert labels.indicator("reach_rate") == "Taux de participation"
    assert labels_en.indicator("reach_rate") == "Reach rate"
    assert labels.is_percent("reach_rate") and not labels.is_percent("sessions_held")
    assert labels.unit("sessions_held") == "séances"
    assert labels.indicator("inconnu") == "inconnu" and labels.unit("inconnu") == ""


def test_dimension_and_group_names(labels: Labels, labels_en: Labels) -> None:
    assert labels.dimension("category") == "catégorie"
    assert labels.group("category", "A") == "catégorie A"
    assert labels.group("gender", "F") == "femmes"
    assert labels_en.group("gender", "F") == "women"
    assert labels.group("department", "DRH") == "DRH"
    assert labels.group("all", "*") == "ensemble"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ConfigError, match="use one of fr, en"):
        Labels("de")
