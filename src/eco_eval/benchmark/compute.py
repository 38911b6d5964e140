"""The benchmark: each city against the median and interquartile range of the others.

Measures (``_data/benchmark.yaml``) are read from each package's programme-wide cell (all levers,
all tools, no breakdown) of a period. For a city, a period and a measure, the *others* are the
other cities whose cell of that period is published (not secret, not missing); their median and
quartiles are numpy's linear-interpolation percentiles (Hyndman & Fan type 7, as R's default
``quantile``). Position: above the third quartile, below the first, or within; ``secret`` when
the city's cell is secret, ``missing`` when it is not published, ``few`` when fewer than
``min_others`` others have a value.

Secrecy: a secret cell enters nothing — neither the city's row nor any other city's statistics —
and a ratio measure is secret as soon as one of its two cells is: nothing is recomputed from
other cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.benchmark.packages import ALL, CityPackage
from eco_eval.data_yaml import read_yaml

SECRET, MISSING, FEW, ABOVE, BELOW, WITHIN = "secret", "missing", "few", "above", "below", "within"
COLUMNS = [
    "period", "measure", "city", "siret", "value", "status", "others_n", "others_median",
    "others_q1", "others_q3", "position",
]  # fmt: skip


@dataclass(frozen=True)
class Measure:
    id: str
    indicator: str | None = None
    ratio: tuple[str, str] | None = None
    scale: float = 1.0
    digits: int = 1
    direction: str = "up"

    @property
    def indicators(self) -> tuple[str, ...]:
        return self.ratio if self.ratio else (str(self.indicator),)


@cache
def load_measures() -> tuple[tuple[Measure, ...], int]:
    """The declared measures, in order, and ``min_others``."""
    text = resources.files("eco_eval").joinpath("_data/benchmark.yaml").read_text("utf-8")
    doc = read_yaml(text)
    measures = tuple(
        Measure(
            id=mid,
            indicator=spec.get("indicator"),
            ratio=tuple(spec["ratio"]) if spec.get("ratio") else None,
            scale=float(spec.get("scale", 1)),
            digits=int(spec.get("digits", 1)),
            direction=str(spec.get("direction", "up")),
        )
        for mid, spec in doc["measures"].items()
    )
    return measures, int(doc.get("min_others", 2))


def programme_cells(package: CityPackage) -> pd.DataFrame:
    """The package's programme-wide cells of single periods (cumulative ones left out)."""
    c = package.cells
    keep = (
        (c["lever"] == ALL)
        & (c["tool"] == ALL)
        & (c["dimension"] == ALL)
        & (c["group"] == ALL)
        & ~c["period"].str.startswith("cumul")
    )
    return c[keep]


def city_values(packages: Sequence[CityPackage]) -> pd.DataFrame:
    """One row per city, period and measure: ``value`` (NaN unless published), ``status``
    (``published``, ``secret`` or ``missing``) and ``participants`` (the period's published
    number of participants, for the caveat on sizes)."""
    measures, _ = load_measures()
    rows = []
    for package in packages:
        cells = programme_cells(package)
        for period, at in cells.groupby("period", sort=True):
            by = at.drop_duplicates("indicator", keep="last").set_index("indicator")
            participants = (
                by.at["unique_participants", "value"]
                if "unique_participants" in by.index
                else np.nan
            )
            for m in measures:
                present = [i in by.index for i in m.indicators]
                secret = any(bool(by.at[i, "secret"]) for i in m.indicators if i in by.index)
                value = np.nan
                if secret:
                    status = SECRET
                elif not all(present):
                    status = MISSING
                else:
                    parts = [float(by.loc[i, "value"]) for i in m.indicators]  # type: ignore[arg-type]
                    value = (parts[0] / parts[1] if parts[1] else np.nan) if m.ratio else parts[0]
                    status = "published" if np.isfinite(value) else MISSING
                rows.append(
                    {
                        "period": str(period), "measure": m.id, "city": package.city,
                        "siret": package.siret, "value": value, "status": status,
                        "participants": participants,
                    }
                )  # fmt: skip
    out = pd.DataFrame(rows, columns=["period", "measure", "city", "siret", "value", "status",
                                      "participants"])  # fmt: skip
    # a city that published the same period twice: its latest package (the last read) counts
    return out.drop_duplicates(["period", "measure", "siret", "city"], keep="last")


def benchmark(values: pd.DataFrame, *, min_others: int | None = None) -> pd.DataFrame:
    """Each city against the others (module doc): :data:`COLUMNS`."""
    if min_others is None:
        min_others = load_measures()[1]
    rows = []
    for (period, measure), group in values.groupby(["period", "measure"], sort=False):
        published = group[group["status"] == "published"]
        r: Any
        for r in group.itertuples(index=False):
            others = published.loc[
                (published["city"] != r.city) | (published["siret"] != r.siret), "value"
            ].to_numpy(float)
            q1 = median = q3 = np.nan
            if len(others) >= min_others:
                q1, median, q3 = np.percentile(others, [25, 50, 75])
            if r.status != "published":
                position = r.status
            elif len(others) < min_others:
                position = FEW
            else:
                position = ABOVE if r.value > q3 else BELOW if r.value < q1 else WITHIN
            rows.append(
                {
                    "period": period, "measure": measure, "city": r.city, "siret": r.siret,
                    "value": r.value, "status": r.status, "others_n": len(others),
                    "others_median": median, "others_q1": q1, "others_q3": q3,
                    "position": position,
                }
            )  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def latest_common_period(values: pd.DataFrame, *, at_least: int = 2) -> str | None:
    """The latest period published by at least ``at_least`` cities (None when there is none)."""
    cities = values.groupby("period")["siret"].nunique()
    shared = sorted(str(p) for p, n in cities.items() if n >= at_least)
    return shared[-1] if shared else None
