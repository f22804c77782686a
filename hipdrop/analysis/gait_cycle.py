"""Pelvic obliquity over the gait cycle: each stride resampled to 0-100%, as gait labs plot it.

A cycle runs from one foot's strike to its next strike. Obliquity is taken in the gait-lab
convention for that side: positive when the IPSILATERAL hip is higher (so a drop of the
opposite, swinging side during this foot's stance is positive).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hipdrop.conventions import SIDES

#: Normal walking at free speed (Schwartz, Rozumalski & Trost 2008, normative data;
#: CLINICAL.md): obliquity peaks +4.1 ± 2.1° at ~16% and -4.1 ± 2.2° at ~66% of the cycle.
NORMAL_PEAK_DEG = 4.1
NORMAL_PEAK_PERCENT = 16.0
NORMAL_SD_DEG = 2.15

#: A stride with more untracked samples than this is left out.
MAX_MISSING_FRACTION = 0.2


def normal_band(percent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and SD of normal walking obliquity at each percent of the gait cycle.

    Only the peaks and their timing are published in CLINICAL.md, so the curve between them
    is a sinusoid through those peaks: an approximation of the normative shape.
    """
    phase = 2 * np.pi * (np.asarray(percent, dtype=float) - NORMAL_PEAK_PERCENT + 25.0) / 100.0
    mean = NORMAL_PEAK_DEG * np.sin(phase)
    return mean, np.full_like(mean, NORMAL_SD_DEG)


def cycle_curves(
    frames: pd.DataFrame, steps: pd.DataFrame, n_points: int = 101
) -> dict[str, np.ndarray]:
    """Per side, an (n_cycles, n_points) array of ipsilateral obliquity over 0-100% of the cycle.

    Cycles start at the strikes of included steps and end at the same foot's next strike.
    """
    time_s = frames["time_s"].to_numpy()
    obliquity = frames["corrected_obliquity_deg"].to_numpy()
    grid = np.linspace(0.0, 1.0, n_points)
    curves = {}
    for side in SIDES:
        sign = 1.0 if side == "left" else -1.0
        mine = steps[steps["stance_leg"] == side].sort_values("foot_strike_frame")
        starts = mine["foot_strike_frame"].to_numpy(dtype=int)
        used = mine["included"].to_numpy(dtype=bool)
        rows = []
        for start, stop, ok in zip(starts[:-1], starts[1:], used[:-1], strict=True):
            values = obliquity[start : stop + 1] * sign
            finite = np.isfinite(values)
            if not ok or finite.sum() < 3 or np.mean(~finite) > MAX_MISSING_FRACTION:
                continue
            span = time_s[start : stop + 1]
            fraction = (span - span[0]) / (span[-1] - span[0])
            rows.append(np.interp(grid, fraction[finite], values[finite]))
        curves[side] = np.array(rows).reshape(-1, n_points)
    return curves


def foot_off_percent(steps: pd.DataFrame) -> dict[str, float | None]:
    """Mean foot off per side, in percent of that foot's cycle (stance share)."""
    out = {}
    for side in SIDES:
        mine = steps[steps["stance_leg"] == side].sort_values("foot_strike_frame")
        strike = mine["foot_strike_s"].to_numpy()
        off = mine["foot_off_s"].to_numpy(dtype=float)
        shares = (off[:-1] - strike[:-1]) / np.diff(strike)
        shares = shares[np.isfinite(shares) & (shares > 0) & (shares < 1)]
        out[side] = float(100 * shares.mean()) if len(shares) else None
    return out
