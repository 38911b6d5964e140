"""``generate_second_city``: draw Valbrune, write its raw files and its planted truths."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from eco_eval.data_yaml import read_yaml
from eco_eval.ecosystem import Ecosystem, load_ecosystem
from eco_eval.errors import ConfigError
from eco_eval.second_city import files, spec, truth
from eco_eval.second_city.model import draw_city
from eco_eval.second_city.spec import DEFAULT_SEED, DEFAULT_STAFF

MIN_STAFF, MAX_STAFF = 300, 20_000


@dataclass(frozen=True)
class SecondCitySummary:
    """What :func:`generate_second_city` wrote: raw files (relative path → data records)."""

    raw_dir: Path
    truth_dir: Path
    seed: int
    n_staff: int
    quarters: tuple[str, ...]
    files: dict[str, int] = field(default_factory=dict)
    truth_files: tuple[str, ...] = ()
    elapsed_s: float = 0.0


def config_text() -> str:
    """Valbrune's ``eco_eval.yaml`` (packaged beside the demo's)."""
    return resources.files("eco_eval").joinpath(spec.CONFIG_FILE).read_text(encoding="utf-8")


def ecosystem() -> Ecosystem:
    """Valbrune's levers and tools, read from its configuration."""
    doc = read_yaml(config_text())
    return load_ecosystem(doc["ecosystem"], origin=spec.CONFIG_FILE)


def generate_second_city(
    raw_dir: Path, truth_dir: Path, *, seed: int = DEFAULT_SEED, n_staff: int = DEFAULT_STAFF
) -> SecondCitySummary:
    """Write Valbrune's raw files under ``raw_dir`` and its truths under ``truth_dir``.

    Deterministic: the same arguments give byte-identical files. Files a previous run wrote
    under ``raw_dir`` are replaced; nothing else there is touched. A bad argument raises
    :class:`~eco_eval.errors.ConfigError`.
    """
    if (
        isinstance(n_staff, bool)
        or not isinstance(n_staff, int)
        or not MIN_STAFF <= n_staff <= MAX_STAFF
    ):
        raise ConfigError(
            f"n_staff={n_staff!r}: expected an integer between {MIN_STAFF} and {MAX_STAFF:,}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed={seed!r}: expected a non-negative integer")
    t0 = time.perf_counter()
    raw_dir, truth_dir = Path(raw_dir), Path(truth_dir)
    city = draw_city(seed, n_staff, ecosystem())
    written = files.write_all(raw_dir, city)
    truth_files = truth.write(truth_dir, city, {"seed": seed, "n_staff": n_staff})
    return SecondCitySummary(
        raw_dir=raw_dir,
        truth_dir=truth_dir,
        seed=seed,
        n_staff=n_staff,
        quarters=tuple(q.label for q in city.quarters),
        files=written,
        truth_files=truth_files,
        elapsed_s=time.perf_counter() - t0,
    )
