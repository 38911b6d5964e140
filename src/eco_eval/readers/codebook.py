"""The LimeSurvey codebook: question codes, their texts, sub-questions and answer labels.

Two structure exports are read: the tab-separated survey export (``.txt``, one row per survey
setting ``S``/``SL``, group ``G``, question ``Q``, sub-question ``SQ`` and answer ``A``, repeated
per language; ``SQ`` and ``A`` rows belong to the ``Q`` row above them) and the ``.lss`` XML
archive (both the LimeSurvey ≥ 4 layout with ``*_l10ns`` tables and the older one with texts in
the rows). The codebook answers the two questions the next layer has: what does answer code ``A3``
of question ``SAT`` mean, and which code does the label ``Plutôt d'accord`` stand for — so that
exports with answer codes and exports with full answers give the same codes.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eco_eval.errors import did_you_mean
from eco_eval.readers.encoding import detect_encoding, looks_binary
from eco_eval.readers.table import input_error

#: Labels LimeSurvey writes for the question types that have no answer list of their own.
BUILTIN_ANSWERS: dict[str, dict[str, dict[str, str]]] = {
    "Y": {"Y": {"en": "Yes", "fr": "Oui"}, "N": {"en": "No", "fr": "Non"}},
    "G": {"F": {"en": "Female", "fr": "Féminin"}, "M": {"en": "Male", "fr": "Masculin"}},
    "M": {"Y": {"en": "Yes", "fr": "Oui"}},
    "P": {"Y": {"en": "Yes", "fr": "Oui"}},
    "C": {
        "Y": {"en": "Yes", "fr": "Oui"},
        "U": {"en": "Uncertain", "fr": "Incertain"},
        "N": {"en": "No", "fr": "Non"},
    },
    "E": {
        "I": {"en": "Increase", "fr": "Augmenter"},
        "S": {"en": "Same", "fr": "Sans changement"},
        "D": {"en": "Decrease", "fr": "Diminuer"},
    },
    "5": {str(i): {"en": str(i), "fr": str(i)} for i in range(1, 6)},
    "A": {str(i): {"en": str(i), "fr": str(i)} for i in range(1, 6)},
    "B": {str(i): {"en": str(i), "fr": str(i)} for i in range(1, 11)},
}
OTHER_CODE = "-oth-"
OTHER_LABEL = {"en": "Other", "fr": "Autre"}
_TAG = re.compile(r"<[^>]+>")


def normalise_label(text: str) -> str:
    """Comparable form of a label: no HTML, no accents, case-folded, single spaces, ASCII quote.

    >>> normalise_label("  Plutôt <b>d’accord</b> ")
    "plutot d'accord"
    """
    text = _TAG.sub(" ", str(text)).replace("’", "'").replace("\u00a0", " ")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


@dataclass
class Question:
    """One question: ``code``, LimeSurvey ``type`` letter, texts and helps per language,
    sub-questions ``{scale: {code: {language: text}}}`` and answers
    ``{scale: {code: {language: label}}}`` in survey order."""

    code: str
    type: str
    group: str | None = None
    text: dict[str, str] = field(default_factory=dict)
    help: dict[str, str] = field(default_factory=dict)
    other: bool = False
    mandatory: bool = False
    subquestions: dict[int, dict[str, dict[str, str]]] = field(default_factory=dict)
    answers: dict[int, dict[str, dict[str, str]]] = field(default_factory=dict)


@dataclass
class Codebook:
    """A survey's structure. ``languages[0]`` is the base language; ``survey_id`` is LimeSurvey's
    survey id (``sid``) when the export states it."""

    path: str
    title: str | None = None
    survey_id: str | None = None
    languages: list[str] = field(default_factory=list)
    questions: dict[str, Question] = field(default_factory=dict)

    def question(self, code: str) -> Question:
        """The question ``code``; a ``KeyError`` names close codes."""
        if code not in self.questions:
            raise KeyError(
                f"no question {code!r} in {self.path}{did_you_mean(code, self.questions)}"
            )
        return self.questions[code]

    def _language(self, language: str | None) -> str:
        return language or (self.languages[0] if self.languages else "en")

    def answer_labels(
        self, question_code: str, language: str | None = None, *, scale: int = 0
    ) -> dict[str, str]:
        """Answer code → label of a question in ``language`` (default: the base language).

        Falls back on LimeSurvey's built-in labels for types without an answer list (``Y``
        yes/no, ``G`` gender, ``M`` multiple choice, ``5`` five-point...), and adds ``-oth-``
        when the question has an "other" option.
        """
        q = self.question(question_code)
        lang = self._language(language)
        options = q.answers.get(scale) or BUILTIN_ANSWERS.get(q.type, {})
        out = {code: _pick(labels, lang) for code, labels in options.items()}
        if q.other:
            out[OTHER_CODE] = OTHER_LABEL.get(lang, OTHER_LABEL["en"])
        return out

    def subquestion_texts(
        self, question_code: str, language: str | None = None, *, scale: int = 0
    ) -> dict[str, str]:
        """Sub-question code → text (array rows, multiple-choice options)."""
        q = self.question(question_code)
        lang = self._language(language)
        return {code: _pick(t, lang) for code, t in q.subquestions.get(scale, {}).items()}

    def questions_frame(self) -> pd.DataFrame:
        """Tidy questions: ``code``, ``type``, ``group``, ``language``, ``text``, ``other``."""
        rows = [
            (q.code, q.type, q.group, lang, text, q.other)
            for q in self.questions.values()
            for lang, text in (q.text.items() or [(None, "")])
        ]
        return pd.DataFrame(rows, columns=["code", "type", "group", "language", "text", "other"])

    def subquestions_frame(self) -> pd.DataFrame:
        """Tidy sub-questions: ``question``, ``scale``, ``code``, ``language``, ``text``."""
        rows = [
            (q.code, scale, code, lang, text)
            for q in self.questions.values()
            for scale, subs in q.subquestions.items()
            for code, texts in subs.items()
            for lang, text in texts.items()
        ]
        return pd.DataFrame(rows, columns=["question", "scale", "code", "language", "text"])

    def answers_frame(self) -> pd.DataFrame:
        """Tidy answer options: ``question``, ``scale``, ``code``, ``language``, ``label``."""
        rows = [
            (q.code, scale, code, lang, label)
            for q in self.questions.values()
            for scale, options in q.answers.items()
            for code, labels in options.items()
            for lang, label in labels.items()
        ]
        return pd.DataFrame(rows, columns=["question", "scale", "code", "language", "label"])


def _pick(texts: dict[str, str], language: str) -> str:
    if language in texts:
        return texts[language]
    return next(iter(texts.values()), "")


def labels_to_codes(
    values: pd.Series,
    codebook: Codebook,
    question_code: str,
    *,
    language: str | None = None,
    scale: int = 0,
) -> tuple[pd.Series, pd.Series]:
    """Convert full-answer values (labels) of a question to answer codes.

    A value that already is a code stays as it is, so an export with answer codes and one with
    full answers give the same result. Labels match in any of the survey's languages (or
    ``language`` only), ignoring case, accents, HTML and spacing. Returns ``(codes, unmatched)``:
    ``codes`` is text (missing where the value is missing or unknown), ``unmatched`` is True for
    non-missing values that are neither a code nor a label (to quarantine).
    """
    q = codebook.question(question_code)
    languages = [language] if language else (codebook.languages or ["en", "fr"])
    builtin = BUILTIN_ANSWERS.get(q.type, {})
    options = dict(q.answers.get(scale) or builtin)
    if q.other:
        options[OTHER_CODE] = OTHER_LABEL
    lookup: dict[str, str] = {}
    for code, labels in options.items():
        for lang, label in labels.items():
            # built-in labels (Yes/Oui...) match in any language the survey may have used
            if lang in languages or not q.answers.get(scale):
                lookup.setdefault(normalise_label(label), code)
    for code in options:
        lookup.setdefault(normalise_label(code), code)
    text = values.astype("str")
    present = text.notna() & (text.str.strip() != "")
    direct = text.map(lambda v: v if isinstance(v, str) and v in options else None)
    normal = text.map(lambda v: lookup.get(normalise_label(v)) if isinstance(v, str) else None)
    codes = direct.where(direct.notna(), normal).astype("str")
    unmatched = present & codes.isna()
    return codes.where(present), unmatched.astype(bool)


# -- reading ------------------------------------------------------------------------------------


def read_limesurvey_structure(path: str | Path) -> Codebook:
    """Read a survey-structure export (tab-separated ``.txt`` or ``.lss`` XML) into a Codebook."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise input_error(
            path, "", f"cannot open the file ({exc.strerror})", "check the path"
        ) from exc
    if not data.strip():
        raise input_error(path, "", "empty file", "export the survey structure again")
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<"):
        return _read_lss(path, data)
    encoding = detect_encoding(data)
    if looks_binary(data[:65536]) and not encoding.bom:
        raise input_error(path, "", "binary content, not a survey structure", "export it again")
    text = data.decode(encoding.name, errors="replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    if "\tclass\t" not in first and not first.startswith("class\t"):
        raise input_error(
            path, "line 1", "not a LimeSurvey structure export (no 'class' column)",
            "export it from LimeSurvey: Display/Export > Tab-separated-values format (*.txt)",
        )  # fmt: skip
    return _read_tsv(path, text)


def _read_tsv(path: Path, text: str) -> Codebook:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", strict=False)
    try:
        header = [h.strip() for h in next(reader)]
        records = list(reader)
    except csv.Error as exc:
        raise input_error(path, "", f"unreadable ({exc})", "export it again") from exc
    col = {name: i for i, name in enumerate(header)}

    def get(row: list[str], name: str) -> str:
        i = col.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    book = Codebook(path=str(path))
    base, extra = "", ""
    group: str | None = None
    current: Question | None = None
    for row in records:
        kind, name, lang = get(row, "class"), get(row, "name"), get(row, "language")
        scale_text = get(row, "type/scale")
        if kind == "S" and name == "language":
            base = get(row, "text")
        elif kind == "S" and name == "additional_languages":
            extra = get(row, "text")
        elif kind == "S" and name == "sid":
            book.survey_id = get(row, "text") or None
        elif kind == "SL" and name == "surveyls_title" and book.title is None:
            book.title = get(row, "text")
        elif kind == "G":
            group = name or group
        elif kind == "Q":
            current = book.questions.get(name)
            if current is None:
                current = Question(code=name, type=scale_text, group=group)
                book.questions[name] = current
            current.text[lang] = get(row, "text")
            if get(row, "help"):
                current.help[lang] = get(row, "help")
            current.other = current.other or get(row, "other") == "Y"
            current.mandatory = current.mandatory or get(row, "mandatory") == "Y"
        elif kind in {"SQ", "A"} and current is not None:
            scale = int(scale_text) if scale_text.isdigit() else 0
            target = current.subquestions if kind == "SQ" else current.answers
            target.setdefault(scale, {}).setdefault(name, {})[lang] = get(row, "text")
    book.languages = [x for x in [base, *extra.split()] if x]
    if not book.questions:
        raise input_error(path, "", "no question (class Q) in the structure", "export it again")
    return book


def _rows(root: ET.Element, section: str) -> list[dict[str, str]]:
    rows_node = root.find(f"{section}/rows")
    if rows_node is None:
        return []
    return [{child.tag: (child.text or "") for child in row} for row in rows_node]


def _read_lss(path: Path, data: bytes) -> Codebook:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise input_error(
            path, f"line {exc.position[0]}", f"not well-formed XML ({exc})",
            "export the survey structure (.lss) again",
        ) from exc  # fmt: skip
    if root.findtext("LimeSurveyDocType") != "Survey":
        raise input_error(path, "", "not a LimeSurvey survey structure (.lss)", "export it again")
    book = Codebook(path=str(path))
    book.languages = [e.text or "" for e in root.iterfind("languages/language") if e.text]
    for row in _rows(root, "surveys_languagesettings"):
        book.title = book.title or row.get("surveyls_title")
    for row in _rows(root, "surveys"):
        book.survey_id = book.survey_id or row.get("sid") or None
    groups = {r.get("gid", ""): r.get("group_name", "") for r in _rows(root, "groups")}
    group_order = {r.get("gid", ""): _int(r.get("group_order")) for r in _rows(root, "groups")}
    for r in _rows(root, "group_l10ns"):
        if not groups.get(r.get("gid", "")):
            groups[r.get("gid", "")] = r.get("group_name", "")
    texts: dict[str, dict[str, str]] = {}
    helps: dict[str, dict[str, str]] = {}
    all_rows = _rows(root, "questions") + _rows(root, "subquestions")
    for r in all_rows + _rows(root, "question_l10ns"):
        if "question" in r and r.get("language"):
            texts.setdefault(r["qid"], {})[r["language"]] = r["question"]
            if r.get("help"):
                helps.setdefault(r["qid"], {})[r["language"]] = r["help"]
    by_qid: dict[str, Question] = {}
    for r in sorted(all_rows, key=lambda r: _int(r.get("question_order"))):
        if r.get("parent_qid", "0") in {"0", ""}:
            q = by_qid.get(r["qid"]) or Question(code=r.get("title", ""), type=r.get("type", ""))
            q.group = groups.get(r.get("gid", "")) or None
            q.text, q.help = texts.get(r["qid"], {}), helps.get(r["qid"], {})
            q.other, q.mandatory = r.get("other") == "Y", r.get("mandatory") == "Y"
            by_qid[r["qid"]] = q
    for r in sorted(all_rows, key=lambda r: _int(r.get("question_order"))):
        parent = by_qid.get(r.get("parent_qid", ""))
        if parent is not None:
            subs = parent.subquestions.setdefault(_int(r.get("scale_id")), {})
            subs[r.get("title", "")] = texts.get(r["qid"], {})
    labels: dict[str, dict[str, str]] = {}
    for r in _rows(root, "answer_l10ns"):
        labels.setdefault(r.get("aid", ""), {})[r.get("language", "")] = r.get("answer", "")
    for r in sorted(_rows(root, "answers"), key=lambda r: _int(r.get("sortorder"))):
        owner = by_qid.get(r.get("qid", ""))
        if owner is None:
            continue
        q = owner
        options = q.answers.setdefault(_int(r.get("scale_id")), {})
        entry = options.setdefault(r.get("code", ""), {})
        if "answer" in r:
            entry[r.get("language", "")] = r["answer"]
        entry.update(labels.get(r.get("aid", ""), {}))
    position = {r["qid"]: (group_order.get(r.get("gid", ""), 0), _int(r.get("question_order")))
                for r in all_rows}  # fmt: skip
    order = sorted(by_qid.items(), key=lambda kv: position.get(kv[0], (0, 0)))
    book.questions = {q.code: q for _, q in order}
    if not book.questions:
        raise input_error(path, "", "no question in the .lss file", "export the survey again")
    return book


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0
