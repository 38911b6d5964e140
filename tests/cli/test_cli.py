from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from eco_eval.cli import main
from eco_eval.errors import EXIT_CODES


def test_help_does_not_import_heavy_modules():
    # --help must answer fast: pandas, GX, duckdb, papermill are imported only by the commands
    code = (
        "import sys, eco_eval.cli\n"
        "heavy = [m for m in ('pandas', 'great_expectations', 'duckdb', 'papermill', 'plotly', 'numpy') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_lists_commands_and_exit_codes():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for cmd in ("demo", "ingest", "indicators", "bilan", "run", "inspect", "key"):
        assert cmd in result.output
    assert "Exit codes" in result.output and "3 input file" in result.output


def test_errors_are_one_line_with_exit_code(tmp_path):
    result = CliRunner().invoke(main, ["ingest", "--project", str(tmp_path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "eco_eval.yaml" in lines[0] and "Traceback" not in result.output


def test_bad_period_is_a_config_error(tmp_path):
    from eco_eval.config import demo_config_text

    (tmp_path / "eco_eval.yaml").write_text(demo_config_text(), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["indicators", "--project", str(tmp_path), "--period", "2016-Q7"]
    )
    assert result.exit_code == 2 and "2016-Q7" in result.output and "2016-Q2" in result.output


def test_exit_codes_are_distinct():
    assert len(set(EXIT_CODES)) == len(EXIT_CODES)
    from eco_eval import errors

    codes = [
        cls.exit_code
        for cls in (
            errors.ConfigError,
            errors.InputFileError,
            errors.ValidationFailed,
            errors.StoreError,
            errors.ReportFailed,
            errors.LockHeld,
            errors.SecretMissing,
        )
    ]
    assert len(set(codes)) == len(codes) and all(c in EXIT_CODES for c in codes)


def test_inspect_json(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Matricule;Date;Q1\n123456;13/03/2016;Plutôt d'accord\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", "--json", str(f)])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["delimiter"] == ";" or info.get("meta", {}).get("delimiter") == ";"
