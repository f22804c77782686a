"""The phase table: half-open ``[start_frame, end_frame)`` intervals with times in seconds."""

from __future__ import annotations

import numpy as np
import pandas as pd

PHASE_COLUMNS = ["stance_leg", "start_frame", "end_frame", "start_s", "end_s", "duration_s"]


def end_time_s(time_s: np.ndarray, end_frame: int) -> float:
    """Time of the exclusive end: the next frame's time, or one frame past the last."""
    if end_frame < len(time_s):
        return float(time_s[end_frame])
    step = float(np.median(np.diff(time_s))) if len(time_s) > 1 else 0.0
    return float(time_s[-1] + step)


def phases_from_labels(
    labels: np.ndarray, time_s: np.ndarray, keep: tuple[str, ...] = ("left", "right")
) -> pd.DataFrame:
    """Runs of equal per-frame labels (only those in ``keep``) as a phase table."""
    rows = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            if labels[start] in keep:
                start_s, end_s = float(time_s[start]), end_time_s(time_s, i)
                rows.append((str(labels[start]), start, i, start_s, end_s, end_s - start_s))
            start = i
    table = pd.DataFrame(rows, columns=PHASE_COLUMNS)
    return table.astype({"start_frame": int, "end_frame": int})
