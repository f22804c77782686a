"""Synthetic landmark tracks with a KNOWN pelvic drop, stance side and timing.

Used by ``hipdrop demo`` (no video needed) and by the tests as exact ground truth. A front-view
stick figure stands on both feet, then on the left leg, both, then the right leg, both. During
each single-leg phase the swing-side hip sinks by a set angle (a ramp, then a hold); a camera
roll and a resting pelvic asymmetry are added on top, which a baseline must remove.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hipdrop.conventions import LANDMARK_INDEX, N_LANDMARKS
from hipdrop.tracks import LandmarkTracks

# Front view: the subject's LEFT side is on the image's RIGHT (+x). Offsets in "body units"
# (hip half-width = 1) from the pelvis centre, y down.
_BODY = {
    "nose": (0.0, -5.6), "left_eye_inner": (0.1, -5.8), "left_eye": (0.2, -5.8),
    "left_eye_outer": (0.3, -5.8), "right_eye_inner": (-0.1, -5.8), "right_eye": (-0.2, -5.8),
    "right_eye_outer": (-0.3, -5.8), "left_ear": (0.5, -5.7), "right_ear": (-0.5, -5.7),
    "mouth_left": (0.15, -5.35), "mouth_right": (-0.15, -5.35),
    "left_shoulder": (1.7, -4.5), "right_shoulder": (-1.7, -4.5),
    "left_elbow": (2.0, -2.5), "right_elbow": (-2.0, -2.5),
    "left_wrist": (2.1, -0.6), "right_wrist": (-2.1, -0.6),
    "left_pinky": (2.15, -0.2), "right_pinky": (-2.15, -0.2),
    "left_index": (2.1, -0.1), "right_index": (-2.1, -0.1),
    "left_thumb": (2.0, -0.3), "right_thumb": (-2.0, -0.3),
    "left_hip": (1.0, 0.0), "right_hip": (-1.0, 0.0),
    "left_knee": (1.0, 4.2), "right_knee": (-1.0, 4.2),
    "left_ankle": (1.0, 8.2), "right_ankle": (-1.0, 8.2),
    "left_heel": (1.0, 8.6), "right_heel": (-1.0, 8.6),
    "left_foot_index": (1.2, 8.9), "right_foot_index": (-1.2, 8.9),
}  # fmt: skip


@dataclass(frozen=True)
class SyntheticTrial:
    """Ground truth of a synthetic single-leg trial (times in seconds, angles in degrees)."""

    left_drop_deg: float = 7.0
    right_drop_deg: float = 2.0
    roll_deg: float = 3.0  # camera roll, counter-clockwise in the image
    resting_obliquity_deg: float = 1.0  # pelvis asymmetry in quiet standing (+ left higher)
    fps: float = 60.0
    left_stance_s: tuple[float, float] = (1.5, 4.0)
    right_stance_s: tuple[float, float] = (5.5, 8.0)
    duration_s: float = 9.5
    ramp_s: float = 0.8
    hip_half_width_px: float = 45.0
    image_size_px: tuple[int, int] = (1080, 1920)
    lift_legs: float = 0.3  # swing ankle lift, in leg lengths
    #: Sideways travel of the body over the standing foot during each stance phase, in pelvis
    #: widths, + toward the stance side (ramped like the drop). At rest the pelvis centre is
    #: half a width to the inside of each ankle, so the true ``lateral_shift_widths`` is
    #: -0.5 + shift_widths at the end of the ramp.
    shift_widths: float = 0.0
    noise_px: float = 0.0
    seed: int = 0


def _rotate(points: np.ndarray, centre: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate image points counter-clockwise ON SCREEN (y points down) about ``centre``."""
    a = np.radians(angle_deg)
    d = points - centre
    x = d[..., 0] * np.cos(a) + d[..., 1] * np.sin(a)
    y = -d[..., 0] * np.sin(a) + d[..., 1] * np.cos(a)
    return np.stack([x, y], axis=-1) + centre


def _phase_weight(time_s: np.ndarray, span: tuple[float, float], ramp_s: float) -> np.ndarray:
    """0 outside the phase, ramping to 1 over ``ramp_s`` after it starts and back before it ends.

    The pelvis moves smoothly, so a filter sees no step (a step would ring and overshoot).
    """
    start, end = span
    inside = (time_s >= start) & (time_s < end)
    ramp = np.minimum(time_s - start, end - time_s) / ramp_s
    return np.where(inside, np.clip(ramp, 0, 1), 0.0)


def synthetic_single_leg(trial: SyntheticTrial | None = None) -> LandmarkTracks:
    """Landmark tracks for ``trial``; the true drop is ``*_drop_deg`` at the end of each ramp."""
    trial = trial or SyntheticTrial()
    time_s = np.arange(0.0, trial.duration_s, 1.0 / trial.fps)
    n = len(time_s)
    unit = trial.hip_half_width_px
    width, height = trial.image_size_px
    centre = np.array([width / 2, height * 0.45])
    body = np.zeros((N_LANDMARKS, 2))
    for name, offset in _BODY.items():
        body[LANDMARK_INDEX[name]] = offset
    xy = np.repeat((body * unit + centre)[None], n, axis=0)
    leg_px = 8.2 * unit
    for side, span, drop in (
        ("left", trial.left_stance_s, trial.left_drop_deg),
        ("right", trial.right_stance_s, trial.right_drop_deg),
    ):
        weight = _phase_weight(time_s, span, trial.ramp_s)
        lifted = "right" if side == "left" else "left"
        # Swing foot up (stepwise at phase start: a foot leaves the floor, it does not ramp).
        up = ((time_s >= span[0]) & (time_s < span[1])) * trial.lift_legs * leg_px
        for part in ("knee", "ankle", "heel", "foot_index"):
            xy[:, LANDMARK_INDEX[f"{lifted}_{part}"], 1] -= up * (0.5 if part == "knee" else 1)
        # Pelvis tilts about the stance hip: the swing side sinks (rotation of the swing hip).
        pivot = xy[:, LANDMARK_INDEX[f"{side}_hip"]]
        swing = LANDMARK_INDEX[f"{lifted}_hip"]
        sense = 1.0 if side == "left" else -1.0  # left stance: right hip (image left) goes down
        for t in np.flatnonzero(weight):
            xy[t, swing] = _rotate(xy[t, swing], pivot[t], sense * drop * weight[t])
        # The body moves over the standing foot; the foot stays where it stands.
        moving = np.ones(N_LANDMARKS, bool)
        moving[[LANDMARK_INDEX[f"{side}_{part}"] for part in ("ankle", "heel", "foot_index")]] = 0
        toward_stance = 1.0 if side == "left" else -1.0  # the subject's left is image +x
        xy[:, moving, 0] += (toward_stance * trial.shift_widths * 2 * unit * weight)[:, None]
    # Resting asymmetry (left hip higher), then camera roll of the whole image.
    left_hip = LANDMARK_INDEX["left_hip"]
    right_hip = LANDMARK_INDEX["right_hip"]
    pelvis = 0.5 * (xy[:, left_hip] + xy[:, right_hip])
    xy[:, [left_hip, right_hip]] = _rotate(
        xy[:, [left_hip, right_hip]], pelvis[:, None], trial.resting_obliquity_deg
    )
    xy = _rotate(xy, np.array([width / 2, height / 2]), trial.roll_deg)
    if trial.noise_px > 0:
        xy = xy + np.random.default_rng(trial.seed).normal(0, trial.noise_px, xy.shape)
    world = np.zeros((n, N_LANDMARKS, 3))
    world[..., :2] = (xy - xy[:, [left_hip, right_hip]].mean(axis=1, keepdims=True)) / 400.0
    # MediaPipe's world axes are the camera's (x right, y down): on the multicam front camera
    # its hip line points the way the calibrated 3D one does in camera coordinates.
    return LandmarkTracks(
        time_s=time_s,
        xy_px=xy,
        visibility=np.ones((n, N_LANDMARKS)),
        image_size_px=(width, height),
        world_m=world,
        meta={"video_name": "synthetic single-leg trial", "synthetic": True},
    )
