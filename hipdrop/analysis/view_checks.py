"""Which camera geometry a clip gets, what it did to each side's numbers, and when to refuse."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hipdrop.analysis.quality import Z_95
from hipdrop.conventions import SIDES
from hipdrop.geometry.camera import (
    CameraGeometry,
    body_cue,
    camera_from_body,
    camera_from_vertical_lines,
    default_focal_px,
)
from hipdrop.geometry.frontal import MAX_OFF_AXIS_DEG
from hipdrop.tracks import LandmarkTracks

if TYPE_CHECKING:
    from hipdrop.geometry.frontal import FrontalGeometry
    from hipdrop.io.scene_lines import SceneLines

#: A stance phase keeps its verdict only if at least this share of its frames could be read
#: as frontal obliquity; otherwise the view, not the patient, decides the numbers.
MIN_READABLE_SHARE = 0.5


def estimate_camera(
    tracks: LandmarkTracks,
    standing: np.ndarray,
    scene: SceneLines | None,
    fallback: CameraGeometry | None = None,
    focal_length_mm: float | None = None,
) -> CameraGeometry:
    """The scene's vertical vanishing point where it has one that the standing body agrees
    with; else the baseline clip's camera (same camera, same place); else the standing body."""
    if scene is not None:
        x0, y0, x1, y1 = scene.content_box_px
        focal = default_focal_px((x1 - x0, y1 - y0), focal_length_mm)
        camera = camera_from_vertical_lines(
            scene.segments_px,
            scene.content_box_px,
            focal,
            focal_length_mm is None,
            body_cue(tracks.xy_px, standing),
        )
        if camera is not None:
            return camera
    if fallback is not None:
        return fallback
    focal = default_focal_px(tracks.image_size_px, focal_length_mm)
    return camera_from_body(
        tracks.xy_px, tracks.world_m, standing, tracks.image_size_px, focal, focal_length_mm is None
    )


def refuse_oblique_phases(
    frames: pd.DataFrame, phases: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, str], np.ndarray]:
    """Phases with too few frames readable as frontal obliquity are dropped; each side that
    lost one gets the reason in words. Also returns the frames of the dropped phases: a view
    too oblique to undo misleads the stance detector as well (the farther foot looks higher),
    so their stance leg is not named either."""
    unnamed = np.zeros(len(frames), bool)
    if phases.empty:
        return phases, {}, unnamed
    keep, reasons = [], {}
    for row in phases.itertuples():
        part = frames.iloc[row.start_frame : row.end_frame]
        readable = np.isfinite(part["frontal_obliquity_deg"]).mean() if len(part) else 0.0
        keep.append(readable >= MIN_READABLE_SHARE)
        if readable < MIN_READABLE_SHARE:
            off_axis = float(np.nanpercentile(part["off_axis_deg"], 75)) if len(part) else np.nan
            reasons[row.stance_leg] = _refusal(row.stance_leg, off_axis, readable)
            unnamed[row.start_frame : row.end_frame] = True
    return phases[np.array(keep, bool)].reset_index(drop=True), reasons, unnamed


def _refusal(side: str, off_axis_deg: float, readable: float) -> str:
    if np.isfinite(off_axis_deg) and off_axis_deg > MAX_OFF_AXIS_DEG * 0.9:
        return (
            f"during {side} stance the camera is about {off_axis_deg:.0f}° or more off the "
            "subject's front or back, too oblique to undo; film from straight in front or "
            "behind"
        )
    return (
        f"during {side} stance only {readable:.0%} of the frames could be read as frontal "
        "tilt (the camera's view of the pelvis is too uncertain); film from straight in "
        "front or behind with the whole body in view"
    )


def side_uncertainty_deg(
    frames: pd.DataFrame, phases: pd.DataFrame, pose_uncertainty_deg: float
) -> dict[str, float]:
    """Per stance side, at 95%: one frame's pose noise combined with the geometry's median
    uncertainty (the figure a side without a measured phase reports; a phase's own comes from
    ``peak_trust.phase_peak_uncertainty``)."""
    out = {}
    for side in SIDES:
        mine = phases[phases["stance_leg"] == side] if len(phases) else phases
        sd = [
            frames["geometry_sd_deg"].iloc[r.start_frame : r.end_frame].to_numpy()
            for r in mine.itertuples()
        ]
        values = np.concatenate(sd) if sd else np.array([])
        values = values[np.isfinite(values)]
        geometry = float(np.median(values)) if values.size else 0.0
        out[side] = Z_95 * float(np.hypot(pose_uncertainty_deg, geometry))
    return out


def camera_summary(
    camera: CameraGeometry, frames: pd.DataFrame, view: FrontalGeometry, picture_turns: int = 0
) -> dict:
    """``summary.json`` ``camera``: orientation, the subject's turn, what it did to the angle.
    ``picture_turns``: clockwise quarter turns the picture needed to stand the body upright."""
    yaw = frames["subject_yaw_deg"].to_numpy(dtype=float)
    off_axis = frames["off_axis_deg"].to_numpy(dtype=float)
    image = frames["pelvic_obliquity_deg"].to_numpy(dtype=float)
    frontal = frames["frontal_obliquity_deg"].to_numpy(dtype=float)
    both = np.isfinite(image) & np.isfinite(frontal)

    def stat(values: np.ndarray, fn) -> float | None:
        values = values[np.isfinite(values)]
        return float(fn(values)) if values.size else None

    return {
        "roll_deg": camera.roll_deg,
        "roll_sd_deg": camera.roll_sd_deg,
        "pitch_deg": camera.pitch_deg,
        "pitch_sd_deg": camera.pitch_sd_deg,
        "subject_yaw_deg": stat(yaw, np.median),
        "subject_yaw_sd_deg": view.yaw_sd_deg,
        "subject_yaw_from": view.turn_read_from,
        "subject_yaw_range_deg": [stat(yaw, np.min), stat(yaw, np.max)],
        "off_axis_median_deg": stat(off_axis, np.median),
        "max_off_axis_deg": view.max_off_axis_deg,
        "frames_too_oblique": int((~np.isfinite(frontal) & np.isfinite(image)).sum()),
        "image_minus_frontal_median_deg": stat(image[both] - frontal[both], np.median),
        "focal_px": camera.focal_px,
        "focal_assumed": camera.focal_assumed,
        "method": camera.method,
        "checks": list(camera.checks) + _turn_check(picture_turns),
        "picture_turned_deg": 90 * picture_turns,
    }


def _turn_check(turns: int) -> list[str]:
    if not turns:
        return []
    how = {1: "90° clockwise", 2: "upside down (180°)", 3: "90° counter-clockwise"}[turns]
    return [
        f"the subject stood on their side or head in the picture, so it was turned {how} "
        "before analysis (a phone held sideways or the wrong way up, without a rotation tag)"
    ]
