"""The one wording policy of every claim about an effect: the same verdict words everywhere.

A claim is what the bilan says an estimate shows: in the synthesis, the first page, the lever
table and cards, the effects tables and the deep dives. Its words are decided here, and only here,
by three facts of the estimate (one row of the release's ``wellbeing_impact`` table):

- the **design level** (``sms_level``, the Maryland Scientific Methods Scale, Sherman et al. 1997,
  written « niveau de preuve N sur 5 »): 5 is a randomised design, 3 a difference in differences
  on staff followed from wave to wave (observational: participants chose to come), 2 a comparison
  at one date;
- **significance after the false discovery rate correction** (``significant_fdr``,
  Benjamini–Hochberg over the levers tested together), and whether the 95 % interval alone
  excludes zero;
- the **period the estimate covers** (the barometer waves it pools), written with the estimate,
  since an effect pooled over several years is not this quarter's.

The verdicts (:func:`verdict`):

============  ===================================================================
demonstrated  level ≥ 4 and significant after correction
probable      level 3 and significant after correction (no causal verb: observational)
possible      level ≥ 3, interval excludes 0, not significant after correction
not_shown     level ≥ 3, interval includes 0
association   level ≤ 2 and significant after correction
no_link       level ≤ 2, not significant
============  ===================================================================

An estimate of unusual size (\\|Hedges' g\\| ≥ 0.5, a "medium" effect by Cohen's convention, large
for a workplace intervention) is flagged « ampleur inhabituelle : à confirmer ». A lever without a
session in the period gets no effect line (:func:`no_activity`).

The sentences are the labels ``wellbeing.claim_<verdict>`` (long form, with the comparison group)
and ``wellbeing.verdict_<verdict>`` (short form), so that :func:`claim_patterns` can tell whether a
sentence of a rendered page is one of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eco_eval.report.fmt import is_missing

VERDICTS = ("demonstrated", "probable", "possible", "not_shown", "association", "no_link")
#: |Hedges' g| from which an estimate is flagged « à confirmer ».
UNUSUAL_G = 0.5


@dataclass(frozen=True)
class Verdict:
    """What an estimate allows the bilan to say."""

    #: One of :data:`VERDICTS`.
    key: str
    #: The design's level of evidence (1 to 5).
    level: int
    #: True when the size is unusual and should be confirmed.
    unusual: bool

    @property
    def positive(self) -> bool:
        """True for the verdicts that report an effect or an association."""
        return self.key in ("demonstrated", "probable", "association")


def verdict(row: Any) -> Verdict:
    """The verdict of one estimate (a row of ``wellbeing_impact``): see the module's table."""
    level = int(row.get("sms_level") or 0) if not is_missing(row.get("sms_level")) else 0
    clear = bool(row.get("significant_fdr", False))
    low, high = row.get("ci_low"), row.get("ci_high")
    excludes_zero = (
        not is_missing(low) and not is_missing(high) and (float(low) > 0 or float(high) < 0)
    )
    if level >= 4:
        key = "demonstrated" if clear else "possible" if excludes_zero else "not_shown"
    elif level == 3:
        key = "probable" if clear else "possible" if excludes_zero else "not_shown"
    else:
        key = "association" if clear else "no_link"
    g = row.get("hedges_g")
    unusual = key in ("demonstrated", "probable", "possible", "association") and (
        not is_missing(g) and abs(float(g)) >= UNUSUAL_G
    )
    return Verdict(key, level, unusual)


def claim(t: Callable[..., str], row: Any, **values: Any) -> str:
    """The long sentence of an estimate: ``wellbeing.claim_<verdict>`` filled with ``values``
    (tool, outcome, estimate, unit, moved, ci, period, n_treated, n_control, mde, mde_unit), the
    level of evidence, and « à confirmer » when the size is unusual. ``t``: the label function
    of the section (``WellbeingSection.t``)."""
    v = verdict(row)
    text = t(f"claim_{v.key}", level=v.level, **values)
    return text + (" " + t("unusual") if v.unusual else "")


def short_verdict(t: Callable[..., str], row: Any, **values: Any) -> str:
    """The short verdict of an estimate, for a table cell or a card: ``wellbeing.verdict_<key>``
    with the level and the period covered (``values["period"]``)."""
    v = verdict(row)
    text = t(f"verdict_{v.key}", level=v.level, **values)
    return text + (" " + t("unusual_short") if v.unusual else "")


def verdict_word(t: Callable[..., str], row: Any) -> str:
    """The verdict in one or two words, for a table cell whose note gives the level and the
    period covered: ``wellbeing.word_<key>``."""
    return str(t(f"word_{verdict(row).key}"))


def no_activity(t: Callable[..., str]) -> str:
    """What a lever without a session in the period shows instead of an effect."""
    return str(t("claim_no_activity"))


def claim_patterns(labels: Any) -> list[re.Pattern[str]]:
    """One regular expression per claim template of ``labels`` (the section's labels,
    ``wellbeing.claim_*`` and ``wellbeing.verdict_*``), placeholders matching any text: a
    sentence that states an effect must match one of them."""
    out = []
    for key, template in labels.items():
        name = key.rsplit(".", 1)[-1]
        if not (name.startswith("claim_") or name.startswith("verdict_")):
            continue
        parts = re.split(r"\{[a-z_]+\}", str(template))
        out.append(re.compile(".+?".join(re.escape(p) for p in parts)))
    return out
