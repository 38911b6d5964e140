"""Post-session feedback survey: who answers, what they answer, and the survey's own defects.

About half of the attendances answer (a person-level tendency). Answers follow a latent
satisfaction (tool quality + person mood + noise). About 30 % leave a comment. Planted on purpose
and recorded: duplicate submissions, out-of-range answers, comments naming a colleague or giving an
e-mail address, hostile strings, multi-line comments. The survey is anonymous: the file carries no
identifier of the respondent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from eco_eval.demo import _comments, _spec
from eco_eval.demo._arrays import member
from eco_eval.demo.attendance import Attendance
from eco_eval.demo.sessions import Sessions
from eco_eval.demo.staff import Staff

SATISFACTION_LABELS = (
    "Pas du tout satisfait",
    "Peu satisfait",
    "Moyennement satisfait",
    "Satisfait",
    "Très satisfait",
)
AGREEMENT_LABELS = (
    "Pas du tout d'accord",
    "Plutôt pas d'accord",
    "Ni d'accord ni pas d'accord",
    "Plutôt d'accord",
    "Tout à fait d'accord",
)
OUT_OF_RANGE_LIKERT = "6"  # a code outside the labels, as typed from a paper form
OUT_OF_RANGE_RECO = 12
MISSING = -1
OUT_OF_RANGE = 5  # code of OUT_OF_RANGE_LIKERT in the Likert columns


@dataclass
class Feedback:
    """One entry per submitted response, in file order (by submission time, ``id`` = 1..n)."""

    id: np.ndarray
    submit: np.ndarray  # datetime64[s]
    seed: np.ndarray
    seance: np.ndarray  # session number, MISSING when left empty
    tool: np.ndarray
    sat: np.ndarray  # 0..4 label index, OUT_OF_RANGE, MISSING
    util: np.ndarray
    reco: np.ndarray  # 0..10, OUT_OF_RANGE_RECO, MISSING
    comment: pa.Array  # string, null when none
    duplicate_of: np.ndarray  # id of the original for re-submissions, 0 otherwise
    events: list[dict[str, object]] = field(default_factory=list)  # planted defects, by record
    identities: list[dict[str, object]] = field(default_factory=list)


def _pick(rng: np.random.Generator, pool: np.ndarray, rate: float, minimum: int) -> np.ndarray:
    k = min(len(pool), max(minimum, round(rate * len(pool))))
    return np.sort(rng.choice(pool, size=k, replace=False)) if k else pool[:0]


class _CommentEdits:
    """Comments as an Arrow array plus a few edited texts, without a Python list per response."""

    def __init__(self, texts: pa.Array, rows: np.ndarray, n: int) -> None:
        self._texts = texts
        self._extra: list[str] = []
        self._ref = np.full(n, -1, dtype=np.int64)
        self._ref[rows] = np.arange(len(rows))

    def get(self, i: int) -> str:
        ref = int(self._ref[i])
        return (
            self._extra[ref - len(self._texts)]
            if ref >= len(self._texts)
            else str(self._texts[ref].as_py())
        )

    def set(self, i: int, text: str) -> None:
        self._ref[i] = len(self._texts) + len(self._extra)
        self._extra.append(text)

    def finish(self, order: np.ndarray) -> pa.Array:
        every = pa.concat_arrays([self._texts, pa.array(self._extra, type=pa.string())])
        ref = self._ref[order]
        return every.take(pa.array(np.maximum(ref, 0), mask=ref < 0))


def _answer(
    rng: np.random.Generator,
    latent: np.ndarray,
    slope: float,
    shift: float,
    sd: float,
    low: int,
    high: int,
) -> np.ndarray:
    """``clip(round(slope * (latent - shift) + N(0, sd)), low, high)`` as int8."""
    x = rng.standard_normal(len(latent), dtype=np.float32)
    x *= np.float32(sd)
    x += np.float32(slope) * (latent - np.float32(shift))
    np.rint(x, out=x)
    np.clip(x, low, high, out=x)
    return x.astype(np.int8)


def _submit_times(
    rng: np.random.Generator, dates: np.ndarray, end_of_period: np.datetime64
) -> np.ndarray:
    """40 % answer the same day (after the session), the others within two weeks, in office hours."""
    n = len(dates)
    same_day = rng.random(n, dtype=np.float32) < 0.4
    days = np.minimum(rng.geometric(0.35, n), 14)
    days[same_day] = 0
    seconds = rng.integers(8 * 3600 + 1800, 19 * 3600, n)
    seconds[same_day] = rng.integers(10 * 3600, 18 * 3600 + 1800, int(same_day.sum()))
    submit = (dates + days).astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    return np.minimum(submit, (end_of_period + 1).astype("datetime64[s]") - 1)


def _sentence_bank(tool_ids: list[str]) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """All sentences in one array; group g = tool * 3 + tone (generic = last tool slot)."""
    texts: list[str] = []
    starts, lengths = [], []
    groups = [_comments.TOOL_SENTENCES.get(t, _comments.GENERIC_SENTENCES) for t in tool_ids]
    for by_tone in [*groups, _comments.GENERIC_SENTENCES]:
        for tone in range(3):
            starts.append(len(texts))
            lengths.append(len(by_tone[tone]))
            texts.extend(by_tone[tone])
    return pa.array(texts), np.array(starts), np.array(lengths)


def _comments_for(
    rng: np.random.Generator, tool: np.ndarray, sat: np.ndarray, tool_ids: list[str]
) -> tuple[pa.Array, np.ndarray]:
    n = len(tool)
    bank, starts, lengths = _sentence_bank(tool_ids)
    tone = np.where(sat < 0, 1, np.where(sat <= 1, 0, np.where(sat == 2, 1, 2)))
    group_tool = np.where(rng.random(n) < 0.6, tool, len(tool_ids))
    g = group_tool * 3 + tone
    first = bank.take(pa.array(starts[g] + np.floor(rng.random(n) * lengths[g]).astype(np.int64)))
    seconds = pa.array(_comments.SECOND_SENTENCES)
    second = seconds.take(pa.array(rng.integers(0, len(seconds), n)))
    has_second = rng.random(n) < 0.25
    sep = pa.array(np.where(has_second, " ", ""))
    second = pc.if_else(pa.array(has_second), second, pa.scalar("", pa.string()))
    return pc.binary_join_element_wise(first, sep, second, ""), has_second


def _event(record: int, kind: str, action: str, detail: str) -> dict[str, object]:
    return {"record": record, "kind": kind, "action": action, "detail": detail}


def _defect_count(kind: str, n: int) -> int:
    rate, minimum = _spec.DEFECT_RATES[kind]
    return min(n // 4, max(minimum, round(rate * n)))


def _plant_comments(
    rng: np.random.Generator,
    staff: Staff,
    sessions: Sessions,
    attendance: Attendance,
    session: np.ndarray,
    tool: np.ndarray,
    sat: np.ndarray,
    tool_ids: list[str],
) -> tuple[_CommentEdits, list[dict[str, object]], list[dict[str, object]]]:
    """Write the comments; plant line breaks, colleagues' names and e-mails, hostile strings."""
    n = len(session)
    has_comment = np.flatnonzero(rng.random(n) < _spec.COMMENT_SHARE)
    texts, two = _comments_for(rng, tool[has_comment], sat[has_comment], tool_ids)
    comments = _CommentEdits(texts, has_comment, n)
    events: list[dict[str, object]] = []
    identities: list[dict[str, object]] = []
    rate, low = _spec.DEFECT_RATES["comment_multiline"]
    for i in _pick(rng, has_comment[two], rate / 0.25, low).tolist():
        text = comments.get(i)
        comments.set(
            i, text.replace(". ", ".\n", 1) if ". " in text else text.replace(" ", "\n", 1)
        )
        events.append(_event(i, "comment_multiline", "keep", "line break inside a quoted value"))

    one_line = has_comment[~two]
    rate, low = _spec.DEFECT_RATES["comment_identity"]
    chosen = _pick(rng, one_line, rate, low)
    first_row = np.searchsorted(
        attendance.session, np.arange(sessions.n + 1, dtype=attendance.session.dtype)
    )
    for k, i in enumerate(chosen.tolist()):
        s = int(session[i])
        if k % 4 < 2:  # the facilitator is thanked, or a co-participant is mentioned
            who = int(sessions.facilitator[s])
        else:
            who = int(attendance.person[rng.integers(first_row[s], first_row[s + 1])])
        if k % 2 == 0:
            kind, text = "name", staff.display_name(who)
            names = _comments.IDENTITY_NAME_TEMPLATES
            comments.set(i, names[k // 2 % len(names)].format(name=text))
        else:
            kind, text = "email", str(staff.email[who].as_py())
            mails = _comments.IDENTITY_EMAIL_TEMPLATES
            comments.set(i, mails[k // 2 % len(mails)].format(email=text))
        identities.append({"record": i, "kind": kind, "text": text, "person": who})
        events.append(_event(i, "comment_identity", "mask", f"{kind}: {text}"))

    rate, low = _spec.DEFECT_RATES["comment_hostile"]
    rest = one_line[~member(one_line, chosen)]
    hostile = _comments.HOSTILE_STRINGS
    for k, i in enumerate(_pick(rng, rest, rate * len(hostile), low * len(hostile)).tolist()):
        comments.set(i, hostile[k % len(hostile)])
        events.append(_event(i, "comment_hostile", "escape", hostile[k % len(hostile)]))
    return comments, events, identities


def _plant_out_of_range(
    rng: np.random.Generator, sat: np.ndarray, util: np.ndarray, reco: np.ndarray, rows: np.ndarray
) -> list[dict[str, object]]:
    """RECO = 12 on some ``rows``, a Likert code "6" on others (in place)."""
    k_reco = _defect_count("feedback_reco_out_of_range", len(sat))
    k_lik = _defect_count("feedback_likert_out_of_range", len(sat))
    bad_reco, bad_lik = rows[:k_reco], rows[k_reco : k_reco + k_lik]
    reco[bad_reco] = OUT_OF_RANGE_RECO
    events = [
        _event(i, "feedback_reco_out_of_range", "quarantine", f"RECO={OUT_OF_RANGE_RECO}")
        for i in bad_reco.tolist()
    ]
    on_sat = rng.random(len(bad_lik)) < 0.5
    sat[bad_lik[on_sat]] = OUT_OF_RANGE
    util[bad_lik[~on_sat]] = OUT_OF_RANGE
    for i, s in zip(bad_lik.tolist(), on_sat.tolist(), strict=True):
        column = "EVAL[SAT]" if s else "EVAL[UTIL]"
        events.append(
            _event(
                i, "feedback_likert_out_of_range", "quarantine", f"{column}={OUT_OF_RANGE_LIKERT}"
            )
        )
    return events


def build_feedback(
    rng: np.random.Generator,
    staff: Staff,
    sessions: Sessions,
    attendance: Attendance,
    tool_ids: list[str],
    end_of_period: np.datetime64,
) -> Feedback:
    """Draw the responses, plant the survey's defects and sort by submission time."""
    answers = np.flatnonzero(
        rng.random(len(attendance.person)) < staff.feedback_p[attendance.person]
    )
    session = attendance.session[answers]
    n = len(answers)
    tool = sessions.tool[session].astype(np.int16)
    quality = np.array([_spec.TOOLS.get(t, _spec.DEFAULT_TOOL).satisfaction for t in tool_ids])
    latent = rng.standard_normal(n, dtype=np.float32) * np.float32(0.5)
    latent += np.float32(0.8) * staff.climate_person[attendance.person[answers]]
    latent += (3.75 + quality).astype(np.float32)[tool]
    sat = _answer(rng, latent, 1.0, 0.0, 0.6, 1, 5) - 1
    util = _answer(rng, latent, 1.0, 0.1, 0.8, 1, 5) - 1
    reco = _answer(rng, latent, 2.3, 1.0, 1.3, 0, 10)
    del latent, answers
    for values, share in ((sat, 0.01), (util, 0.015), (reco, 0.03)):
        values[rng.random(n, dtype=np.float32) < share] = MISSING
    seance = (session + 1).astype(np.int64)
    seance[rng.random(n, dtype=np.float32) < _spec.SEANCE_MISSING_SHARE] = MISSING
    submit = _submit_times(rng, sessions.date[session], end_of_period)
    comments, events, identities = _plant_comments(
        rng, staff, sessions, attendance, session, tool, sat, tool_ids
    )

    # out-of-range answers and re-submissions fall on disjoint responses
    pool = rng.permutation(n)
    n_bad = _defect_count("feedback_reco_out_of_range", n) + _defect_count(
        "feedback_likert_out_of_range", n
    )
    events += _plant_out_of_range(rng, sat, util, reco, pool[:n_bad])
    dup_src = np.sort(pool[n_bad : n_bad + _defect_count("feedback_duplicate", n)])
    del pool

    # a re-submission comes 2 to 40 seconds after its original; ids follow submission order
    src = np.r_[np.arange(n), dup_src]
    later = rng.integers(2, 41, len(dup_src)).astype("timedelta64[s]")
    submit = np.r_[submit, submit[dup_src] + later]
    is_dup = np.r_[np.zeros(n, bool), np.ones(len(dup_src), bool)]
    order = np.lexsort((is_dup, submit))
    final = src[order]
    row_of_src = np.empty(n, dtype=np.int64)
    row_of_src[order[order < n]] = np.flatnonzero(order < n)
    ids = np.arange(1, len(order) + 1, dtype=np.int64)
    duplicate_of = np.zeros(len(order), dtype=np.int64)
    dup_rows = np.flatnonzero(is_dup[order])
    duplicate_of[dup_rows] = ids[row_of_src[final[dup_rows]]]
    for item in [*events, *identities]:
        item["record"] = int(row_of_src[int(str(item["record"]))])
    for r in dup_rows.tolist():
        events.append(
            _event(r, "feedback_duplicate", "deduplicate", f"same answers as id {duplicate_of[r]}")
        )
    events.sort(key=lambda e: (int(str(e["record"])), str(e["kind"])))
    return Feedback(
        id=ids,
        submit=submit[order],
        seed=rng.integers(10**8, 2**31 - 1, len(order)),
        seance=seance[final],
        tool=tool[final],
        sat=sat[final],
        util=util[final],
        reco=reco[final],
        comment=comments.finish(final),
        duplicate_of=duplicate_of,
        events=events,
        identities=identities,
    )
