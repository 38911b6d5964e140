"""The canonical tables of ``_data/schema.yaml``: their fields, rules and order.

The file declares each source once, in the order an ingest reads them: the session log before
the attendance lists and feedback that point at its sessions, the attendance register before the
person-keyed sources linked to it. :data:`SOURCE_NAMES` is that list; the configuration's
source names, the ingest's order and the store's data tables are it.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Final

import pandas as pd

from eco_eval.data_yaml import read_yaml

#: The one sentinel of a tidy indicator frame for "every group": the whole programme in
#: ``lever`` and ``tool``, the whole staff in ``dimension`` and ``group``.
ALL: Final = "*"
#: What ``dimension`` held for the whole staff in releases, ledgers and suppression logs written
#: by eco_eval 0.1 before the sentinel was one; read as :data:`ALL`.
LEGACY_ALL: Final = "all"


def one_sentinel(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :data:`LEGACY_ALL` in its ``dimension`` column read as :data:`ALL` (the
    frame itself when it has no such cell)."""
    if "dimension" not in frame.columns or not (frame["dimension"] == LEGACY_ALL).any():
        return frame
    return frame.assign(dimension=frame["dimension"].replace(LEGACY_ALL, ALL))


def as_sentinel(value: str) -> str:
    """An analyst's "every group" as the frames write it: ``"all"`` (any case) is :data:`ALL`;
    any other value is returned as it is."""
    return ALL if isinstance(value, str) and value.strip().lower() == LEGACY_ALL else value


#: the pandas dtype of text columns, as the readers give them and the store returns them
#: (pandas 3's text dtype, missing = NaN)
TEXT_DTYPE: Final = "str"
#: in a request for a table's columns (``Store.table(columns=...)``, ``Tables.from_store``): every
#: item column of the table
ITEMS: Final = "*items"


def load_schema() -> dict[str, Any]:
    """The canonical tables' fields and rules (``_data/schema.yaml``), a new dict each call."""
    text = resources.files("eco_eval").joinpath("_data/schema.yaml").read_text(encoding="utf-8")
    return dict(read_yaml(text))


#: the sources, in ingest order (see the module docstring)
SOURCE_NAMES: tuple[str, ...] = tuple(load_schema())
