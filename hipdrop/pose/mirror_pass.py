"""Mirror averaging: pose run on each frame and on its mirror image, the two averaged.

BlazePose is not mirror-symmetric. On anterior_single-leg-balance_pose2sim.mp4, with the Tasks
API's pose landmarker (BlazePose full), the hip line's image angle from the mirrored clip, mapped
back, differs from the original's by 3.1° SD (up to 10.4°) with one pass, and the left stance's
peak drop moves 3.8°, while a plain re-encode moves the peak 0.1°
(``benchmarks/mirror_asymmetry.py``). Averaging the normal pass with a mirrored one cancels that
side bias: with two passes the mirrored clip's peak is within 0.1° of the original's, with the
sides swapped, at twice the pose cost. How far the two passes' hip lines disagree is kept as
a direct measure of how far the model disagrees with itself on this clip.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hipdrop.conventions import LEG_SEGMENT, landmark
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import torso_length_px


def mirror_averaged(normal: LandmarkTracks, flipped: LandmarkTracks) -> LandmarkTracks:
    """Mean of a normal and a flipped-input pass (already mapped back) of the same clip.

    A landmark found by only one pass keeps that pass's position. The median angle between
    the two passes' hip lines goes to ``meta["mirror_disagreement_deg"]``, and the frames where
    the passes put a hip far apart (``passes_disagree``) to ``meta["passes_disagree_frames"]``.
    """
    if normal.n_frames != flipped.n_frames:
        raise ValueError("the two pose passes decoded different numbers of frames")
    flipped = _sides_matched(normal, flipped)
    found = np.isfinite(np.stack([normal.xy_px[..., 0], flipped.xy_px[..., 0]]))
    xy = _mean_of_found(normal.xy_px, flipped.xy_px)
    world = None
    if normal.world_m is not None and flipped.world_m is not None:
        world = _mean_of_found(normal.world_m, flipped.world_m)
    visibility = np.where(
        found.all(axis=0),
        0.5 * (normal.visibility + flipped.visibility),
        np.where(found[0], normal.visibility, flipped.visibility),
    )
    meta = {
        **normal.meta,
        "mirror_pass": True,
        "mirror_disagreement_deg": _hip_line_disagreement_deg(normal, flipped),
        "passes_disagree_frames": np.flatnonzero(passes_disagree(normal, flipped)).tolist(),
    }
    return replace(normal, xy_px=xy, visibility=visibility, world_m=world, meta=meta)


#: The two passes see the same frame. Where they put a hip further apart than this (in torso
#: lengths, mid-hip to mid-shoulder), at least one has lost the subject and their mean is no
#: pose at all. It happens for up to a second after black frames or a cut, when both passes
#: find the body afresh: in the hops clip with 3 black frames in every 40, the passes then put
#: the hips 60-90 px (0.3-2 torso lengths) apart and the pelvis read 5° off for 20 frames.
#: Clean clips stay below it: 99th percentile 0.08-0.21 (the highest on the balance clip,
#: whose legs cross), with a frame or two above it in the walking and hops clips.
MAX_PASS_DISAGREEMENT_TORSOS = 0.25


def passes_disagree(normal: LandmarkTracks, flipped: LandmarkTracks) -> np.ndarray:
    """Per frame: do the passes (sides matched) put either hip more than
    ``MAX_PASS_DISAGREEMENT_TORSOS`` apart? Frames without both passes' hips are not."""
    hips = [landmark("left", "hip"), landmark("right", "hip")]
    apart_px = np.linalg.norm(normal.xy_px[:, hips] - flipped.xy_px[:, hips], axis=-1).max(axis=1)
    torso_px = _mean_of_found(torso_length_px(normal), torso_length_px(flipped))
    if np.isfinite(torso_px).any():
        torso_px = np.where(np.isfinite(torso_px), torso_px, np.nanmedian(torso_px))
    with np.errstate(invalid="ignore"):
        return apart_px > MAX_PASS_DISAGREEMENT_TORSOS * torso_px


#: Body parts whose left and right one pass may exchange on its own: the legs as a block.
_SIDE_GROUPS = (("hip",), ("shoulder",), LEG_SEGMENT)


def _sides_matched(normal: LandmarkTracks, flipped: LandmarkTracks) -> LandmarkTracks:
    """The flipped pass with, frame by frame, each part's left and right exchanged where that
    brings it closer to the normal pass.

    Either pass may exchange a subject's legs (or hips) in some frames; averaging a pass that
    did with one that did not puts both ankles between the two feet (on the multicam balance
    clip, 170 px from either). Matched first, the average follows the two feet.
    """
    xy, visibility = flipped.xy_px.copy(), flipped.visibility.copy()
    world = None if flipped.world_m is None else flipped.world_m.copy()
    for parts in _SIDE_GROUPS:
        left = [landmark("left", part) for part in parts]
        right = [landmark("right", part) for part in parts]
        same = np.linalg.norm(normal.xy_px[:, left] - xy[:, left], axis=-1).sum(axis=1)
        same += np.linalg.norm(normal.xy_px[:, right] - xy[:, right], axis=-1).sum(axis=1)
        crossed = np.linalg.norm(normal.xy_px[:, left] - xy[:, right], axis=-1).sum(axis=1)
        crossed += np.linalg.norm(normal.xy_px[:, right] - xy[:, left], axis=-1).sum(axis=1)
        swap = np.flatnonzero(crossed < same)  # NaN compares False: frames without both stay
        for array in (a for a in (xy, visibility, world) if a is not None):
            array[np.ix_(swap, left + right)] = array[np.ix_(swap, right + left)]
    return replace(flipped, xy_px=xy, visibility=visibility, world_m=world)


def _mean_of_found(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise mean of two arrays, taking the finite one where the other is NaN."""
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, 0.5 * (a + b)))


def _hip_line_disagreement_deg(a: LandmarkTracks, b: LandmarkTracks) -> float | None:
    """Median absolute angle between the hip lines of two passes (None if never both found)."""

    def hip_line_deg(tracks: LandmarkTracks) -> np.ndarray:
        d = tracks.xy_px[:, landmark("left", "hip")] - tracks.xy_px[:, landmark("right", "hip")]
        return np.degrees(np.arctan2(d[:, 1], d[:, 0]))

    difference = np.abs((hip_line_deg(a) - hip_line_deg(b) + 180.0) % 360.0 - 180.0)
    difference = difference[np.isfinite(difference)]
    return float(np.median(difference)) if difference.size else None
