"""``Analysis``: what ``analyse()`` returns - tables, summary, plots, report, Jupyter view."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hipdrop.tracks import LandmarkTracks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from hipdrop.geometry.camera_motion import CameraMotion


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
class Analysis:
    """One clip's analysis. DataFrames: ``frames`` (per frame), ``phases`` (per stance phase),
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
    #: The camera's motion where it moved (tracks are steadied to its reference frame's
    #: picture; frames are drawn steadied the same way), else None.
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

    def plot_obliquity(self, ax: Axes | None = None) -> Figure:
        """Obliquity over time with stance phases shaded and threshold lines."""
        from hipdrop.plots import plot_obliquity

        return plot_obliquity(self, ax=ax)

    def plot_sides(self, ax: Axes | None = None) -> Figure:
        """Peak drop per stance leg against the threshold band."""
        from hipdrop.plots import plot_sides

        return plot_sides(self, ax=ax)

    def plot_gait_cycle(self, ax: Axes | None = None) -> Figure | None:
        """Obliquity over 0-100% of the gait cycle, mean ± SD per side, over the normal band;
        None when the clip has no complete gait cycle."""
        from hipdrop.plots import plot_gait_cycle

        return plot_gait_cycle(self, ax=ax)

    def plot_evidence(self, side: str) -> Figure | None:
        """The frame at this side's peak drop with the pelvis line; None without a peak."""
        from hipdrop.io.camera_motion import steadied_picture
        from hipdrop.io.video import read_frame, turn_image
        from hipdrop.report.evidence import evidence_figure

        info = self.summary["sides"][side]
        if info.get("peak_drop_deg") is None:
            return None
        frame = info["peak_drop_frame"]
        image = None
        if self.video_path is not None and Path(self.video_path).exists():
            time_s = float(self.tracks.time_s[frame])
            turns = self.tracks.meta.get("picture_quarter_turns_cw", 0)
            image = steadied_picture(read_frame(self.video_path, frame, time_s), self, frame)
            image = turn_image(image, turns)[..., ::-1]
        baseline = self.summary.get("baseline")
        level_deg = baseline["obliquity_deg"] if baseline else None
        # The level as the camera sees it at this frame: the image angle less the reported
        # (view-undone, baseline-corrected) obliquity, so the drawn angle is the drop.
        row = self.frames.iloc[frame]
        in_image = row["pelvic_obliquity_deg"] - row["corrected_obliquity_deg"]
        if np.isfinite(in_image):
            level_deg = float(in_image)
        # Gait tasks classify the mean of the steps' peaks but show the largest step's frame.
        shown_deg = info.get("largest_step_peak_drop_deg", info["peak_drop_deg"])
        label = "baseline level" if baseline else "level"
        return evidence_figure(self.tracks, frame, side, shown_deg, image, level_deg, label)

    def save(
        self,
        out_dir: Path | str,
        force: bool = False,
        pdf: bool = False,
        video: bool = False,
        blur_faces: bool = False,
        export_pose: tuple[str, ...] = (),
    ) -> Path:
        """Write the output folder (tables, summary.json, figures, report.html) atomically.

        ``pdf`` adds report.pdf, ``video`` an annotated copy of the clip (annotated.mp4),
        with faces blurred when ``blur_faces``; ``export_pose`` the landmarks as pose files
        (``trc``: landmarks.trc, ``movement``: landmarks.nc).
        """
        from hipdrop.report.writer import write_outputs

        return write_outputs(
            self,
            Path(out_dir),
            force=force,
            pdf=pdf,
            video=video,
            blur_faces=blur_faces,
            export_pose=export_pose,
        )

    def to_pdf(self, path: Path | str) -> Path:
        """Write the report alone as an A4 PDF (written whole or not at all)."""
        from hipdrop.report.pdf import save_pdf

        return save_pdf(self, Path(path))

    def to_video(self, path: Path | str, blur_faces: bool = False) -> Path:
        """Write the clip annotated with skeleton, pelvis line, live angle and stance leg."""
        from hipdrop.report.video import save_annotated_video

        return save_annotated_video(self, Path(path), blur_faces=blur_faces)

    def _repr_html_(self) -> str:
        from hipdrop.report.html import summary_card_html

        return summary_card_html(self)
