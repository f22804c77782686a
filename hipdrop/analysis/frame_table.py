"""The per-frame table (``frames.csv``): the hip line's image angle, the pelvis's frontal tilt
with the camera's view undone, trunk lean and lateral shift, and the body's scale in pixels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hipdrop.geometry import CameraGeometry, FrontalGeometry, frontal_geometry
from hipdrop.geometry.frontal import EXACT_WORLD
from hipdrop.geometry.frontal_plane import frontal_trunk_lean_deg, stance_shift_widths
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import hip_width_px, pelvic_obliquity_deg, subject_left_sign
from hipdrop.tracks.signal import rolling_outliers

#: Obliquity samples this far from the median of a window this long are discarded.
OUTLIER_WINDOW_S = 0.5
OUTLIER_DEG = 10.0


def frame_table(
    tracks: LandmarkTracks,
    level: LandmarkTracks,
    labels: np.ndarray,
    camera: CameraGeometry,
    view: FrontalGeometry,
) -> pd.DataFrame:
    """Per-frame kinematics of cleaned tracks (the body of ``frames.csv``).

    ``pelvic_obliquity_deg`` is the raw image angle of the hip line; ``frontal_obliquity_deg``
    the pelvis's tilt in 3D with the camera's roll and pitch and the subject's turn undone
    (blank where the view is too oblique to undo). Everything after uses the latter. Trunk
    lean and the lateral shift over the stance foot are measured in the subject's frontal
    plane (see geometry/frontal_plane.py); the pelvis's sideways position in the image comes
    from ``level``, the tracks turned so that gravity is image-down.
    """
    left_sign = subject_left_sign(level)
    obliquity = pelvic_obliquity_deg(tracks)
    # Tracker start-up and one-off pose failures tilt the hip line by tens of degrees for a
    # frame or two; such samples are not pelvic motion.
    outliers = rolling_outliers(obliquity, tracks.time_s, OUTLIER_WINDOW_S, OUTLIER_DEG)
    obliquity[outliers] = np.nan
    frontal = np.where(outliers, np.nan, view.frontal_obliquity_deg)
    # Where the view is too oblique for the pelvis's tilt, it is for the trunk and shift too.
    too_oblique = ~np.isfinite(view.frontal_obliquity_deg)
    lean = frontal_trunk_lean_deg(tracks.xy_px, tracks.world_m, camera, view)
    shift = stance_shift_widths(tracks.xy_px, labels, camera, view)
    pelvis_x = 0.5 * (level.point("left", "hip")[:, 0] + level.point("right", "hip")[:, 0])
    return pd.DataFrame(
        {
            "frame": np.arange(tracks.n_frames),
            "time_s": tracks.time_s,
            "pelvic_obliquity_deg": obliquity,
            "frontal_obliquity_deg": frontal,
            "subject_yaw_deg": view.subject_yaw_deg,
            "off_axis_deg": view.off_axis_deg,
            "geometry_sd_deg": view.geometry_sd_deg,
            "stance_leg": labels,
            "trunk_lean_deg": np.where(too_oblique, np.nan, lean),
            "lateral_shift_widths": np.where(too_oblique, np.nan, shift),
            "hip_width_px": hip_width_px(tracks),
            "pelvis_left_px": pelvis_x * left_sign,
        }
    )


def view_geometry(tracks: LandmarkTracks, camera: CameraGeometry) -> FrontalGeometry:
    """The frontal geometry of cleaned tracks; exact 3D keypoints give the turn exactly."""
    exact = EXACT_WORLD if tracks.meta.get("world_exact") else {}
    return frontal_geometry(tracks.xy_px, tracks.world_m, tracks.time_s, camera, **exact)


#: Heuristic: hip joint centres are 13-18 cm apart in the shared recordings (Plug-in Gait 12.6
#: cm, CGM2.4 16.1 cm, the multicam 3D hips 18 cm); a --height-cm scale implying a pelvis far
#: outside that comes from a body not seen upright and whole (a steep camera, a crouch).
PLAUSIBLE_PELVIS_WIDTH_CM = (10.0, 30.0)


def centimetre_scale(
    height_px: float, height_cm: float | None, frames: pd.DataFrame
) -> tuple[float | None, str | None]:
    """Pixels per centimetre from the body height, and a warning where it is not usable."""
    if not height_cm or not np.isfinite(height_px) or height_px <= 0:
        return None, None
    px_per_cm = height_px / height_cm
    turn = np.radians(frames["off_axis_deg"].to_numpy(dtype=float))
    pelvis_cm = np.nanmedian(frames["hip_width_px"].to_numpy(dtype=float) / np.cos(turn))
    pelvis_cm /= px_per_cm
    low, high = PLAUSIBLE_PELVIS_WIDTH_CM
    if low <= pelvis_cm <= high:
        return px_per_cm, None
    return None, (
        f"--height-cm {height_cm:g} would make the pelvis {pelvis_cm:.0f} cm wide (hip joints "
        f"are {low:g}-{high:g} cm apart): the body is not seen upright and whole here (a steep "
        "camera?), so lateral shift is given in pelvis widths only."
    )


def subject_height_px(stature: np.ndarray, labels: np.ndarray) -> float:
    """Median stature on both feet, else over all frames; NaN when never measured."""
    standing = stature[(labels == "both") & np.isfinite(stature)]
    measured = standing if standing.size else stature[np.isfinite(stature)]
    return float(np.median(measured)) if measured.size else float("nan")
