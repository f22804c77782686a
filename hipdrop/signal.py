"""Cleaning landmark tracks: visibility masking, leg-swap repair, gap filling, zero-lag filter."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np

from hipdrop.conventions import LEG_SEGMENT, landmark
from hipdrop.tracks import LandmarkTracks

_LEFT_LEG = [landmark("left", part) for part in LEG_SEGMENT]
_RIGHT_LEG = [landmark("right", part) for part in LEG_SEGMENT]


@dataclass(frozen=True)
class CleaningParams:
    min_visibility: float = 0.5
    min_hip_width_fraction: float = 0.5  # of the clip's median hip width
    max_gap_s: float = 0.25
    cutoff_hz: float = 6.0
    filter_order: int = 2


@dataclass(frozen=True)
class CleanedTracks:
    tracks: LandmarkTracks
    pelvis_relabelled: np.ndarray  # (n,) bool: frames whose hip labels were exchanged
    legs_relabelled: np.ndarray  # (n,) bool: frames whose leg labels were exchanged
    unfiltered_xy_px: np.ndarray  # (n, 33, 2) repaired and gap-filled, before the low-pass
    masked: np.ndarray  # (n, 33) bool: positions dropped for low visibility or no pose


def mask_low_visibility(tracks: LandmarkTracks, min_visibility: float) -> np.ndarray:
    """Pixel positions with NaN where visibility is below ``min_visibility``."""
    xy = tracks.xy_px.copy()
    xy[tracks.visibility < min_visibility] = np.nan
    return xy


def clip_facing_sign(xy_px: np.ndarray) -> float:
    """+1 when most frames show the left hip at larger image x (subject faces the camera)."""
    dx = xy_px[:, landmark("left", "hip"), 0] - xy_px[:, landmark("right", "hip"), 0]
    return 1.0 if np.nansum(np.sign(dx)) >= 0 else -1.0


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


def facing_by_stretch(xy_px: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """Per frame, +1 where the subject faces the camera (left hip at larger image x) and -1
    where they turn their back to it: the majority within each stretch of the clip between
    two turns (edge-on moments, or ``UNSEEN_TURN_S`` without the hips in view), so a walker
    seen coming and then going gets both right."""
    ls, rs = xy_px[:, landmark("left", "shoulder")], xy_px[:, landmark("right", "shoulder")]
    lh, rh = xy_px[:, landmark("left", "hip")], xy_px[:, landmark("right", "hip")]
    torso = np.linalg.norm(0.5 * (ls + rs) - 0.5 * (lh + rh), axis=1)
    with np.errstate(invalid="ignore"):
        edge_on = np.abs(ls[:, 0] - rs[:, 0]) < TURN_SHOULDER_RATIO * torso
    starts = [a for a, b in _finite_runs(edge_on) if b - a >= TURN_MIN_FRAMES]
    unseen = ~np.isfinite(lh[:, 0] + rh[:, 0])
    starts += [
        a
        for a, b in _finite_runs(unseen)
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
    facing = np.full(len(xy_px), clip_facing_sign(xy_px))
    for start, end in itertools.pairwise(bounds):
        dx = lh[start:end, 0] - rh[start:end, 0]
        if np.isfinite(dx).any():
            facing[start:end] = 1.0 if np.nansum(np.sign(dx)) >= 0 else -1.0
    return facing


def enforce_lateral_order(
    xy_px: np.ndarray, facing: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relabel left/right from image position: in a frontal view the subject's left hip,
    shoulder and leg are always on the same image side (which side, the majority of the
    stretch between turns says, ``facing`` from :func:`facing_by_stretch`; else the clip's).

    MediaPipe sometimes labels the whole body as if the subject had turned round, or swaps the
    legs, for single frames or long stretches, and flickers between the two; ordering by
    position is immune to that. Legs are ordered as a block (knee, ankle, heel, toe) by the
    mean x of knee and ankle. Returns the relabelled positions and the frames whose pelvis
    and whose legs were relabelled.
    """
    out = xy_px.copy()
    facing = np.full(len(xy_px), clip_facing_sign(xy_px)) if facing is None else facing
    hips = [landmark("left", "hip")], [landmark("right", "hip")]
    shoulders = [landmark("left", "shoulder")], [landmark("right", "shoulder")]
    pelvis = _misordered(out, *hips, facing)
    _swap(out, pelvis, *hips)
    _swap(out, _misordered(out, *shoulders, facing), *shoulders)
    legs = _misordered(out, _LEFT_LEG[:2], _RIGHT_LEG[:2], facing)
    _swap(out, legs, _LEFT_LEG, _RIGHT_LEG)
    return out, pelvis, legs


def _finite_runs(finite: np.ndarray) -> list[tuple[int, int]]:
    """Half-open [start, end) runs where ``finite`` is True."""
    padded = np.concatenate([[False], finite, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(int)))
    return list(zip(edges[::2], edges[1::2], strict=True))


def fill_gaps(values: np.ndarray, time_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linear interpolation across NaN gaps no longer than ``max_gap_s`` (first axis is time)."""
    out = values.copy()
    flat = out.reshape(len(out), -1)
    for column in flat.T:
        finite = np.isfinite(column)
        if finite.sum() < 2:
            continue
        gaps = _finite_runs(~finite)
        for start, end in gaps:
            if start == 0 or end == len(column):
                continue
            if time_s[end] - time_s[start - 1] <= max_gap_s + 1e-9:
                column[start:end] = np.interp(
                    time_s[start:end],
                    [time_s[start - 1], time_s[end]],
                    [column[start - 1], column[end]],
                )
    return out


def lowpass(values: np.ndarray, time_s: np.ndarray, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-lag Butterworth low-pass (forward-backward) along time, run by run between gaps.

    Runs too short for the filter's padding are left unfiltered. A cutoff at or above the
    Nyquist frequency of the clip leaves the data unchanged. Columns that share the same finite
    run are filtered together in one pass.
    """
    if len(time_s) < 2:
        return values.copy()
    rate_hz = 1.0 / float(np.median(np.diff(time_s)))
    if cutoff_hz >= 0.5 * rate_hz:
        return values.copy()
    from scipy.signal import butter, filtfilt  # imported here: the filter alone needs it

    b, a = butter(order, cutoff_hz / (0.5 * rate_hz))
    padlen = 3 * max(len(a), len(b))
    out = values.copy()
    flat = out.reshape(len(out), -1)
    columns_by_run: dict[tuple[int, int], list[int]] = {}
    for column in range(flat.shape[1]):
        for start, end in _finite_runs(np.isfinite(flat[:, column])):
            if end - start > padlen:
                columns_by_run.setdefault((start, end), []).append(column)
    for (start, end), columns in columns_by_run.items():
        flat[start:end, columns] = filtfilt(b, a, flat[start:end, columns], axis=0)
    return out


def mask_collapsed_pelvis(
    xy_px: np.ndarray, time_s: np.ndarray, min_width_fraction: float, window_s: float = 2.0
) -> np.ndarray:
    """Frames whose hip landmarks nearly coincide (a pose failure or the body seen edge-on).

    The width is compared with its median over a ``window_s`` window, not the whole clip, so
    a subject walking toward or away from the camera (growing or shrinking) is not masked.
    Their hip line has no usable direction, so the hips are set to NaN there.
    """
    left, right = landmark("left", "hip"), landmark("right", "hip")
    width = np.linalg.norm(xy_px[:, left] - xy_px[:, right], axis=1)
    with np.errstate(invalid="ignore"):
        collapsed = width < min_width_fraction * rolling_median(width, time_s, window_s)
    out = xy_px.copy()
    out[collapsed, left] = np.nan
    out[collapsed, right] = np.nan
    return out


def rolling_median(values: np.ndarray, time_s: np.ndarray, window_s: float) -> np.ndarray:
    """NaN-aware median of a centred window ``window_s`` long (NaN where it holds no value)."""
    rate_hz = 1.0 / float(np.median(np.diff(time_s))) if len(time_s) > 1 else 1.0
    half = max(1, round(0.5 * window_s * rate_hz))
    padded = np.pad(values.astype(float), half, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN
        return np.nanmedian(windows, axis=1) if windows.size else values.astype(float)


def rolling_outliers(
    values: np.ndarray, time_s: np.ndarray, window_s: float, max_deviation: float
) -> np.ndarray:
    """Samples further than ``max_deviation`` from the median of a centred time window."""
    with np.errstate(invalid="ignore"):
        return np.abs(values - rolling_median(values, time_s, window_s)) > max_deviation


def clean_tracks(tracks: LandmarkTracks, params: CleaningParams | None = None) -> CleanedTracks:
    """Mask, relabel left/right by position, fill short gaps and low-pass the pixel tracks."""
    params = params or CleaningParams()
    xy = mask_low_visibility(tracks, params.min_visibility)
    facing = facing_by_stretch(xy, tracks.time_s)  # before a turn's edge-on hips are masked
    xy = mask_collapsed_pelvis(xy, tracks.time_s, params.min_hip_width_fraction)
    masked = ~np.isfinite(xy[..., 0])
    if tracks.meta.get("world_exact"):  # exact 3D keypoints keep their labels: legs may cross
        flipped = swapped = np.zeros(len(xy), bool)
    else:
        xy, flipped, swapped = enforce_lateral_order(xy, facing)
    repaired = fill_gaps(xy, tracks.time_s, params.max_gap_s)
    smooth = lowpass(repaired, tracks.time_s, params.cutoff_hz, params.filter_order)
    return CleanedTracks(tracks.with_xy(smooth), flipped, swapped, repaired, masked)
