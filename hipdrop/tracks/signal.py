"""Cleaning landmark tracks: visibility masking, leg-swap repair, gap filling, zero-lag filter."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from hipdrop.conventions import landmark
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.runs import true_runs
from hipdrop.tracks.sides import enforce_lateral_order, facing_by_stretch


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
    facing_unknown: np.ndarray  # (n,) bool: front or back view not told, labels not checked


def mask_low_visibility(tracks: LandmarkTracks, min_visibility: float) -> np.ndarray:
    """Pixel positions with NaN where visibility is below ``min_visibility``."""
    xy = tracks.xy_px.copy()
    xy[tracks.visibility < min_visibility] = np.nan
    return xy


def fill_gaps(values: np.ndarray, time_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Linear interpolation across NaN gaps no longer than ``max_gap_s`` (first axis is time)."""
    out = values.copy()
    flat = out.reshape(len(out), -1)
    for column in flat.T:
        finite = np.isfinite(column)
        if finite.sum() < 2:
            continue
        gaps = true_runs(~finite)
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
        for start, end in true_runs(np.isfinite(flat[:, column])):
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
        flipped = swapped = unknown = np.zeros(len(xy), bool)
    else:
        xy, flipped, swapped = enforce_lateral_order(xy, facing)
        unknown = facing == 0
    repaired = fill_gaps(xy, tracks.time_s, params.max_gap_s)
    smooth = lowpass(repaired, tracks.time_s, params.cutoff_hz, params.filter_order)
    return CleanedTracks(tracks.with_xy(smooth), flipped, swapped, repaired, masked, unknown)
