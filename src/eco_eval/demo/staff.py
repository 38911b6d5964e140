"""The staff of the demo city: who they are, where they work, when they are on the payroll.

One row per agent ever employed during the period. An agent is present in quarter ``q`` when
``start_q <= q < end_q``; the quarterly headcount (at the last day of the quarter) counts exactly the
agents present, and only present agents attend sessions or answer the barometer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from eco_eval.demo import _names, _spec

QUARTERLY_LEAVE_RATE = 0.017
QUARTERLY_HIRE_RATE = 0.018
PROPENSITY_SHAPE = 0.9  # gamma shape of the propensity of those who do take part (heavy tail)
PROPENSITY_CAP = 10.0  # nobody is more than 10 times as keen as the average participant


@dataclass
class Staff:
    """Column arrays, one entry per agent (index = person id used everywhere in the generator)."""

    matricule: np.ndarray  # int64, unique
    prenom_idx: np.ndarray
    nom_idx: np.ndarray
    gender: np.ndarray  # int8, index into _spec.GENDERS
    dept: np.ndarray  # int16, index into _spec.DEPARTMENTS
    cat: np.ndarray  # int8, index into _spec.CATEGORIES
    filiere: np.ndarray  # int8, index into _spec.FILIERES
    start_q: np.ndarray  # int16
    end_q: np.ndarray  # int16 (exclusive)
    weight: np.ndarray  # float64, propensity to take part (0 = never)
    feedback_p: np.ndarray  # float32, probability of answering a post-session survey
    baro_logit: np.ndarray  # float32, person shift of the barometer response logit
    give_matricule: np.ndarray  # float32, probability of giving the matricule in the barometer
    climate_person: np.ndarray  # float32, stable person effect on every climate item
    climate_lever: np.ndarray  # float32 (n, n_levers), stable person x lever effect
    wellbeing_person: np.ndarray  # float32, stable person effect on well-being items
    email: pa.Array
    prenom: pa.Array
    nom: pa.Array  # upper case, as in HR lists

    @property
    def n(self) -> int:
        return len(self.matricule)

    def present(self, q: int) -> np.ndarray:
        """Indices of the agents on the payroll at the end of quarter ``q``."""
        return np.flatnonzero((self.start_q <= q) & (self.end_q > q))

    def display_name(self, i: int) -> str:
        """``Prénom Nom`` as a colleague would write it in a comment."""
        return f"{self.prenom[i].as_py()} {_names.NOMS[int(self.nom_idx[i])]}"


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(np.int64)
    rest = total - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return counts


def _zipf_choice(rng: np.random.Generator, n_choices: int, size: int) -> np.ndarray:
    p = 1.0 / np.arange(1, n_choices + 1) ** 0.7
    cum = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), n_choices - 1)


def _pick_rows(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each entry of ``rows``, one column drawn from ``probs[row]`` (rows sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(rows))
    out = np.empty(len(rows), dtype=np.int64)
    for r in range(probs.shape[0]):  # one pass per row of probs: memory stays O(len(rows))
        sel = rows == r
        out[sel] = np.searchsorted(cum[r], u[sel], side="right")
    return out.clip(0, probs.shape[1] - 1)


def _matricules(rng: np.random.Generator, n: int) -> np.ndarray:
    digits = 6
    while n > 0.5 * 9 * 10 ** (digits - 1):
        digits += 1
    low = 10 ** (digits - 1)
    return low + rng.choice(9 * low, size=n, replace=False).astype(np.int64)


def _emails(prenom_slug: pa.Array, nom_slug: pa.Array, key: np.ndarray) -> pa.Array:
    """``prenom.nom@domain``; homonyms get ``prenom.nom2``, ``prenom.nom3``... in hiring order."""
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(key)), 0))
    rank = np.empty(len(key), dtype=np.int64)
    rank[order] = np.arange(len(key)) - group_start
    suffix = pc.if_else(
        pa.array(rank > 0), pc.cast(pa.array(rank + 1), pa.string()), pa.scalar("", pa.string())
    )
    domain = pa.scalar("@" + _names.EMAIL_DOMAIN, pa.string())
    local = pc.binary_join_element_wise(prenom_slug, nom_slug, ".")
    return pc.binary_join_element_wise(local, suffix, domain, "")


def build_staff(rng: np.random.Generator, n_staff: int, n_quarters: int, n_levers: int) -> Staff:
    """Draw ``n_staff`` agents present at the first quarter, then hires and leavers."""
    depts = _spec.DEPARTMENTS
    dept_w = np.array([d.size for d in depts], dtype=float)
    hires = rng.poisson(n_staff * QUARTERLY_HIRE_RATE, size=max(n_quarters - 1, 0))
    n = n_staff + int(hires.sum())
    start_q = np.r_[np.zeros(n_staff, np.int16), np.repeat(np.arange(1, n_quarters), hires)]
    start_q = start_q.astype(np.int16)
    stay = rng.geometric(QUARTERLY_LEAVE_RATE, size=n)
    end_q = np.minimum(start_q + stay, n_quarters).astype(np.int16)

    initial = np.repeat(np.arange(len(depts)), _largest_remainder(dept_w, n_staff))
    dept = np.r_[
        rng.permutation(initial), rng.choice(len(depts), n - n_staff, p=dept_w / dept_w.sum())
    ]
    dept = dept.astype(np.int16)

    cat_p = np.array([[d.p_a, d.p_b, 1 - d.p_a - d.p_b] for d in depts])
    cat = _pick_rows(rng, cat_p, dept).astype(np.int8)
    gender = (rng.random(n) >= np.array([d.p_f for d in depts])[dept]).astype(np.int8)
    fil_p = np.zeros((len(depts), len(_spec.FILIERES)))
    for i, d in enumerate(depts):
        for name, share in d.filieres.items():
            fil_p[i, _spec.filiere_index(name)] = share
    fil_p /= fil_p.sum(axis=1, keepdims=True)
    filiere = _pick_rows(rng, fil_p, dept).astype(np.int8)

    n_f, n_m = len(_names.PRENOMS_F), len(_names.PRENOMS_M)
    female_idx, male_idx = _zipf_choice(rng, n_f, n), _zipf_choice(rng, n_m, n)
    prenom_idx = np.where(gender == 0, female_idx, male_idx + n_f)  # into PRENOMS_F + PRENOMS_M
    nom_idx = _zipf_choice(rng, len(_names.NOMS), n)

    climate_person = rng.normal(0, _spec.BAROMETER.climate_person_sd, n).astype(np.float32)
    z = climate_person / _spec.BAROMETER.climate_person_sd
    never = rng.random(n) < np.array(_spec.CATEGORY_NEVER_SHARE)[cat]
    weight = rng.gamma(PROPENSITY_SHAPE, 1 / PROPENSITY_SHAPE, n)
    weight *= np.array([d.participation for d in depts])[dept]
    weight *= (
        np.array(_spec.CATEGORY_PARTICIPATION)[cat] * np.array(_spec.GENDER_PARTICIPATION)[gender]
    )
    weight *= np.exp(_spec.BAROMETER.selection_on_level * z)
    weight[never] = 0.0
    weight = np.minimum(weight, PROPENSITY_CAP * weight[~never].mean())

    kinds = np.array([k[0] for k in _spec.BAROMETER.matricule_types])
    give_p = np.array([k[1] for k in _spec.BAROMETER.matricule_types])
    give = give_p[_pick_rows(rng, kinds[None, :], np.zeros(n, np.int64))].astype(np.float32)

    all_prenoms = list(_names.PRENOMS_F) + list(_names.PRENOMS_M)
    prenom_slugs = [_names.slug(x) for x in all_prenoms]
    nom_slugs = [_names.slug(x) for x in _names.NOMS]
    # "Dominique" (F) and "Dominique" (M) share the e-mail counter: key on the slug, not the index
    slug_id = {s: i for i, s in enumerate(dict.fromkeys(prenom_slugs))}
    p_key = np.array([slug_id[s] for s in prenom_slugs], dtype=np.int64)[prenom_idx]
    email_key = p_key * (len(_names.NOMS) + 1) + nom_idx
    take_p, take_n = pa.array(prenom_idx), pa.array(nom_idx)
    email = _emails(
        pa.array(prenom_slugs).take(take_p), pa.array(nom_slugs).take(take_n), email_key
    )
    prenom = pa.array(all_prenoms).take(take_p)
    nom = pa.array([x.upper() for x in _names.NOMS]).take(take_n)

    return Staff(
        matricule=_matricules(rng, n),
        prenom_idx=prenom_idx.astype(np.int32),
        nom_idx=nom_idx.astype(np.int32),
        gender=gender,
        dept=dept,
        cat=cat,
        filiere=filiere,
        start_q=start_q,
        end_q=end_q,
        weight=weight,
        feedback_p=rng.beta(2.5, 2.5, n).astype(np.float32),
        baro_logit=rng.normal(0, 1.2, n).astype(np.float32),
        give_matricule=give,
        climate_person=climate_person,
        climate_lever=rng.standard_normal((n, n_levers), dtype=np.float32)
        * np.float32(_spec.BAROMETER.climate_person_lever_sd),
        wellbeing_person=(
            0.4 * z * _spec.BAROMETER.wellbeing_person_sd
            + rng.normal(0, _spec.BAROMETER.wellbeing_person_sd * 0.92, n)
        ).astype(np.float32),
        email=email,
        prenom=prenom,
        nom=nom,
    )


def headcount_table(staff: Staff, n_quarters: int) -> np.ndarray:
    """Counts of present agents, shape (quarter, dept, cat, gender, filiere)."""
    shape = (n_quarters, len(_spec.DEPARTMENTS), 3, 2, len(_spec.FILIERES))
    out = np.zeros(shape, dtype=np.int64)
    cell = np.ravel_multi_index((staff.dept, staff.cat, staff.gender, staff.filiere), shape[1:])
    for q in range(n_quarters):
        here = (staff.start_q <= q) & (staff.end_q > q)
        out[q] = np.bincount(cell[here], minlength=int(np.prod(shape[1:]))).reshape(shape[1:])
    return out
