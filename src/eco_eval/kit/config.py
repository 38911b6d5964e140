"""The kit's ``eco_eval.yaml``: the sources as the kit's files and exports lay them out.

Column names are the headings of the kit's templates (:mod:`eco_eval.kit.templates`) and the
question codes of its questionnaires (:mod:`eco_eval.kit.surveys`); the value scales are the
package's (the demo city's configuration, ``_data/demo_project.yaml``), so the answer options
of the questionnaires and the lists of the templates are exactly what the scales read. The
questionnaires' ``.lss`` files are the sources' codebooks: exports with answer codes or full
answers give the same values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import yaml

from eco_eval.data_yaml import read_yaml
from eco_eval.kit.surveys import BAROMETER_SID, FEEDBACK_SID, NEGATIVE_ITEMS, lever_code

QUESTIONNAIRES = "questionnaires"
FEEDBACK_LSS = f"{QUESTIONNAIRES}/retour_seance_{FEEDBACK_SID}.lss"
BAROMETER_LSS = f"{QUESTIONNAIRES}/barometre_{BAROMETER_SID}.lss"
#: The templates: file (relative to data/raw, as the city saves them), sheet, canonical field ->
#: column heading. The first row of each sheet is the headings.
HEADCOUNT = ("rh/effectifs.xlsx", "Effectifs", {
    "as_of": "Date d'arrêté", "department": "Direction", "category": "Catégorie",
    "gender": "Sexe", "filiere": "Filière", "headcount": "Effectif"})  # fmt: skip
SESSIONS = ("animations/journal_animations.xlsx", "Journal", {
    "session_id": "N° séance", "date": "Date", "tool": "Outil", "facilitator": "Animateur",
    "duration_h": "Durée (h)", "place": "Lieu", "host_department": "Direction d'accueil",
    "status": "Statut"})  # fmt: skip
ATTENDANCE = ("presences/emargement.xlsx", "Émargement", {
    "session_id": "N° séance", "matricule": "Matricule", "last_name": "Nom",
    "first_name": "Prénom", "department": "Direction", "category": "Catégorie",
    "gender": "Sexe", "filiere": "Filière"})  # fmt: skip
#: The status each canonical value is written as in the facilitators' log.
STATUS_LABELS = {"held": "Réalisée", "cancelled": "Annulée", "planned": "Prévue"}


def package_scales() -> dict[str, Any]:
    """The value scales of the package's configuration (``_data/demo_project.yaml``)."""
    text = resources.files("eco_eval").joinpath("_data/demo_project.yaml").read_text("utf-8")
    return dict(read_yaml(text)["scales"])


def _pattern(path: str) -> str:
    """A template's file name as a pattern: ``presences/emargement.xlsx`` -> ``emargement*.xlsx``
    (a city keeps one file per month or per year)."""
    stem, _, ext = path.rpartition(".")
    return f"{stem}*.{ext}"


def _table_source(spec: tuple[str, str, dict[str, str]], **extra: Any) -> dict[str, Any]:
    path, sheet, columns = spec
    return {"pattern": _pattern(path), "format": "auto", "sheet": sheet, "columns": columns,
            **extra}  # fmt: skip


def item_rules(lever_ids: Sequence[str]) -> list[dict[str, str]]:
    """Barometer columns -> item codes: SWEMWBS, WHO-5, then each lever's climate pair and
    participation (sub-questions coded by lever rank, see :mod:`eco_eval.kit.surveys`)."""
    rules = [
        {"match": r"WB\[SQ0*(\d+)\]", "to": r"swemwbs_\1", "scale": "frequency5"},
        {"match": r"WHO\[SQ0*(\d+)\]", "to": r"who5_\1", "scale": "who5"},
    ]
    for rank, lever in enumerate(lever_ids, start=1):
        code = re.escape(lever_code(rank))
        rules += [
            {"match": rf"CLIM\[{code}A\]", "to": f"clim_{lever}_1", "scale": "agreement5"},
            {"match": rf"CLIM\[{code}B\]", "to": f"clim_{lever}_2", "scale": "agreement5"},
            {"match": rf"PART\[{code}\]", "to": f"part_{lever}", "scale": "yes_no"},
        ]
    return rules


def kit_config(
    *,
    name: str,
    siren: str,
    siret: str,
    lever_ids: Sequence[str],
    ecosystem: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The kit's configuration as a mapping (written as ``eco_eval.yaml``).

    ``ecosystem``: the project's ``ecosystem:`` section (extra or replacing levers and tools),
    carried over so that the kit's city reads the same tools."""
    reverse = {
        f"clim_{lever}": {"reverse": [f"clim_{lever}_{item}"]}
        for lever, item in NEGATIVE_ITEMS
        if lever in lever_ids
    }
    doc: dict[str, Any] = {
        "organisation": {"name": name, "siren": siren, "siret": siret},
        "privacy": {
            "k": 5,
            "k_comments": 10,
            "k_drivers": 25,
            "k_open_data": 10,
            "key_env": "ECO_EVAL_KEY",
        },
        "report": {"lang": "fr"},
    }
    if ecosystem:
        doc["ecosystem"] = dict(ecosystem)
    if reverse:
        doc["instruments"] = reverse
    scales = package_scales()
    scales["status"] = {label: value for value, label in STATUS_LABELS.items()} | dict(
        scales.get("status", {})
    )
    doc["scales"] = scales
    doc["sources"] = {
        "headcount": _table_source(HEADCOUNT, values={"category": "category", "gender": "gender"}),
        "sessions": _table_source(
            SESSIONS, values={"tool": "tool", "status": "status"}, identifiers=["facilitator"]
        ),
        "attendance": _table_source(
            ATTENDANCE,
            values={"category": "category", "gender": "gender"},
            identifiers=["matricule", "last_name", "first_name"],
        ),
        "feedback": {
            "pattern": f"retours/results-survey{FEEDBACK_SID}*.csv",
            "format": "limesurvey",
            "codebook": FEEDBACK_LSS,
            "columns": {
                "response_id": "id",
                "submitted_at": "submitdate",
                "session_id": "SEANCE",
                "tool": "OUTIL",
                "satisfaction": "SAT",
                "usefulness": "UTIL",
                "recommend": "RECO",
                "comment": "COMM",
            },
            "values": {
                "tool": "tool",
                "satisfaction": "satisfaction5",
                "usefulness": "agreement5",
                "recommend": "score0_10",
            },
        },
        "barometer": {
            "pattern": "barometre/barometre_*.csv",
            "format": "limesurvey",
            "codebook": BAROMETER_LSS,
            "wave_from": r"barometre_(?P<wave>\d{4}-\d{2})",
            "columns": {
                "response_id": "id",
                "submitted_at": "submitdate",
                "matricule": "MATRICULE",
                "department": "DIR",
                "category": "CAT",
                "gender": "SEXE",
            },
            "values": {"category": "category", "gender": "gender"},
            "identifiers": ["matricule"],
            "items": item_rules(lever_ids),
        },
    }
    return doc


HEADER = """\
# eco_eval configuration written by 'eco-eval kit': the sources as the kit's templates and
# questionnaires lay them out (docs/kit.md). Paths are relative to data/raw/ in this folder.
# Fill organisation with your own name, SIREN and SIRET; create the pseudonymisation key with
# 'eco-eval key create' (or set ECO_EVAL_KEY) before the first 'eco-eval ingest'.
"""


def kit_config_text(**kwargs: Any) -> str:
    """:func:`kit_config` as YAML, with a header saying what to edit."""
    body = yaml.safe_dump(kit_config(**kwargs), allow_unicode=True, sort_keys=False, width=100)
    return HEADER + body
