"""A LimeSurvey survey-structure archive (``.lss``, XML) that LimeSurvey imports.

The layout is the one LimeSurvey ≥ 4 exports (``DBVersion`` 6xx): a ``<document>`` holding one
element per database table, each with its ``<fields>`` (the column names) and its ``<rows>``
(every column of a row as an element, values in CDATA); texts live in the ``*_l10ns`` tables, one
row per language. Sub-questions are in ``subquestions`` (``parent_qid`` = their question), answer
options in ``answers`` (``code`` ≤ 5 characters, ``sortorder``, ``assessment_value``,
``scale_id``) with their labels in ``answer_l10ns``. Question codes (``title``) are letters and
digits, starting with a letter, at most 20 characters; sub-question codes letters and digits.
Reference: the structure of the archives LimeSurvey writes (Display/Export > Survey structure).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from eco_eval.demo.limesurvey import Group

DB_VERSION = 641
#: The columns of each table, as LimeSurvey ≥ 4 exports them.
FIELDS: dict[str, tuple[str, ...]] = {
    "answers": ("aid", "qid", "code", "sortorder", "assessment_value", "scale_id"),
    "answer_l10ns": ("id", "aid", "answer", "language"),
    "groups": ("gid", "sid", "group_order", "randomization_group", "grelevance"),
    "group_l10ns": ("id", "gid", "group_name", "description", "language", "sid", "group_order",
                    "randomization_group", "grelevance"),
    "questions": ("qid", "parent_qid", "sid", "gid", "type", "title", "preg", "other", "mandatory",
                  "question_order", "scale_id", "same_default", "relevance", "modulename",
                  "encrypted", "question_theme_name", "same_script"),
    "subquestions": ("qid", "parent_qid", "sid", "gid", "type", "title", "preg", "other",
                     "mandatory", "question_order", "scale_id", "same_default", "relevance",
                     "modulename", "encrypted", "question_theme_name", "same_script"),
    "question_l10ns": ("id", "qid", "question", "help", "language", "script"),
    "question_attributes": ("qid", "attribute", "value", "language"),
    "surveys": ("sid", "gsid", "admin", "expires", "startdate", "adminemail", "anonymized",
                "format", "savetimings", "template", "language", "additional_languages",
                "datestamp", "usecookie", "allowregister", "allowsave", "autonumber_start",
                "autoredirect", "allowprev", "printanswers", "ipaddr", "refurl",
                "showsurveypolicynotice", "publicstatistics", "publicgraphs", "listpublic",
                "htmlemail", "sendconfirmation", "tokenanswerspersistence", "assessments",
                "usecaptcha", "usetokens", "bounce_email", "tokenlength", "showxquestions",
                "showgroupinfo", "shownoanswer", "showqnumcode", "bounceprocessing",
                "showwelcome", "showprogress", "questionindex", "navigationdelay", "nokeyboard",
                "alloweditaftercompletion", "ipanonymize", "access_mode"),
    "surveys_languagesettings": ("surveyls_survey_id", "surveyls_language", "surveyls_title",
                                 "surveyls_description", "surveyls_welcometext",
                                 "surveyls_endtext", "surveyls_policy_notice", "surveyls_url",
                                 "surveyls_urldescription", "surveyls_dateformat",
                                 "surveyls_numberformat"),
}  # fmt: skip
#: LimeSurvey's question theme of each question type used by the kit.
THEMES = {
    "L": "listradio",
    "F": "arrays/array",
    "S": "shortfreetext",
    "T": "longfreetext",
    "N": "numerical",
}
QUESTION_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,19}$")
SUBQUESTION_CODE = re.compile(r"^[A-Za-z0-9]{1,20}$")
ANSWER_CODE = re.compile(r"^[A-Za-z0-9]{1,5}$")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _table(name: str, rows: Sequence[Mapping[str, object]]) -> str:
    fields = FIELDS[name]
    out = [f" <{name}>", "  <fields>"]
    out += [f"   <fieldname>{f}</fieldname>" for f in fields]
    out += ["  </fields>", "  <rows>"]
    for row in rows:
        unknown = set(row) - set(fields)
        if unknown:
            raise ValueError(f"{name}: no column {sorted(unknown)}")
        out.append("   <row>")
        for f in fields:
            value = row.get(f)
            text = "" if value is None else str(value)
            out.append(f"    <{f}>{_cdata(text)}</{f}>" if text else f"    <{f}/>")
        out.append("   </row>")
    out += ["  </rows>", f" </{name}>"]
    return "\n".join(out)


def check_codes(groups: Sequence[Group]) -> None:
    """Raise ``ValueError`` for a code LimeSurvey would refuse on import (see module doc)."""
    seen: set[str] = set()
    for group in groups:
        for q in group.questions:
            if not QUESTION_CODE.match(q.code) or q.code in seen:
                raise ValueError(f"question code {q.code!r} invalid or repeated")
            seen.add(q.code)
            if q.type not in THEMES:
                raise ValueError(f"question {q.code}: type {q.type!r} not supported")
            for code, _ in q.subquestions:
                if not SUBQUESTION_CODE.match(code):
                    raise ValueError(f"question {q.code}: sub-question code {code!r} invalid")
            for a in q.answers:
                if not ANSWER_CODE.match(a.code):
                    raise ValueError(f"question {q.code}: answer code {a.code!r} invalid")


def lss_text(
    *,
    sid: int,
    title: str,
    description: str,
    groups: Sequence[Group],
    admin_email: str,
    end_text: str = "Merci pour votre participation.",
    language: str = "fr",
) -> str:
    """The ``.lss`` document of an anonymous survey in one language (module doc)."""
    check_codes(groups)
    tables: dict[str, list[dict[str, object]]] = {name: [] for name in FIELDS}
    ids = {"qid": 0, "aid": 0, "l10n": 0, "answer_l10n": 0}

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    for g_order, group in enumerate(groups, start=1):
        gid = g_order
        common = {"sid": sid, "group_order": g_order, "grelevance": 1}
        tables["groups"].append({"gid": gid, **common})
        tables["group_l10ns"].append(
            {"id": gid, "gid": gid, "group_name": group.name, "description": group.description,
             "language": language, **common}
        )  # fmt: skip
        for q_order, q in enumerate(group.questions, start=1):
            qid = next_id("qid")
            base = {"sid": sid, "gid": gid, "preg": "", "other": "N", "same_default": 0,
                    "relevance": 1, "modulename": "", "encrypted": "N", "same_script": 0}  # fmt: skip
            tables["questions"].append(
                {"qid": qid, "parent_qid": 0, "type": q.type, "title": q.code,
                 "mandatory": "Y" if q.mandatory else "N", "question_order": q_order,
                 "scale_id": 0, "question_theme_name": THEMES[q.type], **base}
            )  # fmt: skip
            tables["question_l10ns"].append(
                {"id": next_id("l10n"), "qid": qid, "question": q.text, "help": q.help,
                 "language": language, "script": ""}
            )  # fmt: skip
            for attribute, value in q.attributes.items():
                tables["question_attributes"].append(
                    {"qid": qid, "attribute": attribute, "value": value, "language": ""}
                )
            for s_order, (code, text) in enumerate(q.subquestions, start=1):
                sqid = next_id("qid")
                tables["subquestions"].append(
                    {"qid": sqid, "parent_qid": qid, "type": "T", "title": code,
                     "mandatory": "", "question_order": s_order, "scale_id": 0,
                     "question_theme_name": "", **base}
                )  # fmt: skip
                tables["question_l10ns"].append(
                    {"id": next_id("l10n"), "qid": sqid, "question": text, "help": "",
                     "language": language, "script": ""}
                )  # fmt: skip
            for order, a in enumerate(q.answers):
                aid = next_id("aid")
                tables["answers"].append(
                    {"aid": aid, "qid": qid, "code": a.code, "sortorder": order,
                     "assessment_value": a.value if a.value is not None else 0,
                     "scale_id": a.scale}
                )  # fmt: skip
                tables["answer_l10ns"].append(
                    {"id": next_id("answer_l10n"), "aid": aid, "answer": a.label,
                     "language": language}
                )  # fmt: skip
    tables["surveys"].append(
        {"sid": sid, "gsid": 1, "admin": "", "adminemail": admin_email, "anonymized": "Y",
         "format": "G", "savetimings": "N", "template": "vanilla", "language": language,
         "additional_languages": "", "datestamp": "Y", "usecookie": "N", "allowregister": "N",
         "allowsave": "N", "autonumber_start": 0, "autoredirect": "N", "allowprev": "Y",
         "printanswers": "N", "ipaddr": "N", "refurl": "N", "showsurveypolicynotice": 0,
         "publicstatistics": "N", "publicgraphs": "N", "listpublic": "N", "htmlemail": "Y",
         "sendconfirmation": "N", "tokenanswerspersistence": "N", "assessments": "N",
         "usecaptcha": "N", "usetokens": "N", "bounce_email": admin_email, "tokenlength": 15,
         "showxquestions": "N", "showgroupinfo": "B", "shownoanswer": "N", "showqnumcode": "X",
         "bounceprocessing": "N", "showwelcome": "Y", "showprogress": "Y", "questionindex": 0,
         "navigationdelay": 0, "nokeyboard": "N", "alloweditaftercompletion": "N",
         "ipanonymize": "Y", "access_mode": "O"}
    )  # fmt: skip
    tables["surveys_languagesettings"].append(
        {"surveyls_survey_id": sid, "surveyls_language": language, "surveyls_title": title,
         "surveyls_description": description, "surveyls_welcometext": "",
         "surveyls_endtext": end_text, "surveyls_policy_notice": "", "surveyls_url": "",
         "surveyls_urldescription": "", "surveyls_dateformat": 5, "surveyls_numberformat": 1}
    )  # fmt: skip
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<document>",
        " <LimeSurveyDocType>Survey</LimeSurveyDocType>",
        f" <DBVersion>{DB_VERSION}</DBVersion>",
        " <languages>",
        f"  <language>{language}</language>",
        " </languages>",
    ]
    body = [_table(name, rows) for name, rows in tables.items() if rows]
    return "\n".join([*head, *body, "</document>"]) + "\n"


def write_lss(path: Path, **survey: object) -> Path:
    """Write :func:`lss_text` (same keywords) to ``path`` in UTF-8; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(lss_text(**survey), encoding="utf-8")  # type: ignore[arg-type]
    return path
