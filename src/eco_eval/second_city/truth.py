"""Valbrune's planted truths, written as CSV under the truth folder; the library never reads them.

* ``activity_by_quarter_lever.csv``: per quarter and lever, sessions held and cancelled, sign-ins
  (``participations``, the duplicated row counted once), distinct participants, facilitator
  hours (duration x facilitators named) and participant hours; dated sessions only;
* ``reach_by_quarter.csv``: distinct participants, headcount and their ratio per quarter;
* ``programme_totals.csv``: the whole programme, the undated session included (``name,value``);
* ``effects.csv``: per consecutive wave pair, lever and outcome (``climate``: the lever's climate
  item; ``swemwbs_raw``: SWEMWBS raw points), the planted latent effect, the linked treated
  respondents (complete answers at both waves, signed in at the lever's tool between them) and
  the realised effect on the observed scale (mean over them of with - without the effect);
* ``barometer_waves.csv``: per wave, its file, fielding window, invitations, complete and
  incomplete responses, and complete respondents whose e-mail is on a sign-in sheet;
* ``feedback_by_tool.csv``: complete and incomplete responses and the mean of the 4-item
  battery (complete responses) per tool;
* ``params.json``: the generator's arguments.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from eco_eval.second_city import files, spec
from eco_eval.second_city.model import City, treated_between

TRUTH_FILES = (
    "activity_by_quarter_lever.csv",
    "reach_by_quarter.csv",
    "programme_totals.csv",
    "effects.csv",
    "barometer_waves.csv",
    "feedback_by_tool.csv",
    "params.json",
)


def activity(city: City) -> pd.DataFrame:
    s = city.sessions[city.sessions["dated"]]
    att = city.attendance.merge(s, left_on="session", right_index=True)
    rows = []
    for quarter in city.quarters:
        for lever in city.eco.lever_ids:
            ss = s[(s["quarter"] == quarter.index) & (s["lever_id"] == lever)]
            held = ss[ss["status"] == "held"]
            aa = att[(att["quarter"] == quarter.index) & (att["lever_id"] == lever)]
            rows.append(
                {
                    "quarter": quarter.label,
                    "lever_id": lever,
                    "sessions_held": len(held),
                    "sessions_cancelled": int((ss["status"] == "cancelled").sum()),
                    "participations": len(aa),
                    "unique_participants": int(aa["person"].nunique()),
                    "facilitator_hours": float((held["duration_h"] * held["n_facilitators"]).sum()),
                    "participant_hours": float(aa["duration_h"].sum()),
                }
            )
    return pd.DataFrame(rows)


def reach(city: City) -> pd.DataFrame:
    s = city.sessions[city.sessions["dated"]]
    att = city.attendance.merge(s, left_on="session", right_index=True)
    heads = files.headcount_frame(city).groupby("quarter")["headcount"].sum()
    rows = []
    for quarter in city.quarters:
        n = int(att.loc[att["quarter"] == quarter.index, "person"].nunique())
        hc = int(heads[quarter.label])
        rows.append({"quarter": quarter.label, "unique_participants": n, "headcount": hc,
                     "reach_rate": n / hc})  # fmt: skip
    return pd.DataFrame(rows)


def totals(city: City) -> pd.DataFrame:
    s, att = city.sessions, city.attendance
    undated = s.index[~s["dated"]]
    values = {
        "sessions_logged": len(s),
        "sessions_held": int((s["status"] == "held").sum()),
        "undated_sessions": len(undated),
        "undated_participations": int(att["session"].isin(undated).sum()),
        "sign_in_rows": len(att) + 1,
        "duplicate_sign_in_rows": 1,
        "participations": len(att),
        "distinct_participants": int(att["person"].nunique()),
        "staff_ever": len(city.staff),
    }
    return pd.DataFrame({"name": list(values), "value": list(values.values())})


def effects(city: City) -> pd.DataFrame:
    bounds = [city.eco.launch, *(w[1].replace(day=1) for w in spec.WAVES)]
    rows = []
    for w in range(1, len(spec.WAVES)):
        before, after = city.waves[w - 1], city.waves[w]
        linked = set(before.loc[before["status"] == "complete", "person"]) & set(
            after.loc[after["status"] == "complete", "person"]
        )
        wave_to = spec.WAVES[w][0]
        for lever in city.eco.lever_ids:
            treated = treated_between(
                city.sessions, city.attendance, lever, bounds[w], bounds[w + 1]
            )
            people = linked & treated
            for outcome, planted in (("climate", spec.CLIMATE_EFFECTS),
                                     ("swemwbs_raw", spec.SWEMWBS_EFFECTS)):  # fmt: skip
                e = city.effects[(city.effects["wave"] == wave_to) & (city.effects["lever_id"] == lever)
                                 & (city.effects["outcome"] == outcome)
                                 & city.effects["person"].isin(people)]  # fmt: skip
                rows.append(
                    {
                        "wave_from": spec.WAVES[w - 1][0],
                        "wave_to": wave_to,
                        "lever_id": lever,
                        "outcome": outcome,
                        "planted": planted.get(lever, 0.0),
                        "n_linked": len(linked),
                        "n_treated_linked": len(people),
                        "realised_att": float(e["realised"].mean()) if len(e) else 0.0,
                    }
                )
    return pd.DataFrame(rows)


def waves(city: City) -> pd.DataFrame:
    signed = set(city.attendance["person"])
    rows = []
    for w, (number, first, last) in enumerate(spec.WAVES):
        frame = city.waves[w]
        done = frame[frame["status"] == "complete"]
        rows.append(
            {
                "wave": number,
                "file": files.BAROMETER.format(n=number),
                "first_day": first.isoformat(),
                "last_day": last.isoformat(),
                "first_submission": min(done["submitdate"]).isoformat(sep=" "),
                "last_submission": max(done["submitdate"]).isoformat(sep=" "),
                "invited": len(city.invited[w]),
                "complete": len(done),
                "incomplete": int((frame["status"] == "incomplete").sum()),
                "linked_to_attendance": int(done["person"].isin(signed).sum()),
            }
        )
    return pd.DataFrame(rows)


def feedback(city: City) -> pd.DataFrame:
    fb = city.feedback
    rows = []
    for plan in spec.TOOLS:
        t = fb[fb["tool_id"] == plan.tool_id]
        done = t[t["complete"]]
        scores = [np.mean(s) for s in done["sat"]]
        rows.append({"tool_id": plan.tool_id, "complete": len(done),
                     "incomplete": int((~t["complete"]).sum()),
                     "battery_mean": float(np.mean(scores)) if scores else float("nan")})  # fmt: skip
    return pd.DataFrame(rows)


def write(truth_dir: Path, city: City, params: dict[str, object]) -> tuple[str, ...]:
    truth_dir.mkdir(parents=True, exist_ok=True)
    frames = {
        "activity_by_quarter_lever.csv": activity(city),
        "reach_by_quarter.csv": reach(city),
        "programme_totals.csv": totals(city),
        "effects.csv": effects(city),
        "barometer_waves.csv": waves(city),
        "feedback_by_tool.csv": feedback(city),
    }
    for name, frame in frames.items():
        frame.to_csv(truth_dir / name, index=False, lineterminator="\n", float_format="%.10g")
    (truth_dir / "params.json").write_text(json.dumps(params, indent=2, sort_keys=True) + "\n")
    return TRUTH_FILES
