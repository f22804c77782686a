"""What one clip's analysis found - summary, tables, tracks - and its verdicts in words.

:class:`hipdrop.result.Analysis` adds plots, the report and a Jupyter view on top."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hipdrop.io.camera_motion import CameraMotion
from hipdrop.tracks import LandmarkTracks


def verdict_sentence(side: str, info: dict, threshold_deg: float) -> str:
    """One plain-language line per stance side, the way a clinician writes it."""
    other = "right" if side == "left" else "left"
    peak = info.get("peak_drop_deg")
    if peak is None:
        return f"{side.capitalize()} stance: insufficient data ({info.get('note', 'no phase')})."
    unc = info.get("uncertainty_deg")
    pm = f" ± {unc:.1f}°" if unc is not None and np.isfinite(unc) else ""
    if peak >= 0:
        what = f"the {other} side drops {peak:.1f}°{pm}"
    else:
        what = f"the {other} side stays level or rises (peak drop {peak:.1f}°{pm})"
    relation = "above" if peak >= threshold_deg else "below"
    text = (
        f"During {side} stance {what}, {relation} the {threshold_deg:g}° threshold: "
        f"{info['classification']}."
    )
    if info.get("near_threshold") and info["classification"] != "insufficient data":
        text += " This is within measurement uncertainty of the threshold."
    if info.get("hip_hike"):
        text += f" Hip hike of the {other} side up to {info['peak_hike_deg']:.1f}°."
    return text


#: How close to the stance foot 2D video can tell the pelvis centre apart from it: the lateral
#: shift's RMSE against the multicam 3D reference (0.12-0.25 pelvis widths, README).
SHIFT_RESOLUTION_WIDTHS = 0.25


def shift_sentence(info: dict) -> str:
    """The lateral-shift answer for one stance side, in words: how far the pelvis moves and
    which way, and whether it ever gets over the stance foot. Empty without a measurement."""
    travel = info.get("lateral_shift_travel_widths")
    peak = info.get("peak_lateral_shift_widths")
    if travel is None or peak is None:
        return ""
    cm = info.get("lateral_shift_travel_cm")
    size = f"{abs(travel):.1f} pelvis widths" + (f" ({abs(cm):.0f} cm)" if cm is not None else "")
    moves = f"moves {size} {'toward' if travel >= 0 else 'away from'} the stance side"
    if abs(travel) < 0.05:
        moves = "barely moves sideways (less than 0.05 pelvis widths)"
    if peak >= SHIFT_RESOLUTION_WIDTHS:
        over = "it passes over the stance foot"
    elif peak <= -SHIFT_RESOLUTION_WIDTHS:
        over = (
            "it never passes over the stance foot (the pelvis centre stays "
            f"{-peak:.1f} pelvis widths or more to the inside of it)"
        )
    else:
        over = (
            "it comes to about the stance foot (within "
            f"{SHIFT_RESOLUTION_WIDTHS:g} pelvis widths, closer than 2D video can tell)"
        )
    return (
        f"The pelvis {moves}; {over}. No validated threshold exists for lateral shift in 2D video."
    )


@dataclass
class Findings:
    """One clip's findings. DataFrames: ``frames`` (per frame), ``phases`` (per stance phase),
    ``steps`` (per step in walking, running and stairs; empty for single-leg tasks) and
    ``events`` (foot strikes and offs)."""

    summary: dict
    frames: pd.DataFrame
    phases: pd.DataFrame
    tracks: LandmarkTracks
    raw_tracks: LandmarkTracks
    video_path: Path | None = None
    steps: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The camera's own motion where it moved: the tracks are steadied to its reference
    #: frame's picture, and frames are drawn steadied the same way. None where it did not.
    camera_motion: CameraMotion | None = None

    @property
    def verdicts(self) -> list[str]:
        threshold = self.summary["thresholds"]["threshold_deg"]
        if not self.summary["usable"]:
            return [self.summary["reason"]]
        return [verdict_sentence(s, self.summary["sides"][s], threshold) for s in ("left", "right")]

    @property
    def shift_sentences(self) -> dict[str, str]:
        """Per stance side, the lateral-shift answer in words (empty where not measured)."""
        if not self.summary["usable"]:
            return {"left": "", "right": ""}
        return {s: shift_sentence(self.summary["sides"][s]) for s in ("left", "right")}
