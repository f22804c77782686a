"""Make transformed copies of real clips inside the tests (mirror, rotate, splice)."""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from hipdrop.io.video_writer import H264Writer


def transform_video(
    source: Path,
    target: Path,
    transform: Callable[[np.ndarray], np.ndarray],
    codec: str = "mp4v",
) -> Path:
    """Re-encode ``source`` frame by frame through ``transform`` (same size and rate; ``codec``
    as in :func:`write_video`)."""
    frames = map(transform, iter_frames(source))
    return write_video(target, frames, frame_rate(source), codec)


def mirror(frame: np.ndarray) -> np.ndarray:
    return cv2.flip(frame, 1)


def rotate_ccw(angle_deg: float) -> Callable[[np.ndarray], np.ndarray]:
    """Rotate counter-clockwise on screen about the image centre, same canvas."""

    def apply(frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle_deg, 1.0)
        return cv2.warpAffine(frame, matrix, (width, height), flags=cv2.INTER_LINEAR)

    return apply


def identity(frame: np.ndarray) -> np.ndarray:
    return frame


#: x264 settings of the copies standing for a phone's own recording: its default preset at crf
#: 17, close to visually lossless (on these clips, stored at 2.5-2.8 Mbit/s, the copies take 5-9
#: Mbit/s; a phone spends about 16 Mbit/s on 1080p). A plain re-encode so moved the balance
#: clip's peak 0.1°; one at the annotated video's fast preset 0.8°, one as MPEG-4 part 2
#: (``mp4v``) 0.9° - that peak lies where the hip rises 1° a frame - so a test of rotation or
#: camera motion made with those measures the codec as much.
PHONE_CRF, PHONE_PRESET = 17, "medium"


def write_video(
    path: Path, frames: Iterable[np.ndarray], fps: float = 30.0, codec: str = "mp4v"
) -> Path:
    """Encode frames (all the same size) into an .mp4 container one at a time (a generator
    keeps only one frame in memory): MPEG-4 part 2 (``mp4v``, OpenCV's own; the damaged- and
    truncated-file tests were written against it) or H.264 (``h264``, as a phone records)."""
    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    if codec == "h264":
        writer = H264Writer(path, fps, width, height, crf=PHONE_CRF, preset=PHONE_PRESET)
        for frame in itertools.chain([first], frames):
            writer.write(frame)
        writer.close()
        return path
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 100)
    for frame in itertools.chain([first], frames):
        writer.write(frame)
    writer.release()
    return path


def frame_rate(path: Path) -> float:
    """A clip's nominal frame rate."""
    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return fps


def iter_frames(path: Path) -> Iterator[np.ndarray]:
    """Every frame of a clip (as stored, no rotation), one at a time."""
    cap = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                return
            yield frame
    finally:
        cap.release()


def read_frames(path: Path) -> tuple[list[np.ndarray], float]:
    """Every frame of a clip (as stored, no rotation) and its nominal frame rate."""
    return list(iter_frames(path)), frame_rate(path)


def _box(data: bytes | bytearray, name: bytes, start: int = 0, end: int | None = None) -> int:
    """Offset of the first MP4 box ``name`` among the boxes in ``data[start:end]``."""
    end = len(data) if end is None else end
    offset = start
    while offset < end:
        size = struct.unpack(">I", data[offset : offset + 4])[0]
        if data[offset + 4 : offset + 8] == name:
            return offset
        offset += size
    raise ValueError(f"no {name!r} box")


def _box_path(data: bytes | bytearray, names: list[bytes]) -> list[int]:
    """Offsets of nested boxes, e.g. [moov, trak, tkhd]."""
    offsets, start, end = [], 0, len(data)
    for name in names:
        offset = _box(data, name, start, end)
        offsets.append(offset)
        start, end = offset + 8, offset + struct.unpack(">I", data[offset : offset + 4])[0]
    return offsets


def mark_rotated_90(path: Path) -> Path:
    """Write a 90° display matrix into the (only) track header, as phones do for portrait
    clips: frames stored rotated 90° clockwise play upright."""
    data = bytearray(path.read_bytes())
    tkhd = _box_path(data, [b"moov", b"trak", b"tkhd"])[-1]
    matrix = (0, 0xFFFF0000, 0, 0x10000, 0, 0, 0, 0, 0x40000000)
    data[tkhd + 48 : tkhd + 84] = struct.pack(">9I", *matrix)
    path.write_bytes(bytes(data))
    return path


def set_frame_durations(path: Path, factors: list[float]) -> Path:
    """Make a variable-frame-rate clip: frame ``i`` lasts ``factors[i]`` times the nominal
    frame duration, written into the sample-time table (``stts``). Assumes one constant
    duration before and the ``moov`` box last (as OpenCV writes them)."""
    data = bytearray(path.read_bytes())
    parents = _box_path(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl"])
    stts = _box(data, b"stts", parents[-1] + 8)
    old_size = struct.unpack(">I", data[stts : stts + 4])[0]
    nominal = struct.unpack(">I", data[stts + 20 : stts + 24])[0]
    entries = b"".join(struct.pack(">II", 1, round(f * nominal)) for f in factors)
    new = struct.pack(">I4sII", 16 + len(entries), b"stts", 0, len(factors)) + entries
    grow = len(new) - old_size
    data[stts : stts + old_size] = new
    for offset in parents:
        size = struct.unpack(">I", data[offset : offset + 4])[0]
        data[offset : offset + 4] = struct.pack(">I", size + grow)
    path.write_bytes(bytes(data))
    return path


#: The hand-held sway of issue 25: roll along a sine of this period, drift along sines of
#: these periods (x, y) by this share of the frame.
SWAY_PERIOD_S = 2.0
DRIFT_PERIODS_S = (3.1, 2.3)
DRIFT_SHARE = 0.02


def hand_held_matrix(
    time_s: float, sway_deg: float, width: int, height: int, moving: bool = True
) -> np.ndarray:
    """The 2x3 warp of one frame of a hand-held copy: turned counter-clockwise about the centre
    by ``sway_deg * sin(2π t / 2 s)`` (a camera roll of minus that in hipdrop's sign), shifted
    by 2% of the frame along sines of 3.1 s and 2.3 s, and zoomed just enough that no border
    shows (``cos D + (long / short) sin D``, times 1.05). ``moving=False``: the zoom alone (a
    still camera with the copy's longer lens, the control that tells the motion's effect from
    the zoom's)."""
    phase = 2 * np.pi * time_s * moving
    angle_deg = sway_deg * np.sin(phase / SWAY_PERIOD_S)
    sway = np.radians(abs(sway_deg))
    zoom = 1.05 * (np.cos(sway) + max(width, height) / min(width, height) * np.sin(sway))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle_deg, zoom)
    matrix[0, 2] += DRIFT_SHARE * width * np.sin(phase / DRIFT_PERIODS_S[0])
    matrix[1, 2] += DRIFT_SHARE * height * np.sin(phase / DRIFT_PERIODS_S[1])
    return matrix


def applied_camera_roll_deg(time_s: np.ndarray, sway_deg: float) -> np.ndarray:
    """The camera roll a hand-held copy applies at each time (hipdrop's sign)."""
    return -sway_deg * np.sin(2 * np.pi * np.asarray(time_s) / SWAY_PERIOD_S)


def hand_held_copy(
    source: Path,
    target: Path,
    sway_deg: float,
    max_frames: int | None = None,
    moving: bool = True,
) -> Path:
    """Re-encode ``source`` (its first ``max_frames``) as if filmed by a swaying hand-held
    phone (see :func:`hand_held_matrix`; frame ``i`` is at ``i / fps``)."""
    fps = frame_rate(source)

    def warped(frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        for i, frame in enumerate(frames):
            height, width = frame.shape[:2]
            matrix = hand_held_matrix(i / fps, sway_deg, width, height, moving)
            yield cv2.warpAffine(frame, matrix, (width, height), flags=cv2.INTER_LINEAR)

    copied = warped(itertools.islice(iter_frames(source), max_frames))
    return write_video(target, copied, fps, codec="h264")


def roll_rmse_deg(time_s: np.ndarray, camera_roll_deg: np.ndarray, sway_deg: float) -> float:
    """How far a clip's per-frame camera roll is from the sway a hand-held copy applied, each
    less its median (the clip's own roll), over the frames with a roll."""
    read = np.asarray(camera_roll_deg, dtype=float)
    applied = applied_camera_roll_deg(np.asarray(time_s) - time_s[0], sway_deg)
    ok = np.isfinite(read)
    error = (read[ok] - np.median(read[ok])) - (applied[ok] - np.median(applied[ok]))
    return float(np.sqrt(np.mean(error**2)))


def panned_copy(source: Path, target: Path, pan_share: float, period_s: float = 4.0) -> Path:
    """Re-encode ``source`` as if the phone panned sideways and back: the picture shifted by
    ``pan_share`` of the frame's width along a sine of ``period_s`` (black where it leaves the
    frame: use a clip with padding around its picture, or a small share)."""
    fps = frame_rate(source)

    def panned(frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        for i, frame in enumerate(frames):
            height, width = frame.shape[:2]
            shift = pan_share * width * np.sin(2 * np.pi * i / fps / period_s)
            matrix = np.float32([[1, 0, shift], [0, 1, 0]])
            yield cv2.warpAffine(frame, matrix, (width, height), flags=cv2.INTER_LINEAR)

    return write_video(target, panned(iter_frames(source)), fps)
