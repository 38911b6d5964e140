"""Small frames as HTML tables for the bilan: every text escaped, numbers written per language.

``html_table`` is for display in a notebook cell (it returns an ``IPython.display.HTML``; the last
expression of a cell shows it). Rows of the tidy indicator frame know how to show themselves:

- ``lever``, ``tool``, ``indicator``, ``dimension``, ``group``, ``period`` are written as names
  (« la contrainte », « femmes », « 2ᵉ trimestre 2016 »);
- ``value``, ``n``, ``ci_low``, ``ci_high`` and the virtual column ``ci`` (the interval) show the
  suppressed label (``< 5 pers.``) when the row's ``suppressed`` is true, whatever the value holds
  — never 0;
- any other column: numbers formatted, dates in words, text escaped.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from numbers import Number
from typing import Any

import pandas as pd
from IPython.display import HTML

from eco_eval.errors import ReportFailed, did_you_mean
from eco_eval.report.fmt import (
    fmt_date,
    fmt_interval,
    fmt_number,
    fmt_period,
    fmt_value,
    is_missing,
)
from eco_eval.report.i18n import Labels

MASKED = ("value", "n", "ci", "ci_low", "ci_high")
NUMERIC_TIDY = ("value", "n", "ci", "ci_low", "ci_high")


def _cell(text: str, *, classes: Sequence[str] = (), title: str | None = None) -> str:
    attrs = f' class="{" ".join(classes)}"' if classes else ""
    if title:
        attrs += f' title="{html.escape(title)}"'
    return f"<td{attrs}>{html.escape(text)}</td>"


def _plain(value: object, lang: str, labels: Labels, digits: int | None) -> tuple[str, bool]:
    """Text of an ordinary cell and whether it is numeric."""
    if is_missing(value):
        return labels["value.missing"], False
    if isinstance(value, bool):
        return labels["value.yes" if value else "value.no"], False
    if isinstance(value, Number):
        return fmt_number(value, lang, digits=digits), True
    if isinstance(value, datetime | date | pd.Timestamp):
        return fmt_date(value, lang), False
    return str(value), False


def _render(
    row: Mapping[Any, Any],
    column: str,
    labels: Labels,
    lang: str,
    *,
    k: int | None,
    percent: bool,
    digits: int | None,
) -> str:
    suppressed = bool(row.get("suppressed", False)) and not is_missing(row.get("suppressed"))
    if column in MASKED and suppressed:
        long = (
            labels.format("value.suppressed_long", k=k)
            if k
            else labels["value.suppressed_long_nok"]
        )
        return _cell(
            fmt_value(None, lang, suppressed=True, k=k), classes=("num", "suppressed"), title=long
        )
    value = row.get(column)
    if column == "ci":
        text = fmt_interval(
            row.get("ci_low"), row.get("ci_high"), lang, digits=digits, percent=percent
        )
        return _cell(text, classes=("num",))
    if column in ("value", "ci_low", "ci_high"):
        if is_missing(value):
            return _cell(
                labels["value.missing"],
                classes=("num", "missing"),
                title=labels["value.missing_long"],
            )
        return _cell(fmt_value(value, lang, percent=percent, digits=digits), classes=("num",))
    if column == "n":
        return _cell(fmt_number(value, lang, digits=0), classes=("num",))
    if column == "lever" and not is_missing(value):
        return _cell(labels.lever(str(value)))
    if column == "tool" and not is_missing(value):
        return _cell(labels["group.all"] if value == "*" else labels.tool(str(value)))
    if column == "indicator" and not is_missing(value):
        return _cell(labels.indicator(str(value)))
    if column == "dimension" and not is_missing(value):
        return _cell(labels.dimension(str(value)))
    if column == "group" and not is_missing(value):
        return _cell(labels.group(str(row.get("dimension", "")), str(value)))
    if column == "period" and not is_missing(value):
        return _cell(fmt_period(str(value), lang))
    if (
        percent
        and isinstance(value, Number)
        and not isinstance(value, bool)
        and not is_missing(value)
    ):
        return _cell(fmt_value(value, lang, percent=True, digits=digits), classes=("num",))
    text, numeric = _plain(value, lang, labels, digits)
    return _cell(text, classes=("num",) if numeric else ())


def html_table(
    frame: pd.DataFrame,
    columns: Sequence[str] | Mapping[str, str],
    labels: Labels,
    lang: str | None = None,
    *,
    k: int | None = None,
    percent: bool | Collection[str] = False,
    digits: int | None = 1,
    caption: str | None = None,
) -> HTML:
    """Render ``frame`` as an HTML table for a notebook cell.

    Parameters
    ----------
    frame
        A small frame, usually rows of the tidy indicator frame (see ``docs/data-model.md``).
    columns
        Columns to show, in order: a list of column names (headers from the labels,
        ``column.<name>``, or the name itself), or a mapping column -> header text. ``ci`` is the
        interval ``[ci_low ; ci_high]``.
    labels
        The report's :class:`~eco_eval.report.i18n.Labels`.
    lang
        Language of numbers and dates; ``labels.lang`` when omitted.
    k
        The anonymity threshold, for the suppressed label (``< 5 pers.``); ``masqué`` if None.
    percent
        True when ``value`` (and the interval) are proportions to show as percentages; or the
        names of the columns that are.
    digits
        Decimals of values (``n`` always whole).
    caption
        Table caption (escaped).

    Returns
    -------
    IPython.display.HTML
        ``str(result.data)`` is the markup: ``<div class="eco-table-wrap"><table class="eco-table">``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group": ["<b>A</b>"], "value": [1234.5], "suppressed": [False]})
    >>> print(html_table(t, ["group", "value"], Labels("fr"), digits=1).data)  # doctest: +ELLIPSIS
    <div class="eco-table-wrap"><table class="eco-table">...<td>&lt;b&gt;A&lt;/b&gt;</td><td class="num">1\u202f234,5</td>...
    """
    lang = lang or labels.lang
    headers = (
        dict(columns)
        if isinstance(columns, Mapping)
        else {c: labels.get(f"column.{c}", c) for c in columns}
    )
    known = set(frame.columns) | ({"ci"} if {"ci_low", "ci_high"} <= set(frame.columns) else set())
    for column in headers:
        if column not in known:
            raise ReportFailed(
                f"html_table: no column {column!r} in the frame{did_you_mean(column, known)}; "
                f"columns are {', '.join(map(str, frame.columns))}"
            )
    if isinstance(percent, bool):
        percent_columns = {"value", "ci", "ci_low", "ci_high"} if percent else set()
    else:
        percent_columns = set(percent)
    parts = ['<div class="eco-table-wrap"><table class="eco-table">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<thead><tr>")
    for column, header in headers.items():
        numeric = column in NUMERIC_TIDY or (
            column in frame.columns
            and pd.api.types.is_numeric_dtype(frame[column])
            and not pd.api.types.is_bool_dtype(frame[column])
        )
        cls = ' class="num"' if numeric else ""
        parts.append(f'<th scope="col"{cls}>{html.escape(str(header))}</th>')
    parts.append("</tr></thead><tbody>")
    for row in frame.to_dict("records"):
        parts.append("<tr>")
        for column in headers:
            parts.append(
                _render(
                    row, column, labels, lang, k=k, percent=column in percent_columns, digits=digits
                )
            )
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    return HTML("".join(parts))
