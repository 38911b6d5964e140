"""LimeSurvey response exports: which column is what, and which responses are complete.

A response export is an ordinary CSV (read by :mod:`eco_eval.readers.delimited`); what is special
is its columns. They come in this order: metadata (``id``, ``submitdate``, ``lastpage``,
``startlanguage``, ``seed``, then optional ``token``, ``startdate``, ``datestamp``, ``ipaddr``,
``refurl``), the questions in survey order, timings (``interviewtime``, ``groupTime12``,
``G01Q01Time``), participant attributes. Headings are question codes (``Q1[SQ001]``,
``Q3[other]``, ``Q5[SQ001][1]``, or ``Q1_SQ001`` with the ExpressionScript option), code + text
(``Q1[SQ001]. Text``), or full text (the default; neither unique nor always non-empty, as in the R
data export). ``submitdate`` empty means incomplete; ``1980-01-01 00:00:00`` means completed in
an anonymised survey that keeps no dates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from eco_eval.readers.table import RawTable

#: Code headings of the metadata columns, in export order.
META_FIELDS = (
    "id",
    "submitdate",
    "lastpage",
    "startlanguage",
    "seed",
    "token",
    "startdate",
    "datestamp",
    "ipaddr",
    "refurl",
    "optout",
)
#: Full-text headings of the metadata columns (English; French best effort) → code heading.
META_TEXT = {
    "response id": "id",
    "date submitted": "submitdate",
    "last page": "lastpage",
    "start language": "startlanguage",
    "seed": "seed",
    "token": "token",
    "access code": "token",
    "date started": "startdate",
    "date last action": "datestamp",
    "ip address": "ipaddr",
    "referrer url": "refurl",
    "id de la réponse": "id",
    "id de réponse": "id",
    "date de soumission": "submitdate",
    "dernière page": "lastpage",
    "langue de départ": "startlanguage",
    "date de début": "startdate",
    "date de la dernière action": "datestamp",
    "adresse ip": "ipaddr",
    "url de provenance": "refurl",
}
#: Participant (token table) columns that an export may add.
ATTRIBUTE_FIELDS = {
    "firstname",
    "lastname",
    "email",
    "emailstatus",
    "tid",
    "participant_id",
    "sent",
    "remindersent",
    "remindercount",
    "completed",
    "usesleft",
    "validfrom",
    "validuntil",
    "blacklisted",
    "first name",
    "last name",
    "email address",
}
#: ``submitdate`` of a response completed in a survey that does not keep dates.
NO_DATE_SENTINEL = "1980-01-01 00:00:00"

_BRACKETS = re.compile(r"^(?P<q>[A-Za-z][A-Za-z0-9]*)(?P<rest>(?:\[[^\[\]]*\])+)$")
_UNDERSCORE = re.compile(
    r"^(?P<q>[A-Za-z][A-Za-z0-9]*)_(?P<a>[A-Za-z0-9-]+)(?:_(?P<b>[A-Za-z0-9-]+))?$"
)
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_CODE_TEXT = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*(?:\[[^\[\]]*\])*)\. ")
_ATTRIBUTE = re.compile(r"^attribute_\d+$", re.IGNORECASE)
_TIMING_TEXT = re.compile(r"^(total time|group time:|question time:)", re.IGNORECASE)
_SUFFIXES = ("comment", "other")

COLUMNS = (
    "column",
    "heading",
    "role",
    "field",
    "question",
    "subquestion",
    "subquestion2",
    "suffix",
)


def meta_field(heading: str) -> str | None:
    """The code heading of a metadata column (``Date submitted`` → ``submitdate``), or None."""
    name = heading.strip().lstrip("\ufeff")
    if name in META_FIELDS:
        return name
    return META_TEXT.get(name.casefold())


def is_limesurvey(headings: Sequence[str]) -> bool:
    """True when the headings start like a LimeSurvey response export (code or full text)."""
    fields = [meta_field(h) for h in headings[:4]]
    return fields[:2] == ["id", "submitdate"] and (
        "lastpage" in fields[2:] or "startlanguage" in fields[2:]
    )


def split_code(heading: str) -> tuple[str, str | None, str | None, str | None] | None:
    """Split a code heading into (question, sub-question, second sub-question, suffix).

    >>> split_code("Q1[SQ001]"), split_code("Q3[SQ002comment]"), split_code("Q5_SQ001_1")
    (('Q1', 'SQ001', None, None), ('Q3', 'SQ002', None, 'comment'), ('Q5', 'SQ001', '1', None))
    >>> split_code("Q5[SQ001][1]"), split_code("Q3[other]"), split_code("Full text?")
    (('Q5', 'SQ001', '1', None), ('Q3', 'other', None, 'other'), None)
    """
    text = heading.strip()
    m = _CODE_TEXT.match(text)
    if m:
        text = m.group("code")
    m = _BRACKETS.match(text)
    if m:
        parts = re.findall(r"\[([^\[\]]*)\]", m.group("rest"))
        if len(parts) == 1:
            for sep in ("#", "_"):
                if sep in parts[0]:
                    parts = parts[0].split(sep, 1)
                    break
        return _with_suffix(m.group("q"), parts[0], parts[1] if len(parts) > 1 else None)
    m = _UNDERSCORE.match(text)
    if m:
        return _with_suffix(m.group("q"), m.group("a"), m.group("b"))
    if _PLAIN.match(text):
        return (text, None, None, None)
    return None


def _with_suffix(
    question: str, sub: str, sub2: str | None
) -> tuple[str, str | None, str | None, str | None]:
    if sub in _SUFFIXES:
        return (question, sub, sub2, sub)
    for suffix in _SUFFIXES:
        if sub.endswith(suffix) and len(sub) > len(suffix):
            return (question, sub[: -len(suffix)], sub2, suffix)
    return (question, sub, sub2, None)


def limesurvey_columns(raw: RawTable) -> pd.DataFrame:
    """One row per column of a response export, saying what it holds.

    Returns a DataFrame with columns:

    - ``column``: the column name in ``raw.frame``; ``heading``: the heading as in the file;
    - ``role``: ``meta``, ``question``, ``timing`` or ``attribute``;
    - ``field``: the code name of a metadata column (``submitdate``), else missing;
    - ``question``, ``subquestion``, ``subquestion2``: the codes read from a code heading
      (``Q5[SQ001][1]`` → ``Q5``, ``SQ001``, ``1``), missing for full-text headings;
    - ``suffix``: ``other`` or ``comment`` for those companion columns, else missing.
    """
    rows = []
    in_timings = False
    for column, heading in zip(raw.frame.columns, raw.original_columns, strict=True):
        field = meta_field(heading)
        name = heading.strip()
        code = split_code(name)
        role = "question"
        if field is not None and not in_timings:
            role, code = "meta", None
        elif name.lower() in ATTRIBUTE_FIELDS or _ATTRIBUTE.match(name):
            role, code = "attribute", None
        elif name == "interviewtime" or _TIMING_TEXT.match(name):
            role, in_timings, code = "timing", True, None
        elif in_timings and (re.match(r"^groupTime\d+$", name) or name.endswith("Time")):
            role, code = "timing", None
        elif in_timings:
            role, code = "attribute", None
        question, sub, sub2, suffix = code if code else (None, None, None, None)
        rows.append((column, heading, role, field if role == "meta" else None,
                     question, sub, sub2, suffix))  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(
        {
            "question": "str",
            "subquestion": "str",
            "subquestion2": "str",
            "suffix": "str",
            "field": "str",
        }
    )


def limesurvey_status(raw: RawTable) -> pd.DataFrame:
    """Completion of each response: ``complete`` (bool) and ``submitted_at`` (text, missing when
    incomplete or when the survey keeps no dates, i.e. ``1980-01-01 00:00:00``).

    Same index as ``raw.frame``. Raises ``KeyError`` when there is no ``submitdate`` column.
    """
    columns = dict(zip(raw.original_columns, raw.frame.columns, strict=True))
    name = next((c for h, c in columns.items() if meta_field(h) == "submitdate"), None)
    if name is None:
        raise KeyError("no submitdate column (Date submitted)")
    submit = raw.frame[name]
    complete = submit.notna() & (submit.str.strip() != "")
    submitted = submit.where(complete & (submit.str.strip() != NO_DATE_SENTINEL))
    return pd.DataFrame({"complete": complete.astype(bool), "submitted_at": submitted})
