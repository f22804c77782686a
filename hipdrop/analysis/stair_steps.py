"""Stair steps going up and going down: per step its direction, and per direction and side the
summary a clinician reads (which leg leads, which side drops while each leg stands).

The step table is the gait one (``analysis.steps.step_table``) on the stair events; this adds,
per step, ``stair_direction`` (``up``/``down``, None where not seen), ``leads`` (the foot went
to a new step rather than joining the other on its step) and ``rise_torsos`` (its landing's
height over the previous landing's, torso lengths). A step whose own rise is too small to say
(a step-to joining step, or one measured poorly) takes the direction of the nearest step that
did reach a new step. The trust rules are the step table's: a step left out there (its
contact unseen, its stance cut by the clip's end, ...) has no number here either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hipdrop.analysis.stairs import DIRECTIONS, StairsEvidence, lead_pattern
from hipdrop.analysis.steps import gait_side_summary
from hipdrop.analysis.thresholds import TaskThresholds
from hipdrop.conventions import SIDES, other_side

STAIR_COLUMNS = ["stair_direction", "leads", "rise_torsos"]
#: The per-side numbers each direction's summary keeps from ``gait_side_summary``.
_SIDE_KEYS = (
    "n_steps",
    "n_steps_excluded",
    "excluded_reasons",
    "peak_drop_deg",
    "peak_drop_sd_deg",
    "uncertainty_deg",
    "largest_step_peak_drop_deg",
    "peak_hike_deg",
    "hip_hike",
    "classification",
    "note",
)


def _filled_directions(directions: list) -> list:
    """Each step's direction, or that of the nearest step with one (earlier wins a tie)."""
    known = [i for i, d in enumerate(directions) if d in DIRECTIONS]
    if not known:
        return [None] * len(directions)
    return [
        d if d in DIRECTIONS else directions[min(known, key=lambda k: (abs(k - i), k))]
        for i, d in enumerate(directions)
    ]


def with_stair_columns(
    steps: pd.DataFrame, landings: pd.DataFrame, evidence: StairsEvidence | None = None
) -> pd.DataFrame:
    """The step table with ``STAIR_COLUMNS``, matched to the landings by contact frame. Where
    the clip as a whole does not show stairs (``evidence``), no step gets a direction: one
    landing's rise alone is too close to the measurement's error."""
    out = steps.copy()
    by_frame = {
        (row.side, int(row.frame)): row for row in landings.itertuples() if row.side in SIDES
    }
    directions, leads, rises = [], [], []
    for side, frame in zip(out["stance_leg"], out["foot_strike_frame"], strict=True):
        row = by_frame.get((side, int(frame)))
        directions.append(None if row is None else row.direction)
        leads.append(bool(row.leads) if row is not None else False)
        rises.append(float(row.rise_torsos) if row is not None else np.nan)
    if evidence is not None and not evidence.stairs:
        directions = [None] * len(directions)
    out["stair_direction"] = _filled_directions(directions)
    out["leads"] = leads
    out["rise_torsos"] = rises
    return out


def drop_sentence(stance_leg: str, info: dict) -> str:
    """'While the left leg stands, the right side drops 4.2° (mean of 3 steps).'"""
    swing = other_side(stance_leg)
    peak = info.get("peak_drop_deg")
    if peak is None:
        return f"While the {stance_leg} leg stands: {info.get('note') or 'no usable step'}."
    n = info["n_steps"]
    verb = "drops" if peak >= 0 else "rises (hip hike)"
    return (
        f"While the {stance_leg} leg stands, the {swing} side {verb} {abs(peak):.1f}° "
        f"(mean peak of {n} step{'s' if n != 1 else ''}): {info['classification']}."
    )


def stairs_summary(
    steps: pd.DataFrame,
    evidence: StairsEvidence | None,
    landings: pd.DataFrame,
    thresholds: TaskThresholds,
    uncertainty_deg: float,
) -> dict:
    """``summary.json``'s ``stairs``: the clip's direction and why, and per direction (``up``,
    ``down``; None where no step went that way) the leading pattern and, per stance side, the
    steps' peak drop, classification and a sentence."""
    out: dict = {
        "direction": evidence.direction if evidence is not None else None,
        "direction_reason": evidence.reason if evidence is not None else "not assessed",
        "landings": [
            {
                "side": row.side,
                "frame": int(row.frame),
                "rise_torsos": float(row.rise_torsos) if np.isfinite(row.rise_torsos) else None,
                "direction": row.direction,
            }
            for row in landings.itertuples()
        ],
    }
    for direction in DIRECTIONS:
        mine = steps[steps["stair_direction"] == direction]
        if mine.empty:
            out[direction] = None
            continue
        sides = gait_side_summary(mine, thresholds, uncertainty_deg)
        column = "stair_direction"
        out[direction] = {
            **lead_pattern(mine.rename(columns={"stance_leg": "side"}), direction, column),
            "n_steps": int(mine["included"].sum()),
            "sides": {
                side: {
                    **{key: sides[side].get(key) for key in _SIDE_KEYS},
                    "sentence": drop_sentence(side, sides[side]),
                }
                for side in SIDES
            },
        }
    return out


def stair_warnings(task: str, requested: str, evidence: StairsEvidence | None) -> list[str]:
    """A warning where stairs were asked for but the landings do not show steps."""
    if task != "stairs" or requested != "stairs" or evidence is None or evidence.stairs:
        return []
    return [
        "Stairs were asked for, but the feet's landings do not show steps going up or down "
        f"({evidence.reason}): up and down are not told apart for this clip."
    ]
