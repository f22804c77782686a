"""Which way the subject faces the camera, and left/right labels set from image position.

In a frontal view the subject's left hip, shoulder and leg are always on the same side of the
image: the image's right when they face the camera, its left when they turn their back to it.
Which of the two holds is read per stretch of the clip between turns, from two cues:

- pose's own labels: the side its left hip is on. BlazePose is not sure of it: on the
  anterior balance clip it labels the whole body as seen from behind in 30 of 100 frames,
  and in 56 of them once the clip is re-encoded at 400 kbit/s;
- the feet: a foot on the floor points at the camera when its toe is lower in the image than
  its heel (a camera above the floor sees the nearer end lower), away from it when higher.
  On the same clips the standing foot says "facing" in 97-100% of the frames.

A stretch's facing is decided where a cue's votes agree by ``FACING_AGREEMENT`` and the other
cue does not clearly say the opposite; elsewhere it is unknown (0), and the pipeline leaves
those frames out: read the wrong way round, every left and right in them would be exchanged.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from hipdrop.conventions import LEG_SEGMENT, landmark
from hipdrop.tracks.runs import true_runs

_LEFT_LEG = [landmark("left", part) for part in LEG_SEGMENT]
_RIGHT_LEG = [landmark("right", part) for part in LEG_SEGMENT]

#: A subject who turns round passes through a side view: for at least this many frames their
#: shoulders are seen nearly edge-on, narrower than this share of the torso length. MediaPipe
#: also narrows them while it flips its left and right (frames 37-81 of the balance clip, in
#: runs up to 0.7 s apart), so a stretch between two such moments counts only if it lasts
#: ``MIN_FACING_STRETCH_S``: a real turn leaves the subject facing one way for longer.
TURN_SHOULDER_RATIO = 0.3
TURN_MIN_FRAMES = 2
MIN_FACING_STRETCH_S = 1.0
#: The subject may also turn where the hips are not seen (out of view, behind someone, a cut):
#: an unseen stretch this long (a turn round takes about half a second) ends a stretch too.
UNSEEN_TURN_S = 0.5
#: A cue decides a stretch's facing when at least this share of its votes agree. Clean and
#: damaged copies of the given clips: the feet agree by 89-100%, pose's hip labels by 50-100%.
FACING_AGREEMENT = 0.8
#: ... and casts at least this many votes.
MIN_FACING_VOTES = 5
#: A foot votes when its toe is further than this share of the heel-to-toe distance below or
#: above its heel in the image (a foot seen nearly level, from a camera at floor height or
#: side-on, does not).
FOOT_TILT_SHARE = 0.15


def hip_votes(xy_px: np.ndarray) -> np.ndarray:
    """Per frame, +1 where pose puts the left hip at larger image x (facing the camera), -1 at
    smaller, 0 without both hips."""
    dx = xy_px[:, landmark("left", "hip"), 0] - xy_px[:, landmark("right", "hip"), 0]
    return np.sign(np.nan_to_num(dx))


def foot_votes(xy_px: np.ndarray) -> np.ndarray:
    """Per frame, +1 where the foot on the floor (the lower heel in the image) has its toe
    below its heel (pointing at the camera), -1 above, 0 when level or not seen."""
    heels = np.stack([xy_px[:, landmark(s, "heel")] for s in ("left", "right")])
    toes = np.stack([xy_px[:, landmark(s, "foot_index")] for s in ("left", "right")])
    lower = np.argmax(np.nan_to_num(heels[:, :, 1], nan=-np.inf), axis=0)
    frames = np.arange(len(xy_px))
    heel, toe = heels[lower, frames], toes[lower, frames]
    down = toe[:, 1] - heel[:, 1]
    margin = FOOT_TILT_SHARE * np.linalg.norm(toe - heel, axis=1)
    with np.errstate(invalid="ignore"):
        return np.where(down > margin, 1.0, np.where(down < -margin, -1.0, 0.0))


def clear_majority(votes: np.ndarray) -> float:
    """+1 or -1 where at least ``FACING_AGREEMENT`` of the cast votes (and ``MIN_FACING_VOTES``)
    say so, else 0."""
    cast = votes[votes != 0]
    if len(cast) < MIN_FACING_VOTES:
        return 0.0
    share = float(np.mean(cast > 0))
    return 1.0 if share >= FACING_AGREEMENT else -1.0 if share <= 1 - FACING_AGREEMENT else 0.0


def stretch_facing(hips: np.ndarray, feet: np.ndarray) -> float:
    """One stretch's facing from its hip and foot votes: the feet's clear majority, else the
    hips'; 0 where neither is clear or the two clearly disagree."""
    by_feet, by_hips = clear_majority(feet), clear_majority(hips)
    if by_feet and by_hips and by_feet != by_hips:
        return 0.0
    return by_feet or by_hips


def stretches(xy_px: np.ndarray, time_s: np.ndarray) -> list[tuple[int, int]]:
    """Half-open stretches of the clip between turns: edge-on moments, or ``UNSEEN_TURN_S``
    without the hips in view; none shorter than ``MIN_FACING_STRETCH_S``."""
    ls, rs = xy_px[:, landmark("left", "shoulder")], xy_px[:, landmark("right", "shoulder")]
    lh, rh = xy_px[:, landmark("left", "hip")], xy_px[:, landmark("right", "hip")]
    torso = np.linalg.norm(0.5 * (ls + rs) - 0.5 * (lh + rh), axis=1)
    with np.errstate(invalid="ignore"):
        edge_on = np.abs(ls[:, 0] - rs[:, 0]) < TURN_SHOULDER_RATIO * torso
    starts = [a for a, b in true_runs(edge_on) if b - a >= TURN_MIN_FRAMES]
    unseen = ~np.isfinite(lh[:, 0] + rh[:, 0])
    starts += [
        a
        for a, b in true_runs(unseen)
        if a > 0 and b < len(xy_px) and time_s[b] - time_s[a - 1] >= UNSEEN_TURN_S
    ]
    starts.sort()
    bounds = [0]
    for start in [*starts, len(xy_px)]:
        if start < len(xy_px) and time_s[start] - time_s[bounds[-1]] < MIN_FACING_STRETCH_S:
            continue  # too short to be a stretch of its own: part of the one before
        bounds.append(start)
    if len(bounds) > 2 and time_s[-1] - time_s[bounds[-2]] < MIN_FACING_STRETCH_S:
        del bounds[-2]  # the last stretch is too short: join it to the one before
    return list(itertools.pairwise(bounds))


def facing_by_stretch(xy_px: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """Per frame, +1 where the subject faces the camera, -1 where they turn their back to it,
    0 where that is unknown: decided per stretch between turns (:func:`stretches`), so a walker
    seen coming and then going gets both right."""
    hips, feet = hip_votes(xy_px), foot_votes(xy_px)
    facing = np.zeros(len(xy_px))
    for start, end in stretches(xy_px, time_s):
        facing[start:end] = stretch_facing(hips[start:end], feet[start:end])
    return facing


def _misordered(
    xy_px: np.ndarray, left: list[int], right: list[int], facing: np.ndarray
) -> np.ndarray:
    """Frames where the mean x of ``left`` points lies on the image side of the subject's right."""
    with warnings.catch_warnings():  # frames without any of these points give NaN, as meant
        warnings.simplefilter("ignore", RuntimeWarning)
        dx = np.nanmean(xy_px[:, left, 0], axis=1) - np.nanmean(xy_px[:, right, 0], axis=1)
    return np.nan_to_num(dx) * facing < 0


def _swap(xy_px: np.ndarray, frames: np.ndarray, left: list[int], right: list[int]) -> None:
    xy_px[np.ix_(frames, left + right)] = xy_px[np.ix_(frames, right + left)]


def enforce_lateral_order(
    xy_px: np.ndarray, facing: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relabel left/right from image position and ``facing`` (:func:`facing_by_stretch`);
    frames of unknown facing (0) keep pose's labels.

    MediaPipe sometimes labels the whole body as if the subject had turned round, or swaps the
    legs, for single frames or long stretches, and flickers between the two; ordering by
    position is immune to that. Legs are ordered as a block (knee, ankle, heel, toe) by the
    mean x of knee and ankle. Returns the relabelled positions and the frames whose pelvis
    and whose legs were relabelled.
    """
    out = xy_px.copy()
    hips = [landmark("left", "hip")], [landmark("right", "hip")]
    shoulders = [landmark("left", "shoulder")], [landmark("right", "shoulder")]
    pelvis = _misordered(out, *hips, facing)
    _swap(out, pelvis, *hips)
    _swap(out, _misordered(out, *shoulders, facing), *shoulders)
    legs = _misordered(out, _LEFT_LEG[:2], _RIGHT_LEG[:2], facing)
    _swap(out, legs, _LEFT_LEG, _RIGHT_LEG)
    return out, pelvis, legs
