"""The codebook of a LimeSurvey source (``sources.<name>.codebook``): answers to answer codes.

A LimeSurvey response export holds either answer codes (``A3``, ``4``, ``Y``) or full answers (the
label the respondent saw, ``Souvent``), possibly in several languages. When a source declares its
survey-structure export as codebook, every column that goes through a value scale (``values:``
fields and barometer ``items:``) is first converted, per question, to the answer code of that
question, matching labels in the respondent's language (``startlanguage``) first. The declared
scale then gives the canonical value of the code's *label*, or of the code itself when the scale
does not know the label (numeric codes): an answer recoded between two waves (labels reordered in
the structure) keeps its meaning. A value that is neither a code nor a label of its question is a
quarantine reason ``codebook:<field or item>``, never dropped silently.

The codebook file is an input like the data files: its checksum is in the ingest log (so that a
new codebook triggers a new ingest and shows in the provenance), under the source's table with no
rows and ``"role": "codebook"`` in its detail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eco_eval.config import Project, Source
from eco_eval.errors import InputFileError, did_you_mean
from eco_eval.ingest.mapping import _norm, scale_lookup
from eco_eval.readers import parse_yes_no
from eco_eval.readers.codebook import (
    BUILTIN_ANSWERS,
    OTHER_CODE,
    OTHER_LABEL,
    Codebook,
    labels_to_codes,
    read_limesurvey_structure,
)
from eco_eval.readers.limesurvey import meta_field, split_code

ROLE = "codebook"
_SID_IN_NAME = re.compile(r"(\d{3,})")


@dataclass(frozen=True)
class CodebookInput:
    """A codebook file of a source: where it is, its checksum and its parsed structure."""

    path: Path
    label: str  # path relative to the project root, as in the ingest log
    sha256: str
    book: Codebook
    source: str

    @property
    def survey_id(self) -> str | None:
        if self.book.survey_id:
            return self.book.survey_id
        found = _SID_IN_NAME.findall(self.path.stem)
        return found[-1] if found else None

    def log_detail(self, used_by: list[str]) -> dict[str, Any]:
        return {
            "role": ROLE,
            "source": self.source,
            "survey_id": self.survey_id,
            "title": self.book.title,
            "languages": list(self.book.languages),
            "questions": len(self.book.questions),
            "used_by": sorted(used_by),
        }


@dataclass
class Converted:
    """A raw frame whose scaled columns went through the codebook."""

    frame: pd.DataFrame
    problems: list[tuple[str, np.ndarray]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # column -> question[/scale] used


def find_codebooks(project: Project, source: Source, rel: Any, sha256: Any) -> list[CodebookInput]:
    """Read the codebook files of ``source``; a one-line error when none or one is unreadable."""
    assert source.codebook is not None
    files = sorted(p for p in project.raw_dir.glob(source.codebook) if p.is_file())
    if not files:
        where = f"{project.raw_dir_name}/{source.codebook}"
        folder = str(Path(where).parent)
        raise InputFileError(
            f"{where}: no survey-structure file for sources.{source.name}.codebook; export it from "
            f"LimeSurvey (Display/Export > Survey structure, tab-separated .txt) into {folder}/, "
            f"or remove 'codebook' from sources.{source.name} in eco_eval.yaml"
        )
    out = []
    for path in files:
        book = read_limesurvey_structure(path)  # InputFileError naming the file and the fix
        out.append(CodebookInput(path, rel(path), sha256(path), book, source.name))
    return out


def assign_codebooks(
    source: Source, data_files: list[tuple[Path, str]], codebooks: list[CodebookInput]
) -> dict[Path, CodebookInput]:
    """The codebook of each data file: the only one, or the one whose survey id is in its name.

    LimeSurvey names a response export ``results-survey<sid>.csv``: with one codebook per survey
    (a questionnaire changed between barometer waves), each export is matched by its survey id.
    """
    if len(codebooks) == 1:
        return {path: codebooks[0] for path, _ in data_files}
    out = {}
    for path, label in data_files:
        found = [
            cb
            for cb in codebooks
            if cb.survey_id and re.search(rf"(?<!\d){re.escape(cb.survey_id)}(?!\d)", path.name)
        ]
        if len(found) != 1:
            names = ", ".join(cb.label for cb in (found or codebooks))
            raise InputFileError(
                f"{label}: {'several' if found else 'none'} of the codebooks of sources."
                f"{source.name} ({names}) has its survey id in this file's name; keep the survey "
                f"id in the response export's name (LimeSurvey names it results-survey<sid>.csv) "
                f"or narrow sources.{source.name}.codebook"
            )
        out[path] = found[0]
    return out


def _options(book: Codebook, question: str, scale: int) -> dict[str, dict[str, str]]:
    q = book.questions[question]
    options = dict(q.answers.get(scale) or BUILTIN_ANSWERS.get(q.type, {}))
    if q.other:
        options[OTHER_CODE] = OTHER_LABEL
    return options


def _choose_scale(book: Codebook, question: str, sub2: str | None, values: pd.Series) -> int:
    """The answer scale of a column: stated by the heading (``Q[SQ001#1]``), the only one, or the
    one whose codes and labels cover most of the column's values (an array whose rows are
    answered on different scales)."""
    answers = book.questions[question].answers
    if sub2 is not None and sub2.isdigit() and int(sub2) in answers:
        return int(sub2)
    if len(answers) <= 1:
        return next(iter(answers), 0)
    present = values.notna() & (values.astype("str").str.strip() != "")
    distinct = pd.Series(values[present].unique(), dtype="str")
    best, best_n = min(answers), -1
    for scale in sorted(answers):
        _codes, unmatched = labels_to_codes(distinct, book, question, scale=scale)
        n = int((~unmatched).sum())
        if n > best_n:
            best, best_n = scale, n
    return best


def _knows(scale_name: str, scales: Mapping[str, Mapping[str, Any]]) -> Any:
    """A predicate telling whether the declared scale maps a given label."""
    if scale_name == "yes_no":

        def yes_no(label: str) -> bool:
            result = parse_yes_no(pd.Series([label], dtype="str"))
            return bool(pd.notna(result.values.iloc[0]))

        return yes_no
    lookup = scale_lookup(scales.get(scale_name) or {})
    return lambda label: _norm(label) in lookup


def choose_scales(
    raw: pd.DataFrame,
    targets: Mapping[str, tuple[str, str]],
    codebook: CodebookInput,
    *,
    source: Source,
    file_label: str,
) -> dict[str, int]:
    """The answer scale of each column of ``targets`` the codebook converts (columns of
    questions without an answer list are left out), chosen over the whole file so that every
    slice of it is converted alike."""
    book = codebook.book
    chosen: dict[str, int] = {}
    for column, (target, _scale_name) in targets.items():
        parts = split_code(str(column))
        if parts is None or parts[3] is not None:
            raise InputFileError(
                f"{file_label}: column {column!r} (for {source.name}.{target}) is not headed by a "
                f"question code, so the codebook {codebook.label} cannot read it; export the "
                f"responses with 'Question code' headings"
            )
        question, _sub, sub2, _suffix = parts
        if question not in book.questions:
            raise InputFileError(
                f"{file_label}: column {column!r} (for {source.name}.{target}) is question "
                f"{question!r}, which is not in the codebook {codebook.label}"
                f"{did_you_mean(question, book.questions)}; put the structure export of the survey "
                f"this file comes from under sources.{source.name}.codebook"
            )
        if not book.questions[question].answers and not _options(book, question, 0):
            continue  # no answer list (numeric, free text): nothing to convert
        chosen[str(column)] = _choose_scale(book, question, sub2, raw[column])
    return chosen


def convert(
    raw: pd.DataFrame,
    targets: Mapping[str, tuple[str, str]],
    codebook: CodebookInput,
    scales: Mapping[str, Mapping[str, Any]],
    *,
    source: Source,
    file_label: str,
    scales_of: Mapping[str, int] | None = None,
    memo: dict[Any, Any] | None = None,
) -> Converted:
    """Convert the ``targets`` columns (column -> (field or item, scale name)) through the codebook.

    Returns a copy of ``raw`` in which each converted cell holds the label the declared scale
    knows (or the answer code), and the (reason, mask) of cells the codebook does not know.
    ``scales_of``: the answer scale of each column (:func:`choose_scales` of the whole file, when
    ``raw`` is a slice of it); by default chosen from ``raw``. ``memo``: a dict the caller keeps
    for the slices of one file, where each column's conversion of its distinct answers is kept
    (the slices of a file have the same few answers: 46 barometer columns × 9 slices a wave).
    """
    book = codebook.book
    if scales_of is None:
        scales_of = choose_scales(raw, targets, codebook, source=source, file_label=file_label)
    frame = raw.copy(deep=False)  # copy-on-write: the converted columns replace, raw stays
    out = Converted(frame)
    lang_col = next((c for c in raw.columns if meta_field(str(c)) == "startlanguage"), None)
    lang_codes, langs = None, None  # one survey language: labels match in it
    if len(book.languages) > 1 and lang_col is not None:
        lang_codes, langs = pd.factorize(raw[lang_col].astype("str").str.strip())
    for column, scale in scales_of.items():
        target, scale_name = targets[column]
        question = split_code(column)[0]  # type: ignore[index]  # checked by choose_scales
        distinct, inverse = _distinct_answers(raw[column], lang_codes, langs)
        key = (column, scale, tuple(distinct["value"]), tuple(distinct["language"]))
        known = None if memo is None else memo.get(key)
        if known is None:
            known = _convert_distinct(distinct, book, question, scale, _knows(scale_name, scales))
            if memo is not None:
                memo[key] = known
        label_codes, label_names, unmatched_distinct = known
        # the cells as a categorical of the canonical labels: later steps work on its categories
        frame[column] = pd.Categorical.from_codes(label_codes[inverse], categories=label_names)
        unmatched = pd.Series(unmatched_distinct[inverse], index=raw.index)
        several = len(book.questions[question].answers) > 1
        out.columns[column] = f"{question}/{scale}" if several else question
        if bool(unmatched.any()):
            out.problems.append((f"codebook:{target}", unmatched.to_numpy(dtype=bool)))
    return out


def _convert_distinct(
    distinct: pd.DataFrame, book: Codebook, question: str, scale: int, knows: Any
) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """The canonical label of each distinct (value, language) pair, as codes into the labels,
    and whether the codebook does not know it."""
    codes, unmatched = _codes_of(distinct["value"], book, question, scale, distinct["language"])
    labels = _options(book, question, scale)
    canonical: dict[str, str] = {}
    for code in codes.dropna().unique():
        texts = labels.get(code, {})
        order = [*dict.fromkeys([*book.languages, *texts])]
        label = next((texts[lang] for lang in order if lang in texts and knows(texts[lang])), None)
        canonical[code] = label if label is not None else code
    label_codes, label_names = pd.factorize(codes.map(canonical))
    return label_codes, pd.Index(label_names, dtype=object), np.asarray(unmatched, dtype=bool)


def _distinct_answers(
    values: pd.Series, lang_codes: np.ndarray | None, langs: Any
) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct (value, language) pairs of a column, and each cell's pair.

    A column of a large export holds a handful of pairs: the codebook is consulted once per
    pair (values hashed once, no sort), each cell then takes its pair's result by position.
    Without several survey languages the pairs are the distinct values."""
    value_codes, uniques = pd.factorize(values)  # -1 for a missing value
    if lang_codes is None:  # the distinct values, then the missing one
        inverse = np.where(value_codes < 0, len(uniques), value_codes)
        v = np.arange(len(uniques) + 1)
        v[-1] = -1
        lang = np.full(len(v), -1)
    else:
        n_langs = len(langs)
        keys = (value_codes.astype(np.int64) + 1) * (n_langs + 1) + (lang_codes + 1)
        inverse, pairs = pd.factorize(keys)
        v, lang = np.divmod(np.asarray(pairs), n_langs + 1)
        v, lang = v - 1, lang - 1
    value_of = np.asarray([*uniques, None], dtype=object)
    lang_of = np.asarray([*(langs if langs is not None else []), None], dtype=object)
    distinct = pd.DataFrame({"value": value_of[v], "language": lang_of[lang]})
    return distinct, inverse


def _codes_of(
    values: pd.Series, book: Codebook, question: str, scale: int, language: pd.Series
) -> tuple[pd.Series, pd.Series]:
    codes, unmatched = labels_to_codes(values, book, question, scale=scale)
    if len(book.languages) < 2:
        return codes, unmatched
    codes = codes.astype(object)
    for lang in language.dropna().unique():
        if lang not in book.languages:
            continue
        rows = (language == lang).to_numpy()
        own, own_bad = labels_to_codes(values[rows], book, question, language=lang, scale=scale)
        found = ~own_bad.to_numpy() & own.notna().to_numpy()
        idx = values.index[rows][found]
        codes.loc[idx] = own[found].to_numpy()
    return codes.astype("str"), unmatched
