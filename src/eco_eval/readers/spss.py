"""SPSS ``.sav`` / ``.zsav`` files, read with pyreadstat, value labels applied.

A labelled value comes back as its label (``1`` → ``Tout à fait d'accord``); an unlabelled one as
its number written like Excel would (``3``, ``2.5``); SPSS dates as ISO text. Variable labels and
the value-label sets go to ``meta.extra`` so that the next layer can map codes if it prefers.
``lines`` holds the case number (1-based).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from eco_eval.readers.excel import cell_text
from eco_eval.readers.table import TEXT_DTYPE, RawMeta, RawTable, input_error, unique_names


def _column_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        out = series.astype(TEXT_DTYPE)
        return out.where(out != "")

    def one(value: Any) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, dt.datetime | dt.date | dt.time | float | int | bool | str):
            return cell_text(value)
        return str(value)

    return series.map(one).astype(TEXT_DTYPE)


def read_sav(path: Path, *, fmt: str = "sav") -> RawTable:
    """Read an SPSS file with its value labels applied (see the module docstring)."""
    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and plain ones
        raise input_error(
            path, "", f"not a readable SPSS .sav file ({type(exc).__name__}: {exc})",
            "export it again from SPSS (File > Save As > .sav), or as CSV",
        ) from exc  # fmt: skip
    originals = [str(c) for c in frame.columns]
    names = unique_names(originals)
    text = pd.DataFrame(
        {name: _column_text(frame[col]) for name, col in zip(names, frame.columns, strict=True)},
        columns=names,
    )
    lines = np.arange(1, len(text) + 1, dtype=np.int64)
    extra = {
        "variable_labels": {
            str(k): v for k, v in zip(meta.column_names, meta.column_labels, strict=False) if v
        },
        "value_labels": {
            str(var): {cell_text(k) or str(k): str(v) for k, v in labels.items()}
            for var, labels in (meta.variable_value_labels or {}).items()
        },
        "file_label": meta.file_label,
    }
    raw_meta = RawMeta(
        path=str(path),
        format=fmt,
        encoding=meta.file_encoding,
        n_rows=len(text),
        extra=extra,
    )
    return RawTable(text, lines, tuple(originals), raw_meta)
