"""Readers: raw files → frames of text with the physical place of every row.

The layer never modifies or writes a file and never drops a data row silently. Its public API:

- :func:`read_file` → :class:`RawTable` (``frame``, ``lines``, ``original_columns``, ``meta``);
- survey exports: :func:`limesurvey_columns`, :func:`limesurvey_status`,
  :func:`read_limesurvey_structure` → :class:`Codebook`, :func:`labels_to_codes`,
  :func:`kobo_columns`, :func:`strip_group_paths`, :func:`msforms_columns`;
- value parsers returning values and a mask of unparseable cells: :func:`parse_dates`,
  :func:`parse_decimal`, :func:`parse_yes_no`;
- :func:`inspect_file` / :func:`render_inspection` for ``eco-eval inspect``.
"""

from eco_eval.readers.codebook import Codebook, Question, labels_to_codes, read_limesurvey_structure
from eco_eval.readers.inspect import inspect_file, render_inspection
from eco_eval.readers.kobo import kobo_columns, strip_group_paths
from eco_eval.readers.limesurvey import limesurvey_columns, limesurvey_status
from eco_eval.readers.msforms import msforms_columns
from eco_eval.readers.read import read_file
from eco_eval.readers.table import RawMeta, RawTable
from eco_eval.readers.values import ParseResult, parse_dates, parse_decimal, parse_yes_no

__all__ = [
    "Codebook",
    "ParseResult",
    "Question",
    "RawMeta",
    "RawTable",
    "inspect_file",
    "kobo_columns",
    "labels_to_codes",
    "limesurvey_columns",
    "limesurvey_status",
    "msforms_columns",
    "parse_dates",
    "parse_decimal",
    "parse_yes_no",
    "read_file",
    "read_limesurvey_structure",
    "render_inspection",
    "strip_group_paths",
]
