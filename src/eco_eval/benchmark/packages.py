"""Reading the open-data packages cities publish (Frictionless data packages), offline.

A package is a folder with ``datapackage.json`` as :mod:`eco_eval.publish.open_data` writes it:
an indicator resource (``indicateurs_innovation_<period>``), the ecosystem (``leviers_outils``)
and the catalogue. Each package is validated with ``frictionless`` against its own Table Schemas
first; a package that fails is one :class:`~eco_eval.errors.InputFileError` naming the file, the
row and field, and the fix.

Secrecy is read from the package, not assumed: a cell is secret when its ``secretStatistique``
flag is true (the schema's ``trueValues``) or its value is one of the schema's missing values
labelled secret; a secret cell's value is never read, whatever the file holds in it. Both layouts
are read: the value column holding the missing-value label (``valeur = secret statistique``), and
a numeric value column with a separate flag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lazy_loader
import numpy as np
import pandas as pd

from eco_eval.errors import input_error

# Loaded on first validation: the bilan kernel imports this module to show the comparison and
# needs frictionless only when a project configures other cities' packages.
frictionless = lazy_loader.load("frictionless")

INDICATORS = "indicateurs_innovation"
ECOSYSTEM = "leviers_outils"
FLAG = "secretStatistique"
SECRET_WORD = "secret"
ALL = "ensemble"


@dataclass
class CityPackage:
    """One city's package: who published it, the indicator cells, the ecosystem's tools."""

    folder: Path
    city: str
    siret: str
    #: period, lever, tool, dimension, group, indicator, unit, value, n, secret (value NaN when
    #: secret); one row per published cell.
    cells: pd.DataFrame
    #: tool id -> generation.
    tools: dict[str, int] = field(default_factory=dict)

    @property
    def periods(self) -> list[str]:
        return sorted({p for p in self.cells["period"] if not p.startswith("cumul")})


def _first_error(report: Any) -> str:
    for task in report.tasks:
        for error in task.errors:
            place = []
            if getattr(error, "row_number", None):
                place.append(f"row {error.row_number}")
            if getattr(error, "field_name", None):
                place.append(f"field {error.field_name}")
            where = str(
                getattr(task, "place", "") or getattr(task, "name", "") or "datapackage.json"
            )
            return f"{where}{': ' + ', '.join(place) if place else ''}: {error.note or error.title}"
    for error in report.errors:
        return str(error.note or error.title)
    return "invalid package"


def validate_package(descriptor: Path) -> None:
    """Frictionless validation of ``descriptor`` (schemas, types, constraints); raises
    InputFileError naming the file and the first error."""
    try:
        report = frictionless.validate(str(descriptor))
    except Exception as exc:  # frictionless raises its own errors on unreadable descriptors
        raise input_error(
            descriptor, "", f"not a readable data package ({exc})",
            "download the package again (datapackage.json with its CSV and schema files)",
        ) from exc  # fmt: skip
    if not report.valid:
        raise input_error(
            descriptor,
            "",
            f"fails its schema: {_first_error(report)}",
            "download the package again or ask its publisher for a valid one; "
            "'frictionless validate' shows every error",
        )


def _schema(folder: Path, resource: dict[str, Any]) -> dict[str, Any]:
    schema = resource.get("schema") or {}
    if isinstance(schema, str):
        schema = json.loads((folder / schema).read_text(encoding="utf-8"))
    return dict(schema)


def _resource(package: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((r for r in package.get("resources", []) if name in str(r.get("path"))), None)


def read_package(folder: Path, *, validate: bool = True) -> CityPackage:
    """Read (and first validate) the package in ``folder`` (module doc)."""
    descriptor = folder / "datapackage.json"
    if not descriptor.is_file():
        raise input_error(
            folder, "", "no datapackage.json", "put each package in a folder of its own"
        )
    if validate:
        validate_package(descriptor)
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    resource = _resource(package, INDICATORS)
    if resource is None:
        raise input_error(
            descriptor, "resources", f"no {INDICATORS} resource",
            "this is not an eco_eval open-data package of indicators",
        )  # fmt: skip
    schema = _schema(folder, resource)
    missing = [str(m) for m in schema.get("missingValues", [""])]
    secret_labels = {m for m in missing if SECRET_WORD in m.lower()}
    fields = {f["name"]: f for f in schema.get("fields", [])}
    true_values = set(fields.get(FLAG, {}).get("trueValues", ["true", "oui"]))
    table = pd.read_csv(folder / resource["path"], dtype=str, keep_default_na=False)
    flag = table[FLAG].isin(true_values) if FLAG in table else pd.Series(False, index=table.index)
    secret = (flag | table["valeur"].isin(secret_labels)).to_numpy(bool)

    def number(column: str) -> np.ndarray:
        raw = table[column].where(~table[column].isin(missing))
        values = pd.to_numeric(raw.str.lstrip("'"), errors="coerce").to_numpy(float)
        return np.where(secret, np.nan, values)

    cells = pd.DataFrame(
        {
            "period": table["periode"],
            "lever": table["levierId"],
            "tool": table["outilId"],
            "dimension": table["dimension"],
            "group": table["groupe"],
            "indicator": table["indicateurId"],
            "unit": table.get("unite", pd.Series("", index=table.index)),
            "value": number("valeur"),
            "n": number("effectif"),
            "secret": secret,
        }
    )
    tools: dict[str, int] = {}
    eco = _resource(package, ECOSYSTEM)
    if eco is not None:
        t = pd.read_csv(folder / eco["path"], dtype=str, keep_default_na=False)
        tools = {str(i): int(g or 1) for i, g in zip(t["outilId"], t["generation"], strict=True)}
    first: Any = table.iloc[0] if len(table) else {}
    return CityPackage(
        folder=folder,
        city=str(first.get("nomProducteur", folder.name)) if len(table) else folder.name,
        siret=str(first.get("siretProducteur", "")) if len(table) else "",
        cells=cells,
        tools=tools,
    )


def find_packages(folder: Path) -> list[Path]:
    """The package folders under ``folder`` (each holding a ``datapackage.json``), sorted."""
    return sorted(p.parent for p in Path(folder).rglob("datapackage.json"))


def read_packages(folder: Path, *, validate: bool = True) -> list[CityPackage]:
    """Every package under ``folder``; InputFileError for a missing folder or a bad package."""
    if not Path(folder).is_dir():
        raise input_error(folder, "", "no such folder", "give the folder holding the packages")
    return [read_package(p, validate=validate) for p in find_packages(folder)]


def from_tidy(
    frame: pd.DataFrame, *, city: str, siret: str, tools: dict[str, int] | None = None
) -> CityPackage:
    """A city's own figures (a tidy indicator frame after disclosure control, as the bilan's
    release holds them) in the shape of a read package: ``*`` becomes ``ensemble``,
    a suppressed cell is secret and its value is not kept."""
    secret = frame["suppressed"].fillna(False).astype(bool).to_numpy()

    def star(column: str, star_value: str) -> pd.Series:
        s = frame[column].astype(str)
        return s.where(s != star_value, ALL)

    cells = pd.DataFrame(
        {
            "period": frame["period"].astype(str),
            "lever": star("lever", "*"),
            "tool": star("tool", "*"),
            "dimension": star("dimension", "*"),
            "group": star("group", "*"),
            "indicator": frame["indicator"].astype(str),
            "unit": "",
            "value": np.where(secret, np.nan, pd.to_numeric(frame["value"], errors="coerce")),
            "n": np.where(secret, np.nan, pd.to_numeric(frame["n"], errors="coerce")),
            "secret": secret,
        }
    )
    return CityPackage(folder=Path("."), city=city, siret=siret, cells=cells, tools=tools or {})
