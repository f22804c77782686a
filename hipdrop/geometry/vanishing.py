"""Vanishing points of a scene's straight edges: every set of parallel 3D edges meets at one.

A room has several such sets, and nothing in the lines themselves says which is the vertical:
on the multicam rear camera (phone rolled 26°, looking down 22°) the longest set is the
treadmill's long edges, horizontal lines receding from the camera that meet above the picture,
and read as the vertical they put the camera looking up 53°. So this module finds the strongest
few sets and leaves the choice to ``camera.camera_from_vertical_lines``, which checks each
against the standing body.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A segment belongs to a vanishing point when it points at it within this angle.
INLIER_DEG = 1.0
#: Segments used: within this angle of the image vertical (horizontal edges receding in depth
#: can look steep; so can verticals on a phone rolled up to 45°), and at least this long as a
#: share of the picture's long side.
MAX_SEGMENT_TILT_DEG = 60.0
MIN_SEGMENT_FRACTION = 0.03
#: A set of edges smaller than this is not a vanishing point.
MIN_EDGES = 12
#: The strongest sets looked for, one after another, each among the edges the others left.
MAX_POINTS = 5
_RANSAC_DRAWS = 400


@dataclass(frozen=True)
class VanishingPoint:
    """Where one set of parallel 3D edges meets: its direction in camera coordinates (unit,
    x right, y down, z forward) and how much line supports it."""

    direction: np.ndarray
    edges: int
    length_px: float

    def roll_pitch_if_vertical(self) -> tuple[float, float]:
        """The camera's roll and pitch (degrees, CameraGeometry's convention) were these
        edges the room's verticals."""
        up = self.direction if self.direction[1] <= 0 else -self.direction
        return (
            float(np.degrees(np.arctan2(up[0], -up[1]))),
            float(np.degrees(np.arcsin(np.clip(-up[2], -1.0, 1.0)))),
        )

    def pitch_if_horizontal(self, roll_deg: float) -> float:
        """The pitch at which these edges are horizontal, for a camera rolled ``roll_deg``:
        gravity's up (sin r cos p, -cos r cos p, -sin p) is then perpendicular to them, so
        their vanishing point lies on the horizon."""
        roll = np.radians(roll_deg)
        d = self.direction
        lateral = np.sin(roll) * d[0] - np.cos(roll) * d[1]
        if abs(d[2]) < 1e-9:
            return 90.0
        return float(np.degrees(np.arctan(lateral / d[2])))


def _lines(segments: np.ndarray, centre: np.ndarray, scale: float):
    p1 = np.c_[(segments[:, :2] - centre) / scale, np.ones(len(segments))]
    p2 = np.c_[(segments[:, 2:] - centre) / scale, np.ones(len(segments))]
    lines = np.cross(p1, p2)
    lines /= np.linalg.norm(lines[:, :2], axis=1, keepdims=True)
    direction = (p2 - p1)[:, :2]
    length = np.linalg.norm(direction, axis=1)
    return lines, 0.5 * (p1 + p2), direction / length[:, None], length


def _misfit_deg(v: np.ndarray, mid: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Angle between each segment and the line from its midpoint to ``v`` (homogeneous)."""
    toward = v[None, :2] - mid[:, :2] * v[2]
    toward /= np.linalg.norm(toward, axis=1, keepdims=True) + 1e-12
    cross = np.abs(toward[:, 0] * direction[:, 1] - toward[:, 1] * direction[:, 0])
    return np.degrees(np.arcsin(np.clip(cross, 0.0, 1.0)))


def _strongest(segments: np.ndarray, centre: np.ndarray, scale: float, rng) -> tuple:
    """RANSAC over segment pairs, then a length-weighted least-squares refit of the inliers.
    Returns (v homogeneous in centred, ``scale``-normalised coordinates, inlier mask)."""
    lines, mid, direction, length = _lines(segments, centre, scale)
    weights = length / length.sum()
    best_score, best = -1.0, None
    for _ in range(_RANSAC_DRAWS):
        i, j = rng.choice(len(segments), 2, replace=False, p=weights)
        v = np.cross(lines[i], lines[j])
        if np.linalg.norm(v) < 1e-12:
            continue
        inliers = _misfit_deg(v / np.linalg.norm(v), mid, direction) < INLIER_DEG
        score = length[inliers].sum()
        if score > best_score:
            best_score, best = score, inliers
    if best is None:
        return None, np.zeros(len(segments), bool)
    v = np.linalg.svd(lines[best] * length[best, None])[2][-1]
    return v, _misfit_deg(v, mid, direction) < INLIER_DEG


def steep_segments(segments_px: np.ndarray, scale_px: float) -> np.ndarray:
    """The segments steep and long enough to be used."""
    delta = segments_px[:, 2:] - segments_px[:, :2]
    length = np.hypot(delta[:, 0], delta[:, 1])
    tilt = np.degrees(np.arctan2(np.abs(delta[:, 0]), np.abs(delta[:, 1])))
    return segments_px[(tilt < MAX_SEGMENT_TILT_DEG) & (length > MIN_SEGMENT_FRACTION * scale_px)]


def vanishing_points(
    segments_px: np.ndarray,
    content_box_px: tuple[float, float, float, float],
    focal_px: float,
    seed: int = 0,
) -> list[VanishingPoint]:
    """The strongest sets of edges meeting at one point, strongest first (at most
    ``MAX_POINTS``). The principal point is the centre of ``content_box_px`` (x0, y0, x1, y1),
    the picture inside any black padding."""
    x0, y0, x1, y1 = content_box_px
    scale = float(max(x1 - x0, y1 - y0))
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    rest = steep_segments(np.asarray(segments_px, float).reshape(-1, 4), scale)
    rng = np.random.default_rng(seed)
    found: list[VanishingPoint] = []
    while len(found) < MAX_POINTS and len(rest) >= MIN_EDGES:
        v, inliers = _strongest(rest, centre, scale, rng)
        if v is None or inliers.sum() < MIN_EDGES:
            break
        direction = np.array([v[0] * scale, v[1] * scale, v[2] * focal_px])
        length = np.hypot(*(rest[inliers, 2:] - rest[inliers, :2]).T).sum()
        found.append(
            VanishingPoint(direction / np.linalg.norm(direction), int(inliers.sum()), length)
        )
        rest = rest[~inliers]
    return found
