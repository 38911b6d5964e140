"""``eco-eval kit``: what a city needs to start measuring the same way, in one folder.

The folder is a project ready for ``eco-eval ingest`` once the city's files are in ``data/raw/``:

- ``eco_eval.yaml``: the configuration that reads the kit's files (:mod:`eco_eval.kit.config`);
- ``ecosysteme.yaml``: the levers and their tools as data (ids, French and English names,
  generation), the lists the templates and the questionnaires offer;
- ``data/raw/questionnaires/*.lss``: the post-session feedback and the barometer as LimeSurvey
  survey structures to import (:mod:`eco_eval.kit.lss`), also the sources' codebooks;
- ``modeles/``: the facilitators' log, the sign-in sheet and the headcount (xlsx with data
  validation, :mod:`eco_eval.kit.templates`), to copy into ``data/raw/`` as they are filled;
- ``LICENCES.md``: the terms of use of SWEMWBS and WHO-5 (from ``_data/instruments.yaml``);
- ``LISEZMOI.md``: the day's steps, in French.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eco_eval.config import CONFIG_NAME
from eco_eval.ecosystem import Ecosystem, load_ecosystem
from eco_eval.errors import ConfigError
from eco_eval.instruments import load_instruments
from eco_eval.kit.config import (
    ATTENDANCE,
    BAROMETER_LSS,
    FEEDBACK_LSS,
    HEADCOUNT,
    SESSIONS,
    STATUS_LABELS,
    kit_config_text,
    package_scales,
)
from eco_eval.kit.lss import write_lss
from eco_eval.kit.surveys import (
    BAROMETER_SID,
    FEEDBACK_SID,
    Scales,
    barometer_groups,
    feedback_groups,
)
from eco_eval.kit.templates import write_templates

TEMPLATES = "modeles"
LICENSED = ("swemwbs", "who5")


@dataclass
class Kit:
    folder: Path
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        names = ", ".join(sorted(p.relative_to(self.folder).as_posix() for p in self.files))
        return f"kit written to {self.folder} ({len(self.files)} files: {names})"


def ecosystem_document(eco: Ecosystem) -> dict[str, Any]:
    """The ecosystem as data: launch, levers, and each tool with its lever and generation."""
    return {
        "launch": eco.launch.isoformat(),
        "levers": [{"id": lv.id, "fr": lv.name("fr"), "en": lv.name("en")} for lv in eco.levers],
        "tools": [
            {
                "id": t.id,
                "fr": t.name("fr"),
                "en": t.name("en"),
                "lever": t.lever,
                "generation": t.generation,
            }
            for t in eco.tools
        ],
    }


def licence_text() -> str:
    """The terms of use of the licensed instruments, in French with the authors' wording."""
    definitions = load_instruments()
    parts = ["# Licences des instruments du baromètre", ""]
    for name in LICENSED:
        inst = definitions[name]
        parts += [
            f"## {inst.label_fr}",
            "",
            f"Conditions d'utilisation : {inst.licence}",
            "",
            f"Référence : {inst.reference}",
            "",
        ]
    parts += [
        "Avant d'importer le baromètre dans LimeSurvey, enregistrez votre collectivité auprès de "
        "la Warwick Medical School pour SWEMWBS (gratuit pour un usage non commercial) et citez "
        "WHO-5 selon sa licence (CC BY-NC-SA 3.0). Les questions de climat sont propres au "
        "programme et libres d'usage.",
        "",
    ]
    return "\n".join(parts)


def licence_note() -> str:
    """One line shown in the barometer under the well-being questions."""
    return (
        "SWEMWBS © NHS Health Scotland, University of Warwick and University of Edinburgh "
        "(utilisation après enregistrement auprès de Warwick Medical School) ; WHO-5 © "
        "Psychiatric Research Unit, Mental Health Centre North Zealand (CC BY-NC-SA 3.0)."
    )


README = """# Kit eco_eval — mesurer le programme d'innovation organisationnelle

Ce dossier est un projet eco_eval prêt à l'emploi.

1. Renseignez `organisation` (nom, SIREN, SIRET) dans `eco_eval.yaml`, puis créez la clé de
   pseudonymisation : `eco-eval key create`.
2. Importez dans LimeSurvey les deux questionnaires de `data/raw/questionnaires/` (Créer une
   enquête > Importer) : `{feedback}` (après chaque séance) et `{barometer}` (baromètre, deux fois
   par an). Lisez d'abord `LICENCES.md` (SWEMWBS, WHO-5).
3. Les animateurs tiennent `{templates}/{sessions}` (une ligne par séance) et font signer
   `{templates}/{attendance}` ; les RH remplissent `{templates}/{headcount}`. Les listes
   déroulantes reprennent les outils de `ecosysteme.yaml` et les statuts des séances.
4. Déposez les fichiers remplis dans `data/raw/` aux mêmes chemins (un fichier par mois ou par
   an : `emargement_2024-01.xlsx`...), les exports de réponses LimeSurvey (CSV, codes de
   questions) dans `data/raw/retours/` (`results-survey{feedback_sid}.csv`) et
   `data/raw/barometre/` (`barometre_AAAA-MM.csv`, la vague dans le nom).
5. `eco-eval doctor`, puis `eco-eval run --period latest`.
"""


def write_kit(
    folder: Path,
    *,
    name: str = "Ma collectivité",
    siren: str = "000000000",
    siret: str = "00000000000000",
    ecosystem: dict[str, Any] | None = None,
) -> Kit:
    """Write the kit (module doc) into ``folder``; refuses a folder that holds a configuration.

    ``ecosystem``: a project's ``ecosystem:`` section (default: the packaged ecosystem).
    """
    folder = Path(folder)
    if (folder / CONFIG_NAME).exists():
        raise ConfigError(
            f"{folder / CONFIG_NAME} already exists; write the kit into a new folder "
            "(eco-eval kit <new folder>)"
        )
    eco = load_ecosystem(ecosystem or None)
    kit = Kit(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scales = Scales.from_config(package_scales())
    raw = folder / "data" / "raw"
    levers = [(lv.id, lv.name("fr")) for lv in eco.levers]
    tools_of = {
        lv.id: " », « ".join(t.name("fr") for t in eco.tools_of(lv.id)) or lv.name("fr")
        for lv in eco.levers
    }
    surveys = {
        FEEDBACK_LSS: (
            FEEDBACK_SID,
            "Votre avis sur la séance",
            "Questionnaire anonyme après une séance d'un outil de l'écosystème.",
            feedback_groups([t.name("fr") for t in eco.tools], scales),
        ),
        BAROMETER_LSS: (
            BAROMETER_SID,
            "Baromètre bien-être et climat",
            "Baromètre anonyme des agents : bien-être, climat, participation.",
            barometer_groups(levers, tools_of, scales, licence_note=licence_note()),
        ),
    }
    for rel, (sid, title, description, groups) in surveys.items():
        kit.files.append(
            write_lss(
                raw / rel,
                sid=sid,
                title=title,
                description=description,
                groups=groups,
                admin_email="",
            )
        )
    kit.files += write_templates(
        folder / TEMPLATES,
        tool_names=[t.name("fr") for t in eco.tools],
        statuses=list(STATUS_LABELS.values()),
    )
    texts = {
        CONFIG_NAME: kit_config_text(
            name=name, siren=siren, siret=siret, lever_ids=eco.lever_ids, ecosystem=ecosystem
        ),
        "ecosysteme.yaml": yaml.safe_dump(
            ecosystem_document(eco), allow_unicode=True, sort_keys=False
        ),
        "LICENCES.md": licence_text(),
        "LISEZMOI.md": README.format(
            feedback=Path(FEEDBACK_LSS).name,
            barometer=Path(BAROMETER_LSS).name,
            templates=TEMPLATES,
            sessions=SESSIONS[0],
            attendance=ATTENDANCE[0],
            headcount=HEADCOUNT[0],
            feedback_sid=FEEDBACK_SID,
        ),
    }
    for rel, text in texts.items():
        (folder / rel).write_text(text, encoding="utf-8")
        kit.files.append(folder / rel)
    return kit
