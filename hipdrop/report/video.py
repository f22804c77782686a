"""Annotated copy of the clip: skeleton, pelvis line against a level reference, live angle,
stance leg highlighted, peak-drop moments marked, and optionally the face blurred.

Frames are streamed (decoded, drawn, encoded one at a time), so memory does not grow with the
clip's length. The file is written beside its target and renamed into place when complete.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pandas as pd

from hipdrop.conventions import LANDMARK_INDEX, landmark
from hipdrop.errors import HipdropError
from hipdrop.io.video import iter_frames_threaded, turn_image
from hipdrop.io.video_writer import H264Writer
from hipdrop.report.evidence import level_direction, picture_steadier
from hipdrop.report.plots import SIDE_COLOURS

if TYPE_CHECKING:
    from hipdrop.analysis.findings import Findings

#: Seconds either side of a peak-drop frame during which the peak is flagged on screen.
PEAK_FLAG_S = 0.25
_FACE_PARTS = ("eye_inner", "eye", "eye_outer", "ear")
_LEG = [("hip", "knee"), ("knee", "ankle"), ("ankle", "heel"), ("heel", "foot_index"),
        ("ankle", "foot_index")]  # fmt: skip
_ARM = [("shoulder", "elbow"), ("elbow", "wrist"), ("shoulder", "hip")]
PELVIS_BGR = (25, 196, 252)  # the report's yellow pelvis line
PEAK_BGR = (43, 42, 201)


def _bgr(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return b, g, r


SIDE_BGR = {side: _bgr(colour) for side, colour in SIDE_COLOURS.items()}


def _face_indices() -> list[int]:
    sided = [f"{side}_{part}" for side in ("left", "right") for part in _FACE_PARTS]
    names = ["nose", *sided, "mouth_left", "mouth_right"]
    return [LANDMARK_INDEX[n] for n in names]


def face_boxes(analysis: Findings) -> np.ndarray:
    """Per frame (x0, y0, x1, y1) around the face, from the face landmarks, held across gaps.

    Generous on purpose: half a shoulder width at least, so a face is covered even when its
    landmarks are few or jittery. NaN rows where no face was ever located yet.
    """
    xy = analysis.raw_tracks.xy_px
    face = xy[:, _face_indices()]
    shoulders = xy[:, [landmark("left", "shoulder"), landmark("right", "shoulder")]]
    shoulder_px = np.linalg.norm(shoulders[:, 0] - shoulders[:, 1], axis=1)
    boxes = np.full((len(xy), 4), np.nan)
    last = None
    for i in range(len(xy)):
        pts = face[i][np.isfinite(face[i]).all(axis=1)]
        if len(pts):
            centre = pts.mean(axis=0)
            spread = float(np.ptp(pts, axis=0).max())
            floor = 0.5 * shoulder_px[i] if np.isfinite(shoulder_px[i]) else 0.0
            half = max(1.1 * spread, floor, 12.0)
            last = np.array([centre[0] - half, centre[1] - 1.2 * half,
                             centre[0] + half, centre[1] + 1.1 * half])  # fmt: skip
        if last is not None:
            boxes[i] = last
    return boxes


def _blur(image: np.ndarray, box: np.ndarray) -> None:
    """Pixelate then blur the box in place (irreversible at sharing resolution)."""
    height, width = image.shape[:2]
    x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
    x1, y1 = min(width, int(box[2])), min(height, int(box[3]))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    region = image[y0:y1, x0:x1]
    small = cv2.resize(region, (6, 6), interpolation=cv2.INTER_AREA)
    coarse = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    image[y0:y1, x0:x1] = cv2.GaussianBlur(coarse, (0, 0), max(2.0, (x1 - x0) / 12))


def _point(p: np.ndarray) -> tuple[int, int] | None:
    return (int(np.rint(p[0])), int(np.rint(p[1]))) if np.isfinite(p).all() else None


def _line(image, p, q, colour, thickness) -> None:
    a, b = _point(p), _point(q)
    if a and b:
        cv2.line(image, a, b, colour, thickness, cv2.LINE_AA)


def _dashed(image, p, q, colour, thickness, dash_px: float) -> None:
    length = float(np.linalg.norm(q - p))
    if not np.isfinite(length) or length < 1:
        return
    steps = max(1, int(length / dash_px))
    for k in range(0, steps, 2):
        _line(image, p + (q - p) * k / steps, p + (q - p) * min(k + 1, steps) / steps,
              colour, thickness)  # fmt: skip


def _text(image, text: str, origin: tuple[int, int], scale: float, colour, bold: int) -> None:
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), bold + 3,
                cv2.LINE_AA)  # fmt: skip
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, bold, cv2.LINE_AA)


class _Painter:
    """Draws one analysis onto its frames; everything per clip is computed once here."""

    def __init__(self, analysis: Findings, width: int, height: int) -> None:
        self.xy = analysis.tracks.xy_px
        frames = analysis.frames
        self.labels = frames["stance_leg"].to_numpy()
        self.time_s = frames["time_s"].to_numpy()
        self.corrected = frames["corrected_obliquity_deg"].to_numpy()
        self.drop = frames["drop_deg"].to_numpy()
        baseline = analysis.summary.get("baseline")
        self.level_deg = baseline["obliquity_deg"] if baseline else 0.0
        self.level_name = "baseline level" if baseline else "level"
        self.unit = max(width, height) / 1280.0
        self.width, self.height = width, height
        self.peaks = self._peak_frames(analysis)
        self.timeline = self._timeline()

    def _peak_frames(self, analysis: Findings) -> list[tuple[int, str, float]]:
        peaks = []
        for side, info in analysis.summary["sides"].items():
            if info.get("peak_drop_frame") is not None and info.get("peak_drop_deg") is not None:
                peaks.append((int(info["peak_drop_frame"]), side, float(info["peak_drop_deg"])))
        steps = getattr(analysis, "steps", None)
        if steps is not None and {"peak_drop_frame", "peak_drop_deg"} <= set(steps.columns):
            seen = {(frame, side) for frame, side, _ in peaks}
            for row in steps.to_dict("records"):
                usable = row.get("included", True) and pd.notna(row["peak_drop_frame"])
                if not usable or not np.isfinite(row["peak_drop_deg"]):
                    continue
                key = (int(row["peak_drop_frame"]), row["stance_leg"])
                if key not in seen:
                    peaks.append((*key, float(row["peak_drop_deg"])))
        return sorted(peaks)

    def _timeline(self) -> np.ndarray:
        """A strip along the bottom: stance leg per frame in its colour, peaks as red ticks."""
        bar_h = max(8, int(14 * self.unit))
        strip = np.full((bar_h, self.width, 3), 230, np.uint8)
        n = len(self.labels)
        columns = np.minimum((np.arange(self.width) * n) // self.width, n - 1)
        for side, colour in SIDE_BGR.items():
            strip[:, self.labels[columns] == side] = colour
        for frame, _, _ in self.peaks:
            x = int((frame + 0.5) * self.width / n)
            strip[:, max(0, x - 2) : x + 2] = PEAK_BGR
        return strip

    def draw(self, image: np.ndarray, i: int) -> None:
        u = self.unit
        xy = self.xy[i]
        stance = self.labels[i]
        for side in ("left", "right"):
            standing = stance == side
            colour = SIDE_BGR[side]
            for a, b in _ARM:
                _line(image, xy[landmark(side, a)], xy[landmark(side, b)], colour,
                      max(1, int(2 * u)))  # fmt: skip
            for a, b in _LEG:
                _line(image, xy[landmark(side, a)], xy[landmark(side, b)], colour,
                      max(2, int((7 if standing else 3) * u)))  # fmt: skip
            if standing:
                foot = _point(xy[landmark(side, "heel")])
                if foot:
                    cv2.circle(image, foot, int(16 * u), colour, max(2, int(3 * u)), cv2.LINE_AA)
        _line(image, xy[landmark("left", "shoulder")], xy[landmark("right", "shoulder")],
              (200, 200, 200), max(1, int(2 * u)))  # fmt: skip
        self._pelvis(image, xy, stance)
        self._panel(image, i, stance)
        self._peak_flag(image, i, xy)
        image[self.height - self.timeline.shape[0] :] = self.timeline
        x = int((i + 0.5) * self.width / len(self.labels))
        cv2.line(image, (x, self.height - self.timeline.shape[0] - int(6 * u)),
                 (x, self.height), (20, 20, 20), max(2, int(3 * u)))  # fmt: skip

    def _pelvis(self, image, xy, stance: str) -> None:
        left, right = xy[landmark("left", "hip")], xy[landmark("right", "hip")]
        if not (np.isfinite(left).all() and np.isfinite(right).all()):
            return
        width = float(np.linalg.norm(left - right))
        pivot = {"left": left, "right": right}.get(stance, 0.5 * (left + right))
        # Direction toward the left hip along a line whose obliquity is the reference level.
        toward_left = level_direction(left, right, self.level_deg)
        reach = 1.5 * width
        start, end = pivot - reach * toward_left, pivot + reach * toward_left
        dash_px = 16 * self.unit
        _dashed(image, start, end, (255, 255, 255), max(2, int(4 * self.unit)), dash_px)
        _dashed(image, start, end, (30, 30, 30), max(1, int(2 * self.unit)), dash_px)
        _line(image, left, right, PELVIS_BGR, max(3, int(6 * self.unit)))
        for side, hip in (("left", left), ("right", right)):
            cv2.circle(image, _point(hip), int(7 * self.unit), SIDE_BGR[side], -1, cv2.LINE_AA)
        label_at = _point(end + np.array([6, -6]) * self.unit)
        if label_at:
            _text(image, self.level_name, label_at, 0.55 * self.unit, (255, 255, 255), 1)

    def _panel(self, image, i: int, stance: str) -> None:
        u = self.unit
        x0, y0 = int(16 * u), int(16 * u)
        overlay = image[y0 : y0 + int(118 * u), x0 : x0 + int(430 * u)]
        overlay[:] = (overlay * 0.35).astype(np.uint8)
        line = lambda k: (x0 + int(12 * u), y0 + int((32 + 36 * k) * u))  # noqa: E731
        if stance in SIDE_BGR:
            bx, by = line(0)
            cv2.rectangle(image, (bx - int(6 * u), by - int(28 * u)), (bx + int(290 * u),
                          by + int(9 * u)), SIDE_BGR[stance], -1)  # fmt: skip
            _text(image, f"{stance.upper()} LEG STANCE", line(0), 0.85 * u, (255, 255, 255), 2)
            other = "right" if stance == "left" else "left"
            value = self.drop[i]
            words = f"{other} side drops" if value >= 0 else f"{other} side rises"
            reading = f"{abs(value):.1f} deg  {words}" if np.isfinite(value) else "no reading"
        else:
            _text(image, "both feet down" if stance == "both" else "no stance", line(0), 0.85 * u,
                  (235, 235, 235), 2)  # fmt: skip
            value = self.corrected[i]
            higher = "left" if value >= 0 else "right"
            reading = f"obliquity {abs(value):.1f} deg, {higher} hip higher" if np.isfinite(
                value) else "no reading"  # fmt: skip
        _text(image, reading, line(1), 0.75 * u, (255, 255, 255), 2)
        _text(image, f"t = {self.time_s[i]:.2f} s   frame {i}", line(2), 0.6 * u,
              (210, 210, 210), 1)  # fmt: skip

    def _peak_flag(self, image, i: int, xy) -> None:
        u = self.unit
        for frame, side, value in self.peaks:
            if abs(self.time_s[i] - self.time_s[min(frame, len(self.time_s) - 1)]) > PEAK_FLAG_S:
                continue
            swing = xy[landmark("right" if side == "left" else "left", "hip")]
            centre = _point(swing)
            if centre:
                cv2.circle(image, centre, int(26 * u), PEAK_BGR, max(2, int(4 * u)), cv2.LINE_AA)
            text = f"PEAK DROP {value:.1f} deg ({side} stance)"
            origin = (int(16 * u), int(170 * u))
            _text(image, text, origin, 0.85 * u, (80, 80, 255) if i != frame else (0, 0, 255), 2)
            return


def write_annotated_video(analysis: Findings, path: Path, blur_faces: bool = False) -> Path:
    """Stream the clip through the painter into ``path`` (H.264 MP4, which browsers play),
    replacing it when complete."""
    source = analysis.video_path
    if source is None or not Path(source).exists():
        raise HipdropError("an annotated video needs the original clip (this analysis has none)")
    path = Path(path)
    partial = path.with_name(f".{path.stem}.partial{path.suffix or '.mp4'}")
    boxes = face_boxes(analysis) if blur_faces else None
    writer = painter = None
    n_tracked = analysis.tracks.n_frames
    turns = analysis.tracks.meta.get("picture_quarter_turns_cw", 0)
    try:
        steady = picture_steadier(analysis)
        for frame in iter_frames_threaded(source):
            image = turn_image(steady(frame.image_bgr, frame.index), turns)
            if writer is None:
                height, width = image.shape[:2]
                fps = analysis.tracks.frame_rate_hz or 30.0
                writer = H264Writer(partial, float(fps), width, height)
                painter = _Painter(analysis, width, height)
            if frame.index < n_tracked:
                if boxes is not None and np.isfinite(boxes[frame.index]).all():
                    _blur(image, boxes[frame.index])
                painter.draw(image, frame.index)
            writer.write(image)
        if writer is None:
            raise HipdropError(f"{Path(source).name}: no frames could be decoded for the video")
        writer.close()
        writer = None
        os.replace(partial, path)
    finally:
        if writer is not None:
            writer.abandon()
        partial.unlink(missing_ok=True)
    return path


def save_annotated_video(analysis: Findings, path: Path, blur_faces: bool = False) -> Path:
    """Library entry: the annotated clip at ``path`` (its folder is created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_annotated_video(analysis, path, blur_faces=blur_faces)
