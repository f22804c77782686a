"""Straight edges of the scene (not the subject), for the camera's vertical vanishing point."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hipdrop.io.npz_cache import keep_npz

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
#: Bump when the segments kept change meaning or layout, so that cached ones are not reused.
SCENE_LINES_VERSION = 4
#: A segment is the picture's own edge (a rotated or letterboxed picture inside padding) when
#: the image beside it, this many working pixels to one side, is padding-dark along its length.
EDGE_PROBE_PX = 3.0
#: Two clips show the same picture when their content boxes agree within this share of the
#: width (the multicam clips of one camera are 1080 and 1088 pixels wide).
SAME_PICTURE_SHARE = 0.01


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


def sample_frames(time_s: np.ndarray) -> np.ndarray:
    """Indices of the sampled frames: spread over the first ``SAMPLE_WINDOW_S`` of the clip."""
    last = int(np.searchsorted(time_s, time_s[0] + SAMPLE_WINDOW_S, side="right")) - 1
    return np.unique(np.linspace(0, max(last, 0), N_SAMPLE_FRAMES).astype(int))


def likely_sample_frames(frame_count: int, fps: float) -> frozenset[int]:
    """The frames :func:`sample_frames` will pick, from the container's frame count and rate
    (before any frame is decoded): so that pose, which decodes them anyway, can find their
    segments. Where the real frame times disagree, the frames are simply decoded again."""
    fps = fps if fps > 0 else 30.0
    return frozenset(int(i) for i in sample_frames(np.arange(max(frame_count, 1)) / fps))


def scene_lines(
    path: Path,
    subject_xy_px: np.ndarray,
    time_s: np.ndarray,
    video_sha256: str | None = None,
    cache: Path | None = None,
    to_reference: Callable[[int, np.ndarray], np.ndarray] | None = None,
    reference_frame: int = 0,
) -> SceneLines:
    """Line segments from a few frames of the clip, the subject's area left out.

    ``subject_xy_px``: the subject's (n_frames, 33, 2) landmarks, NaN where not found, at the
    frame times ``time_s``. ``to_reference(frame, segments)``: where the camera moved, maps a
    frame's segments into the picture the landmarks are steadied to, that of
    ``reference_frame`` (see ``geometry/camera_motion.py``); the picture's box (whose centre is
    taken as the principal point) is then the sampled frame's nearest to it, mapped likewise.
    Decoding the frames costs up to a second, so with ``cache`` (a folder) and the clip's
    ``video_sha256`` each sampled frame's segments are kept there (see
    :func:`keep_frame_segments`); the subject is left out afterwards.
    """
    samples = sample_frames(time_s)
    file = _cache_file(cache, video_sha256, samples)
    per_frame = _load(file) if file is not None else None
    if per_frame is None:
        per_frame = _decoded_segments(path, samples)
        if file is not None:
            _keep(per_frame, file)
    if not per_frame:
        return SceneLines(np.zeros((0, 4)), (0.0, 0.0, 1.0, 1.0))
    # A sampled frame without the subject may be a close-up, a cut or another scene, whose
    # edges (the subject's own, unmasked) are not the room's: on the balance clip rolled 4°
    # with 3-frame close-ups of the shins every 20 frames, one sample fell on a close-up, and
    # with its edges no set of lines agreed with the standing body (even within its spread,
    # geometry/camera.py); the body's own roll, 14.6°, then levelled his feet into a RIGHT
    # stance, "excessive". Such frames give no edges, unless no sampled frame shows the
    # subject (a clip pose never found anyone in).
    shown = {i for i in per_frame if np.isfinite(subject_xy_px[i]).any()} or set(per_frame)
    found = [
        _away_from_subject(per_frame[i][1], subject_xy_px[i]) if i in shown else np.zeros((0, 4))
        for i in sorted(per_frame)
    ]
    if to_reference is not None:
        found = [to_reference(i, seg) for i, seg in zip(sorted(per_frame), found, strict=True)]
    boxes = np.array([per_frame[i][0] for i in sorted(per_frame)], dtype=float)
    box = tuple(float(v) for v in np.median(boxes, axis=0))
    if to_reference is not None:  # the camera moved: the reference frame's own picture
        nearest = min(per_frame, key=lambda i: abs(i - reference_frame))
        corners = to_reference(nearest, np.array([per_frame[nearest][0]], dtype=float))[0]
        box = tuple(float(v) for v in corners)
    return SceneLines(np.concatenate(found), box)


def pooled_scene(own: SceneLines | None, other: SceneLines | None) -> SceneLines | None:
    """``own`` with ``other``'s edges added when both are the same picture (the same camera in
    the same place: a baseline clip and the clip it serves), so that both get one camera
    geometry: a baseline cancels the camera roll's error only if it was measured with the same
    roll (the balance clip and its static clip, rotated 5°, had read rolls 1.6° apart)."""
    if own is None or other is None:  # a pose file has no scene: it keeps its own camera
        return own
    size = max(own.content_box_px[2] - own.content_box_px[0], 1.0)
    if not np.allclose(own.content_box_px, other.content_box_px, atol=SAME_PICTURE_SHARE * size):
        return own
    return SceneLines(np.concatenate([own.segments_px, other.segments_px]), own.content_box_px)


#: Per sampled frame: the picture's box inside any padding, and its segments (full pixels).
FrameSegments = dict[int, tuple[tuple[int, int, int, int], np.ndarray]]


def keep_frame_segments(
    cache: Path, video_sha256: str, time_s: np.ndarray, found: FrameSegments
) -> None:
    """Store segments found elsewhere (by pose, as it decoded the frames) where they are all
    :func:`scene_lines` will look for; otherwise store nothing."""
    samples = sample_frames(time_s)
    if set(samples.tolist()) <= set(found):
        _keep({int(i): found[int(i)] for i in samples}, _cache_file(cache, video_sha256, samples))


def _cache_file(cache: Path | None, video_sha256: str | None, samples: np.ndarray) -> Path | None:
    if cache is None or video_sha256 is None:
        return None
    digest = hashlib.sha256(f"{video_sha256}:{SCENE_LINES_VERSION}:".encode())
    digest.update(np.asarray(samples, dtype=np.int64).tobytes())
    return cache / f"{digest.hexdigest()[:32]}.npz"


def _load(file: Path) -> FrameSegments | None:
    try:
        with np.load(file) as stored:
            frames, boxes = stored["frames"], stored["boxes"]
            pieces = np.split(stored["segments_px"], np.cumsum(stored["counts"])[:-1])
            return {
                int(f): (tuple(int(v) for v in b), seg)
                for f, b, seg in zip(frames, boxes, pieces, strict=True)
            }
    except (OSError, KeyError, ValueError):
        return None  # not cached yet (or unreadable): detect afresh


def _keep(per_frame: FrameSegments, file: Path) -> None:
    """Store ``per_frame`` atomically; a cache that cannot be written is simply not used."""
    if not per_frame:
        return
    frames = sorted(per_frame)
    keep_npz(
        file,
        frames=np.array(frames, dtype=np.int64),
        boxes=np.array([per_frame[f][0] for f in frames], dtype=np.int64),
        counts=np.array([len(per_frame[f][1]) for f in frames], dtype=np.int64),
        segments_px=np.concatenate([per_frame[f][1] for f in frames]).reshape(-1, 4),
    )


def _decoded_segments(path: Path, samples: np.ndarray) -> FrameSegments:
    """Decode the clip up to its last sampled frame and find each sampled frame's segments."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    wanted = {int(i) for i in samples}
    found: FrameSegments = {}
    try:
        for index in range(max(wanted, default=-1) + 1):
            if not cap.grab():
                break
            if index not in wanted:
                continue
            ok, image = cap.retrieve()
            if ok:
                found[index] = frame_segments(image)
    finally:
        cap.release()
    return found


def frame_segments(image: np.ndarray) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The picture's box inside any padding, and its line segments (full-resolution pixels)
    other than the padding's own edges."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    box = _content_box(gray)
    scale = min(1.0, WORKING_LONG_SIDE_PX / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    lines = cv2.createLineSegmentDetector().detect(small)[0]
    if lines is None:
        return box, np.zeros((0, 4))
    small_segments = lines.reshape(-1, 4).astype(np.float64)
    segments = small_segments / scale
    keep = _away_from_border(segments, box, 4.0 / scale) & ~_padding_edges(small_segments, small)
    return box, segments[keep]


def _padding_edges(segments: np.ndarray, gray: np.ndarray) -> np.ndarray:
    """Segments with padding on one side: the edge of a picture turned or shrunk inside black
    borders (the hops clip rotated 5° had its picture's borders read as the room's verticals,
    a roll of exactly the turn and no pitch)."""
    start, end = segments[:, :2], segments[:, 2:]
    along = end - start
    normal = np.stack([-along[:, 1], along[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-12
    height, width = gray.shape
    dark = []
    for offset in (EDGE_PROBE_PX, -EDGE_PROBE_PX):
        side = np.ones(len(segments), bool)
        for share in (0.2, 0.5, 0.8):
            x, y = (start + share * along + offset * normal).T
            inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
            xi = np.clip(x, 0, width - 1).astype(int)
            yi = np.clip(y, 0, height - 1).astype(int)
            side &= ~inside | (gray[yi, xi] <= PADDING_LEVEL)
        dark.append(side)
    return dark[0] | dark[1]


def _away_from_subject(segments: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Segments outside the subject's landmark box (grown by ``SUBJECT_MARGIN``)."""
    if not np.isfinite(points).any():
        return segments
    (px0, py0), (px1, py1) = np.nanmin(points, 0), np.nanmax(points, 0)
    grow_x, grow_y = SUBJECT_MARGIN * (px1 - px0), SUBJECT_MARGIN * (py1 - py0)
    return segments[_outside(segments, (px0 - grow_x, py0 - grow_y, px1 + grow_x, py1 + grow_y))]
