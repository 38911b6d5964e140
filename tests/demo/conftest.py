"""The demo city generated once per test session (seed 42, 2,400 agents), plus small readers that
re-implement just enough of a correct ingestion to recompute the ground truth from the raw files."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from eco_eval.demo import DemoSummary, generate_demo_city

REPO = Path(__file__).resolve().parents[2]
ECOSYSTEM = yaml.safe_load(
    (REPO / "src" / "eco_eval" / "_data" / "ecosystem.yaml").read_text(encoding="utf-8")
)
# the demo city's second generation (its eco_eval.yaml): the tools it adds to the packaged ones
_SECOND = yaml.safe_load(
    (REPO / "src" / "eco_eval" / "_data" / "demo_project.yaml").read_text(encoding="utf-8")
)["ecosystem"]["tools"]
ECOSYSTEM["tools"] += [t for t in _SECOND if "fr" in t]


@dataclass(frozen=True)
class City:
    summary: DemoSummary
    raw: Path
    truth: Path

    def truth_json(self) -> dict:
        return json.loads((self.truth / "truth.json").read_text(encoding="utf-8"))

    def truth_csv(self, name: str) -> pd.DataFrame:
        dtype = {"line": "Int64", "record_id": "Int64"} if name == "defects.csv" else None
        return pd.read_csv(self.truth / name, keep_default_na=False, na_values=[""], dtype=dtype)


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    root = tmp_path_factory.mktemp("demo_city")
    summary = generate_demo_city(root / "raw", root / "truth", seed=42)
    return City(summary, root / "raw", root / "truth")


def norm(text: str) -> str:
    """Case and surrounding/inner white space ignored: what the tests assume a resolver does."""
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def tool_resolver() -> dict[str, str]:
    """Normalised official name or alias -> tool id, from the packaged ecosystem."""
    out = {}
    for tool in ECOSYSTEM["tools"]:
        for name in [tool["fr"], *tool.get("aliases", [])]:
            out[norm(name)] = tool["id"]
    return out


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def read_limesurvey(path: Path) -> pd.DataFrame:
    """A LimeSurvey CSV export as text (missing = NaN)."""
    return pd.read_csv(
        path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False, na_values=[""]
    )


def read_session_log(raw: Path) -> pd.DataFrame:
    """The session log (xlsx or CSV) with its sheet row / file line, resolved tool and parsed date."""
    xlsx = raw / "animations" / "journal_animations.xlsx"
    if xlsx.exists():
        log = pd.read_excel(xlsx, sheet_name="Journal", header=2, dtype=object, engine="openpyxl")
        log["line"] = range(4, 4 + len(log))
    else:
        log = pd.read_csv(
            raw / "animations" / "journal_animations.csv",
            sep=";",
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
        log["line"] = range(2, 2 + len(log))
    resolver = tool_resolver()
    log["tool_id"] = log["Outil"].map(lambda x: resolver.get(norm(x)))
    log["date"] = pd.to_datetime(
        log["Date"].map(
            lambda x: x if not isinstance(x, str) else pd.to_datetime(x, format="%d/%m/%Y")
        ),
        errors="raise",
    )
    log["quarter"] = log["date"].dt.to_period("Q").astype(str).str.replace("Q", "-Q", regex=False)
    log["status"] = log["Statut"].map(
        {"Réalisée": "held", "Annulée": "cancelled", "Prévue": "planned"}
    )
    log["hours"] = log["Durée (h)"].map(lambda x: float(str(x).replace(",", ".")))
    return log


def read_attendance(raw: Path) -> pd.DataFrame:
    parts = []
    for path in sorted((raw / "presences").glob("emargements_*.csv")):
        frame = pd.read_csv(path, sep=";", encoding="utf-8", dtype=str)
        frame["file"] = path.name
        frame["line"] = range(2, 2 + len(frame))
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    out["N° séance"] = out["N° séance"].astype(int)
    return out
