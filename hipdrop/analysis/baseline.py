"""Quiet standing on both feet: the reference that removes camera roll and resting asymmetry."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from hipdrop.events.phases import phases_from_labels
from hipdrop.geometry.camera import CameraGeometry


@dataclass(frozen=True)
class Baseline:
    """Median posture over quiet double-leg standing.

    ``obliquity_deg`` is frontal obliquity (the camera's view undone), so a baseline filmed
    with the subject facing the other way gives the same resting tilt. ``camera`` is the
    geometry found in a separate baseline clip: the same camera in the same place.
    """

    obliquity_deg: float
    trunk_lean_deg: float
    pelvis_x_px: float | None  # only meaningful within the analysed clip itself
    source: str
    n_frames: int
    camera: CameraGeometry | None = None

    def as_dict(self) -> dict:
        return asdict(self)


#: A standing pelvis tilted further than this (view undone) is not quiet standing: the person
#: was moving, or pose misread the hips. A leg-length difference of 2 cm, already clinically
#: notable, tilts a 25 cm pelvis by about 5°.
MAX_RESTING_OBLIQUITY_DEG = 6.0
#: ... and one whose tilt keeps changing faster than this (median over the run) is a pelvis
#: on its way somewhere: the rear rolled multicam camera's subject, putting his lifted foot
#: down, tilted 24°/s (6.6° in 0.27 s) with his pelvis still in place; under a stricter
#: stance rule tried on the way, that stretch was taken for his resting level and moved every
#: drop 4.7°. The still multicam static clips: 1.5-3°/s.
MAX_RESTING_TILT_SPEED_DEG_PER_S = 10.0


def _speed_widths_per_s(pelvis_x_px: np.ndarray, hip_width_px: np.ndarray, time_s: np.ndarray):
    width = np.nanmedian(hip_width_px)
    return np.abs(np.gradient(pelvis_x_px, time_s)) / width


def find_quiet_standing(
    labels: np.ndarray,
    time_s: np.ndarray,
    obliquity_deg: np.ndarray,
    trunk_lean_deg: np.ndarray,
    pelvis_x_px: np.ndarray,
    hip_width_px: np.ndarray,
    min_duration_s: float = 0.25,
    max_speed_widths_per_s: float = 1.0,
) -> Baseline | None:
    """The longest still run of double-leg frames in the clip whose pelvis is about level
    (``MAX_RESTING_OBLIQUITY_DEG``) and steady (``MAX_RESTING_TILT_SPEED_DEG_PER_S``), or None
    if there is none."""
    speed = _speed_widths_per_s(pelvis_x_px, hip_width_px, time_s)
    with np.errstate(invalid="ignore"):
        tilt_speed = np.abs(np.gradient(obliquity_deg, time_s))
    quiet = np.where(
        (labels == "both") & (speed < max_speed_widths_per_s) & np.isfinite(obliquity_deg),
        "quiet",
        "other",
    )
    runs = phases_from_labels(quiet, time_s, keep=("quiet",))
    runs = runs[runs["duration_s"] >= min_duration_s]
    spans = [slice(int(r.start_frame), int(r.end_frame)) for r in runs.itertuples()]
    level = [
        abs(np.nanmedian(obliquity_deg[span])) <= MAX_RESTING_OBLIQUITY_DEG
        and np.nanmedian(tilt_speed[span]) <= MAX_RESTING_TILT_SPEED_DEG_PER_S
        for span in spans
    ]
    runs = runs[np.array(level, bool)] if len(runs) else runs
    if runs.empty:
        return None
    best = runs.loc[runs["duration_s"].idxmax()]
    span = slice(int(best.start_frame), int(best.end_frame))
    return Baseline(
        obliquity_deg=float(np.nanmedian(obliquity_deg[span])),
        trunk_lean_deg=float(np.nanmedian(trunk_lean_deg[span])),
        pelvis_x_px=float(np.nanmedian(pelvis_x_px[span])),
        source=f"quiet standing in this clip, {best.start_s:.2f}-{best.end_s:.2f} s",
        n_frames=int(best.end_frame - best.start_frame),
    )


def baseline_from_clip(
    labels: np.ndarray,
    obliquity_deg: np.ndarray,
    trunk_lean_deg: np.ndarray,
    name: str,
    camera: CameraGeometry | None = None,
) -> Baseline | None:
    """Baseline from a separate standing clip: the median over its double-leg frames."""
    use = (labels == "both") & np.isfinite(obliquity_deg)
    if use.sum() < 3:
        use = np.isfinite(obliquity_deg)
    if use.sum() < 3:
        return None
    return Baseline(
        obliquity_deg=float(np.nanmedian(obliquity_deg[use])),
        trunk_lean_deg=float(np.nanmedian(trunk_lean_deg[use])),
        pelvis_x_px=None,
        source=f"baseline clip {name}",
        n_frames=int(use.sum()),
        camera=camera,
    )
