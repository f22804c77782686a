"""Pelvic obliquity of one virtual camera's view of a mocap trial, scored against the lab's
reference angle (RMSE, bias, Pearson r), with the tracks its gait events are found on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hipdrop.errors import HipdropError
from hipdrop.geometry.camera import (
    CameraGeometry,
    camera_from_body,
    camera_from_vertical_lines,
    level_xy,
)
from hipdrop.geometry.frontal import EXACT_WORLD, frontal_geometry
from hipdrop.geometry.virtual_camera import (
    VirtualCamera,
    place_camera,
    project_trial,
    subject_distance_m,
    virtual_room_edges,
)
from hipdrop.io.marker_names import markers_found
from hipdrop.io.mocap import MocapTrial
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import pelvic_obliquity_deg
from hipdrop.tracks.signal import CleaningParams, clean_tracks

#: The obliquity verdict needs the geometry step to give at least this share of the frames.
MIN_GIVEN_FRACTION = 0.5


def _obliquity_stats(
    estimate: np.ndarray, reference: np.ndarray | None, prefix: str = "obliquity"
) -> dict:
    """RMSE, bias and Pearson r of ``estimate`` against ``reference`` (degrees) over the
    frames where both are finite: NaN frames (no verdict from the geometry) are left out."""
    keys = (f"{prefix}_rmse_deg", f"{prefix}_bias_deg", f"{prefix}_r")
    if reference is None:
        return dict.fromkeys(keys)
    both = np.isfinite(estimate) & np.isfinite(reference)
    if both.sum() < 3:
        return dict.fromkeys(keys)
    error = estimate[both] - reference[both]
    return dict(
        zip(
            keys,
            (
                float(np.sqrt(np.mean(error**2))),
                float(np.mean(error)),
                float(np.corrcoef(estimate[both], reference[both])[0, 1]),
            ),
            strict=True,
        )
    )


@dataclass(frozen=True)
class VirtualView:
    """One virtual camera's view of a trial: the JSON-ready statistics, the tracks events are
    found on (unfiltered, levelled by the estimated roll), the estimated camera geometry and
    the frontal obliquity per frame (degrees, NaN where the geometry gives none)."""

    stats: dict
    event_tracks: LandmarkTracks
    geometry: object
    obliquity_deg: np.ndarray


def _estimated_camera(
    trial: MocapTrial,
    markers: dict[str, str],
    cam: VirtualCamera,
    tracks: LandmarkTracks,
    seed: int,
) -> CameraGeometry:
    """The camera geometry the video path would find: from a virtual room's vertical edges,
    else (the room outside the picture) from the body's own vertical in ``tracks``."""
    width, height = tracks.image_size_px
    vertical = np.eye(3)[trial.vertical_axis]
    feet = [trial.markers_m[markers[k]] for k in markers if k.endswith(("heel", "foot_index"))]
    floor_m = float(np.nanmin(np.stack(feet)[..., trial.vertical_axis])) if feet else 0.0
    geometry = camera_from_vertical_lines(
        virtual_room_edges(
            cam, vertical, floor_m, subject_distance_m(trial, markers, cam), seed=seed
        ),
        (0.0, 0.0, width - 1.0, height - 1.0),
        cam.focal_px,
        focal_assumed=False,
    )
    if geometry is None:  # the room fell outside the picture: the body's own vertical
        geometry = camera_from_body(
            tracks.xy_px,
            tracks.world_m,
            np.ones(trial.n_frames, bool),
            tracks.image_size_px,
            focal_px=cam.focal_px,
            focal_assumed=False,
        )
    return geometry


def virtual_view(
    trial: MocapTrial,
    markers: dict[str, str],
    camera: str = "anterior",
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
    jitter_px: float = 0.0,
    seed: int = 0,
) -> VirtualView:
    """Pelvic obliquity of one virtual camera's view of a read trial, against the reference.

    The obliquity half of ``validate_mocap`` (the trial is read once for many views): camera
    placement and scale, the camera geometry estimated from a virtual room's vertical edges
    (the body's own vertical where they fall outside the picture), the frontal obliquity's and
    the raw image angle's statistics (JSON-ready); and the tracks gait events are found on, as
    in the video path: unfiltered, levelled by the estimated roll.
    """

    if "left_hip" not in markers or "right_hip" not in markers:
        raise HipdropError(
            f"{trial.source}: no hip centre or ASIS markers found; {markers_found(trial)}. "
            'Name them in a TOML file given as --markers, e.g. left_hip = "LASI"'
        )
    cam = place_camera(
        trial, markers, camera, yaw_deg=yaw_deg, pitch_deg=pitch_deg, roll_deg=roll_deg
    )
    tracks = project_trial(trial, cam, markers, jitter_px, seed)
    cleaned = clean_tracks(tracks, CleaningParams())
    image_angle = pelvic_obliquity_deg(cleaned.tracks)
    geometry = _estimated_camera(trial, markers, cam, cleaned.tracks, seed)
    # Marker-based world positions are exact: the hip line alone is the pelvis's own turn.
    frontal = frontal_geometry(
        cleaned.tracks.xy_px,
        cleaned.tracks.world_m,
        cleaned.tracks.time_s,
        geometry,
        **EXACT_WORLD,
    )
    obliquity = frontal.frontal_obliquity_deg
    given = float(np.isfinite(obliquity).mean()) if len(obliquity) else 0.0
    hip_width = np.linalg.norm(tracks.point("left", "hip") - tracks.point("right", "hip"), axis=1)
    stats = {
        "camera_yaw_deg": float(yaw_deg),
        "camera_pitch_deg": float(pitch_deg),
        "camera_roll_deg": float(roll_deg),
        "focal_px": round(cam.focal_px, 1),
        "hip_width_px_range": [
            round(float(np.nanmin(hip_width)), 1),
            round(float(np.nanmax(hip_width)), 1),
        ],
        "estimated_roll_deg": round(geometry.roll_deg, 2),
        "estimated_pitch_deg": round(geometry.pitch_deg, 2),
        "camera_geometry_method": geometry.method,
        "obliquity_given_fraction": round(given, 3),
        "verdict_given": given >= MIN_GIVEN_FRACTION,
        **_obliquity_stats(obliquity, trial.reference_obliquity_deg),
        **_obliquity_stats(image_angle, trial.reference_obliquity_deg, "image_angle"),
    }
    event_tracks = cleaned.tracks.with_xy(level_xy(cleaned.unfiltered_xy_px, geometry))
    return VirtualView(stats, event_tracks, geometry, obliquity)
