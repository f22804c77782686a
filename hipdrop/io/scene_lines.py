"""Straight edges of the scene (not the subject), for the camera's vertical vanishing point."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

#: Frames sampled, spread over the clip's first ``SAMPLE_WINDOW_S`` (decoded in one pass: on a
#: clip with few keyframes, seeking to each costs twice as long), and the working resolution
#: for the line detector.
N_SAMPLE_FRAMES = 4
SAMPLE_WINDOW_S = 10.0
WORKING_LONG_SIDE_PX = 960
#: Rows and columns darker than this are padding around the real picture.
PADDING_LEVEL = 12
#: The subject's landmark box is grown by this fraction before its edges are ignored.
SUBJECT_MARGIN = 0.15
#: Bump when the segments found change meaning, so that cached ones are not reused.
SCENE_LINES_VERSION = 2


@dataclass(frozen=True)
class SceneLines:
    segments_px: np.ndarray  # (n, 4) x1, y1, x2, y2 in full-resolution pixels
    content_box_px: tuple[float, float, float, float]  # picture inside any black padding


def _content_box(gray: np.ndarray) -> tuple[int, int, int, int]:
    rows = np.flatnonzero(gray.max(axis=1) > PADDING_LEVEL)
    cols = np.flatnonzero(gray.max(axis=0) > PADDING_LEVEL)
    if rows.size == 0 or cols.size == 0:
        return 0, 0, gray.shape[1], gray.shape[0]
    return int(cols[0]), int(rows[0]), int(cols[-1] + 1), int(rows[-1] + 1)


def _outside(segments: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Segments with neither end nor midpoint inside ``box`` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    inside = np.zeros(len(segments), bool)
    for point in (segments[:, :2], segments[:, 2:], 0.5 * (segments[:, :2] + segments[:, 2:])):
        inside |= (point[:, 0] > x0) & (point[:, 0] < x1) & (point[:, 1] > y0) & (point[:, 1] < y1)
    return ~inside


def _away_from_border(segments: np.ndarray, box, margin_px: float) -> np.ndarray:
    """Drop the padding's own edges: segments hugging the content box's sides."""
    x0, y0, x1, y1 = box
    xs, ys = segments[:, [0, 2]], segments[:, [1, 3]]
    near = (
        (np.abs(xs - x0) < margin_px).all(1)
        | (np.abs(xs - x1) < margin_px).all(1)
        | (np.abs(ys - y0) < margin_px).all(1)
        | (np.abs(ys - y1) < margin_px).all(1)
    )
    return ~near


def _sample_frames(time_s: np.ndarray) -> np.ndarray:
    """Indices of the sampled frames: spread over the first ``SAMPLE_WINDOW_S`` of the clip."""
    last = int(np.searchsorted(time_s, time_s[0] + SAMPLE_WINDOW_S, side="right")) - 1
    return np.unique(np.linspace(0, max(last, 0), N_SAMPLE_FRAMES).astype(int))


def scene_lines(
    path: Path,
    subject_xy_px: np.ndarray,
    time_s: np.ndarray,
    video_sha256: str | None = None,
    cache: Path | None = None,
) -> SceneLines:
    """Line segments from a few frames of the clip, the subject's area left out.

    ``subject_xy_px``: the subject's (n_frames, 33, 2) landmarks, NaN where not found, at the
    frame times ``time_s``. Decoding the frames costs up to a second, so with ``cache`` (a
    folder) and the clip's ``video_sha256`` the segments are kept there, keyed by the clip and
    the subject's place in the sampled frames.
    """
    samples = _sample_frames(time_s)
    if cache is None or video_sha256 is None:
        return _detect(path, subject_xy_px, samples)
    digest = hashlib.sha256(f"{video_sha256}:{SCENE_LINES_VERSION}:".encode())
    digest.update(np.round(subject_xy_px[samples]).tobytes())
    file = cache / f"{digest.hexdigest()[:32]}.npz"
    try:
        with np.load(file) as stored:
            return SceneLines(stored["segments_px"], tuple(stored["content_box_px"].tolist()))
    except (OSError, KeyError, ValueError):
        pass  # not cached yet (or unreadable): detect afresh
    found = _detect(path, subject_xy_px, samples)
    _keep(found, cache, file)
    return found


def _keep(found: SceneLines, cache: Path, file: Path) -> None:
    """Store ``found`` atomically; a cache that cannot be written is simply not used."""
    temporary = None
    try:
        cache.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache, suffix=".npz.part")
        with os.fdopen(handle, "wb") as out:
            np.savez(out, segments_px=found.segments_px, content_box_px=found.content_box_px)
        os.replace(temporary, file)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _detect(path: Path, subject_xy_px: np.ndarray, samples: np.ndarray) -> SceneLines:
    """Detect the segments in the ``samples`` frames (see :func:`scene_lines`)."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    wanted = {int(i) for i in samples}
    found, boxes = [], []
    try:
        for index in range(max(wanted, default=-1) + 1):
            if not cap.grab():
                break
            if index not in wanted:
                continue
            ok, image = cap.retrieve()
            if not ok:
                continue
            box, segments = _segments(image)
            boxes.append(box)
            found.append(_away_from_subject(segments, subject_xy_px[index]))
    finally:
        cap.release()
    if not boxes:
        return SceneLines(np.zeros((0, 4)), (0.0, 0.0, 1.0, 1.0))
    box = tuple(float(v) for v in np.median(np.array(boxes), axis=0))
    return SceneLines(np.concatenate(found), box)


def _segments(image: np.ndarray) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The picture's box inside any padding, and its line segments (full-resolution pixels)
    other than the padding's own edges."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    box = _content_box(gray)
    scale = min(1.0, WORKING_LONG_SIDE_PX / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    lines = cv2.createLineSegmentDetector().detect(small)[0]
    if lines is None:
        return box, np.zeros((0, 4))
    segments = lines.reshape(-1, 4).astype(np.float64) / scale
    return box, segments[_away_from_border(segments, box, 4.0 / scale)]


def _away_from_subject(segments: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Segments outside the subject's landmark box (grown by ``SUBJECT_MARGIN``)."""
    if not np.isfinite(points).any():
        return segments
    (px0, py0), (px1, py1) = np.nanmin(points, 0), np.nanmax(points, 0)
    grow_x, grow_y = SUBJECT_MARGIN * (px1 - px0), SUBJECT_MARGIN * (py1 - py0)
    return segments[_outside(segments, (px0 - grow_x, py0 - grow_y, px1 + grow_x, py1 + grow_y))]
