"""The sources are declared once, in ``_data/schema.yaml``: every list of them is that one."""

from __future__ import annotations

from eco_eval import config, ingest, store
from eco_eval.schema import SOURCE_NAMES, load_schema


def test_every_list_of_sources_is_the_schema_in_its_order() -> None:
    assert tuple(load_schema()) == SOURCE_NAMES
    assert SOURCE_NAMES[:3] == ("headcount", "sessions", "attendance")  # sessions before attendance
    assert config.SOURCE_NAMES == ingest.ORDER == store.DATA_TABLES == SOURCE_NAMES
    assert tuple(store.TABLES)[: len(SOURCE_NAMES)] == SOURCE_NAMES
