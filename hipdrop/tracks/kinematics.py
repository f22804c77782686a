"""Frontal-plane angles and displacements from pixel landmark tracks (no I/O, no cv2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hipdrop.conventions import View, landmark
from hipdrop.tracks import LandmarkTracks


def mid_points(points: np.ndarray, part: str) -> np.ndarray:
    """Per frame, the midpoint of the left and right ``part`` (landmarks (n, 33, d): pixels or
    3D)."""
    return 0.5 * (points[:, landmark("left", part)] + points[:, landmark("right", part)])


def _mid(tracks: LandmarkTracks, part: str) -> np.ndarray:
    return mid_points(tracks.xy_px, part)


def body_axis(points: np.ndarray) -> np.ndarray:
    """Per frame, the longest vertical body line the landmarks (pixels or 3D) offer, pointing
    up the body: mid-ankle to mid-shoulder, else mid-ankle to mid-hip (lower-body marker sets),
    else mid-hip to mid-shoulder; NaN where none."""
    axis = mid_points(points, "shoulder") - mid_points(points, "ankle")
    for top, bottom in (("hip", "ankle"), ("shoulder", "hip")):
        missing = ~np.isfinite(axis).all(axis=-1)
        axis[missing] = (mid_points(points, top) - mid_points(points, bottom))[missing]
    return axis


def body_axis_units(points: np.ndarray) -> np.ndarray:
    """The body's axis (:func:`body_axis`) as unit vectors, in the frames that show it."""
    axis = body_axis(points)
    length = np.linalg.norm(axis, axis=-1)
    seen = np.isfinite(length) & (length > 0)
    return axis[seen] / length[seen, None]


def pelvic_obliquity_deg(tracks: LandmarkTracks) -> np.ndarray:
    """Hip line against the image horizontal, positive when the subject's LEFT hip is higher.

    Uses the absolute horizontal separation, so the sign means the same whether the subject
    faces the camera (left hip on the image right) or turns their back to it.
    """
    left, right = tracks.point("left", "hip"), tracks.point("right", "hip")
    rise_px = right[:, 1] - left[:, 1]  # y grows downward: left higher -> positive
    return np.degrees(np.arctan2(rise_px, np.abs(left[:, 0] - right[:, 0])))


def hip_width_px(tracks: LandmarkTracks) -> np.ndarray:
    """Distance between the two hip landmarks, the pelvis width used as a length unit."""
    return np.linalg.norm(tracks.point("left", "hip") - tracks.point("right", "hip"), axis=1)


def torso_length_px(tracks: LandmarkTracks) -> np.ndarray:
    """Mid-hip to mid-shoulder distance."""
    return np.linalg.norm(_mid(tracks, "shoulder") - _mid(tracks, "hip"), axis=1)


def subject_left_sign(tracks: LandmarkTracks) -> np.ndarray:
    """Per frame, +1 when the subject's left is toward image +x (facing the camera), -1 when
    away: the side their left hip is on, carried across frames without hips. A subject who
    turns round changes sign."""
    dx = tracks.point("left", "hip")[:, 0] - tracks.point("right", "hip")[:, 0]
    if not np.isfinite(dx).any():
        return np.ones(tracks.n_frames)
    sign = pd.Series(np.where(np.isfinite(dx), np.where(dx >= 0, 1.0, -1.0), np.nan))
    return sign.ffill().bfill().to_numpy()


def clip_left_sign(tracks: LandmarkTracks) -> float:
    """+1 when most of the clip shows the subject facing the camera, -1 when from behind."""
    return 1.0 if np.nanmedian(subject_left_sign(tracks)) >= 0 else -1.0


@dataclass(frozen=True)
class SubjectTravel:
    """How far the subject moves through the picture over the clip: walking carries them
    toward or away from the camera (their image size changes) or across it; a single-leg test
    keeps them in place. ``size_ratio``: the torso's 90th over its 10th percentile image
    length; ``path_torsos``: the pelvis's 5-95 percentile range in the image (the larger of x
    and y), in median torso lengths."""

    size_ratio: float
    path_torsos: float


def subject_travel(tracks: LandmarkTracks) -> SubjectTravel:
    """The subject's travel through the picture (NaN without enough frames showing a torso).

    On the given clips: single-leg balance 1.16x and 0.4 torsos (1.0 on the oblique rear
    view), walking toward the camera 2.6x and 1.4 torsos, hopping across a floor grid 1.27x
    and 1.3 torsos.
    """
    pelvis = _mid(tracks, "hip")
    torso = torso_length_px(tracks)
    seen = np.isfinite(pelvis).all(axis=1) & np.isfinite(torso) & (torso > 0)
    if seen.sum() < 5:
        return SubjectTravel(float("nan"), float("nan"))
    low, high = np.percentile(torso[seen], [10, 90])
    spread = np.ptp(np.percentile(pelvis[seen], [5, 95], axis=0), axis=0)
    return SubjectTravel(float(high / low), float(spread.max() / np.median(torso[seen])))


def stature_px(tracks: LandmarkTracks) -> np.ndarray:
    """Approximate standing height in pixels: floor (lower heel) to nose, divided by 0.93.

    The nose sits at about 93% of stature in adults (Drillis & Contini 1966 segment ratios);
    only meaningful in frames where the subject stands upright.
    """
    heel_y = np.fmax(tracks.point("left", "heel")[:, 1], tracks.point("right", "heel")[:, 1])
    return (heel_y - tracks.xy_px[:, 0, 1]) / 0.93


@dataclass(frozen=True)
class ViewEstimate:
    view: View
    yaw_deg: float  # body turn away from facing the camera, 0-90 (folded front/back)
    width_ratio: float  # hip width / torso length in the image
    reason: str


#: Below these image width ratios the hips or shoulders are seen nearly edge-on (side view).
SIDE_HIP_RATIO = 0.2
SIDE_SHOULDER_RATIO = 0.3
#: Body yaw from MediaPipe's world landmarks above which the view is oblique / side.
OBLIQUE_YAW_DEG = 30.0
SIDE_YAW_DEG = 60.0


def _across_body(tracks: LandmarkTracks) -> np.ndarray:
    """The image direction across the body (unit, perpendicular to its median axis): widths
    are measured along it, so that a rolled camera does not make hips seen face-on look
    edge-on (the multicam phone rolled 26° read its hips 0.21 of torso length wide across the
    picture, 0.28 across the body). Image x without an axis."""
    units = body_axis_units(tracks.xy_px)
    median = np.median(units, axis=0) if len(units) else np.zeros(2)
    norm = np.linalg.norm(median)
    if not norm > 1e-6:  # no axis, or one pointing every way
        return np.array([1.0, 0.0])
    return np.array([-median[1], median[0]]) / norm


def detect_view(tracks: LandmarkTracks) -> ViewEstimate:
    """Anterior, posterior, oblique or side, from the hip/shoulder lines' image width and yaw.

    The 2D width ratios (hip and shoulder width across the body over torso length) catch side
    views; the yaw of the hip and shoulder lines in MediaPipe's metric world landmarks separates
    oblique from frontal views; the order of the hips in the image separates anterior from
    posterior.
    """
    torso = np.nanmedian(torso_length_px(tracks))
    lh, rh = tracks.point("left", "hip"), tracks.point("right", "hip")
    ls, rs = tracks.point("left", "shoulder"), tracks.point("right", "shoulder")
    if not np.isfinite(torso) or torso <= 0:
        return ViewEstimate("unknown", float("nan"), float("nan"), "no torso was detected")
    across = _across_body(tracks)
    hip_ratio = float(np.nanmedian(np.abs((lh - rh) @ across)) / torso)
    shoulder_ratio = float(np.nanmedian(np.abs((ls - rs) @ across)) / torso)
    yaw = float("nan")
    if tracks.world_m is not None and np.isfinite(tracks.world_m).any():
        w = tracks.world_m
        lines = np.concatenate([w[:, 23] - w[:, 24], w[:, 11] - w[:, 12]])
        angle = np.degrees(np.arctan2(np.abs(lines[:, 2]), np.abs(lines[:, 0])))
        yaw = float(np.nanmedian(angle))
    if hip_ratio < SIDE_HIP_RATIO or shoulder_ratio < SIDE_SHOULDER_RATIO:
        return ViewEstimate(
            "side",
            yaw,
            hip_ratio,
            f"hips and shoulders are seen nearly edge-on (hip width {hip_ratio:.2f} and "
            f"shoulder width {shoulder_ratio:.2f} of torso length)",
        )
    if np.isfinite(yaw) and yaw > SIDE_YAW_DEG:
        return ViewEstimate(
            "side", yaw, hip_ratio, f"the body is turned {yaw:.0f}° from the camera"
        )
    facing = "anterior" if clip_left_sign(tracks) > 0 else "posterior"
    if np.isfinite(yaw) and yaw > OBLIQUE_YAW_DEG:
        return ViewEstimate(
            "oblique",
            yaw,
            hip_ratio,
            f"the body is turned about {yaw:.0f}° from a {facing} view",
        )
    return ViewEstimate(facing, yaw, hip_ratio, f"{facing} view, body turned about {yaw:.0f}°")
