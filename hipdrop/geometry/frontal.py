"""Frontal obliquity: the hip line's tilt against the horizontal plane in 3D, per frame.

The two hip points in the image and the camera centre span a plane that contains the 3D hip
line. The hip line also lies in the subject's frontal plane: the vertical plane through their
left-right axis. Where the two planes cut is the hip line's 3D direction, and its angle to the
horizontal is the pelvis's frontal tilt - whatever the camera's roll, its pitch, and the
subject's turn. The turn (yaw) comes from MediaPipe's world landmarks (hip and shoulder lines,
made consistent with the image's left and right); it is the weakest input, so it is smoothed
over time and its error drives the reported uncertainty. As the subject turns toward a side
view the two planes become parallel and the tilt cannot be recovered: such frames are blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from hipdrop.conventions import landmark
from hipdrop.geometry.camera import CameraGeometry

#: Frames where the subject is turned further than this from facing the camera (or turning
#: their back to it) are left out: the hip line is too foreshortened to undo the view. The
#: limit is 45° of true turn (``TRUE_MAX_OFF_AXIS_DEG``, for exact 3D such as motion capture).
#: MediaPipe's world landmarks misread the turn by 20-45° either way on the multicam views:
#: the rear rolled camera's 15° turn reads 40-60° in its first second, the front-left
#: camera's 48° reads 20°. A limit of 35° on that estimate blanked the readable rear view and
#: passed the oblique one, so the estimate is only held to 60° (beyond it the view is nearly a
#: side view, whatever the error) and the real guard is ``MAX_GEOMETRY_SD_DEG``: how far the
#: turn's error moves each frame's answer. That blanks the 61° rear-oblique camera in every
#: frame, while the rear rolled camera, read through its misread turn, stays within 3.3° RMSE
#: of the 3D.
MAX_OFF_AXIS_DEG = 60.0
TRUE_MAX_OFF_AXIS_DEG = 45.0
#: Frames whose frontal obliquity the geometry's own uncertainty alone moves by more than this
#: are left out as well: near a side view a few degrees of turn swing the answer.
MAX_GEOMETRY_SD_DEG = 5.0
#: The turn's error assumed for each frame's uncertainty and for the checks built on it (the
#: oblique and baseline guards were set against the multicam views with this value).
YAW_SD_DEG = 12.0
#: What MediaPipe's world-landmark turn really misses by, per frame over frames 20-70 of the
#: multicam balance trial (RMS against the 3D, per camera): 12° (cam_02, in front), 13°
#: (cam_03), 19° (cam_04, rear rolled: it reads 14° too large) and 30° (cam_01, front-left
#: oblique: 29° too small). No image cue tried did better (README, multicam section). Said in
#: the report next to the turn, so that the number is not read as exact.
TURN_RMS_ERROR_SEEN_DEG: Final = (12.0, 30.0)
#: The subject's turn changes slowly; world-landmark depth is noisy frame to frame.
YAW_SMOOTHING_S = 0.25
#: ``frontal_geometry`` settings for exact 3D (motion-capture markers, triangulated keypoints):
#: the hip line alone is the pelvis's own turn, known within marker or keypoint placement
#: (3°), so the true off-axis limit applies.
EXACT_WORLD: Final[dict] = {
    "max_off_axis_deg": TRUE_MAX_OFF_AXIS_DEG,
    "yaw_sd_deg": 3.0,
    "turn_from": ("hip",),
    "turn_read_from": "3D hip line",
}
#: Where the turn comes from, for ``FrontalGeometry.turn_read_from`` and the report.
TURN_FROM_POSE_DEPTH = "pose model depth"
TURN_ASSUMED = "none, the subject taken to face the camera squarely"

_LH, _RH = landmark("left", "hip"), landmark("right", "hip")
_LS, _RS = landmark("left", "shoulder"), landmark("right", "shoulder")


@dataclass(frozen=True)
class FrontalGeometry:
    """Per-frame view geometry and the frontal obliquity it gives."""

    frontal_obliquity_deg: np.ndarray  # + LEFT hip higher; NaN where the view is too oblique
    subject_yaw_deg: np.ndarray  # turn of the left-right axis away from the image plane
    off_axis_deg: np.ndarray  # |yaw|: 0 = straight front or back view
    facing: np.ndarray  # +1 front view, -1 back view, 0 unknown
    #: Obliquity uncertainty from the camera's pitch and the subject's turn: it grows as the
    #: view turns oblique. The roll's error shifts every frame alike (``roll_sd_deg``) and
    #: cancels against a baseline filmed by the same camera.
    geometry_sd_deg: np.ndarray
    roll_sd_deg: float
    yaw_sd_deg: float  # the turn's assumed error
    turn_read_from: str  # TURN_FROM_POSE_DEPTH, EXACT_WORLD's, or TURN_ASSUMED
    max_off_axis_deg: float  # frames turned further than this are left out
    up: np.ndarray  # (3,) gravity's up in camera coordinates
    left_axis: np.ndarray  # (n, 3) the subject's horizontal left axis in camera coordinates


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _tilt_deg(
    left_px: np.ndarray, right_px: np.ndarray, camera: CameraGeometry, up: np.ndarray, h: np.ndarray
) -> np.ndarray:
    """Tilt of the 3D hip line that projects onto the image points and lies in the vertical
    plane through the horizontal left-right axis ``h`` (n, 3); + LEFT hip higher."""
    normal = np.cross(camera.rays(right_px), camera.rays(left_px))
    frontal_normal = np.cross(h, up)
    direction = np.cross(normal, frontal_normal)
    direction *= np.sign(np.sum(direction * h, axis=1))[:, None]
    return np.degrees(np.arcsin(np.clip(np.sum(_unit(direction) * up, axis=1), -1, 1)))


def _horizontal_frame(mid_px: np.ndarray, camera: CameraGeometry, up: np.ndarray):
    """Per frame: line of sight to the pelvis and image-right, both horizontal (unit)."""
    ray = camera.rays(mid_px)
    sight = _unit(ray - np.outer(ray @ up, up))
    return sight, np.cross(sight, up)


_LINES = {"hip": (_LH, _RH), "shoulder": (_LS, _RS)}


def _left_axis(
    world_m: np.ndarray, image_dx: np.ndarray, up, sight, right, turn_from: tuple[str, ...]
) -> np.ndarray:
    """Horizontal unit vector toward the subject's left, from the world ``turn_from`` lines
    (hip, shoulder), with its image-lateral sign taken from the (relabelled) image; NaN where
    unknown."""
    axis = np.zeros((len(world_m), 3))
    for lt, rt in (_LINES[name] for name in turn_from):
        line = world_m[:, lt] - world_m[:, rt]
        line = line - np.outer(line @ up, up)
        lateral = np.sum(line * right, axis=1)
        line[np.sign(lateral) != np.sign(image_dx)] *= -1  # MediaPipe mixed its left and right
        axis += np.nan_to_num(_unit(line))
    axis[np.linalg.norm(axis, axis=1) < 1e-9] = np.nan
    return _unit(axis)


def _smooth_yaw(yaw_deg: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    rate = 1.0 / np.median(np.diff(time_s)) if len(time_s) > 1 else 30.0
    window = max(1, round(YAW_SMOOTHING_S * rate) | 1)
    series = pd.Series(yaw_deg)
    return series.rolling(window, center=True, min_periods=1).median().to_numpy()


def frontal_geometry(
    xy_px: np.ndarray,
    world_m: np.ndarray | None,
    time_s: np.ndarray,
    camera: CameraGeometry,
    max_off_axis_deg: float = MAX_OFF_AXIS_DEG,
    max_geometry_sd_deg: float = MAX_GEOMETRY_SD_DEG,
    yaw_sd_deg: float = YAW_SD_DEG,
    turn_from: tuple[str, ...] = ("hip", "shoulder"),
    turn_read_from: str = TURN_FROM_POSE_DEPTH,
) -> FrontalGeometry:
    """Frontal obliquity, turn and its uncertainty for every frame of cleaned tracks.

    ``turn_from``: the world lines the turn is read from. MediaPipe's depth of the two hips
    alone is biased (13° median on the multicam front camera) and the shoulder line steadies
    it, so video uses both; exact 3D (motion capture) needs only the hip line, the pelvis's own
    axis, and a smaller ``yaw_sd_deg``. Without world landmarks the subject is taken to face the
    camera squarely (yaw 0) with twice the yaw uncertainty. ``turn_read_from`` names the
    turn's source in words, for the summary and the report.
    """
    n = len(xy_px)
    left, right_hip = xy_px[:, _LH], xy_px[:, _RH]
    image_dx = left[:, 0] - right_hip[:, 0]
    facing = np.sign(np.nan_to_num(image_dx))
    up = camera.up_vector()
    sight, right = _horizontal_frame(0.5 * (left + right_hip), camera, up)
    yaw_sd = yaw_sd_deg
    if world_m is not None and np.isfinite(world_m[:, [_LH, _RH, _LS, _RS]]).any():
        axis = _left_axis(world_m, image_dx, up, sight, right, turn_from)
        # Signed turn: + when the subject's left side is farther from the camera.
        yaw = np.degrees(np.arctan2(np.sum(axis * sight, 1), np.abs(np.sum(axis * right, 1))))
        yaw = _smooth_yaw(yaw, time_s)
    else:
        yaw, yaw_sd, turn_read_from = np.zeros(n), 2 * yaw_sd_deg, TURN_ASSUMED
    roll, pitch = camera.roll_deg, camera.pitch_deg
    _, left_axis = _axes_for(left, right_hip, camera, yaw, facing, roll, pitch)
    obliquity = _tilt_deg(left, right_hip, camera, up, left_axis)
    off_axis = np.abs(yaw)
    # How far one standard error of the pitch, and of the turn, moves each frame's answer.
    squared = np.zeros(n)
    for moved_pitch, turned in ((pitch + camera.pitch_sd_deg, yaw), (pitch, yaw + yaw_sd)):
        moved = _obliquity_for(left, right_hip, camera, turned, facing, roll, moved_pitch)
        squared += (moved - obliquity) ** 2
    geometry_sd = np.sqrt(squared)
    too_oblique = (
        ~(off_axis <= max_off_axis_deg) | ~(geometry_sd <= max_geometry_sd_deg) | (facing == 0)
    )
    obliquity = np.where(too_oblique, np.nan, obliquity)
    return FrontalGeometry(
        frontal_obliquity_deg=obliquity,
        subject_yaw_deg=yaw,
        off_axis_deg=off_axis,
        facing=facing,
        geometry_sd_deg=geometry_sd,
        roll_sd_deg=camera.roll_sd_deg,
        yaw_sd_deg=yaw_sd,
        turn_read_from=turn_read_from,
        max_off_axis_deg=max_off_axis_deg,
        up=up,
        left_axis=left_axis,
    )


def _axes_for(left, right, camera, yaw_deg, facing, roll_deg, pitch_deg):
    """Gravity's up (3,) and the subject's horizontal left axis per frame (n, 3), in camera
    coordinates, for a given turn and camera roll and pitch."""
    up = camera.up_vector(roll_deg, pitch_deg)
    sight, image_right = _horizontal_frame(0.5 * (left + right), camera, up)
    turn = np.radians(yaw_deg)
    lateral = np.where(facing < 0, -1.0, 1.0)[:, None] * image_right
    return up, np.cos(turn)[:, None] * lateral + np.sin(turn)[:, None] * sight


def _obliquity_for(left, right, camera, yaw_deg, facing, roll_deg, pitch_deg) -> np.ndarray:
    """Frontal obliquity for a given turn per frame and a given camera roll and pitch."""
    up, h = _axes_for(left, right, camera, yaw_deg, facing, roll_deg, pitch_deg)
    return _tilt_deg(left, right, camera, up, h)
