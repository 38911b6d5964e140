"""Progress bars in a terminal, none for schedulers."""

from __future__ import annotations

import inspect
import io
import logging

from click.testing import CliRunner
from rich.console import Console

from eco_eval.cli import main
from eco_eval.publish.progress import NullProgress, RichProgress


def test_rich_bars_count_the_deep_dives_and_logs_print_above_them():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with RichProgress(console=console) as bars:
        bars.start("ingest")
        bars.advance("ingest", "rh/effectifs.csv")
        bars.finish("ingest", "rien de nouveau")
        bars.start("leviers", total=12)
        for _ in range(12):
            bars.advance("leviers")
        logging.getLogger("eco_eval.test").warning("a warning while the bars run")
        bars.finish("leviers", "reconstruites")
    text = out.getvalue()
    assert "Fiches leviers" in text and "12/12" in text and "rien de nouveau" in text
    assert "a warning while the bars run" in text
    root = logging.getLogger()
    assert not any(type(h).__name__ == "RichHandler" for h in root.handlers), "handler removed"


def test_null_progress_accepts_the_same_calls():
    for name in ("start", "advance", "finish"):
        null, rich = getattr(NullProgress, name), getattr(RichProgress, name)
        assert inspect.signature(null) == inspect.signature(rich), name
    bars = NullProgress()
    assert bars.start("bilan", total=3) is None
    assert bars.advance("bilan", "HTML") is None
    assert bars.finish("bilan") is None


def test_run_help_documents_quiet_json_and_lab_exists():
    result = CliRunner().invoke(main, ["run", "--help"])
    assert result.exit_code == 0
    for option in ("--quiet", "--json", "--period", "--no-pdf", "--force"):
        assert option in result.output
    lab = CliRunner().invoke(main, ["lab", "--help"])
    assert lab.exit_code == 0 and "notebooks/" in lab.output and "eco-eval kernel" in lab.output
