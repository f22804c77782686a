"""A virtual pinhole camera looking at a motion-capture trial: placed in front of (or behind)
the subject at any yaw, pitch and roll, it projects joint centres and foot markers into the
same ``LandmarkTracks`` a pose model gives (pixels and camera-axis world landmarks), and draws
a virtual room's vertical edges for the camera-geometry step. Used to read 3D keypoint files
as video and to validate the pipeline against mocap."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hipdrop.conventions import LANDMARK_INDEX, N_LANDMARKS, landmark
from hipdrop.errors import HipdropError
from hipdrop.io.mocap import MocapTrial
from hipdrop.tracks import LandmarkTracks

#: Virtual camera angles accepted (degrees, symmetric): beyond yaw 89 the camera is behind the
#: subject's side; beyond these pitch and roll the geometry step refuses a real camera too.
MAX_CAMERA_YAW_DEG = 89.0
MAX_CAMERA_PITCH_DEG = 60.0
MAX_CAMERA_ROLL_DEG = 45.0


@dataclass(frozen=True)
class VirtualCamera:
    """Pinhole camera: ``position_m`` in the lab frame, looking along ``forward`` (unit).

    ``up`` is the image's up direction in the lab frame, perpendicular to ``forward``: the
    camera's roll is a rotation of ``up`` (and with it image right) about ``forward``.
    """

    position_m: np.ndarray
    forward: np.ndarray
    up: np.ndarray
    focal_px: float
    image_size_px: tuple[int, int]

    def axes(self) -> np.ndarray:
        """(3, 3) rows: image right, image down and forward, as lab-frame unit vectors."""
        forward = np.asarray(self.forward, dtype=float)
        forward = forward / np.linalg.norm(forward)
        up = np.asarray(self.up, dtype=float)
        up = up - (up @ forward) * forward
        up = up / np.linalg.norm(up)
        return np.stack([np.cross(forward, up), -up, forward])

    def to_camera(self, points_m: np.ndarray) -> np.ndarray:
        """(..., 3) lab points to camera coordinates (x right, y down, z forward; metres)."""
        return (points_m - self.position_m) @ self.axes().T

    def project(self, points_m: np.ndarray) -> np.ndarray:
        """(..., 3) lab points to (..., 2) pixels (x right, y down); NaN behind the camera."""
        camera = self.to_camera(points_m)
        depth = np.where(camera[..., 2] > 1e-6, camera[..., 2], np.nan)
        cx, cy = (self.image_size_px[0] - 1) / 2, (self.image_size_px[1] - 1) / 2
        x = cx + self.focal_px * camera[..., 0] / depth
        y = cy + self.focal_px * camera[..., 1] / depth
        return np.stack([x, y], axis=-1)


def look_at(
    position_m: np.ndarray,
    target_m: np.ndarray,
    vertical: np.ndarray,
    focal_px: float,
    image_size_px: tuple[int, int],
    roll_deg: float = 0.0,
) -> VirtualCamera:
    """A camera at ``position_m`` aimed at ``target_m``, rolled ``roll_deg`` about its axis.

    ``vertical`` is the lab's up (unit). Positive roll leans the true vertical toward image
    right: gravity's up in camera axes is (sin r cos p, -cos r cos p, -sin p) for pitch p (+
    looking down), the convention of ``hipdrop.geometry.camera.CameraGeometry``.
    """
    forward = np.asarray(target_m, dtype=float) - position_m
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, vertical)
    right /= np.linalg.norm(right)
    level_up = np.cross(right, forward)
    roll = np.radians(roll_deg)
    up = np.cos(roll) * level_up - np.sin(roll) * right
    return VirtualCamera(np.asarray(position_m, float), forward, up, float(focal_px), image_size_px)


def virtual_room_edges(
    camera: VirtualCamera,
    vertical: np.ndarray,
    floor_m: float,
    subject_distance_m: float,
    n_edges: int = 200,
    seed: int = 0,
) -> np.ndarray:
    """Image segments (n, 4) of a virtual room's vertical edges - door frames, wall corners,
    shelves - behind and around the subject and inside the picture, with 0.5 px of noise.

    A video clip's camera roll and pitch come from such edges (``camera_from_vertical_lines``);
    giving the virtual camera a room tests that step too, not only the body's geometry.
    """
    rng = np.random.default_rng(seed)
    right, _, forward = camera.axes()
    ahead = forward - (forward @ vertical) * vertical
    ahead /= np.linalg.norm(ahead)
    across = right - (right @ vertical) * vertical
    across /= np.linalg.norm(across)
    width, height = camera.image_size_px
    distance = subject_distance_m * rng.uniform(0.8, 2.0, n_edges)
    lateral = rng.uniform(-0.5, 0.5, n_edges) * distance * width / camera.focal_px
    base = camera.position_m + np.outer(distance, ahead) + np.outer(lateral, across)
    base = base - np.outer(base @ vertical - floor_m, vertical)
    bottom = base + np.outer(rng.uniform(0.0, 0.8, n_edges), vertical)
    top = base + np.outer(rng.uniform(1.4, 2.6, n_edges), vertical)
    segments = np.hstack([camera.project(top), camera.project(bottom)])
    inside = np.isfinite(segments).all(axis=1)
    for column, limit in ((0, width), (1, height), (2, width), (3, height)):
        inside &= (segments[:, column] >= 0) & (segments[:, column] <= limit - 1)
    segments = segments[inside]
    return segments + rng.normal(0.0, 0.5, segments.shape)


def subject_distance_m(trial: MocapTrial, markers: dict[str, str], camera: VirtualCamera):
    """Median distance from the camera to the pelvis over the trial."""
    pelvis = 0.5 * (trial.markers_m[markers["left_hip"]] + trial.markers_m[markers["right_hip"]])
    return float(np.nanmedian(np.linalg.norm(pelvis - camera.position_m, axis=1)))


def _horizontal(vector: np.ndarray, vertical_axis: int) -> np.ndarray:
    out = np.array(vector, dtype=float)
    out[..., vertical_axis] = 0.0
    return out


def walking_direction(trial: MocapTrial, hips: dict[str, str]) -> np.ndarray:
    """Unit horizontal direction of progression.

    Overground: the pelvis displacement from start to end. On a treadmill (the pelvis moves
    less than 1 m) the facing direction, perpendicular to the hip line: forward = left x up.
    """
    up = np.eye(3)[trial.vertical_axis]
    left, right = trial.markers_m[hips["left_hip"]], trial.markers_m[hips["right_hip"]]
    pelvis = 0.5 * (left + right)
    finite = np.flatnonzero(np.isfinite(pelvis[:, 0]))
    travel = _horizontal(pelvis[finite[-1]] - pelvis[finite[0]], trial.vertical_axis)
    if np.linalg.norm(travel) >= 1.0:
        return travel / np.linalg.norm(travel)
    facing = _horizontal(np.nanmean(np.cross(left - right, up), axis=0), trial.vertical_axis)
    return facing / np.linalg.norm(facing)


def _rotated_about(vector: np.ndarray, axis: np.ndarray, angle_deg: float) -> np.ndarray:
    """``vector`` turned by ``angle_deg`` about the unit ``axis`` (right-hand rule)."""
    angle = np.radians(angle_deg)
    return (
        vector * np.cos(angle)
        + np.cross(axis, vector) * np.sin(angle)
        + axis * (axis @ vector) * (1 - np.cos(angle))
    )


def check_camera_angles(yaw_deg: float, pitch_deg: float, roll_deg: float) -> None:
    """Raise ``HipdropError`` for a virtual camera angle outside the supported range."""
    for name, value, limit in (
        ("yaw", yaw_deg, MAX_CAMERA_YAW_DEG),
        ("pitch", pitch_deg, MAX_CAMERA_PITCH_DEG),
        ("roll", roll_deg, MAX_CAMERA_ROLL_DEG),
    ):
        if not -limit <= value <= limit:
            raise HipdropError(
                f"camera {name} (--camera-{name}-deg) must be between {-limit:g} and "
                f"{limit:g} degrees, not {value:g}"
            )


def place_camera(
    trial: MocapTrial,
    hips: dict[str, str],
    camera: str = "anterior",
    standoff_m: float = 8.0,
    hip_width_px: float = 80.0,
    image_size_px: tuple[int, int] = (1080, 1920),
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
) -> VirtualCamera:
    """A camera on the line of progression, ``standoff_m`` beyond the end of the path.

    ``anterior`` stands ahead of the subject looking back at them, ``posterior`` behind them
    looking the way they walk. It sits at mean hip height, and its focal length makes the hips
    ``hip_width_px`` apart at the subject's median distance (phone-clip pixel scale).

    ``yaw_deg`` turns that position about the vertical through the path centre (the subject
    is seen that far off their front or back axis, counter-clockwise seen from above);
    ``pitch_deg`` raises it, at the same horizontal distance, until it looks down at the mean
    pelvis by that angle; ``roll_deg`` rolls it about its optical axis (+: the true vertical
    leans toward image right). All zero: the straight front or back view at hip height.
    """
    if camera not in ("anterior", "posterior"):
        raise HipdropError(f"camera must be 'anterior' or 'posterior', not {camera!r}")
    check_camera_angles(yaw_deg, pitch_deg, roll_deg)
    up = np.eye(3)[trial.vertical_axis]
    walk = walking_direction(trial, hips)
    left, right = trial.markers_m[hips["left_hip"]], trial.markers_m[hips["right_hip"]]
    pelvis = 0.5 * (left + right)
    centre = np.nanmean(pelvis, axis=0)
    toward_camera = walk if camera == "anterior" else -walk
    reach = np.nanmax((pelvis - centre) @ toward_camera)
    distance_m = reach + standoff_m
    toward_camera = _rotated_about(toward_camera, up, yaw_deg)
    height_m = distance_m * np.tan(np.radians(pitch_deg))
    position = centre + toward_camera * distance_m + up * height_m
    aimed = look_at(position, centre, up, 1.0, image_size_px, roll_deg)
    depth = np.nanmedian((pelvis - position) @ aimed.forward)
    width_m = np.nanmedian(np.linalg.norm(_horizontal(left - right, trial.vertical_axis), axis=1))
    return replace(aimed, focal_px=float(hip_width_px * depth / width_m))


def project_trial(
    trial: MocapTrial,
    camera: VirtualCamera,
    markers: dict[str, str],
    jitter_px: float = 0.0,
    seed: int = 0,
) -> LandmarkTracks:
    """BlazePose-shaped tracks of the projected markers, with optional Gaussian pixel jitter.

    Landmarks without a marker, in a marker gap or outside the image are NaN with
    visibility 0; the others have visibility 1. ``world_m`` holds what MediaPipe's world
    landmarks stand for, exactly (no jitter): metric positions in the camera's axes (x right,
    y down, z forward) relative to the midpoint of the two hips, NaN where no marker.
    """
    n = trial.n_frames
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    lab = np.full((n, N_LANDMARKS, 3), np.nan)
    for name, marker in markers.items():
        lab[:, LANDMARK_INDEX[name]] = trial.markers_m[marker]
        xy[:, LANDMARK_INDEX[name]] = camera.project(trial.markers_m[marker])
    hip_mid = 0.5 * (lab[:, landmark("left", "hip")] + lab[:, landmark("right", "hip")])
    world = (lab - hip_mid[:, None, :]) @ camera.axes().T
    if jitter_px > 0:
        xy += np.random.default_rng(seed).normal(0.0, jitter_px, xy.shape)
    width, height = camera.image_size_px
    outside = (xy[..., 0] < 0) | (xy[..., 0] > width - 1) | (xy[..., 1] < 0)
    outside |= xy[..., 1] > height - 1
    xy[outside] = np.nan
    visibility = np.isfinite(xy[..., 0]).astype(float)
    meta = {"source": trial.source, "virtual_camera": True, "focal_px": camera.focal_px}
    return LandmarkTracks(
        trial.time_s, xy, visibility, camera.image_size_px, world_m=world, meta=meta
    )
