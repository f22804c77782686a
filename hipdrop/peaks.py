"""Peak finding by prominence and distance, in numpy (the subset of ``scipy.signal.find_peaks``
that the gait detector uses, with the same answers).

Why not ``scipy.signal``: importing it costs about 0.7 s, more than a whole re-analysis from
cached landmarks, and every analysis looks for gait events. The tests compare with scipy.
"""

from __future__ import annotations

import math

import numpy as np


def local_maxima(x: np.ndarray) -> np.ndarray:
    """Samples higher than both neighbours; a flat top counts once, at its middle (rounded
    down). Tops touching either end of the signal are not peaks."""
    x = np.asarray(x, dtype=float)
    if len(x) < 3:
        return np.array([], dtype=np.intp)
    starts = np.flatnonzero(np.r_[True, np.diff(x) != 0])
    ends = np.r_[starts[1:] - 1, len(x) - 1]
    level = x[starts]
    top = np.flatnonzero((level[1:-1] > level[:-2]) & (level[1:-1] > level[2:])) + 1
    return (starts[top] + ends[top]) // 2


def _thin_by_distance(x: np.ndarray, peaks: np.ndarray, distance: float) -> np.ndarray:
    """Keep the highest peaks first, dropping any lower peak closer than ``distance``."""
    min_gap = math.ceil(distance)
    keep = np.ones(len(peaks), dtype=bool)
    for j in np.argsort(x[peaks])[::-1]:
        if not keep[j]:
            continue
        near = np.abs(peaks - peaks[j]) < min_gap
        near[j] = False
        keep[near] = False
    return peaks[keep]


def prominences(x: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """How far each peak stands above the higher of the lowest points between it and the
    nearest higher sample on either side (or the signal's end)."""
    x = np.asarray(x, dtype=float)
    out = np.empty(len(peaks))
    for i, peak in enumerate(peaks):
        height = x[peak]
        higher_left = np.flatnonzero(x[:peak] > height)
        start = higher_left[-1] + 1 if len(higher_left) else 0
        higher_right = np.flatnonzero(x[peak + 1 :] > height)
        stop = peak + 1 + higher_right[0] if len(higher_right) else len(x)
        out[i] = height - max(x[start : peak + 1].min(), x[peak:stop].min())
    return out


def find_peaks(
    x: np.ndarray, prominence: float | None = None, distance: float | None = None
) -> tuple[np.ndarray, dict]:
    """Peak indices and ``{"prominences": ...}``, like ``scipy.signal.find_peaks`` with only
    ``prominence`` (minimum) and ``distance`` (samples, at least 1): distance is applied first."""
    x = np.asarray(x, dtype=float)
    peaks = local_maxima(x)
    if distance is not None:
        peaks = _thin_by_distance(x, peaks, distance)
    properties: dict = {}
    if prominence is not None:
        prom = prominences(x, peaks)
        keep = prom >= prominence
        peaks, properties["prominences"] = peaks[keep], prom[keep]
    return peaks, properties
