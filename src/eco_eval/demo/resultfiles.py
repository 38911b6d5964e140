"""The organisational-results raw files of the demo city, their defects and their ground truth.

Raw files (``docs/data-model.md``, "Organisational results"):

* ``idees/registre_idees.xlsx``: sheet ``Registre``, header on row 1, dates as Excel dates (a few
  typed as text); ``idees/registre_idees.csv`` instead when the session log is CSV (very large
  cities: header on line 1, UTF-8, ``;``, dates ``dd/mm/yyyy``);
* ``rh/indicateurs_rh_trimestriels.csv``: UTF-8, ``;``, CRLF, decimal comma, rate ``4,2 %``;
* ``usagers/satisfaction_usagers.csv``: UTF-8, ``;``, LF, decimal comma.

Ground truth (``truth_dir``, read by tests only): ``ideas_funnel.csv``, ``ideas_adopted.csv``,
``ideas_by_department.csv``, ``results_panel.csv``, ``results_defects.csv`` and
``exposure_relations.json`` (the planted relations, the model, and the estimates a correct pipeline
should reproduce). :data:`DEFINITIONS` says what each counts.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from eco_eval.demo import _spec, defects, truth, writers
from eco_eval.demo._arrays import dates_text_fr
from eco_eval.demo.calendar import Calendar
from eco_eval.demo.results import ADOPTED, DROPPED, OUTSIDE, STATUS_LABELS, Results
from eco_eval.demo.staff import Staff

IDEAS_XLSX = "idees/registre_idees.xlsx"
IDEAS_CSV = "idees/registre_idees.csv"
HR_RESULTS = "rh/indicateurs_rh_trimestriels.csv"
CITIZENS = "usagers/satisfaction_usagers.csv"
STALE_PATTERNS = ("idees/registre_idees.*", HR_RESULTS, CITIZENS)
IDEAS_SHEET = "Registre"
IDEAS_HEADER = (
    "N° idée",
    "Date de dépôt",
    "Direction",
    "Outil d'origine",
    "Statut",
    "Date étude",
    "Date expérimentation",
    "Date adoption",
    "Date abandon",
    "Heures gagnées / an",
    "Économies (€) / an",
    "Usagers concernés",
    "Porteur (matricule)",
)
HR_HEADER = (
    "Trimestre",
    "Direction",
    "Jours d'absence",
    "Dont maladie ordinaire",
    "Dont accident du travail",
    "Effectif moyen",
    "Taux d'absentéisme",
    "Départs",
    "Mobilités internes",
    "Jours de formation",
)
CITIZEN_HEADER = ("Trimestre", "Direction", "Répondants", "Score moyen (sur 10)", "Réclamations")
OUTSIDE_LABEL = "Autre"
OUTSIDE_ID = "outside"
NON_NUMERIC = "NC"  # "non communiqué", typed in one cell of the HR file
DEPARTMENTS = tuple(d.name for d in _spec.DEPARTMENTS)

DEFINITIONS = {
    "ideas_funnel.csv": (
        "cohort of the ideas filed in each quarter (quarter '*' = all), by tool of origin "
        "(tool_id '*' = all, 'outside' = Autre), as the register stands at the extraction date. "
        "reached_studied / reached_trialled: ideas that got at least that far (dropped later "
        "or not); adopted; dropped (dropped_at_proposal, _after_study, _after_trial); "
        "in_progress: neither adopted nor dropped yet. median_weeks_to_adoption: median of "
        "(adoption - filing) in days / 7 over the adopted ideas of the cohort. adopted_hours_saved, "
        "adopted_cost_saved, adopted_users_affected: sums of the declared gains of those ideas."
    ),
    "ideas_adopted.csv": (
        "ideas adopted in each quarter (by date of adoption, quarter '*' = all): adopted, "
        "hours_saved (sum, per year), cost_saved (sum of the declared amounts, € per year), "
        "cost_declared (ideas with an amount), users_affected (sum)."
    ),
    "ideas_by_department.csv": (
        "per quarter and department: headcount (end of quarter), reach_rate (programme exposure, "
        "see results_panel.csv), ideas filed in the quarter, ideas_expected (the model's mean "
        "number of ideas arising from that quarter's participations plus the ideas from outside "
        "the tools), ideas_per_100 = 100 * ideas / headcount."
    ),
    "results_panel.csv": (
        "the department x quarter panel. headcount: agents at the end of the quarter (HR file); "
        "participants: distinct agents of the department with a counted participation in a "
        "held session of the quarter; reach_rate = participants / headcount; "
        "participant_hours_per_agent: hours of those participations / headcount. "
        "absence_expected: the latent (expected) absence rate; absence_rate: the rate as written "
        "in the HR file, as a share (days / (average headcount x calendar days)); in_hr_file: "
        "False when the row is missing or a correct pipeline quarantines it. turnover_rate = "
        "leavers / average_headcount. satisfaction_score, respondents, complaints: citizen "
        "satisfaction file (empty for departments without a surveyed service)."
    ),
    "results_defects.csv": (
        "defects planted in the organisational-results files, as in defects.csv: file, line "
        "(CSV: physical line, header = 1; xlsx: sheet row), kind, action, record_id, detail."
    ),
    "exposure_relations.json": (
        "the relations planted between programme exposure and each result, with the model, "
        "what they imply for the department-level panel regression, and the estimates of that "
        "regression on the true panel (oracle) that a correct pipeline reproduces."
    ),
}


# --------------------------------------------------------------------------- raw files
def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _pick(rng: np.random.Generator, candidates: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(candidates))
    return np.sort(rng.choice(candidates, size=k, replace=False)) if k else candidates[:0]


def _event(
    file: str, line: int, kind: str, action: str, record: object, detail: str
) -> dict[str, object]:
    return {
        "file": file,
        "line": line,
        "kind": kind,
        "action": action,
        "record_id": record,
        "detail": detail,
    }


def _idea_numbers(results: Results) -> list[str]:
    ideas = results.ideas
    width = max(3, len(str(int(ideas.year_rank.max(initial=0)))))
    years = ideas.proposed.astype("datetime64[Y]").astype(int) + 1970
    return [
        f"{y}-{r:0{width}d}" for y, r in zip(years.tolist(), ideas.year_rank.tolist(), strict=True)
    ]


def _gain(values: np.ndarray) -> pa.Array:
    """Declared gains: whole numbers, blank when missing."""
    return pa.array(np.nan_to_num(values).astype(np.int64), mask=np.isnan(values))


def write_ideas(
    rng: np.random.Generator,
    raw_dir: Path,
    fmt: str,
    results: Results,
    staff: Staff,
    tool_ids: list[str],
    tool_names: list[str],
) -> tuple[str, int, list[dict[str, object]]]:
    """The ideas register; return its path, its rows and the planted defects."""
    ideas = results.ideas
    n = ideas.n
    numbers = _idea_numbers(results)
    tool_text = [OUTSIDE_LABEL if t == OUTSIDE else tool_names[t] for t in ideas.tool.tolist()]
    dept_text = [DEPARTMENTS[d] for d in ideas.dept.tolist()]
    path = IDEAS_XLSX if fmt == "xlsx" else IDEAS_CSV
    first = 2  # header on row / line 1
    events: list[dict[str, object]] = []
    with_tool = np.flatnonzero(ideas.tool != OUTSIDE)
    for i in _pick(rng, with_tool, max(2, round(0.03 * len(with_tool)))).tolist():
        tid = tool_ids[int(ideas.tool[i])]
        options = defects.TOOL_VARIANTS.get(tid, (tool_names[int(ideas.tool[i])].upper(),))
        tool_text[i] = options[int(rng.integers(0, len(options)))]
        events.append(
            _event(path, first + i, "idea_tool_variant", "resolve", numbers[i], f"{tool_text[i]!r} -> {tid}")
        )  # fmt: skip
    text_dates = _pick(rng, np.arange(n), max(2, round(0.02 * n)))
    if fmt == "xlsx":  # in the CSV every date is text anyway
        for i in text_dates.tolist():
            events.append(
                _event(path, first + i, "idea_date_text", "resolve", numbers[i], "Date de dépôt typed as text dd/mm/yyyy")
            )  # fmt: skip
    accented = np.flatnonzero(np.array([d != _strip_accents(d) for d in dept_text], dtype=bool))
    for i in _pick(rng, accented, 1).tolist():
        dept_text[i] = _strip_accents(dept_text[i]).upper()
        events.append(
            _event(path, first + i, "idea_department_variant", "resolve", numbers[i], f"{dept_text[i]!r} -> {DEPARTMENTS[int(ideas.dept[i])]}")
        )  # fmt: skip
    dates = (ideas.proposed, ideas.studied, ideas.trialled, ideas.adopted, ideas.dropped)
    status = [STATUS_LABELS[s] for s in range(len(STATUS_LABELS))]
    matricule = staff.matricule[ideas.person]
    if fmt == "xlsx":
        as_text = set(text_dates.tolist())
        cols = [d.astype(object) for d in dates]  # datetime.date, None for NaT
        gains = [
            np.array([None if np.isnan(v) else v for v in g.tolist()], dtype=object)
            for g in (ideas.hours, ideas.cost, ideas.users)
        ]
        rows = [
            (
                numbers[i], cols[0][i].strftime("%d/%m/%Y") if i in as_text else cols[0][i], dept_text[i],
                tool_text[i], status[int(ideas.status[i])], cols[1][i], cols[2][i], cols[3][i], cols[4][i],
                None if gains[0][i] is None else int(gains[0][i]), None if gains[1][i] is None else int(gains[1][i]),
                None if gains[2][i] is None else int(gains[2][i]), int(matricule[i]),
            )
            for i in range(n)
        ]  # fmt: skip
        _write_xlsx(raw_dir / path, rows)
        return path, n, events

    def text(d: np.ndarray) -> pa.Array:
        return pc.if_else(pa.array(np.isnat(d)), pa.scalar(None, pa.string()), dates_text_fr(d))

    table = pa.table(
        {
            "numero": pa.array(numbers, type=pa.string()),
            "depot": text(dates[0]),
            "direction": pa.array(dept_text, type=pa.string()),
            "outil": pa.array(tool_text, type=pa.string()),
            "statut": pa.DictionaryArray.from_arrays(pa.array(ideas.status), pa.array(status)),
            "etude": text(dates[1]),
            "experimentation": text(dates[2]),
            "adoption": text(dates[3]),
            "abandon": text(dates[4]),
            "heures": _gain(ideas.hours),
            "economies": _gain(ideas.cost),
            "usagers": _gain(ideas.users),
            "porteur": pa.array(matricule),
        }
    )
    (raw_dir / path).parent.mkdir(parents=True, exist_ok=True)
    with open(raw_dir / path, "wb") as fh:
        fh.write((";".join(IDEAS_HEADER) + "\n").encode("utf-8"))
        options = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")
        pacsv.write_csv(table, fh, options)
    return path, n, events


def _write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> None:

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(IDEAS_SHEET)
    ws.append(list(IDEAS_HEADER))
    date_cols = (1, 5, 6, 7, 8)
    for row in rows:
        cells: list[object] = list(row)
        for c in date_cols:
            if isinstance(row[c], date):
                cell = WriteOnlyCell(ws, value=row[c])
                cell.number_format = "DD/MM/YYYY"
                cells[c] = cell
        ws.append(cells)
    wb.properties.creator = "Direction adjointe à l'Innovation organisationnelle"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(writers.normalise_xlsx(buffer.getvalue()))


def _decimal(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _hr_written(results: Results) -> np.ndarray:
    """(quarter, department): True where the HR file has a row (departments with staff)."""
    return results.hr.average_headcount > 0


def written_absence_rate(results: Results) -> np.ndarray:
    """The rate the HR file prints, as a share: days / (average headcount x days), 0.1 pt."""
    hr = results.hr
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = hr.days / (hr.average_headcount * hr.calendar_days[:, None])
    return np.round(rate * 100, 1) / 100


def write_hr(
    rng: np.random.Generator, raw_dir: Path, cal: Calendar, results: Results
) -> tuple[int, list[dict[str, object]], tuple[int, int]]:
    """The quarterly HR indicators; return rows, defects and the (quarter, dept) quarantined."""
    hr = results.hr
    q_idx, d_idx = np.nonzero(_hr_written(results))
    rate = written_absence_rate(results)
    names = [DEPARTMENTS[d] for d in d_idx.tolist()]
    training = [
        _decimal(hr.training[q, d], 1).removesuffix(",0") for q, d in zip(q_idx, d_idx, strict=True)
    ]
    events = []
    misspelt = _pick(rng, np.flatnonzero([n != _strip_accents(n) for n in names]), 1).tolist()
    for r in misspelt:
        names[r] = _strip_accents(names[r])
        events.append(
            _event(HR_RESULTS, 2 + r, "hr_department_misspelt", "resolve", None, f"{names[r]!r} -> {DEPARTMENTS[int(d_idx[r])]}")
        )  # fmt: skip
    nc = int(rng.integers(0, len(q_idx)))
    training[nc] = NON_NUMERIC
    events.append(
        _event(HR_RESULTS, 2 + nc, "hr_non_numeric", "quarantine", None, f"Jours de formation = {NON_NUMERIC!r} (non communiqué)")
    )  # fmt: skip
    lines = [";".join(HR_HEADER)]
    for r, (q, d) in enumerate(zip(q_idx.tolist(), d_idx.tolist(), strict=True)):
        lines.append(
            ";".join(
                [
                    cal.file_tag(q), names[r], str(hr.days[q, d]), str(hr.sickness[q, d]), str(hr.accident[q, d]),
                    _decimal(hr.average_headcount[q, d], 1).removesuffix(",0"), _decimal(rate[q, d] * 100, 1) + " %",
                    str(hr.leavers[q, d]), str(hr.moves[q, d]), training[r],
                ]
            )
        )  # fmt: skip
    path = raw_dir / HR_RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return len(lines) - 1, events, (int(q_idx[nc]), int(d_idx[nc]))


def write_citizens(
    rng: np.random.Generator, raw_dir: Path, cal: Calendar, results: Results
) -> tuple[int, list[dict[str, object]]]:
    """The citizen satisfaction survey results per quarter and surveyed service."""
    c = results.citizens
    lines = [";".join(CITIZEN_HEADER)]
    variant = int(rng.integers(0, cal.n * len(c.depts)))
    blank = int(rng.integers(0, cal.n * len(c.depts)))
    events = []
    for q in range(cal.n):
        for j, d in enumerate(c.depts.tolist()):
            r = q * len(c.depts) + j
            name = DEPARTMENTS[d]
            if r == variant:
                name = name.lower() + " "
                events.append(
                    _event(CITIZENS, 2 + r, "citizen_department_variant", "resolve", None, f"{name!r} -> {DEPARTMENTS[d]}")
                )  # fmt: skip
            score = "" if np.isnan(c.score[q, j]) else _decimal(c.score[q, j], 1)
            complaints = str(c.complaints[q, j])
            if r == blank:
                complaints = ""
                events.append(
                    _event(CITIZENS, 2 + r, "citizen_blank_cell", "keep", None, "Réclamations left blank (missing, not 0)")
                )  # fmt: skip
            lines.append(
                ";".join([cal.file_tag(q), name, str(c.respondents[q, j]), score, complaints])
            )
    path = raw_dir / CITIZENS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return len(lines) - 1, events


# --------------------------------------------------------------------------- ground truth
def ideas_frame(results: Results, cal: Calendar, tool_ids: list[str]) -> pd.DataFrame:
    """One row per idea, with ids and labels (what the truth tallies are computed from)."""
    i = results.ideas
    return pd.DataFrame(
        {
            "quarter": [cal.labels[q] for q in i.quarter.tolist()],
            "department": [DEPARTMENTS[d] for d in i.dept.tolist()],
            "tool_id": [OUTSIDE_ID if t == OUTSIDE else tool_ids[t] for t in i.tool.tolist()],
            "status": i.status,
            "proposed": pd.to_datetime(i.proposed),
            "studied": pd.to_datetime(i.studied),
            "trialled": pd.to_datetime(i.trialled),
            "adopted": pd.to_datetime(i.adopted),
            "dropped": pd.to_datetime(i.dropped),
            "hours": i.hours,
            "cost": i.cost,
            "users": i.users,
        }
    )


FUNNEL_COUNTS = (
    "ideas",
    "reached_studied",
    "reached_trialled",
    "adopted",
    "dropped",
    "in_progress",
    "dropped_at_proposal",
    "dropped_after_study",
    "dropped_after_trial",
)


def funnel_tallies(frame: pd.DataFrame, cal: Calendar, tool_ids: list[str]) -> pd.DataFrame:
    """Funnel counts, median time to adoption and gains per quarter of filing x tool (and '*')."""
    status = frame["status"].to_numpy()
    studied = frame["studied"].notna().to_numpy()
    trialled = frame["trialled"].notna().to_numpy()
    adopted = status == ADOPTED
    dropped = status == DROPPED
    flags = pd.DataFrame(
        {
            "ideas": 1,
            "reached_studied": studied,
            "reached_trialled": trialled,
            "adopted": adopted,
            "dropped": dropped,
            "in_progress": ~adopted & ~dropped,
            "dropped_at_proposal": dropped & ~studied,
            "dropped_after_study": dropped & studied & ~trialled,
            "dropped_after_trial": dropped & trialled,
        }
    ).astype(np.int64)
    weeks = (frame["adopted"] - frame["proposed"]).dt.days / 7
    flags["median_weeks_to_adoption"] = weeks.where(adopted)
    for col, src in (
        ("adopted_hours_saved", "hours"),
        ("adopted_cost_saved", "cost"),
        ("adopted_users_affected", "users"),
    ):
        flags[col] = frame[src].where(adopted, 0.0).fillna(0.0)
    flags["quarter"], flags["tool_id"] = frame["quarter"].to_numpy(), frame["tool_id"].to_numpy()
    agg = {c: "sum" for c in flags.columns if c not in ("quarter", "tool_id")}
    agg["median_weeks_to_adoption"] = "median"
    parts = [
        flags.groupby(keys).agg(agg) if keys else flags.agg(agg).to_frame().T
        for keys in (["quarter", "tool_id"], ["quarter"], ["tool_id"], [])
    ]
    grid = pd.MultiIndex.from_product(
        [["*", *cal.labels], ["*", *tool_ids, OUTSIDE_ID]], names=["quarter", "tool_id"]
    )
    out = pd.DataFrame(index=grid, columns=list(agg), dtype=float)
    full = parts[0]
    out.loc[full.index] = full.to_numpy()
    for q, row in parts[1].iterrows():
        out.loc[(q, "*")] = row.to_numpy()
    for t, row in parts[2].iterrows():
        out.loc[("*", t)] = row.to_numpy()
    out.loc[("*", "*")] = parts[3].iloc[0].to_numpy()
    counts = [c for c in out.columns if c != "median_weeks_to_adoption"]
    out[counts] = out[counts].fillna(0.0)
    out[list(FUNNEL_COUNTS)] = out[list(FUNNEL_COUNTS)].astype(np.int64)
    return out.reset_index()


def adopted_tallies(frame: pd.DataFrame, cal: Calendar) -> pd.DataFrame:
    adopted = frame[frame["status"] == ADOPTED]
    q = cal.quarter_of(adopted["adopted"].to_numpy().astype("datetime64[D]"))
    rows = []
    for qi, label in [(-2, "*"), *enumerate(cal.labels)]:
        sel = adopted if qi == -2 else adopted[q == qi]
        rows.append(
            {
                "quarter": label,
                "adopted": len(sel),
                "hours_saved": float(sel["hours"].sum()),
                "cost_saved": float(sel["cost"].sum()),
                "cost_declared": int(sel["cost"].notna().sum()),
                "users_affected": float(sel["users"].sum()),
            }
        )
    return pd.DataFrame(rows)


def panel_frame(results: Results, cal: Calendar, quarantined: tuple[int, int]) -> pd.DataFrame:
    e, hr, c = results.exposure, results.hr, results.citizens
    n_d = len(DEPARTMENTS)
    q, d = np.divmod(np.arange(cal.n * n_d), n_d)
    in_file = _hr_written(results).ravel().copy()
    in_file[quarantined[0] * n_d + quarantined[1]] = False
    score = np.full((cal.n, n_d), np.nan)
    respondents = np.full((cal.n, n_d), np.nan)
    complaints = np.full((cal.n, n_d), np.nan)
    score[:, c.depts], respondents[:, c.depts], complaints[:, c.depts] = (
        c.score,
        c.respondents,
        c.complaints,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        turnover = hr.leavers / hr.average_headcount
    return pd.DataFrame(
        {
            "quarter": [cal.labels[x] for x in q.tolist()],
            "department": [DEPARTMENTS[x] for x in d.tolist()],
            "headcount": e.headcount.ravel(),
            "average_headcount": hr.average_headcount.ravel(),
            "participants": e.participants.ravel(),
            "reach_rate": e.reach.ravel(),
            "participant_hours_per_agent": e.hours.ravel(),
            "absence_expected": hr.level.ravel(),
            "absence_rate": written_absence_rate(results).ravel(),
            "absence_days": hr.days.ravel(),
            "in_hr_file": in_file,
            "leavers": hr.leavers.ravel(),
            "turnover_rate": turnover.ravel(),
            "internal_moves": hr.moves.ravel(),
            "training_days": hr.training.ravel(),
            "satisfaction_score": score.ravel(),
            "respondents": respondents.ravel(),
            "complaints": complaints.ravel(),
        }
    )


def fe_slope(y: np.ndarray, x: np.ndarray, quarter: np.ndarray, w: np.ndarray) -> float:
    """Weighted least-squares slope of y on x with quarter fixed effects (within transformation)."""
    ok = np.isfinite(y) & np.isfinite(x) & np.isfinite(w) & (w > 0)
    y, x, quarter, w = y[ok], x[ok], quarter[ok], w[ok]
    codes = np.unique(quarter, return_inverse=True)[1]
    sw = np.bincount(codes, weights=w)
    xd = x - (np.bincount(codes, weights=w * x) / sw)[codes]
    yd = y - (np.bincount(codes, weights=w * y) / sw)[codes]
    return float((w * xd * yd).sum() / (w * xd * xd).sum())


def _changes(panel: pd.DataFrame, column: str, horizon: int, n_d: int) -> pd.DataFrame:
    """Exposure at t with the change of ``column`` from t+h-1 to t+h (NaN where a row is out)."""
    values = panel[column].to_numpy(dtype=float).copy()
    if column in ("absence_rate", "turnover_rate"):  # from the HR file: its quarantined row is out
        values[~panel["in_hr_file"].to_numpy()] = np.nan
    y = values.reshape(-1, n_d)
    x = panel["reach_rate"].to_numpy(dtype=float).reshape(-1, n_d)
    w = panel["headcount"].to_numpy(dtype=float).reshape(-1, n_d)
    n_q = y.shape[0]
    t = np.arange(n_q - horizon)
    change = y[t + horizon] - y[t + horizon - 1]
    return pd.DataFrame(
        {
            "t": np.repeat(t, n_d),
            "x": x[t].ravel(),
            "w": w[t].ravel(),
            "y": change.ravel(),
        }
    )


def relations(results: Results, panel: pd.DataFrame, cal: Calendar) -> dict[str, object]:
    """The planted relations and the oracle estimates on the true panel."""
    n_d = len(DEPARTMENTS)
    slope = _spec.HR.slope
    x = panel["reach_rate"].to_numpy(dtype=float).reshape(-1, n_d)
    w = panel["headcount"].to_numpy(dtype=float).reshape(-1, n_d)
    t = np.arange(cal.n - 1)
    persistence = {
        wt: fe_slope(x[t + 1].ravel(), x[t].ravel(), np.repeat(t, n_d), (w[t] if wt else np.ones_like(w[t])).ravel())
        for wt in (True, False)
    }  # fmt: skip
    out = []
    for outcome, column, planted, kind in (
        ("absence_rate", "absence_rate", slope, "planted"),
        ("turnover_rate", "turnover_rate", 0.0, "none"),
        ("citizen_satisfaction", "satisfaction_score", 0.0, "null"),
    ):
        for horizon in (1, 2):
            ch = _changes(panel, column, horizon, n_d)
            oracle = {
                name: fe_slope(ch["y"].to_numpy(), ch["x"].to_numpy(), ch["t"].to_numpy(), wv)
                for name, wv in (("headcount", ch["w"].to_numpy()), ("none", np.ones(len(ch))))
            }
            ok = ch["y"].notna() & ch["x"].notna()
            if horizon == 1:
                expected = {"headcount": planted, "none": planted}
                how = "planted"
            else:
                expected = {
                    "headcount": planted * persistence[True],
                    "none": planted * persistence[False],
                }
                how = (
                    "not planted: implied by the persistence of exposure, slope(h=1) x "
                    "within-quarter slope of reach(t+1) on reach(t) (same weights)"
                )
            out.append(
                {
                    "outcome": outcome,
                    "exposure": "reach_rate",
                    "horizon": horizon,
                    "kind": kind,
                    "planted_slope": planted if horizon == 1 else None,
                    "expected_slope_weighted_headcount": expected["headcount"],
                    "expected_slope_unweighted": expected["none"],
                    "expected_slope_how": how,
                    "oracle_estimate_weighted_headcount": oracle["headcount"],
                    "oracle_estimate_unweighted": oracle["none"],
                    "n_observations": int(ok.sum()),
                    "n_departments": int(panel.loc[panel["headcount"] > 0, "department"].nunique())
                    if outcome != "citizen_satisfaction"
                    else len(results.citizens.depts),
                }
            )
    return {
        "estimand": (
            "slope of the change of the outcome from quarter t+h-1 to t+h on the department's "
            "reach rate in quarter t, across departments, with quarter fixed effects (the terms "
            "common to every department in a quarter); a share per unit of reach for rates, "
            "score points per unit of reach for satisfaction"
        ),
        "reach_persistence": {
            "weighted_headcount": persistence[True],
            "unweighted": persistence[False],
        },
        "relations": out,
        "ideas": {
            "per_participation": dict(_spec.IDEAS.per_participation),
            "per_participation_other_tools": _spec.IDEAS.per_participation_other,
            "outside_tools_per_100_agents_per_quarter": _spec.IDEAS.outside_per_100,
            "relation": (
                "ideas arise from participations, so ideas per 100 agents rise with the "
                "department's participation; see ideas_by_department.csv (ideas_expected)"
            ),
        },
        "model": {
            "hr": asdict(_spec.HR),
            "absence_by_filiere": _spec.ABSENCE_BY_FILIERE,
            "accident_share_by_filiere": _spec.ACCIDENT_SHARE_BY_FILIERE,
            "ideas": asdict(_spec.IDEAS),
            "citizens": asdict(_spec.CITIZEN),
            "service_departments": {k: list(v) for k, v in _spec.SERVICE_DEPARTMENTS.items()},
        },
        "extraction_date": str(results.extraction),
        "absence_expected_min": float(np.nanmin(results.hr.level)),
    }


def write_truth(
    truth_dir: Path,
    results: Results,
    cal: Calendar,
    tool_ids: list[str],
    events: list[dict[str, object]],
    quarantined: tuple[int, int],
) -> dict[str, str]:
    """Write the results' ground truth; return file name -> definition."""
    ideas = ideas_frame(results, cal, tool_ids)
    panel = panel_frame(results, cal, quarantined)
    e = results.exposure
    with np.errstate(invalid="ignore", divide="ignore"):
        counts = np.zeros((cal.n, len(DEPARTMENTS)), dtype=np.int64)
        np.add.at(
            counts, (results.ideas.quarter.astype(np.int64), results.ideas.dept.astype(np.int64)), 1
        )
        per_100 = 100 * counts / e.headcount
    by_dept = pd.DataFrame(
        {
            "quarter": np.repeat(np.array(cal.labels, dtype=object), len(DEPARTMENTS)),
            "department": np.tile(np.array(DEPARTMENTS, dtype=object), cal.n),
            "headcount": e.headcount.ravel(),
            "reach_rate": e.reach.ravel(),
            "ideas": counts.ravel(),
            "ideas_expected": results.ideas.expected.ravel(),
            "ideas_per_100": per_100.ravel(),
        }
    )
    frames = {
        "ideas_funnel.csv": funnel_tallies(ideas, cal, tool_ids),
        "ideas_adopted.csv": adopted_tallies(ideas, cal),
        "ideas_by_department.csv": by_dept,
        "results_panel.csv": panel,
        "results_defects.csv": pd.DataFrame(events, columns=["file", "line", "kind", "action", "record_id", "detail"]),
    }  # fmt: skip
    for name, frame in frames.items():
        truth.write_csv(truth_dir / name, frame)
    truth.write_json(truth_dir / "exposure_relations.json", relations(results, panel, cal))
    return dict(DEFINITIONS)
