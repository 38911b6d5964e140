"""The demo city: a fictional French city whose raw files exercise every part of eco_eval.

``generate_demo_city(raw_dir, truth_dir, seed=42, n_staff=2400)`` writes, under ``raw_dir``, the
files described in ``docs/data-model.md`` ("The demo city's raw files"):

* ``rh/effectifs_trimestriels.csv``: quarterly HR headcount (Windows-1252, ``;``, CRLF);
* ``animations/journal_animations.xlsx``: the session log, sheet ``Journal``, header on row 3
  (``animations/journal_animations.csv``, header on line 1, above 50,000 agents);
* ``presences/emargements_<YYYY>-T<q>.csv``: one sign-in file per quarter (UTF-8, ``;``, LF);
* ``retours/results-survey482915.csv`` and ``retours/limesurvey_survey_482915.txt``: the anonymous
  post-session survey (LimeSurvey response export and survey-structure export);
* ``barometre/barometre_<YYYY-MM>.csv`` (one per wave) and
  ``barometre/limesurvey_survey_736251.txt``: the staff barometer;
* organisational results (drawn from their own random stream so the files above do not
  change): ``idees/registre_idees.xlsx`` (``.csv`` with a CSV session log), the ideas register;
  ``rh/indicateurs_rh_trimestriels.csv``, absence, leavers, internal moves and training per
  department and quarter; ``usagers/satisfaction_usagers.csv``, citizen satisfaction of the
  surveyed services (see :mod:`eco_eval.demo.results` for the planted relations);

and, under ``truth_dir``, the ground truth the tests compare the pipeline with (see
:mod:`eco_eval.demo.groundtruth`). The library never reads the ground truth.

Everything is vectorised (numpy, pyarrow): two million agents take a few minutes and a few GiB.
"""

from eco_eval.demo.generate import DemoSummary, generate_demo_city

__all__ = ["DemoSummary", "generate_demo_city"]
