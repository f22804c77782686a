"""Quiet standing in a separate baseline clip (or pose file) from the same camera: its resting
pelvic tilt with the view undone, and the camera's geometry."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hipdrop.analysis.baseline import Baseline, baseline_from_clip
from hipdrop.analysis.clip_input import check_person, input_tracks, upright
from hipdrop.analysis.frame_table import view_geometry
from hipdrop.analysis.pose_input import PoseFileHints, input_format
from hipdrop.analysis.quality import Z_95
from hipdrop.analysis.view_checks import estimate_camera
from hipdrop.events.single_leg import SingleLegParams, detect_single_leg_stance
from hipdrop.geometry import CameraGeometry, FrontalGeometry
from hipdrop.geometry.camera_motion import steadied
from hipdrop.geometry.frontal_plane import frontal_trunk_lean_deg
from hipdrop.io.scene_lines import SceneLines, pooled_scene
from hipdrop.pose import PoseSettings
from hipdrop.tracks.signal import CleaningParams, clean_tracks

#: A baseline clip whose resting tilt is uncertain by more than this (1 SD, from its view's
#: geometry) is not subtracted: at 95% (±6°) it is wider than a resting pelvis's usual
#: asymmetry and twice the smallest detectable difference (2.7-2.8°, Dingenen et al. 2018).
#: The multicam static clips: 2.1° in front (used), 4.1-4.2° from the high oblique cameras.
MAX_BASELINE_GEOMETRY_SD_DEG = 3.0


def clip_baseline(
    path: Path,
    settings: PoseSettings,
    cleaning: CleaningParams,
    stance: SingleLegParams,
    mirror_pass: bool,
    focal_length_mm: float | None,
    pose_file: PoseFileHints,
    clip_scene: SceneLines | None,
) -> tuple[Baseline | None, CameraGeometry | None, str | None, SceneLines | None]:
    """Quiet standing in a separate clip (or pose file) from the same camera: its frontal
    obliquity (the view undone, so the way the subject faced does not matter), the camera's
    geometry (none for 3D keypoints: their virtual camera filmed nothing), why it gave no
    baseline (if so), and its scene's edges. The camera is read from both clips' edges
    (``clip_scene``: those of the clip it serves), as the clip's own will be.

    A clip whose subject is too oblique to read still gives the camera's geometry: it returns
    no baseline and says why. ``pose_file``: what a pose file may not say.
    """
    tracks, own_scene, exact, motion = input_tracks(
        path, input_format(path), settings, None, None, mirror_pass, cleaning, False, pose_file
    )
    check_person(tracks, path.name)
    tracks, scene = upright(steadied(tracks, motion), pooled_scene(own_scene, clip_scene))
    cleaned = clean_tracks(tracks, cleaning).tracks
    labels, _ = detect_single_leg_stance(cleaned, stance)
    camera = exact or estimate_camera(cleaned, labels == "both", scene, None, focal_length_mm)
    view = view_geometry(cleaned, camera)
    lean = frontal_trunk_lean_deg(cleaned.xy_px, cleaned.world_m, camera, view)
    camera = None if exact else camera  # a virtual camera is not the one that filmed the clip
    unsure = _baseline_geometry_sd(view, camera) if not exact else None
    if unsure is not None:
        return None, camera, unsure.replace("{name}", path.name), own_scene
    baseline = baseline_from_clip(labels, view.frontal_obliquity_deg, lean, path.name, camera)
    if baseline is not None:
        return baseline, camera, None, own_scene
    turn = float(np.nanmedian(view.off_axis_deg)) if np.isfinite(view.off_axis_deg).any() else 0
    return (
        None,
        camera,
        f"The baseline clip {path.name} shows the subject turned about {turn:.0f}° from the "
        "camera, too oblique to measure their resting pelvic tilt: only its camera geometry "
        "was used. Film the baseline facing the camera (or with the back to it).",
        own_scene,
    )


def _baseline_geometry_sd(view: FrontalGeometry, camera: CameraGeometry) -> str | None:
    """Why a baseline clip's resting tilt is not worth subtracting, or None if it is.

    A baseline filmed by the same camera cancels the subject's resting asymmetry and the camera
    roll's error; it also brings its own view's error (its subject's turn and the camera's
    pitch, ``geometry_sd_deg``). Beyond ``MAX_BASELINE_GEOMETRY_SD_DEG`` subtracting it adds
    more error than it removes: on the multicam rear camera (1.9 m high, the subject turned
    about 20° in the static clip, ±4.2°) the level pelvis read as 5° tilted, and the left
    stance's peak drop moved 5° away from the 3D's."""
    readable = np.isfinite(view.frontal_obliquity_deg)
    if not readable.any():
        return None  # too oblique to read at all: said elsewhere
    spread = float(np.median(view.geometry_sd_deg[readable]))
    if spread <= MAX_BASELINE_GEOMETRY_SD_DEG:
        return None
    return (
        f"The baseline clip {{name}} was not used: the subject's turn in it (about "
        f"{float(np.median(view.off_axis_deg[readable])):.0f}° from the camera) makes its resting "
        f"pelvic tilt uncertain by ±{Z_95 * spread:.0f}°, more than it could correct. Film the "
        "baseline with the subject facing the camera squarely (or with the back to it)."
    )
