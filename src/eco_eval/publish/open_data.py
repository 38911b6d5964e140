"""The period's open data: a Frictionless data package under ``reports/<period>/open-data/``.

Only anonymised aggregates leave the city, under the stricter open-data rule of
:func:`eco_eval.privacy.open_data.prepare_open_data`: cells resting on fewer than
``privacy.k_open_data`` (at least 10) people are suppressed, with complementary suppression, and
counts of people are rounded to 5. The rule is consistent across releases: the cells it hid are
kept in ``data/processed/open_data_suppression_log.csv`` and stay hidden when a period is
published again, and the indicator tables of earlier periods, as published, are passed as
``previous_cumulative`` so that no difference between two releases isolates fewer than k people.

French national open-data conventions (data.gouv.fr, schema.data.gouv.fr): UTF-8 without BOM,
comma separator, decimal point, ISO 8601 dates, camelCase field names, the producer's name and
SIRET and the publication date on every row, files named ``AAAAMMJJ_SIREN_nom.csv``, one Table
Schema per file, a ``datapackage.json`` under the *Licence Ouverte / Open Licence 2.0*. An empty
cell always says why: ``secret statistique`` (hidden by the rule) or ``non applicable`` (no
such figure: a rate without denominator, an interval of an exact count, the number of people of
an activity indicator); the schemas declare both as missing values. Text a spreadsheet would run
as a formula is neutralised (``'`` prefix).

Every cell about people the package shows or hides goes into the store's publication ledger
(:func:`ledger_rows`, recorded once the period folder is out), as the bilan's and the exports'
do, so that a later export or bilan of an overlapping period is checked against it. The package
shows no figure its period's bilan does not show: it is made from the same release's raw
figures, hides every cell of the bilan's suppression log, and applies a stricter threshold.

Three files: ``indicateurs_innovation_<period>`` (every indicator of the period by lever, tool and
breakdown), ``leviers_outils`` (the ecosystem) and ``catalogue_indicateurs`` (what each indicator
means); ``README.md`` says it in French. Like the other parts, the package is rebuilt only when its
build key changes (``open-data/provenance.json``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.digest import sha256_file
from eco_eval.indicators.catalogue import load_catalogue
from eco_eval.privacy.ledger import ledger_cells
from eco_eval.privacy.open_data import neutralise_formulas, prepare_open_data
from eco_eval.privacy.suppression import read_suppression_log, write_suppression_log
from eco_eval.publish.open_data_schema import (
    ALL_FR,
    CATALOGUE_FIELDS,
    DIMENSIONS_FR,
    ECOSYSTEM_FIELDS,
    INDICATOR_FIELDS,
    LEGACY_MISSING_VALUES,
    LICENCE,
    MISSING_VALUES,
    NATURE_FR,
    NOT_APPLICABLE,
    SECRET,
    table_schema,
)
from eco_eval.publish.provenance import STAMP, is_current, make_stamp, write_json
from eco_eval.publish.staging import PeriodStage
from eco_eval.release.model import open_data_publication
from eco_eval.report.fmt import period_sort_key

log = logging.getLogger(__name__)

PACKAGE_DIR = "open-data"
LOG_NAME = "open_data_suppression_log.csv"
INDICATORS = "indicateurs_innovation"
ECOSYSTEM = "leviers_outils"
CATALOGUE = "catalogue_indicateurs"
# Indicators on the same people: one hidden means all hidden (else rate x n gives it back).
FAMILIES = {
    **dict.fromkeys(
        ("unique_participants", "participations", "reach_rate", "participation_ratio"),
        "participants",
    ),
    "repeat_participation_rate": "participants",
}
NUMERATORS = {"unique_participants": "count", "participations": "count"}
CUMULATIVE = frozenset({"cumulative_reach_rate"})
_UNNEUTRALISE = re.compile(r"^'(?=\s*[=+\-@\t\r\n])")


@dataclass
class OpenDataResult:
    folder: Path
    rebuilt: bool
    seconds: float
    files: list[str] = field(default_factory=list)
    suppressed: int = 0
    log: pd.DataFrame | None = None
    #: the package's cells for the publication ledger (:func:`ledger_rows`), when rebuilt
    ledger: pd.DataFrame | None = None

    def as_step(self) -> dict[str, Any]:
        return {
            "step": "open-data",
            "folder": str(self.folder),
            "rebuilt": self.rebuilt,
            "files": self.files,
            "seconds": round(self.seconds, 1),
            **({"suppressed_cells": self.suppressed} if self.rebuilt else {}),
        }


# --------------------------------------------------------------------------- the rule
def apply_rule(
    raw: pd.DataFrame,
    *,
    k: int,
    suppression_log: pd.DataFrame | None = None,
    previous: list[pd.DataFrame] | None = None,
    launch: date | None = None,
) -> Any:
    """The open-data rule on a raw tidy frame (before any suppression): a SuppressionResult."""

    exempt = [i.id for i in load_catalogue().indicators if i.privacy == "activity"]
    return prepare_open_data(
        raw,
        k=k,
        families=FAMILIES,
        numerators=NUMERATORS,
        exempt=exempt,
        suppression_log=suppression_log,
        previous_cumulative=previous or None,
        launch=launch,
    )


def label_cumulative(raw: pd.DataFrame, period_label: str) -> pd.DataFrame:
    """Cumulative indicators cover launch..end of the period: label them ``cumul:<period>``."""
    out = raw.copy()
    out.loc[out["indicator"].isin(CUMULATIVE), "period"] = f"cumul:{period_label}"
    return out


def ledger_rows(
    figures: pd.DataFrame, published: pd.DataFrame, period: Any, launch: date
) -> pd.DataFrame:
    """The publication-ledger rows of a package: each cell about people of ``published`` (the
    frame :func:`apply_rule` returned for ``figures``, row for row), with its value and ``n``
    from ``figures``, before rounding (:mod:`eco_eval.privacy.ledger`), under the name
    :func:`~eco_eval.release.model.open_data_publication` of ``period``."""
    exact = figures.assign(suppressed=published["suppressed"].to_numpy(dtype=bool))
    personal = {i.id for i in load_catalogue().indicators if i.privacy in {"people", "answers"}}
    return ledger_cells(exact, open_data_publication(period), launch, personal)


# --------------------------------------------------------------------------- tables
def _num(value: Any, digits: int, scale: float = 1.0) -> str:
    """``value * scale`` with a decimal point and at most ``digits`` decimals; missing: empty
    (the row's ``secretStatistique`` says whether the cell is hidden or does not exist)."""
    number = pd.to_numeric(value, errors="coerce")
    if number is None or not np.isfinite(number):
        return ""
    number = float(number) * scale
    text = f"{float(number):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _neutralise(table: pd.DataFrame, fields: list[dict[str, Any]]) -> pd.DataFrame:
    """Neutralise spreadsheet formulas in the text fields (numbers keep their minus sign)."""

    text = [f["name"] for f in fields if f["type"] == "string"]
    out = table.copy()
    out[text] = neutralise_formulas(table[text])
    return out


def _producer(organisation: Any, published_on: date) -> dict[str, str]:
    return {
        "nomProducteur": str(organisation.name),
        "siretProducteur": str(organisation.siret),
        "datePublication": published_on.isoformat(),
    }


def indicator_table(
    frame: pd.DataFrame,
    *,
    organisation: Any,
    published_on: date,
    period: Any,
    launch: date,
    ecosystem: Any,
) -> pd.DataFrame:
    """The published indicator table from the frame ``apply_rule`` returned (one row per cell)."""

    by_id = {i.id: i for i in load_catalogue().indicators}
    producer = _producer(organisation, published_on)
    levers = {lv.id: lv.name("fr") for lv in ecosystem.levers}
    tools = {t.id: t.name("fr") for t in ecosystem.tools}
    rows = []
    for r in frame.itertuples(index=False):
        ind = by_id.get(str(r.indicator))
        privacy = ind.privacy if ind else "people"
        secret = bool(r.suppressed)
        cumulative = str(r.period).startswith("cumul")
        count = NUMERATORS.get(str(r.indicator)) == "count"
        lever, tool = str(r.lever), str(r.tool)
        group = str(r.group)
        # a rate whose unit is % is published in percent (0.071 -> 7.1), as its unit says
        pct = ind is not None and ind.unit == "%"
        scale, digits = (100.0, 1) if pct else (1.0, 0 if count else 3)
        if secret:
            value = n = low = high = ""
        else:
            value = _num(r.value, digits, scale)
            n = "" if privacy == "activity" else _num(r.n, 0)
            low, high = _num(r.ci_low, digits, scale), _num(r.ci_high, digits, scale)
        rows.append(
            {
                **producer,
                "periode": str(r.period),
                "dateDebut": (launch if cumulative else period.start).isoformat(),
                "dateFin": period.end.isoformat(),
                "levierId": ALL_FR if lever == "*" else lever,
                "levier": "Ensemble du programme" if lever == "*" else levers.get(lever, lever),
                "outilId": ALL_FR if tool == "*" else tool,
                "outil": "Tous les outils" if tool == "*" else tools.get(tool, tool),
                "dimension": DIMENSIONS_FR.get(str(r.dimension), str(r.dimension)),
                "groupe": ALL_FR if group == "*" else group,
                "indicateurId": str(r.indicator),
                "indicateur": ind.fr if ind else str(r.indicator),
                "unite": ind.unit if ind else "",
                "nature": NATURE_FR.get(privacy, privacy),
                "valeur": value,
                "effectif": n,
                "intervalleBas": low,
                "intervalleHaut": high,
                "secretStatistique": "oui" if secret else "non",
            }
        )
    return _neutralise(
        pd.DataFrame(rows, columns=[f["name"] for f in INDICATOR_FIELDS]), INDICATOR_FIELDS
    )


def ecosystem_table(*, organisation: Any, published_on: date, ecosystem: Any) -> pd.DataFrame:
    producer = _producer(organisation, published_on)
    rows = [
        {
            **producer,
            "levierId": t.lever,
            "levier": ecosystem.lever(t.lever).name("fr"),
            "outilId": t.id,
            "outil": t.name("fr"),
            "generation": str(t.generation),
        }
        for t in ecosystem.tools
    ]
    return _neutralise(
        pd.DataFrame(rows, columns=[f["name"] for f in ECOSYSTEM_FIELDS]), ECOSYSTEM_FIELDS
    )


def catalogue_table(*, organisation: Any, published_on: date) -> pd.DataFrame:

    producer = _producer(organisation, published_on)
    rows = [
        {
            **producer,
            "indicateurId": i.id,
            "indicateur": i.fr,
            "definition": i.definition_fr,
            "formule": i.formula,
            "unite": i.unit,
            "dimensionReaim": i.reaim,
            "sens": i.direction,
            "nature": NATURE_FR.get(i.privacy, i.privacy),
            "precautions": i.caveats_fr or NOT_APPLICABLE,
        }
        for i in load_catalogue().indicators
    ]
    return _neutralise(
        pd.DataFrame(rows, columns=[f["name"] for f in CATALOGUE_FIELDS]), CATALOGUE_FIELDS
    )


def package_tables(
    frame: pd.DataFrame, *, period: Any, ecosystem: Any, organisation: Any, published_on: date
) -> dict[str, tuple[pd.DataFrame, list[dict[str, Any]], str]]:
    """The three tables of a period's package, for :func:`write_package`, from the frame
    ``apply_rule`` returned."""
    common = {"organisation": organisation, "published_on": published_on}
    return {
        f"{INDICATORS}_{period.label.replace(':', '-')}": (
            indicator_table(
                frame, period=period, launch=ecosystem.launch, ecosystem=ecosystem, **common
            ),
            INDICATOR_FIELDS,
            f"Indicateurs du programme d'innovation organisationnelle, {period.label}",
        ),
        ECOSYSTEM: (
            ecosystem_table(ecosystem=ecosystem, **common),
            ECOSYSTEM_FIELDS,
            "Leviers de l'écosystème d'innovation et leurs outils",
        ),
        CATALOGUE: (
            catalogue_table(**common),
            CATALOGUE_FIELDS,
            "Catalogue des indicateurs (définitions, formules, précautions)",
        ),
    }


# --------------------------------------------------------------------------- package
def file_stem(published_on: date, siren: str, name: str) -> str:
    """``AAAAMMJJ_SIREN_nom``: the national file naming convention."""
    safe = re.sub(r"[^a-z0-9-]+", "_", name.lower()).strip("_")
    return f"{published_on:%Y%m%d}_{siren}_{safe}"


def write_package(
    folder: Path,
    tables: Mapping[str, tuple[pd.DataFrame, list[dict[str, Any]], str]],
    *,
    organisation: Any,
    published_on: date,
    period_label: str,
    k: int,
) -> list[str]:
    """Write each table as CSV + Table Schema, then ``datapackage.json`` and ``README.md``.

    ``tables`` maps a short name to (frame, fields, title). Returns the CSV file names.
    """
    folder.mkdir(parents=True, exist_ok=True)
    resources, names = [], []
    for short, (frame, fields, title) in tables.items():
        stem = file_stem(published_on, organisation.siren, short)
        csv_name, schema_name = f"{stem}.csv", f"{stem}.schema.json"
        frame.to_csv(folder / csv_name, index=False, encoding="utf-8", lineterminator="\n")
        write_json(folder / schema_name, table_schema(fields))
        resources.append(
            {
                "name": stem.lower().replace("_", "-"),
                "path": csv_name,
                "title": title,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
                "schema": schema_name,
                "licenses": [LICENCE],
            }
        )
        names.append(csv_name)
    package = {
        "profile": "tabular-data-package",
        "name": f"innovation-organisationnelle-{period_label.lower().replace(':', '-')}",
        "title": f"Innovation organisationnelle — indicateurs {period_label} — {organisation.name}",
        "description": (
            "Indicateurs agrégés et anonymisés du programme d'innovation organisationnelle "
            f"(12 leviers, 12 outils) pour la période {period_label}. Cases de moins de {k} "
            "personnes masquées (« secret statistique »), avec masquage secondaire ; effectifs "
            "arrondis à 5."
        ),
        "licenses": [LICENCE],
        "contributors": [
            {"title": str(organisation.name), "role": "publisher"},
        ],
        "created": f"{published_on.isoformat()}T00:00:00Z",
        "keywords": ["innovation", "ressources humaines", "bien-être au travail", "RE-AIM"],
        "language": "fr",
        "resources": resources,
    }
    write_json(folder / "datapackage.json", package)
    (folder / "README.md").write_text(
        readme(organisation, published_on, period_label, k, names), encoding="utf-8"
    )
    return names


def readme(
    organisation: Any, published_on: date, period_label: str, k: int, names: list[str]
) -> str:
    files = "\n".join(f"- `{n}` (schéma : `{n[:-4]}.schema.json`)" for n in names)
    return f"""# Innovation organisationnelle — données ouvertes, {period_label}

Producteur : {organisation.name} (SIRET {organisation.siret}). Publié le {published_on.isoformat()}.
Licence : Licence Ouverte / Open Licence 2.0 (Etalab).

{files}

Règles de publication : seuls des agrégats sont publiés. Toute case reposant sur moins de {k}
personnes (ou réponses) est masquée : ses valeurs sont vides et la colonne `secretStatistique`
vaut « oui » ; de même pour les cases qui permettraient de la retrouver par différence (masquage
secondaire, cohérent avec les publications précédentes). Les effectifs de personnes sont arrondis
à 5. Une valeur vide sur une ligne où `secretStatistique` vaut « non » n'existe pas (taux sans
dénominateur, intervalle d'un dénombrement exact, effectif d'un indicateur d'activité). Les
colonnes de valeurs ne contiennent que des nombres ; les taux d'unité « % » sont en pourcentage
(7.1 pour 7,1 %).

Format : CSV UTF-8, séparateur virgule, point décimal, dates AAAA-MM-JJ ; description complète
dans `datapackage.json` (Frictionless Data Package) et un schéma Table Schema par fichier.
"""


# --------------------------------------------------------------------------- releases
def read_release(folder: Path) -> pd.DataFrame | None:
    """The indicator table of a published package as a tidy frame (as published), or None."""

    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    resource = next(
        (r for r in package.get("resources", []) if INDICATORS in str(r.get("path"))), None
    )
    if resource is None or not (folder / str(resource["path"])).is_file():
        return None
    path = str(resource["path"])
    try:
        schema = json.loads((folder / str(resource.get("schema"))).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        schema = {}
    # packages published before the value columns became numeric hold proportions under « % »
    legacy = SECRET in schema.get("missingValues", [])
    t = pd.read_csv(folder / path, dtype=str, keep_default_na=False)
    inverse = {v: k for k, v in DIMENSIONS_FR.items()}

    def star(s: pd.Series) -> pd.Series:
        return s.where(s != ALL_FR, "*").str.replace(_UNNEUTRALISE, "", regex=True)

    def number(s: pd.Series) -> pd.Series:
        missing = s.isin([*MISSING_VALUES, *LEGACY_MISSING_VALUES])
        return pd.to_numeric(s.where(~missing), errors="coerce")

    # percentages back to the proportions the indicators compute
    scale = np.where((t["unite"] == "%") & (not legacy), 0.01, 1.0)

    return pd.DataFrame(
        {
            "period": t["periode"],
            "lever": star(t["levierId"]),
            "tool": star(t["outilId"]),
            "dimension": t["dimension"].map(lambda d: inverse.get(d, d)),
            "group": star(t["groupe"]),
            "indicator": t["indicateurId"],
            "value": number(t["valeur"]) * scale,
            "n": number(t["effectif"]),
            "ci_low": number(t["intervalleBas"]) * scale,
            "ci_high": number(t["intervalleHaut"]) * scale,
            "suppressed": t["secretStatistique"] == "oui",
        }
    )


def earlier_releases(reports_dir: Path, period: Any) -> dict[str, Path]:
    """Published packages of periods that end before ``period`` ends, oldest first."""

    found: dict[str, Path] = {}
    for stamp in reports_dir.glob(f"*/{PACKAGE_DIR}/{STAMP}"):
        try:
            label = str(json.loads(stamp.read_text(encoding="utf-8"))["parameters"]["period"])
        except (OSError, ValueError, KeyError):
            continue
        if label != period.label and period_sort_key(label) < period_sort_key(period.label):
            found[label] = stamp.parent
    return dict(sorted(found.items(), key=lambda kv: period_sort_key(kv[0])))


def load_log(path: Path) -> pd.DataFrame | None:

    return read_suppression_log(path)


def save_log(path: Path, log_frame: pd.DataFrame) -> None:
    """Persist the suppression log (every cell hidden by an open-data release) atomically."""

    write_suppression_log(path, log_frame)


def _digest(frame: pd.DataFrame | None) -> str | None:
    """A checksum of a suppression log's content (its rows in a fixed order)."""
    if frame is None:
        return None

    text = frame.astype(str).sort_values(list(frame.columns)).to_csv(index=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_open_data(
    stage: PeriodStage,
    *,
    project: Any,
    period: Any,
    basis: Mapping[str, Any],
    force: bool = False,
    published_on: date | None = None,
    raw: Callable[[], pd.DataFrame],
    bilan_log: pd.DataFrame | None = None,
) -> OpenDataResult:
    """Build ``open-data/`` in ``stage`` for ``period`` (module doc); skipped when up to date.

    ``raw`` gives the period's indicators before disclosure control, from the period's release
    (:data:`eco_eval.release.model.RAW_CURRENT`); it is called only when the package is rebuilt.

    ``bilan_log`` is the bilans' suppression log: a cell a bilan hid (with k = 5, including the
    cells hidden to protect it) stays hidden in the open data too, or a reader holding both could
    subtract one from the other.

    The suppression log and the ledger rows are returned in the result, to be saved with
    :func:`save_log` and :func:`eco_eval.store.record_publication` once the period folder is
    published (a release that never happened must not constrain the next one).
    """

    t0 = time.perf_counter()
    final = stage.published(PACKAGE_DIR)
    earlier = earlier_releases(project.reports_dir, period)
    org = project.organisation
    stamp = make_stamp(
        {
            **basis,
            "parameters": {
                "period": period.label,
                "k_open_data": project.privacy.k_open_data,
                "organisation": [org.name, org.siren, org.siret],
            },
            "earlier_releases": {
                label: sha256_file(p / "datapackage.json") for label, p in earlier.items()
            },
            "bilan_suppression_log": _digest(bilan_log),
        }
    )
    if not force and is_current(stage.path(PACKAGE_DIR), stamp["build_key"], ["datapackage.json"]):
        files = sorted(p.name for p in stage.path(PACKAGE_DIR).glob("*.csv"))
        return OpenDataResult(final, False, time.perf_counter() - t0, files)
    published_on = published_on or date.today()
    eco = project.ecosystem()
    figures = label_cumulative(raw(), period.label)
    # the encounters between pairs of departments stay in the bilan: not open data
    figures = figures[figures["dimension"] != "department_pair"]
    previous = [f for p in earlier.values() if (f := read_release(p)) is not None]
    logs = [f for f in (load_log(project.processed_dir / LOG_NAME), bilan_log) if f is not None]
    earlier_log = pd.concat([f.astype(str) for f in logs], ignore_index=True) if logs else None
    result = apply_rule(
        figures,
        k=project.privacy.k_open_data,
        suppression_log=earlier_log,
        previous=previous,
        launch=eco.launch,
    )
    out = stage.fresh(PACKAGE_DIR)
    common = {"organisation": org, "published_on": published_on}
    files = write_package(
        out,
        package_tables(result.frame, period=period, ecosystem=eco, **common),
        period_label=period.label,
        k=project.privacy.k_open_data,
        **common,
    )
    write_json(out / STAMP, {**stamp, "published_on": published_on.isoformat()})
    stage.mark_changed(PACKAGE_DIR)
    hidden = int(result.frame["suppressed"].sum())
    log.info("open data: %d files, %d cells hidden", len(files), hidden)
    cells = ledger_rows(figures, result.frame, period, eco.launch)
    return OpenDataResult(final, True, time.perf_counter() - t0, files, hidden, result.log, cells)
