"""Write files the way LimeSurvey does: response exports (CSV) and survey-structure exports (TSV).

Response export (RemoteControl ``export_responses(..., 'csv')``, code headings, full answers): UTF-8
with BOM, ``;``, CRLF between records, every non-null value double-quoted (``"`` doubled), missing =
empty unquoted field, line breaks inside values kept as ``\\n``, one extra empty line at the end.

Survey-structure export (tab-separated, the samples' layout): UTF-8 without BOM, CRLF, 146 columns;
one row per survey setting (``S``), language setting (``SL``), group (``G``), question (``Q``),
sub-question (``SQ``) and answer option (``A``, with its scale id in ``type/scale`` and a numeric
``assessment_value``). A value is quoted when it contains white space or a double quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

BOM = "\ufeff"

# The 146 columns of a survey-structure export, in the samples' order.
_STRUCTURE_HEADER = """id related_id class type/scale name relevance text help language validation mandatory other
default same_default allowed_filetypes alphasort answer_width answer_width_bycolumn array_filter
array_filter_exclude array_filter_style assessment_value category_separator choice_input_columns
choice_title code_filter commented_checkbox commented_checkbox_auto cssclass date_format date_max
date_min display_columns display_rows display_type dropdown_dates dropdown_dates_minute_step
dropdown_dates_month_style dropdown_prefix dropdown_prepostfix dropdown_separators dropdown_size
dualscale_headerA dualscale_headerB em_validation_q em_validation_q_tip em_validation_sq
em_validation_sq_tip equals_num_value equation exclude_all_others exclude_all_others_auto hidden
hide_tip input_boxes input_size label_input_columns location_city location_country
location_defaultcoordinates location_mapheight location_mapservice location_mapwidth
location_mapzoom location_nodefaultfromip location_postal location_state max_answers max_filesize
max_num_of_files max_num_value max_num_value_n max_subquestions maximum_chars min_answers
min_num_of_files min_num_value min_num_value_n multiflexible_checkbox multiflexible_max
multiflexible_min multiflexible_step num_value_int_only numbers_only other_comment_mandatory
other_numbers_only other_replace_text page_break parent_order prefix printable_help
public_statistics question_template random_group random_order rank_title repeat_headings reverse
samechoiceheight samelistheight scale_export show_comment show_grand_total show_title show_totals
showpopups slider_accuracy slider_custom_handle slider_default slider_default_set slider_handle
slider_layout slider_max slider_middlestart slider_min slider_orientation slider_rating
slider_reset slider_reversed slider_separator slider_showminmax statistics_graphtype
statistics_showgraph statistics_showmap suffix text_input_columns text_input_width time_limit
time_limit_action time_limit_countdown_message time_limit_disable_next time_limit_disable_prev
time_limit_message time_limit_message_delay time_limit_message_style time_limit_timer_style
time_limit_warning time_limit_warning_2 time_limit_warning_2_display_time
time_limit_warning_2_message time_limit_warning_2_style time_limit_warning_display_time
time_limit_warning_message time_limit_warning_style use_dropdown value_range_allows_missing"""
STRUCTURE_COLUMNS: tuple[str, ...] = tuple(_STRUCTURE_HEADER.split())


@dataclass(frozen=True)
class Answer:
    code: str
    label: str
    value: int | None = None  # assessment value (the numeric score of the label)
    scale: int = 0


@dataclass(frozen=True)
class Question:
    """A question: LimeSurvey type letter (L list, F array, S short text, T long text, N numeric)."""

    code: str
    type: str
    text: str
    help: str = ""
    mandatory: bool = False
    subquestions: tuple[tuple[str, str], ...] = ()
    answers: tuple[Answer, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    name: str
    description: str
    questions: tuple[Question, ...]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if any(ch.isspace() for ch in text) or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _row(**values: object) -> str:
    cells = [""] * len(STRUCTURE_COLUMNS)
    for key, value in values.items():
        cells[STRUCTURE_COLUMNS.index(key.replace("type_scale", "type/scale"))] = _cell(value)
    return "\t".join(cells)


def write_structure(
    path: Path,
    *,
    sid: int,
    title: str,
    description: str,
    groups: list[Group],
    anonymized: bool,
    admin_email: str,
    language: str = "fr",
) -> int:
    """Write the survey-structure export; return the number of rows after the header."""
    settings = {
        "sid": sid, "gsid": 1, "admin": "Direction adjointe à l'Innovation organisationnelle",
        "adminemail": admin_email, "anonymized": "Y" if anonymized else "N", "format": "G",
        "savetimings": "N", "template": "vanilla", "language": language, "additional_languages": "",
        "datestamp": "Y", "usecookie": "N", "allowregister": "N", "allowsave": "N",
        "autonumber_start": 0, "autoredirect": "N", "allowprev": "Y", "printanswers": "N",
        "ipaddr": "N", "refurl": "N", "showsurveypolicynotice": 0, "publicstatistics": "N",
        "publicgraphs": "N", "listpublic": "N", "htmlemail": "Y", "sendconfirmation": "N",
        "tokenanswerspersistence": "N", "assessments": "N", "usecaptcha": "N", "usetokens": "N",
        "bounce_email": admin_email, "tokenlength": 15, "showxquestions": "N",
        "showgroupinfo": "B", "shownoanswer": "N", "showqnumcode": "X", "bounceprocessing": "N",
        "showwelcome": "Y", "showprogress": "Y", "questionindex": 0, "navigationdelay": 0,
        "nokeyboard": "N", "alloweditaftercompletion": "N",
    }  # fmt: skip
    lines = ["\t".join(STRUCTURE_COLUMNS)]
    lines += [_row(**{"class": "S", "name": k, "text": v}) for k, v in settings.items()]
    language_settings = {
        "surveyls_survey_id": sid, "surveyls_language": language, "surveyls_title": title,
        "surveyls_description": description, "surveyls_welcometext": "",
        "surveyls_endtext": "Merci pour votre participation.", "surveyls_url": "",
        "surveyls_urldescription": "", "surveyls_dateformat": 5, "surveyls_numberformat": 1,
    }  # fmt: skip
    lines += [
        _row(**{"class": "SL", "name": k, "text": v, "language": language})
        for k, v in language_settings.items()
    ]
    next_id = 1
    for order, group in enumerate(groups):
        lines.append(
            _row(
                id=order + 1,
                **{"class": "G"},
                type_scale=order,
                name=group.name,
                relevance=1,
                text=group.description,
                language=language,
            )
        )
        for q in group.questions:
            qid = next_id
            next_id += 1
            lines.append(
                _row(
                    id=qid, **{"class": "Q"}, type_scale=q.type, name=q.code, relevance=1,
                    text=q.text, help=q.help, language=language,
                    mandatory="Y" if q.mandatory else "N", other="N", same_default=0,
                    **q.attributes,
                )
            )  # fmt: skip
            for code, text in q.subquestions:
                lines.append(
                    _row(
                        id=next_id,
                        **{"class": "SQ"},
                        name=code,
                        relevance=1,
                        text=text,
                        language=language,
                        other="N",
                        same_default=0,
                    )
                )
                next_id += 1
            for a in q.answers:
                value = a.value if a.value is not None else 0
                lines.append(
                    _row(
                        id=qid,
                        **{"class": "A"},
                        type_scale=a.scale,
                        name=a.code,
                        text=a.label,
                        language=language,
                        assessment_value=value,
                    )
                )
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("\r\n".join(lines) + "\r\n")
    return len(lines) - 1


def write_responses(path: Path, table: pa.Table, newlines: np.ndarray | None = None) -> np.ndarray:
    """Write a response export; return the 1-based physical line of each record's start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(BOM.encode("utf-8"))
        pacsv.write_csv(
            table, fh, pacsv.WriteOptions(delimiter=";", quoting_style="all_valid", eol="\r\n")
        )
        fh.write(b"\r\n")
    extra = (
        np.zeros(table.num_rows, dtype=np.int64) if newlines is None else newlines.astype(np.int64)
    )
    return (
        2
        + np.arange(table.num_rows, dtype=np.int64)
        + np.r_[0, np.cumsum(extra)[:-1]][: table.num_rows]
    )
