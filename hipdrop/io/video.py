"""Video frames with the decoder's own timestamps, upright (rotation metadata honoured)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hipdrop.errors import VideoError
from hipdrop.io.content_hash import remembered_sha256

#: Fewer decodable frames than this is not a clip that can be analysed.
MIN_FRAMES = 5


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a clip, after rotation. ``frame_count`` is an estimate."""

    path: Path
    width_px: int
    height_px: int
    nominal_fps: float
    frame_count: int
    sha256: str


@dataclass(frozen=True)
class Frame:
    index: int
    time_s: float
    image_bgr: np.ndarray


def _open(path: Path) -> cv2.VideoCapture:
    if not path.exists():
        raise VideoError(f"{path}: no such file")
    if path.is_dir():
        raise VideoError(f"{path}: is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path.name}: the file is empty")
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        raise VideoError(f"{path.name}: not a video file OpenCV can read")
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return cap


def probe_video(path: Path | str, sha256_memo_dir: Path | None = None) -> VideoInfo:
    """Open a clip, decode its first frames and describe it; raise ``VideoError`` if unusable.

    The content hash is remembered in ``sha256_memo_dir`` (see :mod:`hipdrop.io.content_hash`).
    """
    path = Path(path)
    cap = _open(path)
    try:
        frames = []
        for _ in range(MIN_FRAMES):
            ok, image = cap.read()
            if not ok or image is None:
                break
            frames.append(image)
        if not frames:
            raise VideoError(f"{path.name}: no video frames could be decoded")
        if len(frames) < MIN_FRAMES:
            raise VideoError(
                f"{path.name}: only {len(frames)} frame(s) decoded; a clip needs at least "
                f"{MIN_FRAMES} (is it a still image or a truncated file?)"
            )
        height, width = frames[0].shape[:2]
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        cap.release()
    return VideoInfo(
        path,
        int(width),
        int(height),
        fps,
        max(count, MIN_FRAMES),
        remembered_sha256(path, sha256_memo_dir),
    )


def iter_frames(path: Path | str, start: int = 0, stop: int | None = None) -> Iterator[Frame]:
    """Decode frames ``[start, stop)`` in order with their presentation times in seconds.

    Frames before ``start`` are skipped with ``grab()`` (no colour conversion), which is exact
    where seeking in compressed streams is not. Times come from the decoder; a time that does not
    increase (some containers report 0 for the last frame) is replaced by the previous time plus
    one nominal frame interval.
    """
    path = Path(path)
    cap = _open(path)
    try:
        nominal_dt = 1.0 / (cap.get(cv2.CAP_PROP_FPS) or 30.0)
        index, last_time = 0, -np.inf
        while stop is None or index < stop:
            if index < start:
                if not cap.grab():
                    return
                last_time = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
                index += 1
                continue
            ok, image = cap.read()
            if not ok or image is None:
                return
            time_s = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if not np.isfinite(time_s) or time_s <= last_time:
                time_s = (last_time if np.isfinite(last_time) else -nominal_dt) + nominal_dt
            last_time = time_s
            yield Frame(index, float(time_s), image)
            index += 1
    finally:
        cap.release()


def iter_frames_threaded(
    path: Path | str, start: int = 0, stop: int | None = None, queue_size: int = 3
) -> Iterator[Frame]:
    """Like :func:`iter_frames`, with decoding in a background thread and a bounded queue.

    Decoding overlaps with the consumer's work (pose estimation); at most ``queue_size`` frames
    (6 MB each at 1080p; decoding is ~10x faster than pose, so a few are enough)
    are held in memory, whatever the clip's length.
    """
    frames: queue.Queue = queue.Queue(maxsize=queue_size)
    done = object()
    stop_event = threading.Event()

    def produce() -> None:
        try:
            for frame in iter_frames(path, start, stop):
                while not stop_event.is_set():
                    try:
                        frames.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop_event.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, re-raised there
            frames.put(exc)
            return
        frames.put(done)

    worker = threading.Thread(target=produce, name="hipdrop-decode", daemon=True)
    worker.start()
    try:
        while True:
            item = frames.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop_event.set()
        worker.join(timeout=5)


#: Seeking to an evidence frame starts this long before it (to land on a key frame before it).
SEEK_MARGIN_S = 1.0


def _seek_frame(path: Path, time_s: float) -> np.ndarray | None:
    """The frame whose decoder time is ``time_s``, found by seeking; None if not matched.

    Only a frame whose own timestamp matches is returned, so a container that seeks
    inexactly falls back to sequential decoding rather than giving the wrong frame.
    """
    cap = _open(path)
    try:
        tolerance_s = 0.25 / (cap.get(cv2.CAP_PROP_FPS) or 30.0)
        cap.set(cv2.CAP_PROP_POS_MSEC, max(0.0, time_s - SEEK_MARGIN_S) * 1000.0)
        while cap.grab():
            now_s = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if abs(now_s - time_s) <= tolerance_s:
                ok, image = cap.retrieve()
                return image if ok else None
            if now_s > time_s:
                return None
        return None
    finally:
        cap.release()


def read_frame(path: Path | str, index: int, time_s: float | None = None) -> np.ndarray:
    """One decoded frame (BGR) by index, for evidence pictures.

    With the frame's decoder time (``LandmarkTracks.time_s``) the video is sought near it
    instead of decoded from the start, which matters deep into long clips.
    """
    path = Path(path)
    if time_s is not None and time_s > SEEK_MARGIN_S:
        image = _seek_frame(path, time_s)
        if image is not None:
            return image
    for frame in iter_frames(path, start=index, stop=index + 1):
        return frame.image_bgr
    raise VideoError(f"{path.name}: frame {index} could not be decoded")


_CLOCKWISE = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}


def turn_image(image: np.ndarray, quarter_turns_cw: int) -> np.ndarray:
    """A frame turned clockwise by quarter turns, as the analysis turned a picture filmed on
    its side or upside down (``LandmarkTracks.meta["picture_quarter_turns_cw"]``)."""
    turns = quarter_turns_cw % 4
    return cv2.rotate(image, _CLOCKWISE[turns]) if turns else image


def turn_points(points_px: np.ndarray, size_px: tuple[int, int], turns: int) -> np.ndarray:
    """Image points (..., 2) of a picture of ``size_px`` (width, height) after ``turns``
    clockwise quarter turns (as :func:`turn_image` turns the frames)."""
    width, height = size_px
    x, y = points_px[..., 0], points_px[..., 1]
    turned = {
        0: (x, y),
        1: (height - y, x),
        2: (width - x, height - y),
        3: (y, width - x),
    }[turns % 4]
    return np.stack(turned, axis=-1)


def turned_size(size_px: tuple[int, int], turns: int) -> tuple[int, int]:
    width, height = size_px
    return (height, width) if turns % 2 else (width, height)


def turn_camera_axes(world_m: np.ndarray, turns: int) -> np.ndarray:
    """Camera-axis vectors (x right, y down, z forward) of a picture turned clockwise: the
    camera rolled the other way about its optical axis."""
    x, y, z = world_m[..., 0], world_m[..., 1], world_m[..., 2]
    turned = {0: (x, y), 1: (-y, x), 2: (-x, -y), 3: (y, -x)}[turns % 4]
    return np.stack([*turned, z], axis=-1)
