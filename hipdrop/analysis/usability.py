"""Which frames can be analysed, and why the others cannot.

A frame is excluded, with one reason, when pose found nobody (``no_pose``), the hips are not
visible (``hips_not_visible``), pose followed another person (``identity_switch``), the normal
and the mirrored pose pass put the hips far apart (``pose_passes_disagree``), the body
jumped to another place or size from one frame to the next (a ``scene_cut``, or a
``close_up`` when it got much larger), pose's body is not a person's shape
(``not_a_body_shape``), both feet are out of sight (``feet_not_visible``), or
cleaning could not tell whether the subject faces the camera or turns their back to it
(``facing_unknown``, from :mod:`.sides`: read the wrong way round, its left and right
would be exchanged), or the camera moved in a way that could not be followed from the scene
behind the subject (``camera_moving``, ``meta["camera_moving_frames"]`` from
:mod:`hipdrop.geometry.camera_motion`: measured as if still, the camera's roll would be read as
the pelvis's).

Scene cuts are also found from the picture, where pose ran on a video: frames of shots showing
another scene (``io/shots.py``, ``meta["other_scene_frames"]``). Scene cuts and close-ups are
found from the landmarks as well: the frames are split into runs
wherever the hip centre jumps further than a body could move in the time between them. The
longest run is the subject; runs are accepted outward from it while each starts where the last
accepted frame ended and is not much larger (the body's size is its longer leg).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from hipdrop.conventions import landmark, pair
from hipdrop.pose.identity import frames_nearer_another
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import torso_length_px

EXCLUSION_REASONS = (
    "no_pose",
    "hips_not_visible",
    "identity_switch",
    "pose_passes_disagree",
    "scene_cut",
    "close_up",
    "not_a_body_shape",
    "feet_not_visible",
    "facing_unknown",
    "camera_moving",
)
#: Hip-centre jump between consecutive frames that ends a run: a fixed part, in body sizes
#: (leg lengths), plus the distance a body may move in the time between the frames.
JUMP_SIZES = 0.4
SPEED_SIZES_PER_S = 2.0
#: Fewer usable frames than this (seconds, and fraction of the clip) is insufficient data.
MIN_USABLE_S = 0.5
MIN_USABLE_FRACTION = 0.25
#: Below this frame rate a warning is given.
MIN_FRAME_RATE_HZ = 20.0
#: Decoding this much less of the clip than the container announces gives a warning.
MISSING_FRAMES_FRACTION = 0.05
#: A rejected run this much larger than the subject is a close-up rather than a cut.
CLOSE_UP_RATIO = 1.3
#: Hip-to-shoulder length over the longer hip-to-ankle one, outside which pose's body is not a
#: person's shape. On every frame of the given clips, hops landings and a walker coming close
#: included: 0.41-1.12. The balance clip at 70% size and 480p, before pose found the man
#: (hips 22 px apart): 0.02-0.2 (the nose at hip height) and 4.9, frames that had made foot
#: strikes and a foot lifted 0.57 leg lengths.
BODY_SHAPE_RANGE = (0.3, 2.5)

_HIPS = pair("hip")
_SHOULDERS = pair("shoulder")
_ANKLES = pair("ankle")


@dataclass(frozen=True)
class FrameUsability:
    """Per frame: ``""`` when usable, otherwise the reason it is excluded."""

    reason: np.ndarray  # (n,) str

    @property
    def usable(self) -> np.ndarray:
        return self.reason == ""

    def with_reason(self, name: str, flagged: np.ndarray) -> FrameUsability:
        """The same, with the usable frames among ``flagged`` excluded for ``name``."""
        reason = self.reason.astype(object)
        reason[flagged & self.usable] = name
        return FrameUsability(reason.astype(str))

    def counts(self) -> dict[str, int]:
        """Excluded frames per reason (every reason listed, zeros included)."""
        return {r: int((self.reason == r).sum()) for r in EXCLUSION_REASONS}


def _runs(hip_px: np.ndarray, scale_px: float, time_s: np.ndarray) -> list[np.ndarray]:
    """Frame indices of runs of frames with hips, split where the hips jump."""
    frames = np.flatnonzero(np.isfinite(hip_px[:, 0]))
    if frames.size == 0:
        return []
    runs, current = [], [frames[0]]
    for prev, cur in pairwise(frames):
        if not _near(hip_px, scale_px, time_s, prev, cur):
            runs.append(np.asarray(current))
            current = []
        current.append(cur)
    runs.append(np.asarray(current))
    return runs


def _near(hip_px: np.ndarray, scale_px: float, time_s: np.ndarray, a: int, b: int) -> bool:
    """Could the hips at frame ``b`` be the same body's as at frame ``a``? ``scale_px`` is the
    clip's median body size (one frame's size can be a pose failure)."""
    moved = np.linalg.norm(hip_px[b] - hip_px[a]) / scale_px
    return bool(moved <= JUMP_SIZES + SPEED_SIZES_PER_S * abs(time_s[b] - time_s[a]))


def discontinuous_frames(
    hip_px: np.ndarray, size_px: np.ndarray, time_s: np.ndarray
) -> dict[str, np.ndarray]:
    """Frames outside the subject's continuous runs (``scene_cut``), and runs much larger than
    the subject (``close_up``) wherever they are."""
    n = len(hip_px)
    kinds = {k: np.zeros(n, dtype=bool) for k in ("scene_cut", "close_up")}
    if not np.isfinite(hip_px[:, 0]).any():
        return kinds
    with warnings.catch_warnings():  # no frame with a leg: NaN, then a unit scale
        warnings.simplefilter("ignore", RuntimeWarning)
        scale = float(np.nanmedian(size_px))
    scale = scale if np.isfinite(scale) and scale > 0 else 1.0
    runs = _runs(hip_px, scale, time_s)
    main = max(range(len(runs)), key=lambda k: len(runs[k]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        subject_size = float(np.nanmedian(size_px[runs[main]]))
    for direction in (1, -1):
        anchor = runs[main][-1] if direction == 1 else runs[main][0]
        k = main + direction
        while 0 <= k < len(runs):
            run = runs[k]
            edge = run[0] if direction == 1 else run[-1]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                larger = np.nanmedian(size_px[run]) > CLOSE_UP_RATIO * subject_size
            if larger:
                kinds["close_up"][run] = True
            elif _near(hip_px, scale, time_s, anchor, edge):
                anchor = run[-1] if direction == 1 else run[0]
            else:
                kinds["scene_cut"][run] = True
            k += direction
    return kinds


def body_size_px(tracks: LandmarkTracks, found: np.ndarray) -> np.ndarray:
    """Per frame, the longer hip-to-ankle distance (the standing leg stays long; shoulders are
    not used, MediaPipe misplaces them far more often than hips and ankles)."""
    legs = []
    for side in ("left", "right"):
        hip, ankle = landmark(side, "hip"), landmark(side, "ankle")
        length = np.linalg.norm(tracks.xy_px[:, hip] - tracks.xy_px[:, ankle], axis=1)
        legs.append(np.where(found[:, hip] & found[:, ankle], length, np.nan))
    with warnings.catch_warnings():  # frames without any leg give NaN, as meant
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(np.stack(legs), axis=0)


def not_a_body_shape(tracks: LandmarkTracks, found: np.ndarray, size_px: np.ndarray) -> np.ndarray:
    """Frames whose torso against the longer leg lies outside ``BODY_SHAPE_RANGE`` (``found``:
    the landmarks pose placed; ``size_px``: :func:`body_size_px`)."""
    seen = found[:, _HIPS + _SHOULDERS].all(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = torso_length_px(tracks) / size_px
    low, high = BODY_SHAPE_RANGE
    return seen & np.isfinite(ratio) & ((ratio < low) | (ratio > high))


def assess_frames(tracks: LandmarkTracks, min_visibility: float = 0.5) -> FrameUsability:
    """The reason, if any, each frame of raw pose tracks cannot be analysed."""
    n = tracks.n_frames
    found = np.isfinite(tracks.xy_px).all(axis=2) & (tracks.visibility >= min_visibility)
    hips_seen = found[:, _HIPS].all(axis=1)
    hip_px = np.where(hips_seen[:, None], tracks.xy_px[:, _HIPS].mean(axis=1), np.nan)
    size_px = body_size_px(tracks, found)
    other = frames_nearer_another(hip_px, tracks.meta.get("subject"))
    # Hips outside the picture at the start or end of the clip: the subject walked into or out
    # of view, not a cut; such frames are left to the task's own rules (a step leaving the
    # frame is excluded there). Outside the picture in mid-clip (a close-up) stays a cut.
    width, height = tracks.image_size_px
    inside = np.flatnonzero(((hip_px >= 0) & (hip_px <= [width, height])).all(axis=1))
    outside = np.zeros(n, dtype=bool)
    if inside.size:
        outside[: inside[0]] = outside[inside[-1] + 1 :] = True
    outside &= hips_seen
    jumps = discontinuous_frames(
        np.where((other | outside)[:, None], np.nan, hip_px), size_px, tracks.time_s
    )
    elsewhere = _flagged_in_meta(tracks, "other_scene_frames")  # another scene (io/shots.py)
    jumps["scene_cut"] |= elsewhere & ~jumps["close_up"]
    reason = np.full(n, "", dtype=object)
    checks = [
        ("camera_moving", _flagged_in_meta(tracks, "camera_moving_frames")),
        ("feet_not_visible", ~found[:, _ANKLES].any(axis=1)),
        *jumps.items(),
        ("not_a_body_shape", not_a_body_shape(tracks, found, size_px)),
        ("identity_switch", other),
        ("pose_passes_disagree", _flagged_in_meta(tracks, "passes_disagree_frames")),
        ("hips_not_visible", ~hips_seen),
        ("no_pose", ~np.isfinite(tracks.xy_px[..., 0]).any(axis=1)),
    ]
    for name, flagged in checks:  # later checks win: the most basic reason is reported
        reason[flagged] = name
    return FrameUsability(reason.astype(str))


def _flagged_in_meta(tracks: LandmarkTracks, key: str) -> np.ndarray:
    """Per frame, whether it is listed in ``meta[key]``: ``passes_disagree_frames`` (the
    mirror pass, ``pose.mirror_pass.passes_disagree``), ``other_scene_frames`` (the picture,
    ``io.shots``) or ``camera_moving_frames`` (``geometry.camera_motion.steadied``)."""
    flagged = np.zeros(tracks.n_frames, dtype=bool)
    flagged[np.asarray(tracks.meta.get(key, []), dtype=int)] = True
    return flagged


def blank_unusable(tracks: LandmarkTracks, usability: FrameUsability) -> LandmarkTracks:
    """Tracks with excluded frames emptied (no position, zero visibility), times kept."""
    xy = tracks.xy_px.copy()
    visibility = tracks.visibility.copy()
    xy[~usability.usable] = np.nan
    visibility[~usability.usable] = 0.0
    return replace(tracks, xy_px=xy, visibility=visibility)


def enough_usable(usability: FrameUsability, frame_rate_hz: float) -> bool:
    """At least ``MIN_USABLE_S`` of usable frames and ``MIN_USABLE_FRACTION`` of the clip."""
    usable = usability.usable
    rate = frame_rate_hz if np.isfinite(frame_rate_hz) and frame_rate_hz > 0 else 30.0
    return bool(usable.sum() >= MIN_USABLE_S * rate and usable.mean() >= MIN_USABLE_FRACTION)


def exclusion_warning(usability: FrameUsability) -> str | None:
    """One sentence on the excluded frames, or None when every frame is usable."""
    counts = {k: v for k, v in usability.counts().items() if v}
    if not counts:
        return None
    parts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
    n = len(usability.reason)
    return f"{sum(counts.values())} of {n} frames were excluded from the analysis ({parts})."


def clip_warnings(tracks: LandmarkTracks) -> list[str]:
    """Warnings about the recording itself: a low frame rate, frames that did not decode."""
    notes = []
    rate = tracks.frame_rate_hz
    if np.isfinite(rate) and rate < MIN_FRAME_RATE_HZ:
        notes.append(
            f"Low frame rate ({rate:.1f} frames/s): fast pelvic movements and short phases "
            f"can be missed; film at {MIN_FRAME_RATE_HZ:g} frames/s or more (60 for running)."
        )
    people = tracks.meta.get("subject") or {}
    if people.get("others"):
        hip_x = np.median([h[0] for h in people["subject"]["hip_px"]])
        place = "left" if hip_x < tracks.image_size_px[0] / 3 else "right"
        place = "centre" if abs(hip_x / tracks.image_size_px[0] - 0.5) < 1 / 6 else place
        notes.append(
            f"{len(people['others']) + 1} people are in the clip; the subject analysed is the "
            f"one {place} in the image ({people.get('hint', 'auto')} choice). Use --person "
            "left|right|center to choose another."
        )
    expected = tracks.meta.get("frames_expected")
    if isinstance(expected, int) and tracks.n_frames < (1 - MISSING_FRAMES_FRACTION) * expected:
        notes.append(
            f"Only {tracks.n_frames} of the {expected} frames the file announces could be "
            "decoded (damaged or cut-off file); the rest of the clip is not analysed."
        )
    return notes
