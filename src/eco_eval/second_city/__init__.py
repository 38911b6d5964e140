"""The second fictional city, « Communauté d'agglomération de Valbrune », drawn and written by its
own code, independently of the demo city (:mod:`eco_eval.demo`).

``generate_second_city(raw_dir, truth_dir, seed=8, n_staff=900)`` writes under ``raw_dir`` the
exports of a city whose shapes differ from the demo's on every point, and whose configuration is
the packaged ``_data/valbrune_project.yaml`` (docs/onboarding.md):

* ``rh/effectifs_par_trimestre.csv``: headcount per quarter (``2016-T2``, from 2018 ``T1 2018``),
  direction name and filière, no gender nor category (UTF-8, ``,``);
* ``referentiel/directions.csv``: the directions reference, code → name (UTF-8 with BOM, ``;``);
* ``animations/registre_animations.csv``: the facilitators' log (Windows-1252, ``;``, decimal
  commas), tool names spelt many ways, sessions led by two people, one held session without date;
* ``emargements/feuilles_emargement.xlsx``: sign-ins (title rows, header on row 4; e-mail, names
  and direction code; no category nor gender), one sign-in written twice;
* ``retours/results-survey594317.csv`` and ``retours/structure_594317.txt``: the post-session
  LimeSurvey survey (full answers, a 4-item battery ``SAT[SQ001..4]``, incomplete responses);
* ``barometre/vague<n>.csv`` (4 waves), ``barometre/participants_vague<n>.csv`` (LimeSurvey
  participant tables: token → e-mail) and ``barometre/structure_barometre_271828.txt``: SWEMWBS,
  WHO-5, one climate item per lever, ``PART[ANY]`` (took part in any tool); respondents carry only their token;

and under ``truth_dir`` the planted truths (:mod:`eco_eval.second_city.truth`).
"""

from eco_eval.second_city.generate import SecondCitySummary, config_text, generate_second_city
from eco_eval.second_city.spec import DEFAULT_SEED, DEFAULT_STAFF

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_STAFF",
    "SecondCitySummary",
    "config_text",
    "generate_second_city",
]
