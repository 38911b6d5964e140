"""The staff barometer: waves of SWEMWBS, WHO-5, climate per lever and self-reported participation.

Latent model (item points): for respondent ``i`` at wave ``w``,

* climate of lever ``L``: ``C = mu_L + a_i + b_iL + dept + trend*w + e_iLw``; item
  ``j`` = ``clip(round(C + off_j + eps_ijw + tau_L * T_iLw), 1, 5)``, where ``T_iLw`` = 1 when ``i``
  attended a held session of ``L``'s tool in ``[cut_{w-1}, cut_w)`` (``cut`` = first day of the wave
  month; the first interval starts with the programme). The reverse-keyed item is written as
  ``6 - item``.
* well-being: ``W = m + p_i + dept + trend*w + u_iw``; SWEMWBS item ``j`` =
  ``clip(round(W + off_j + eps_ijw + sum_L delta_L/7 * T_iLw), 1, 5)``; WHO-5 item =
  ``clip(round(0.4 + 1.1*(W + effects - 1) + off_j + nu_ijw), 0, 5)``.

Effects are transient (only the interval just before the wave counts). The agents' propensity to
take part grows with ``a_i`` (selection on level, not on trend). Each treated respondent's answers
are computed twice from the same draws, with and without lever ``L``'s effect: the difference on the
observed scale is the realised effect recorded in the ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eco_eval.demo import _spec
from eco_eval.demo._arrays import member, unique
from eco_eval.demo.attendance import Attendance
from eco_eval.demo.calendar import Calendar, Wave
from eco_eval.demo.sessions import Sessions
from eco_eval.demo.staff import Staff

SWEMWBS_LABELS = ("Jamais", "Rarement", "Parfois", "Souvent", "Tout le temps")  # 1..5
WHO5_LABELS = (  # index = value 0..5
    "Jamais",
    "De temps en temps",
    "Moins de la moitié du temps",
    "Plus de la moitié du temps",
    "La plupart du temps",
    "Tout le temps",
)
PART_LABELS = ("Non", "Oui")
MISSING = -1


@dataclass
class WaveResponses:
    """Responses of one wave, in file order (by submission time)."""

    wave: Wave
    id: np.ndarray
    submit: np.ndarray  # datetime64[s]
    seed: np.ndarray
    person: np.ndarray  # respondent (never written; the file has the matricule when given)
    matricule_given: np.ndarray  # bool
    dept: np.ndarray  # declared, MISSING when skipped
    cat: np.ndarray
    gender: np.ndarray
    swemwbs: np.ndarray  # int8 (n, 7), 1..5
    who5: np.ndarray  # int8 (n, 5), 0..5
    climate: np.ndarray  # int8 (n, n_levers, 2), 1..5 as written (reverse item already reversed)
    part: np.ndarray  # int8 (n, n_levers): 1 Oui, 0 Non, MISSING
    present: int  # agents on the payroll at the wave
    # realised effects, sparse: one entry per (respondent row, lever) with T = 1
    t_row: np.ndarray
    t_lever: np.ndarray
    t_observable: np.ndarray  # bool: the participation is visible in the quarantine-free files
    d_climate: (
        np.ndarray
    )  # observed climate score (mean of the 2 items, reverse-scored) with - without
    d_swemwbs: np.ndarray  # SWEMWBS raw score with - without
    d_who5: np.ndarray  # WHO-5 raw score with - without


def _wellbeing_items(
    wb: np.ndarray, eps_s: np.ndarray, eps_w: np.ndarray, shift: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """SWEMWBS (1..5) and WHO-5 (0..5) items of ``rows`` with their latent level shifted."""
    level = wb[rows] + shift
    swemwbs = _clip_round(level[:, None] + eps_s[rows], 1, 5)
    who5 = np.float32(0.4) + np.float32(1.1) * (level[:, None] - np.float32(1)) + eps_w[rows]
    return swemwbs, _clip_round(who5, 0, 5)


def _declared(rng: np.random.Generator, values: np.ndarray, share_missing: float) -> np.ndarray:
    """A demographic answer: the truth, skipped by a few respondents."""
    out = values.astype(np.int16)
    out[rng.random(len(out)) < share_missing] = MISSING
    return out


def _submit_times(rng: np.random.Generator, wave: Wave, cal: Calendar, n: int) -> np.ndarray:
    """Working days of the fieldwork, office hours."""
    end = wave.open_from + wave.open_days
    n_days = max(int(np.busday_count(wave.open_from, end, holidays=cal.holidays)), 1)
    day = np.busday_offset(
        wave.open_from, rng.integers(0, n_days, n), roll="forward", holidays=cal.holidays
    )
    seconds = rng.integers(8 * 3600, 18 * 3600 + 1800, n).astype("timedelta64[s]")
    return day.astype("datetime64[s]") + seconds


def _treatment_keys(
    sessions: Sessions,
    attendance: Attendance,
    mask: np.ndarray,
    lever_of_tool: np.ndarray,
    cuts: np.ndarray,
    n_levers: int,
) -> np.ndarray:
    """Sorted unique ``person * (L*W) + lever * W + interval`` of the attendances in ``mask``."""
    n_waves = len(cuts)
    sess = attendance.session[mask]
    interval = np.searchsorted(cuts, sessions.date[sess], side="right")
    keep = interval < n_waves
    lever = lever_of_tool[sessions.tool[sess[keep]]].astype(np.int64)
    person = attendance.person[mask][keep].astype(np.int64)
    key = person * (n_levers * n_waves) + lever * n_waves + interval[keep]
    return unique(key)


def _clip_round(x: np.ndarray, low: int, high: int) -> np.ndarray:
    """Round and clip to the scale, in place (``x`` is a temporary)."""
    np.rint(x, out=x)
    np.clip(x, low, high, out=x)
    return x.astype(np.int8)


def _normal(rng: np.random.Generator, sd: float, size: tuple[int, ...]) -> np.ndarray:
    out = rng.standard_normal(size, dtype=np.float32)
    out *= np.float32(sd)
    return out


def _wave_matrix(
    keys: np.ndarray, w: int, n_levers: int, n_waves: int, row_of: np.ndarray, n_rows: int
) -> np.ndarray:
    """(respondent row, lever) -> True when the key set has (person, lever, interval w)."""
    here = keys[keys % n_waves == w]
    person = here // (n_levers * n_waves)
    lever = (here // n_waves) % n_levers
    rows = row_of[person]
    out = np.zeros((n_rows, n_levers), dtype=bool)
    out[rows[rows >= 0], lever[rows >= 0]] = True
    return out


def build_barometer(
    rng: np.random.Generator,
    staff: Staff,
    sessions: Sessions,
    attendance: Attendance,
    valid_attendance: np.ndarray,
    lever_ids: list[str],
    lever_of_tool: np.ndarray,
    tool_ids: list[str],
    cal: Calendar,
) -> list[WaveResponses]:
    """Draw every wave's respondents and answers; ids run on across waves (one LimeSurvey survey)."""
    spec = _spec.BAROMETER
    n_levers, n_waves = len(lever_ids), len(cal.waves)
    cuts = np.array([w.cut for w in cal.waves], dtype="datetime64[D]")
    everything = np.ones(len(attendance.person), dtype=bool)
    true_keys = _treatment_keys(sessions, attendance, everything, lever_of_tool, cuts, n_levers)
    seen_keys = _treatment_keys(
        sessions, attendance, valid_attendance, lever_of_tool, cuts, n_levers
    )

    tau = np.zeros(n_levers)
    delta = np.zeros(n_levers)
    for t, tool in enumerate(tool_ids):
        ts = _spec.TOOLS.get(tool, _spec.DEFAULT_TOOL)
        tau[lever_of_tool[t]] = ts.climate_effect
        delta[lever_of_tool[t]] = ts.wellbeing_effect
    mu = rng.permutation(np.linspace(*spec.climate_mean, n_levers))
    dept_clim = np.array([d.climate for d in _spec.DEPARTMENTS])
    dept_wb = np.array([d.wellbeing for d in _spec.DEPARTMENTS])
    rev_lever = (
        lever_ids.index(_spec.REVERSE_KEYED[0]) if _spec.REVERSE_KEYED[0] in lever_ids else -1
    )
    off_c = np.array(spec.item_offsets_climate)
    off_s = np.array(spec.item_offsets_swemwbs)
    off_w = np.array(spec.item_offsets_who5)

    waves: list[WaveResponses] = []
    next_id = 1
    for w, wave in enumerate(cal.waves):
        present = staff.present(wave.quarter)
        active_people = unique(true_keys[true_keys % n_waves == w] // (n_levers * n_waves))
        active = member(present, active_people)
        logit = spec.response_base + staff.baro_logit[present] + 0.4 * active
        respond = rng.random(len(present)) < 1 / (1 + np.exp(-logit))
        r = present[respond]
        n = len(r)
        row_of = np.full(staff.n, -1, dtype=np.int64)
        row_of[r] = np.arange(n)
        treated = _wave_matrix(true_keys, w, n_levers, n_waves, row_of, n)
        observable = _wave_matrix(seen_keys, w, n_levers, n_waves, row_of, n)
        del row_of
        dept = staff.dept[r]

        c = _normal(rng, spec.climate_wave_sd, (n, n_levers))
        c += staff.climate_lever[r]
        c += (
            mu[None, :]
            + (staff.climate_person[r] + dept_clim[dept] + spec.climate_trend * w)[:, None]
        ).astype(np.float32)
        eps = _normal(rng, spec.climate_item_sd, (n, n_levers, 2))
        eps += off_c.astype(np.float32)
        eps += c[:, :, None]
        del c
        forward0 = _clip_round(eps.copy(), 1, 5)
        eps += (tau[None, :] * treated).astype(np.float32)[:, :, None]
        forward = _clip_round(eps, 1, 5)
        del eps
        t_row, t_lever = np.nonzero(treated)
        d_climate = (
            forward[t_row, t_lever].sum(axis=1, dtype=np.int64)
            - forward0[t_row, t_lever].sum(axis=1, dtype=np.int64)
        ) / 2.0
        del forward0
        climate = forward.copy()
        if rev_lever >= 0:
            climate[:, rev_lever, _spec.REVERSE_KEYED[1] - 1] = (
                6 - forward[:, rev_lever, _spec.REVERSE_KEYED[1] - 1]
            )

        wb = (
            spec.wellbeing_mean
            + staff.wellbeing_person[r]
            + dept_wb[dept]
            + spec.wellbeing_trend * w
            + _normal(rng, spec.wellbeing_wave_sd, (n,))
        ).astype(np.float32)
        eps_s = _normal(rng, spec.wellbeing_item_sd, (n, 7)) + off_s.astype(np.float32)
        eps_w = _normal(rng, spec.who5_item_sd, (n, 5)) + off_w.astype(np.float32)
        boost = ((treated * delta[None, :]).sum(axis=1) / 7.0).astype(np.float32)

        swemwbs, who5 = _wellbeing_items(wb, eps_s, eps_w, boost, np.arange(n))
        raw_s = swemwbs.sum(axis=1, dtype=np.int64)
        raw_w = who5.sum(axis=1, dtype=np.int64)
        d_s = np.zeros(len(t_row))
        d_w = np.zeros(len(t_row))
        for lev in np.flatnonzero(delta != 0):
            sel = np.flatnonzero(t_lever == lev)
            rows = t_row[sel]
            s0, v0 = _wellbeing_items(
                wb, eps_s, eps_w, boost[rows] - np.float32(delta[lev] / 7.0), rows
            )
            d_s[sel] = raw_s[rows] - s0.sum(axis=1)
            d_w[sel] = raw_w[rows] - v0.sum(axis=1)

        says_yes = np.where(
            treated,
            rng.random((n, n_levers)) < spec.part_sensitivity,
            rng.random((n, n_levers)) < spec.part_false_positive,
        )
        part = says_yes.astype(np.int8)
        part[rng.random((n, n_levers)) < 0.02] = MISSING

        submit = _submit_times(rng, wave, cal, n)
        order = np.argsort(submit, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        dept_d, cat_d, gender_d = (
            _declared(rng, values, spec.demographic_missing)
            for values in (dept, staff.cat[r], staff.gender[r])
        )
        waves.append(
            WaveResponses(
                wave=wave,
                id=np.arange(next_id, next_id + n, dtype=np.int64),
                submit=submit[order],
                seed=rng.integers(10**8, 2**31 - 1, n),
                person=r[order],
                matricule_given=(rng.random(n) < staff.give_matricule[r])[order],
                dept=dept_d[order],
                cat=cat_d[order],
                gender=gender_d[order],
                swemwbs=swemwbs[order],
                who5=who5[order],
                climate=climate[order],
                part=part[order],
                present=len(present),
                t_row=rank[t_row],
                t_lever=t_lever,
                t_observable=observable[t_row, t_lever],
                d_climate=d_climate,
                d_swemwbs=d_s,
                d_who5=d_w,
            )
        )
        next_id += n
    return waves
