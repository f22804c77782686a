"""Evidence picture: the frame at peak drop with the pelvis line and a level reference."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from hipdrop.conventions import landmark
from hipdrop.geometry.camera_motion import moving
from hipdrop.io.camera_motion import held_matrices
from hipdrop.report.plots import SIDE_COLOURS, STYLE
from hipdrop.tracks import LandmarkTracks

if TYPE_CHECKING:
    from hipdrop.analysis.findings import Findings

_BONES = [
    ("shoulder", "elbow"),
    ("elbow", "wrist"),
    ("shoulder", "hip"),
    ("hip", "knee"),
    ("knee", "ankle"),
    ("ankle", "heel"),
    ("heel", "foot_index"),
    ("ankle", "foot_index"),
]


def level_direction(left_hip: np.ndarray, right_hip: np.ndarray, level_deg: float) -> np.ndarray:
    """Unit vector (image pixels) toward the left hip along a line of obliquity ``level_deg``.

    Same convention as ``pelvic_obliquity_deg``: positive when the left end is higher.
    """
    side = np.sign(left_hip[0] - right_hip[0]) or 1.0
    toward_left = np.array([side, -np.tan(np.radians(level_deg))])
    return toward_left / np.linalg.norm(toward_left)


def _crop_box(xy: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """A box around the subject (landmarks plus margin), clipped to the image."""
    pts = xy[np.isfinite(xy).all(axis=1)]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    margin = 0.25 * max(x1 - x0, y1 - y0)
    return (
        max(0, int(x0 - margin)),
        max(0, int(y0 - margin)),
        min(width, int(x1 + margin)),
        min(height, int(y1 + margin)),
    )


def evidence_figure(
    tracks: LandmarkTracks,
    frame_index: int,
    stance_leg: str,
    drop_deg: float,
    image_rgb: np.ndarray | None = None,
    level_deg: float | None = None,
    level_label: str = "level",
) -> Figure:
    """The subject at one frame: skeleton, hip line, a level line through the stance hip.

    ``level_deg`` is the reference the drop is measured against, as an image angle (the
    horizontal the camera geometry found, less any baseline); None draws the image horizontal.
    The angle between the two lines is then the reported drop. Without a video frame the
    skeleton is drawn on a plain background.
    """
    level_name = level_label
    xy = tracks.xy_px[frame_index]
    width, height = tracks.image_size_px
    x0, y0, x1, y1 = _crop_box(xy, width, height)
    with plt.rc_context(STYLE):
        inches_per_px = min(4.2 / max(1, x1 - x0), 4.6 / max(1, y1 - y0))
        fig, ax = plt.subplots(
            figsize=((x1 - x0) * inches_per_px, (y1 - y0) * inches_per_px), layout="constrained"
        )
        if image_rgb is not None:
            ax.imshow(image_rgb[y0:y1, x0:x1], extent=(x0, x1, y1, y0))
        else:
            ax.set_facecolor("#f1f3f5")
        for side in ("left", "right"):
            for a, b in _BONES:
                p, q = xy[landmark(side, a)], xy[landmark(side, b)]
                ax.plot([p[0], q[0]], [p[1], q[1]], color=SIDE_COLOURS[side], lw=2, alpha=0.85)
        stance_hip = xy[landmark(stance_leg, "hip")]
        swing_hip = xy[landmark("right" if stance_leg == "left" else "left", "hip")]
        toward_left = level_direction(xy[landmark("left", "hip")], xy[landmark("right", "hip")],
                                      level_deg or 0.0)  # fmt: skip
        toward_swing = toward_left if stance_leg == "right" else -toward_left
        span = 1.6 * float(np.linalg.norm(swing_hip - stance_hip))
        start, end = stance_hip - 0.3 * span * toward_swing, stance_hip + span * toward_swing
        for colour, lw, label in (("white", 2.5, None), ("#212529", 1.2, level_name)):
            ax.plot([start[0], end[0]], [start[1], end[1]], color=colour, lw=lw, ls="--",
                    label=label)  # fmt: skip
        ax.plot(
            [stance_hip[0], swing_hip[0]],
            [stance_hip[1], swing_hip[1]],
            color="#fcc419",
            lw=3.5,
            solid_capstyle="round",
            label="pelvis",
        )
        ax.plot(*stance_hip, "o", ms=8, color=SIDE_COLOURS[stance_leg], mec="white")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y1, y0)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        t = tracks.time_s[frame_index]
        ax.set_title(
            f"{stance_leg.capitalize()} stance, peak drop {drop_deg:.1f}°\n"
            f"frame {frame_index}, {t:.2f} s",
            fontsize=10,
        )
        ax.legend(loc="lower center", ncol=2, fontsize=8, framealpha=0.8, frameon=True)
    return fig


def picture_steadier(findings: Findings) -> Callable[[np.ndarray, int], np.ndarray]:
    """``steady(image_bgr, frame)``: a decoded frame turned into the picture the analysis's
    landmarks are steadied to (the frame itself where the camera did not move, as its landmarks
    are then left as found), so that what is drawn on it lands where it was seen. The
    transforms are worked out once, not per frame of a video."""
    motion = findings.camera_motion
    if not moving(motion):
        return lambda image_bgr, frame: image_bgr
    held = held_matrices(motion)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP

    def steady(image_bgr: np.ndarray, frame: int) -> np.ndarray:
        if not 0 <= frame < len(held):
            return image_bgr
        height, width = image_bgr.shape[:2]
        return cv2.warpAffine(image_bgr, held[frame], (width, height), flags=flags)

    return steady


def peak_evidence_figure(findings: Findings, side: str) -> Figure | None:
    """The frame at this side's peak drop with the pelvis line; None without a peak."""
    from hipdrop.io.video import read_frame, turn_image

    info = findings.summary["sides"][side]
    if info.get("peak_drop_deg") is None:
        return None
    frame = info["peak_drop_frame"]
    image = None
    if findings.video_path is not None and Path(findings.video_path).exists():
        time_s = float(findings.tracks.time_s[frame])
        turns = findings.tracks.meta.get("picture_quarter_turns_cw", 0)
        image = picture_steadier(findings)(read_frame(findings.video_path, frame, time_s), frame)
        image = turn_image(image, turns)[..., ::-1]
    baseline = findings.summary.get("baseline")
    level_deg = baseline["obliquity_deg"] if baseline else None
    # The level as the camera sees it at this frame: the image angle less the reported
    # (view-undone, baseline-corrected) obliquity, so the drawn angle is the drop.
    row = findings.frames.iloc[frame]
    in_image = row["pelvic_obliquity_deg"] - row["corrected_obliquity_deg"]
    if np.isfinite(in_image):
        level_deg = float(in_image)
    # Gait tasks classify the mean of the steps' peaks but show the largest step's frame.
    shown_deg = info.get("largest_step_peak_drop_deg", info["peak_drop_deg"])
    label = "baseline level" if baseline else "level"
    return evidence_figure(findings.tracks, frame, side, shown_deg, image, level_deg, label)
