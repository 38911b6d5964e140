"""Inputs that cannot exhaust the machine: an xlsx that inflates to gigabytes, a sheet that
declares millions of cells, configuration regexes with nested quantifiers; and the configuration
mistakes that used to end in a traceback (``items:`` as a string, an invalid regex found late,
``wave_from`` without a ``wave`` group)."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from eco_eval.config import load_project, safe_regex
from eco_eval.errors import ConfigError, InputFileError
from eco_eval.readers.excel import read_xlsx


def _workbook(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["N° séance", "Matricule"])
    ws.append(["1", "123456"])
    wb.save(path)
    return path


def _rewrite(path: Path, member: str, change) -> None:
    """Rewrite ``member`` of the archive at ``path`` with ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(path) as src:
        items = [(i, src.read(i.filename)) for i in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in items:
            dst.writestr(info.filename, change(data) if info.filename == member else data)


def test_a_zip_bomb_is_refused_before_it_is_inflated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "bomb.xlsx")
    # 80 MB of blanks inside the sheet's XML: a few kilobytes once compressed
    _rewrite(path, "xl/worksheets/sheet1.xml", lambda xml: xml + b" " * (80 << 20))
    assert path.stat().st_size < 200_000
    inflated: list[int] = []
    read = zipfile.ZipExtFile.read

    def counted(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        data = read(self, n)
        inflated.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)
    with pytest.raises(InputFileError) as err:
        read_xlsx(path)
    assert sum(inflated) < 1 << 20  # refused from the archive's directory, nothing inflated
    message = str(err.value)
    assert message.startswith(f"{path}: xl/worksheets/sheet1.xml: inflates ")
    assert "times its size (a zip bomb?)" in message and "\n" not in message


def _widen(xml: bytes) -> bytes:
    """The sheet's declared range made 18,278 columns wide (``<dimension ref="A1:B2"/>`` as
    openpyxl writes it, with or without a space before ``/>``)."""
    wide, n = re.subn(rb'<dimension ref="A1:B2"\s*/>', b'<dimension ref="A1:ZZZ2"/>', xml)
    assert n == 1, xml[:300]
    return wide


def test_a_sheet_declaring_too_many_columns_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "wide.xlsx")
    _rewrite(path, "xl/worksheets/sheet1.xml", _widen)
    with pytest.raises(InputFileError, match="declares 2 rows and 18,278 columns, over the"):
        read_xlsx(path)
    assert read_xlsx(_workbook(tmp_path / "fine.xlsx")).frame.shape[0] == 1


def test_a_regex_with_nested_quantifiers_runs_in_linear_time() -> None:
    pattern = safe_regex("(a|aa)+$", "eco_eval.yaml: sources.barometer.items[0].match")
    t0 = time.perf_counter()
    assert pattern.fullmatch("a" * 50_000 + "b") is None
    assert time.perf_counter() - t0 < 1


def _config(tmp_path: Path, barometer: str) -> Path:
    (tmp_path / "eco_eval.yaml").write_text(
        'sources:\n  barometer:\n    pattern: "b/*.csv"\n' + barometer, encoding="utf-8"
    )
    return tmp_path


@pytest.mark.parametrize(
    ("barometer", "expected"),
    [
        ('    items: "WB"\n', "sources.barometer.items must be a list of rules, e.g. items: ["),
        (
            "    items:\n      - {match: '(a)\\1', to: 'x'}\n",
            "sources.barometer.items[0].match: '(a)\\\\1' is not a usable regular expression "
            "(invalid escape sequence: \\1)",
        ),
        (
            "    items:\n      - {match: 'WB[', to: 'x'}\n",
            "sources.barometer.items[0].match: 'WB[' is not a usable regular expression",
        ),
        (
            "    items:\n      - {match: 'WB'}\n",
            "sources.barometer.items[0] needs 'match' and 'to'",
        ),
        (
            "    wave_from: 'barometre_(\\d{4})'\n",
            "sources.barometer.wave_from 'barometre_(\\\\d{4})' has no (?P<wave>...) group",
        ),
    ],
)
def test_configuration_regexes_are_checked_at_load(
    tmp_path: Path, barometer: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_project(_config(tmp_path, barometer))
    message = str(err.value)
    assert expected in message and "\n" not in message
    assert message.startswith(str(tmp_path / "eco_eval.yaml"))


def test_a_good_wave_pattern_loads(tmp_path: Path) -> None:
    project = load_project(
        _config(tmp_path, "    wave_from: 'barometre_(?P<wave>\\d{4}-\\d{2})'\n")
    )
    assert project.sources["barometer"].wave_from == "barometre_(?P<wave>\\d{4}-\\d{2})"
