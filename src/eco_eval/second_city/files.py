"""Write Valbrune's raw files from a drawn :class:`~eco_eval.second_city.model.City`.

Every writer returns the number of data records it wrote (rows after the header). Paths are
relative to the raw folder, with ``/``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from eco_eval.demo.writers import normalise_xlsx  # generic: fixed zip and document timestamps
from eco_eval.second_city import spec
from eco_eval.second_city.limesurvey import (
    Question,
    write_responses,
    write_structure,
    write_tokens,
)
from eco_eval.second_city.model import City, active, rows_of

HEADCOUNT = "rh/effectifs_par_trimestre.csv"
DIRECTIONS = "referentiel/directions.csv"
SESSION_LOG = "animations/registre_animations.csv"
SIGN_INS = "emargements/feuilles_emargement.xlsx"
SIGN_IN_SHEET = "Émargements"
SIGN_IN_TITLE = (
    "Communauté d'agglomération de Valbrune — feuilles d'émargement",
    "Démarche « Valbrune innove » — saisie : mission innovation (DGA-RH)",
)
SIGN_IN_HEADER = ("Réf. séance", "Nom", "Prénom", "Adresse mail", "Service")
FEEDBACK = f"retours/results-survey{spec.FEEDBACK_SID}.csv"
FEEDBACK_STRUCTURE = f"retours/structure_{spec.FEEDBACK_SID}.txt"
BAROMETER = "barometre/vague{n}.csv"
BAROMETER_STRUCTURE = f"barometre/structure_barometre_{spec.BAROMETER_SID}.txt"
TOKENS = "barometre/participants_vague{n}.csv"
#: Every file this generator writes (the barometer's per wave), removed before writing again.
ALL_PATTERNS = (
    HEADCOUNT, DIRECTIONS, SESSION_LOG, SIGN_INS, FEEDBACK, FEEDBACK_STRUCTURE,
    BAROMETER_STRUCTURE, "barometre/vague*.csv", "barometre/participants_vague*.csv",
)  # fmt: skip

SESSION_HEADER = (
    "Réf", "Jour", "Dispositif", "Animé par", "Durée (heures)", "Salle", "Direction hôte", "État",
)  # fmt: skip
STATUS_WORDS = {"held": "Tenue", "cancelled": "Annulée"}
SATISFACTION = (
    "Très insatisfait", "Plutôt insatisfait", "Ni satisfait ni insatisfait", "Plutôt satisfait",
    "Très satisfait",
)  # fmt: skip
AGREEMENT = ("Pas du tout d'accord", "Pas d'accord", "Neutre", "D'accord", "Tout à fait d'accord")
FREQUENCY = ("Jamais", "Rarement", "Parfois", "Souvent", "Tout le temps")
WHO5 = (
    "Jamais", "De temps en temps", "Moins de la moitié du temps", "Plus de la moitié du temps",
    "La plupart du temps", "Tout le temps",
)  # fmt: skip
LS_TIME = "%Y-%m-%d %H:%M:%S"


def quarter_label(year: int, q: int) -> str:
    """How Valbrune's HR writes a quarter: ``2016-T2``, from 2018 on ``T1 2018``."""
    return f"T{q} {year}" if year >= 2018 else f"{year}-T{q}"


def headcount_frame(city: City) -> pd.DataFrame:
    """Agents on the payroll per quarter, direction and filière (the HR export's rows)."""
    rows = []
    for quarter in city.quarters:
        staff = city.staff[active(city.staff, quarter.index)]
        counts = staff.groupby(["direction", "filiere"]).size()
        for key, n in counts.items():
            d, f = key if isinstance(key, tuple) else (key, 0)
            rows.append((quarter.label, quarter_label(quarter.year, quarter.q),
                         spec.DIRECTIONS[int(d)].name, spec.FILIERES[int(f)][0], int(n)))  # fmt: skip
    return pd.DataFrame(rows, columns=["quarter", "label", "direction", "filiere", "headcount"])


def _csv_text(header: Sequence[str], rows: Sequence[Sequence[object]], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_headcount(raw: Path, city: City) -> int:
    """HR export: UTF-8, ``,``, CRLF; quarter labels, direction names, no gender nor category."""
    frame = headcount_frame(city)
    rows = rows_of(frame[["label", "direction", "filiere", "headcount"]], index=False)
    text = _csv_text(("Trimestre", "Direction", "Filière", "Nombre d'agents"), list(rows), ",")
    _write(raw / HEADCOUNT, text.encode("utf-8"))
    return len(frame)


def write_directions(raw: Path) -> int:
    """The directions reference: UTF-8 with BOM, ``;``."""
    rows = [(d.code, d.name, d.pole) for d in spec.DIRECTIONS]
    text = "\ufeff" + _csv_text(("Code", "Libellé", "Pôle"), rows, ";")
    _write(raw / DIRECTIONS, text.encode("utf-8"))
    return len(rows)


def _hours(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def write_session_log(raw: Path, city: City) -> int:
    """The facilitators' log: Windows-1252, ``;``, CRLF, dates dd/mm/yyyy, decimal commas."""
    rows = [
        (s.ref, s.date.strftime("%d/%m/%Y") if s.dated else "", s.spelling, s.facilitator,
         _hours(s.duration_h), s.room, s.host, STATUS_WORDS[s.status])
        for s in rows_of(city.sessions)
    ]  # fmt: skip
    _write(raw / SESSION_LOG, _csv_text(SESSION_HEADER, rows, ";").encode("cp1252"))
    return len(rows)


def sign_in_rows(city: City) -> list[tuple[str, str, str, str, str]]:
    """The workbook's data rows, in order, the duplicated sign-in written twice in a row."""
    staff, sessions = city.staff, city.sessions
    rows = []
    for i, a in enumerate(rows_of(city.attendance)):
        p = staff.loc[a.person]
        row = (
            str(sessions.at[a.session, "ref"]),
            str(p["last_name"]).upper(),
            str(p["first_name"]),
            str(p["email"]),
            spec.DIRECTIONS[int(p["direction"])].code,
        )
        rows.append(row)
        if i == city.duplicate_of:
            rows.append(row)
    return rows


def write_sign_ins(raw: Path, city: City) -> int:
    """The sign-in workbook: two title rows, an empty row, the header on row 4."""

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SIGN_IN_SHEET)
    for title in SIGN_IN_TITLE:
        ws.append([title])
    ws.append([])
    ws.append(list(SIGN_IN_HEADER))
    rows = sign_in_rows(city)
    for row in rows:
        ws.append(list(row))
    wb.properties.creator = "Mission innovation, Valbrune"
    buffer = io.BytesIO()
    wb.save(buffer)
    _write(raw / SIGN_INS, normalise_xlsx(buffer.getvalue()))
    return len(rows)


def _array(code: str, text: str, n: int, labels: Sequence[str], first: int = 1) -> Question:
    subs = tuple((f"SQ{i:03d}", f"{text} ({i})") for i in range(1, n + 1))
    answers = tuple((f"A{i + first}", label) for i, label in enumerate(labels))
    return Question(code, "F", text, subquestions=subs, answers=answers)


def write_feedback(raw: Path, city: City) -> int:
    """The post-session survey: structure export and response export (full answers)."""
    tools = [city.eco.tool(p.tool_id).fr for p in spec.TOOLS]
    groups = [
        ("Votre séance", [
            Question("REF", "S", "Référence de la séance (sur votre convocation)"),
            Question("DISPO", "L", "Dispositif",
                     answers=tuple((f"A{i + 1}", t[0].upper() + t[1:]) for i, t in enumerate(tools))),
        ]),
        ("Votre avis", [
            _array("SAT", "Satisfaction", 4, SATISFACTION),
            Question("REMARQUES", "T", "Vos remarques"),
        ]),
    ]  # fmt: skip
    write_structure(raw / FEEDBACK_STRUCTURE, spec.FEEDBACK_SID, "Votre avis sur la séance",
                    groups, anonymized=True)  # fmt: skip
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp",
              "REF", "DISPO", *(f"SAT[SQ{i:03d}]" for i in range(1, 5)), "REMARQUES",
              "interviewtime"]  # fmt: skip
    rows = []
    for r in rows_of(city.feedback):
        done = r.submitdate if r.complete else None
        tool = r.tool_label[0].upper() + r.tool_label[1:]
        sat = [SATISFACTION[v - 1] if v else "" for v in r.sat]
        rows.append(
            [r.id, done.strftime(LS_TIME) if done else "", 2 if r.complete else 1, "fr", r.seed,
             r.startdate.strftime(LS_TIME), (done or r.startdate).strftime(LS_TIME), r.ref,
             tool, *sat, r.comment, (done - r.startdate).seconds if done else ""]
        )  # fmt: skip
    return write_responses(raw / FEEDBACK, header, rows)


BAROMETER_HEADER = (
    "id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate", "datestamp",
    "DIR", *(f"BE[SQ{i:03d}]" for i in range(1, 8)), *(f"OMS[SQ{i:03d}]" for i in range(1, 6)),
    *(f"CLIMAT[SQ{i:03d}]" for i in range(1, 7)), "PART[ANY]", "interviewtime",
)  # fmt: skip


def write_barometer_structure(raw: Path, city: City) -> int:
    levers = [city.eco.lever(lv).fr for lv in city.eco.lever_ids]
    climate = Question(
        "CLIMAT", "F", "Dans mon service, on encourage…",
        subquestions=tuple((f"SQ{i + 1:03d}", lv) for i, lv in enumerate(levers)),
        answers=tuple((f"A{i + 1}", label) for i, label in enumerate(AGREEMENT)),
    )  # fmt: skip
    groups = [
        ("Votre direction", [Question("DIR", "S", "Direction (pré-rempli)", hidden=True)]),
        ("Votre bien-être", [_array("BE", "Bien-être (SWEMWBS)", 7, FREQUENCY)]),
        ("Votre humeur", [_array("OMS", "Indice OMS-5", 5, WHO5, first=0)]),
        ("Le climat de votre service", [climate]),
        ("Les dispositifs", [Question(
            "PART", "F", "Depuis la dernière enquête…",
            subquestions=(("ANY", "avez-vous participé à au moins un dispositif ?"),),
            answers=(("A1", "Oui"), ("A2", "Non")),
        )]),
    ]  # fmt: skip
    return write_structure(raw / BAROMETER_STRUCTURE, spec.BAROMETER_SID,
                           "Baromètre social de Valbrune", groups, anonymized=False)  # fmt: skip


def barometer_rows(city: City, w: int) -> list[list[object]]:
    """Wave ``w`` (0-based) as written: complete and incomplete responses by start time."""
    rows = []
    for r in rows_of(city.waves[w]):
        page = int(r.lastpage)
        done = r.submitdate if r.status == "complete" else None
        be = [FREQUENCY[v - 1] for v in r.swemwbs] if page >= 1 else [""] * 7
        oms = [WHO5[v] for v in r.who5] if page >= 2 else [""] * 5
        clim = [AGREEMENT[v - 1] for v in r.climate] if page >= 3 else [""] * 6
        part = ("Oui" if r.part_any else "Non") if page >= 4 else ""
        rows.append(
            [r.id, done.strftime(LS_TIME) if done else "", page, "fr", r.seed, r.token,
             r.startdate.strftime(LS_TIME), (done or r.startdate).strftime(LS_TIME),
             spec.DIRECTIONS[int(r.direction)].code, *be, *oms, *clim, part,
             (done - r.startdate).seconds if done else ""]
        )  # fmt: skip
    return rows


def token_rows(city: City, w: int) -> list[list[object]]:
    """Wave ``w``'s participant table: every agent invited, in invitation order."""
    _number, first, last = spec.WAVES[w]
    staff = city.staff
    invited = datetime.combine(first, datetime.min.time()).replace(hour=8)
    reminded = invited.replace(day=first.day + 7)
    submitted = dict(zip(city.waves[w]["person"], city.waves[w]["submitdate"], strict=True))
    rows = []
    for tid, r in enumerate(rows_of(city.invited[w]), start=1):
        p = staff.loc[int(r.person)]
        done = r.status == "complete"
        completed = f"{submitted[r.person]:%Y-%m-%d %H:%M}" if done else "N"
        rows.append(
            [tid, p["first_name"], p["last_name"], p["email"], "OK", r.token, "fr",
             f"{first:%Y-%m-%d} 00:00:00", f"{last:%Y-%m-%d} 23:59:00",
             f"{invited:%Y-%m-%d %H:%M}", "N" if done else f"{reminded:%Y-%m-%d %H:%M}",
             0 if done else 1, completed, 0 if done else 1,
             spec.DIRECTIONS[int(r.direction)].code]
        )  # fmt: skip
    return rows


def write_barometer(raw: Path, city: City) -> dict[str, int]:
    out = {BAROMETER_STRUCTURE: write_barometer_structure(raw, city)}
    for w, (number, _, _) in enumerate(spec.WAVES):
        path = BAROMETER.format(n=number)
        out[path] = write_responses(raw / path, BAROMETER_HEADER, barometer_rows(city, w))
        tokens = TOKENS.format(n=number)
        out[tokens] = write_tokens(raw / tokens, token_rows(city, w))
    return out


def remove_stale(raw: Path) -> None:
    """Remove the files a previous generation wrote (nothing else under ``raw``)."""
    for pattern in ALL_PATTERNS:
        for path in raw.glob(pattern):
            path.unlink()


def write_all(raw: Path, city: City) -> dict[str, int]:
    raw.mkdir(parents=True, exist_ok=True)
    remove_stale(raw)
    files = {
        HEADCOUNT: write_headcount(raw, city),
        DIRECTIONS: write_directions(raw),
        SESSION_LOG: write_session_log(raw, city),
        SIGN_INS: write_sign_ins(raw, city),
        FEEDBACK: write_feedback(raw, city),
    }
    files[FEEDBACK_STRUCTURE] = sum(1 for _ in (raw / FEEDBACK_STRUCTURE).open("rb")) - 1
    files.update(write_barometer(raw, city))
    return dict(sorted(files.items()))


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
