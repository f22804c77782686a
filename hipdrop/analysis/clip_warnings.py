"""Warnings about a clip's analysis that are not any one stage's: a tilt no pelvis makes, an
oblique view, a small subject, left and right exchanged by pose, no stance found."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hipdrop.geometry import FrontalGeometry
from hipdrop.tracks.signal import CleanedTracks

#: Heuristic bound on a real pelvis's frontal tilt, measured once the camera's view is undone:
#: a deliberate hip hike on one leg reaches 35° (the multicam balance trial's 3D reference),
#: walking stays within about ±6° (Schwartz et al. 2008). Beyond 45° the hip points followed
#: something else (thighs, trunk, another person).
PLAUSIBLE_PELVIC_TILT_DEG = 45.0


def implausible_tilt_warnings(sides: dict[str, dict]) -> list[str]:
    """A warning per stance side whose drop or hike exceeds what a pelvis plausibly does."""
    warnings = []
    for side, info in sides.items():
        tilt = max(abs(info.get("peak_drop_deg") or 0.0), info.get("peak_hike_deg") or 0.0)
        if tilt > PLAUSIBLE_PELVIC_TILT_DEG:
            warnings.append(
                f"During {side} stance the hip line tilts up to {tilt:.1f}°, beyond the "
                f"{PLAUSIBLE_PELVIC_TILT_DEG:g}° a pelvis plausibly tilts in the frontal plane: "
                "the pose model's hip points probably followed the thighs or trunk (large leg "
                "or trunk movement, a turned body). Check the evidence frame before using it."
            )
    return warnings


def oblique_view_warning(view_geometry: FrontalGeometry) -> str:
    """How far the subject is turned from the camera, and what that costs."""
    turn = float(np.nanmedian(view_geometry.off_axis_deg))
    return (
        f"Oblique view: pose reads the subject as turned about {turn:.0f}° from the camera "
        f"(median; from a high camera that reading can be 20° or more off). The turn is "
        f"undone, frames read past {view_geometry.max_off_axis_deg:g}° are left out, and the "
        "rest carry the geometry's uncertainty; straight in front or behind is still best."
    )


def small_subject_warning(hip_width_px: float, noise_deg: float) -> str:
    """The subject is small in the frame: one frame's noise in degrees."""
    return (
        f"The subject is small in the frame (hips {hip_width_px:.0f} px apart): expect about "
        f"±{noise_deg:.1f}° of noise. Film closer."
    )


def relabelled_warning(cleaned: CleanedTracks) -> str | None:
    """Frames where pose exchanged left and right and cleaning relabelled them, or None."""
    if not (cleaned.pelvis_relabelled.any() or cleaned.legs_relabelled.any()):
        return None
    return (
        f"Pose estimation mixed up left and right in {int(cleaned.pelvis_relabelled.sum())} "
        f"frame(s) (pelvis) and {int(cleaned.legs_relabelled.sum())} frame(s) (legs); "
        "these were relabelled from their position in the image."
    )


def no_3d_warning(yaw_sd_deg: float) -> str:
    """Keypoints without 3D landmarks: the subject's turn is taken as none."""
    return (
        "No 3D landmarks came with these keypoints: the subject's turn from the camera "
        f"could not be estimated and is taken as none (± {yaw_sd_deg:g}°), so "
        "a turn away from the camera is read as part of the tilt. Film straight in front or "
        "behind."
    )


def no_phase_warning(frames: pd.DataFrame) -> str:
    """No single-leg phase was found in ``frames`` (the per-frame table); where a quarter or
    more of the analysed frames left the standing leg unclear, why (``events.single_leg``:
    the two lifts disagreed, or a stagger of the feet could explain them)."""
    analysed = frames["excluded"] == ""
    unclear = int((analysed & (frames["stance_leg"] == "none")).sum())
    if unclear < 0.25 * max(int(analysed.sum()), 1):
        return "No single-leg stance phase was found in the clip."
    return (
        f"No single-leg stance phase was found in the clip: in {unclear} frame(s) the standing "
        "leg could not be told, because the feet's heights in the picture and in pose's 3D "
        "disagree, or one foot may only stand farther from a camera that looks down on them. "
        "Film from straight in front or behind, with the camera at hip height."
    )
