"""The canonical tables of ``_data/schema.yaml``: their fields, rules and order.

The file declares each source once, in the order an ingest reads them: the session log before
the attendance lists and feedback that point at its sessions, the attendance register before the
person-keyed sources linked to it. :data:`SOURCE_NAMES` is that list; the configuration's
source names, the ingest's order and the store's data tables are it.
"""

from __future__ import annotations

from importlib import resources
from typing import Any, Final

from eco_eval.data_yaml import read_yaml

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
