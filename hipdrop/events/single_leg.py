"""Single-leg stance: the standing leg is the one whose foot is clearly LOWER than the other.

The lifted foot's ankle rises above the standing one's (CLINICAL.md, "Gait events from pose").
The height difference is measured in leg lengths so it does not depend on the subject's size
in the frame, and a hysteresis (enter above one level, leave below a lower one) plus a minimum
phase duration keep noise from chopping phases.

Two measures of that height exist. The image's (levelled by the camera's roll) is exact for a
camera at hip height in front or behind; from a camera high and to the side, a foot farther
away also looks higher, and on the multicam front-left camera (1.9 m high, the subject turned
47°) the image read his lifted right foot, 8-38 cm up, as level with or below the standing one
(the stance was missed; on main with a wrong camera roll it was named RIGHT). Pose's 3D
landmarks along gravity's up (from the camera geometry) are free of that, and follow the 3D
reference's lift on all four multicam cameras, but their legs are sometimes exchanged. So a
frame is on one leg where either measure says so and the other does not say the opposite
foot is up; where they contradict each other it is ``none`` (``stance_unclear``): naming the
wrong leg is the one thing this step must never do.

A camera above the floor has a second way to fake a lift: feet set one ahead of the other. On
the multicam rear-oblique camera (25° down) the subject's left foot stood 29 cm farther away
than his right while both were on the floor, and looked 0.25 leg lengths higher; pose's 3D
read it 0.14 higher. At a third of the frame rate that read as a right stance, "normal", while
he stood on his left. So a single-leg phase must show, somewhere, a lift that a stagger of
``max_stagger_legs`` cannot fake at the angle the camera looks down at the feet
(:func:`stagger_rise_legs`), in the image or in pose's 3D; otherwise it is ``none``. Its
boundaries stay where the lifts found them: applied frame by frame, the same discount made the
front camera's stance begin 0.3 s late, where his pelvis still moved 1° a frame, and its peak
moved 8° with every re-encode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hipdrop.conventions import landmark
from hipdrop.events.phases import phases_from_labels
from hipdrop.geometry.camera import CameraGeometry
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import mid_points
from hipdrop.tracks.runs import true_runs


@dataclass(frozen=True)
class SingleLegParams:
    enter_lift_legs: float = 0.15  # foot height difference that starts single-leg stance
    exit_lift_legs: float = 0.07  # ... and the lower one that ends it
    min_stance_s: float = 0.3
    #: A stretch without pose (black or close-up frames, a glitch) at most this long does not
    #: end a phase: too short for the lifted foot to come down and go up again unseen.
    max_unseen_s: float = 0.2
    #: The farthest one standing foot may be set ahead of the other, in leg lengths (a short
    #: step, about 35 cm): a stagger the image's lift alone must exceed from a high camera.
    max_stagger_legs: float = 0.4


def leg_length_px(tracks: LandmarkTracks) -> float:
    """Median hip-to-ankle distance over both legs and all frames."""
    lengths = [
        np.linalg.norm(tracks.point(side, "hip") - tracks.point(side, "ankle"), axis=1)
        for side in ("left", "right")
    ]
    return float(np.nanmedian(np.concatenate(lengths)))


def foot_lift_legs(tracks: LandmarkTracks) -> np.ndarray:
    """How much higher the LEFT ankle is than the right, in leg lengths (negative: right higher)."""
    rise_px = tracks.point("right", "ankle")[:, 1] - tracks.point("left", "ankle")[:, 1]
    return rise_px / leg_length_px(tracks)


def stagger_rise_legs(
    tracks: LandmarkTracks, camera: CameraGeometry, params: SingleLegParams | None = None
) -> np.ndarray:
    """Per frame, how much higher (in the image's leg lengths) a foot on the floor can look
    than the other only because it stands ``max_stagger_legs`` farther from the camera.

    A point moved away along the line of sight rises in the picture by the sine of the angle
    the camera looks down at it, while the upright leg shows the cosine of the angle it is seen
    at: their ratio, times the stagger. ``tracks`` in the picture as filmed (the camera's roll
    is in ``camera``)."""
    params = params or SingleLegParams()
    ankles, hips = mid_points(tracks.xy_px, "ankle"), mid_points(tracks.xy_px, "hip")
    feet_below = np.radians(-camera.elevation_deg(ankles))
    leg_seen_at = np.radians(camera.elevation_deg(0.5 * (ankles + hips)))
    return params.max_stagger_legs * np.clip(np.sin(feet_below), 0.0, 1.0) / np.cos(leg_seen_at)


def _without_stagger_only_phases(
    labels: np.ndarray,
    image_lift: np.ndarray,
    world_lift: np.ndarray,
    stagger_legs: np.ndarray,
    params: SingleLegParams,
) -> np.ndarray:
    """``labels`` with each single-leg run ``none`` whose lift never passes the entering level
    beyond what a stagger of the feet can fake (``stagger_legs``), in the image or in the 3D
    (pose's 3D is read from the same picture: it put the staggered foot 0.14 leg lengths up):
    both feet may have been on the floor throughout."""
    out = labels.copy()
    margin = np.nan_to_num(stagger_legs)
    for side, sign in (("left", -1.0), ("right", 1.0)):  # left stance: the right foot is up
        for start, end in true_runs(labels == side):
            span = slice(start, end)
            lift = np.fmax(sign * image_lift[span], sign * world_lift[span]) - margin[span]
            if not (np.nan_to_num(lift, nan=-np.inf) >= params.enter_lift_legs).any():
                out[span] = "none"
    return out


def _hysteresis_labels(lift: np.ndarray, params: SingleLegParams) -> np.ndarray:
    """Per-frame stance labels; an unknown lift (NaN) keeps the current state.

    Right after unknown frames the lower, leaving level decides: a foot already above it may
    have been lifted unseen. Otherwise a stance begun behind a close-up was found only once the
    foot rose past the entering level again (0.3 s later on the balance clip), and its start
    was taken for seen."""
    labels = np.empty(len(lift), dtype=object)
    state = "both"
    after_unseen = False
    for i, value in enumerate(lift):
        if np.isfinite(value):
            if state == "both":
                enter = params.exit_lift_legs if after_unseen else params.enter_lift_legs
                if value >= enter:
                    state = "right"  # left foot up: standing on the right
                elif value <= -enter:
                    state = "left"
            elif (state == "right" and value < params.exit_lift_legs) or (
                state == "left" and value > -params.exit_lift_legs
            ):
                state = "both"
        after_unseen = not np.isfinite(value)
        labels[i] = state
    return labels


def gravity_lift_legs(tracks: LandmarkTracks, up: np.ndarray) -> np.ndarray | None:
    """How much higher the LEFT ankle is than the right along gravity's ``up`` (camera axes) in
    pose's 3D world landmarks, in leg lengths; None without them. The world legs are matched to
    the image's (which the cleaning relabelled by position) by their order across the image."""
    world = tracks.world_m
    if world is None or not np.isfinite(world).any():
        return None
    left, right = world[:, landmark("left", "ankle")], world[:, landmark("right", "ankle")]
    hip = world[:, landmark("left", "hip")]
    with np.errstate(invalid="ignore"):
        leg_m = float(np.nanmedian(np.linalg.norm(hip - left, axis=1)))
        lift = (left - right) @ up / leg_m
        across = np.cross([0.0, 0.0, 1.0], up)
        world_dx = (left - right) @ (across / np.linalg.norm(across))
        image_dx = tracks.point("left", "ankle")[:, 0] - tracks.point("right", "ankle")[:, 0]
        clear = (np.abs(world_dx) > 0.1 * leg_m) & (np.abs(image_dx) > 0.1 * leg_length_px(tracks))
    exchanged = clear & (np.sign(world_dx) != np.sign(image_dx))
    return np.where(exchanged, -lift, lift)


def _cross_checked(
    labels: np.ndarray,
    image_lift: np.ndarray,
    world_lift: np.ndarray,
    params: SingleLegParams,
    bridge_frames: int,
) -> np.ndarray:
    """Labels where either lift says single-leg and the other does not say the opposite foot
    is up (above ``exit_lift_legs``); frames where they contradict are ``none``, except a run
    of at most ``bridge_frames`` between frames of one leg, which keeps that leg (a frame of
    pose glitching, as a short unseen stretch does, must not cut a stance in two)."""
    world_labels = _hysteresis_labels(world_lift, params)
    out = labels.copy()
    contradicted = np.zeros(len(labels), bool)
    for side, sign in (("left", -1.0), ("right", 1.0)):  # left stance: the right foot is up
        said = (labels == side) | (world_labels == side)
        against = (sign * image_lift < -params.exit_lift_legs) | (
            sign * world_lift < -params.exit_lift_legs
        )
        out[said & ~against] = side
        contradicted |= said & against
    out[contradicted] = "none"
    for start, end in true_runs(contradicted):
        before = out[start - 1] if start > 0 else None
        after = out[end] if end < len(out) else None
        if end - start <= bridge_frames and before == after and before in ("left", "right"):
            out[start:end] = before
    return out


def detect_single_leg_stance(
    tracks: LandmarkTracks,
    params: SingleLegParams | None = None,
    world_lift: np.ndarray | None = None,
    stagger_legs: np.ndarray | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Per-frame labels (``left``/``right``/``both``/``none``) and the single-leg phase table.

    Stretches with no pose longer than ``max_unseen_s`` are labelled ``none``, and a phase
    never spans them: across a cut or a long run of excluded frames nobody saw which foot was
    down. A shorter stretch keeps the leg that stood on both sides of it, so that a glitch of a
    few frames does not cut a phase in two (and move its start, where the pelvis still moves).
    Phases shorter than ``min_stance_s``, or seen for less than that, count as ``both``.
    With ``world_lift`` (:func:`gravity_lift_legs`) the image's lift is checked against it,
    and frames where the two contradict each other are ``none`` too; with ``stagger_legs``
    (:func:`stagger_rise_legs`) as well, a phase whose lift a stagger of the feet could fake
    throughout is ``none``. Without 3D the image alone decides.
    """
    params = params or SingleLegParams()
    image_lift = foot_lift_legs(tracks)
    labels = _hysteresis_labels(image_lift, params)
    unseen = ~np.isfinite(tracks.xy_px[:, :, 0]).any(axis=1)
    frame_s = float(np.median(np.diff(tracks.time_s))) if tracks.n_frames > 1 else 0.0
    if world_lift is not None:
        bridge = int(params.max_unseen_s / frame_s) if frame_s > 0 else 0
        labels = _cross_checked(labels, image_lift, world_lift, params, bridge)
        if stagger_legs is not None:
            labels = _without_stagger_only_phases(
                labels, image_lift, world_lift, stagger_legs, params
            )
    labels[_long_runs(unseen, tracks.time_s, frame_s, params.max_unseen_s)] = "none"
    phases = phases_from_labels(labels, tracks.time_s)
    for row in phases.itertuples():  # unseen frames bridge a phase but do not lengthen it
        seen_s = frame_s * int((~unseen[row.start_frame : row.end_frame]).sum())
        if min(row.duration_s, seen_s) < params.min_stance_s:
            labels[row.start_frame : row.end_frame] = "both"
    return labels, phases_from_labels(labels, tracks.time_s)


def _long_runs(flags: np.ndarray, time_s: np.ndarray, frame_s: float, max_s: float) -> np.ndarray:
    """The frames of runs of ``flags`` lasting longer than ``max_s`` (from the last frame
    before the run to the first after it, less one frame of ``frame_s``: the time nothing was
    seen)."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.astype(np.int8), [0]))))
    out = np.zeros(len(flags), bool)
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        before = time_s[start - 1] if start > 0 else time_s[start] - frame_s
        after = time_s[stop] if stop < len(time_s) else time_s[stop - 1] + frame_s
        if after - before - frame_s > max_s:
            out[start:stop] = True
    return out
