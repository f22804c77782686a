"""The picture's up, found from the body: a clip filmed on its side or upside down (a phone held
sideways or the wrong way up, or a missing or wrong rotation tag) is turned upright in quarter
turns before anything reads heights or sides from it.

Why from the body. A subject standing, walking or balancing has the head above the feet; a
picture whose body axis points down or sideways is turned, not the subject. Read as filmed, the
balance clip turned upside down had its standing foot "lifted" and its pelvis tilted 180° the
other way: a left stance, "excessive, 37°" (the man stands on his left leg, normal), and on its
side it was refused as a side view. BlazePose itself finds a body in any orientation (on that
clip turned 90°, 180° and 270° its landmarks are within 2-4 px median of the upright clip's),
so only what comes after pose needs to know where up is. The residual roll (under 45°) is the
camera geometry's job.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from hipdrop.io.video import turn_camera_axes, turn_points, turned_size
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import body_axis_units

if TYPE_CHECKING:
    from hipdrop.io.scene_lines import SceneLines

#: A quarter turn is applied only when the body's axis is within this of it (median over the
#: clip), and at least this many frames show the axis.
MAX_AXIS_SPREAD_DEG = 35.0
MIN_FRAMES = 5


def body_up_angle_deg(xy_px: np.ndarray) -> float:
    """The median image direction from the feet (or hips) to the shoulders, in degrees
    clockwise from image up (0 upright, 90 head to the right, 180 upside down); NaN without a
    body."""
    units = body_axis_units(xy_px)
    if len(units) < MIN_FRAMES:
        return float("nan")
    mean = np.median(units, axis=0)
    return float(np.degrees(np.arctan2(mean[0], -mean[1])) % 360.0)


def quarter_turns_to_upright(xy_px: np.ndarray) -> int:
    """Clockwise quarter turns (0-3) that bring the body upright; 0 when the body's axis is
    unclear (no body, or half-way between two quarter turns)."""
    angle = body_up_angle_deg(xy_px)
    if not np.isfinite(angle):
        return 0
    nearest = round(angle / 90.0) % 4
    off = abs((angle - 90.0 * nearest + 180.0) % 360.0 - 180.0)
    if off > MAX_AXIS_SPREAD_DEG:
        return 0
    return (4 - nearest) % 4


def turn_tracks(tracks: LandmarkTracks, turns: int) -> LandmarkTracks:
    """The tracks as they would be on the picture turned ``turns`` clockwise quarter turns."""
    if turns % 4 == 0:
        return tracks
    world = None if tracks.world_m is None else turn_camera_axes(tracks.world_m, turns)
    return replace(
        tracks,
        xy_px=turn_points(tracks.xy_px, tracks.image_size_px, turns),
        image_size_px=turned_size(tracks.image_size_px, turns),
        world_m=world,
        meta={**tracks.meta, "picture_quarter_turns_cw": turns % 4},
    )


def turn_scene(scene: SceneLines | None, size_px: tuple[int, int], turns: int) -> SceneLines | None:
    """The scene's straight edges and content box on the turned picture."""
    if scene is None or turns % 4 == 0:
        return scene
    ends = turn_points(scene.segments_px.reshape(-1, 2, 2), size_px, turns).reshape(-1, 4)
    x0, y0, x1, y1 = scene.content_box_px
    corners = turn_points(np.array([[x0, y0], [x1, y1]], float), size_px, turns)
    low, high = corners.min(axis=0), corners.max(axis=0)
    box = (float(low[0]), float(low[1]), float(high[0]), float(high[1]))
    return replace(scene, segments_px=ends, content_box_px=box)
