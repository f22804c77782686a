"""Is the tracked pose the chosen subject? Hips compared with the sampled paths of everyone
the people search found (``tracks.meta["subject"]``, written by :mod:`hipdrop.pose.subject`)."""

from __future__ import annotations

import numpy as np


def path_at(path: dict, frames: np.ndarray) -> np.ndarray:
    """(n, 2) hip centre of one candidate, interpolated between its sampled frames and held
    beyond them."""
    sampled = np.asarray(path["frames"], dtype=float)
    hips = np.asarray(path["hip_px"], dtype=float).reshape(-1, 2)
    return np.stack([np.interp(frames, sampled, hips[:, k]) for k in (0, 1)], axis=1)


def frames_nearer_another(hip_px: np.ndarray, subject_meta: dict | None) -> np.ndarray:
    """Frames whose hip centre ``hip_px`` (n, 2) lies nearer another candidate's path than the
    subject's: pose was following someone else there (an identity switch)."""
    n = len(hip_px)
    if not subject_meta or not subject_meta.get("subject") or not subject_meta.get("others"):
        return np.zeros(n, dtype=bool)
    frames = np.arange(n, dtype=float)
    own = np.linalg.norm(hip_px - path_at(subject_meta["subject"], frames), axis=1)
    nearer = np.zeros(n, dtype=bool)
    for other in subject_meta["others"]:
        nearer |= np.linalg.norm(hip_px - path_at(other, frames), axis=1) < own
    return nearer & np.isfinite(own)
