from __future__ import annotations

import gc
import sys

import pytest

from eco_eval.ingest.tuning import GC_THRESHOLD, PR_GET_THP_DISABLE, _prctl, bulk_settings


def test_bulk_settings_hold_inside_the_block_and_are_restored_after_an_error():
    before_gc = gc.get_threshold()
    before_thp = _prctl(PR_GET_THP_DISABLE)
    with pytest.raises(RuntimeError), bulk_settings():
        assert gc.get_threshold()[0] >= GC_THRESHOLD
        assert gc.get_threshold()[1:] == before_gc[1:]
        if before_thp == 0:
            assert _prctl(PR_GET_THP_DISABLE) == 1
        raise RuntimeError("the ingest failed")
    assert gc.get_threshold() == before_gc
    assert _prctl(PR_GET_THP_DISABLE) == before_thp


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(2) is Linux's")
def test_prctl_reads_the_huge_page_setting_on_linux():
    assert _prctl(PR_GET_THP_DISABLE) in (0, 1)
