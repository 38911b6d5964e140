"""HTML tables of already formatted text, laid out for screen and paper.

Every header and cell is escaped (unless its column is declared raw). A cell that holds only
figures gets the class ``num`` (right-aligned, never wrapped: ``bilan.css``), a free-text column
the class ``text`` (a long word may wrap anywhere); any other cell wraps between words only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from eco_eval.report.typography import AS_WRITTEN

#: A cell that holds only figures: a number, a percentage, a change, an interval, a hidden or
#: missing value, or a value followed by its interval. It never wraps (``td.num``).
_FIGURE = r"(?:[+\-\u2212]?\d[\d\u202f\u00a0 ,.]*(?:\u00a0?%|\u00a0points?|\u00a0pp)?|\[[^\]]*\]|–|< ?\d+\s?pers\.)"
_NUMERIC = re.compile(rf"^\s*{_FIGURE}(?:\s+{_FIGURE})?\s*$")


def is_figure(text: object) -> bool:
    """True when ``text`` is a figure cell (see ``_NUMERIC``), which is laid out unbroken."""
    return bool(_NUMERIC.match(str(text)))


def text_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    cls: str = "eco-table",
    raw_cols: Sequence[int] = (),
    text_cols: Sequence[int] = (),
) -> str:
    """An HTML table of ``rows`` under ``headers``, with the class ``cls``.

    Cells are escaped unless their column index is in ``raw_cols``; ``text_cols``: the columns of
    free text (comments, actions)."""
    head = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in headers)
    body = []
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            shown = c if i in raw_cols else escape(str(c))
            if i in text_cols:  # free text: shown as written, typography left alone
                shown = f"{AS_WRITTEN}{shown}</span>"
            kind = (
                ' class="text"'
                if i in text_cols
                else ' class="num"'
                if i not in raw_cols and is_figure(str(c))
                else ""
            )
            cells.append(f"<td{kind}>{shown}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )
