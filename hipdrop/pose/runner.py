"""Run pose over a whole clip: streamed decoding, optional parallel segments, disk cache.

A clip is split into ``jobs`` consecutive segments, each run in its own process. A segment
starts decoding ``warmup_s`` before its first frame so the tracker and MediaPipe's landmark
smoothing settle before any frame that is kept; the warm-up output is thrown away, so the
stitched tracks carry no seam.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hipdrop.conventions import N_LANDMARKS, landmark
from hipdrop.errors import HipdropError
from hipdrop.identity import frames_nearer_another
from hipdrop.io.video import VideoInfo, iter_frames_threaded, probe_video
from hipdrop.pose import cache
from hipdrop.pose.backend import PoseSettings, create_backend
from hipdrop.pose.subject import (
    PeopleSampler,
    PersonBox,
    SubjectFollower,
    plan_subject,
    sample_frame_indices,
)
from hipdrop.tracks import LandmarkTracks

ProgressCallback = Callable[[int, int], None]  # (frames done, frames expected)

#: Memory for decoded frames waiting for pose, per worker process.
MAX_QUEUE_BYTES = 64 * 2**20
#: A segment shorter than this many warm-up lengths is not worth a process of its own.
MIN_SEGMENT_WARMUPS = 4


@dataclass(frozen=True)
class _Segment:
    keep_start: int
    stop: int | None
    decode_start: int


@dataclass
class _SegmentResult:
    time_s: np.ndarray
    xy_px: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray
    size_px: tuple[int, int]
    people: dict[int, list[PersonBox]]


def _run_segment(
    path: Path,
    settings: PoseSettings,
    segment: _Segment,
    on_frame: Callable[[], None],
    crop_px: tuple[int, int, int, int] | None = None,
    sample_frames: frozenset[int] = frozenset(),
    queue_frames: int = 8,
) -> _SegmentResult:
    backend = create_backend(settings)
    if crop_px is not None:
        backend = SubjectFollower(backend, crop_px)
    sampler = PeopleSampler(settings, sample_frames)
    times, xys, vis, worlds = [], [], [], []
    size = (0, 0)
    try:
        for frame in iter_frames_threaded(
            path, segment.decode_start, segment.stop, queue_size=queue_frames
        ):
            estimate = backend.estimate(frame.image_bgr)
            if frame.index < segment.keep_start:
                continue
            size = (frame.image_bgr.shape[1], frame.image_bgr.shape[0])
            sampler.look(frame.index, frame.image_bgr)
            times.append(frame.time_s)
            if estimate is None:
                xys.append(np.full((N_LANDMARKS, 2), np.nan))
                vis.append(np.zeros(N_LANDMARKS))
                worlds.append(np.full((N_LANDMARKS, 3), np.nan))
            else:
                xys.append(estimate.xy_px)
                vis.append(estimate.visibility)
                worlds.append(estimate.world_m)
            on_frame()
    finally:
        backend.close()
        sampler.close()
    n = len(times)
    return _SegmentResult(
        np.asarray(times, dtype=np.float64),
        np.asarray(xys, dtype=np.float64).reshape(n, N_LANDMARKS, 2),
        np.asarray(vis, dtype=np.float64).reshape(n, N_LANDMARKS),
        np.asarray(worlds, dtype=np.float64).reshape(n, N_LANDMARKS, 3),
        size,
        sampler.detections,
    )


def _silence_native_stderr() -> None:
    """MediaPipe's C++ logging writes straight to file descriptor 2; send it nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _segment_worker(path, settings, segment, results, progress, crop_px, samples, queue) -> None:
    """Process entry point: report progress every few frames, then the whole result."""
    _silence_native_stderr()
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        if count % 10 == 0:
            progress.put(10)

    try:
        result = _run_segment(path, settings, segment, tick, crop_px, samples, queue)
        progress.put(count % 10)
        results.put((segment.keep_start, result))
    except BaseException as exc:  # reported to the parent as text
        results.put((segment.keep_start, f"{type(exc).__name__}: {exc}"))


def decode_queue_frames(info: VideoInfo) -> int:
    """Decoded frames a worker may hold ahead of pose: 8, fewer for huge frames, so that
    memory stays near ``MAX_QUEUE_BYTES`` per worker whatever the resolution."""
    frame_bytes = max(1, info.width_px * info.height_px * 3)
    return int(np.clip(MAX_QUEUE_BYTES // frame_bytes, 1, 8))


def plan_segments(frame_count: int, jobs: int, warmup_frames: int) -> list[_Segment]:
    """Split ``[0, frame_count)`` into at most ``jobs`` segments worth a process each."""
    jobs = max(1, min(jobs, frame_count // max(1, MIN_SEGMENT_WARMUPS * warmup_frames)))
    bounds = np.linspace(0, frame_count, jobs + 1).round().astype(int)
    segments = []
    for i in range(jobs):
        start = int(bounds[i])
        stop = None if i == jobs - 1 else int(bounds[i + 1])
        segments.append(_Segment(start, stop, max(0, start - warmup_frames)))
    return segments


def _run_workers(
    info: VideoInfo,
    settings: PoseSettings,
    segments: list[_Segment],
    progress: ProgressCallback,
    crop_px: tuple[int, int, int, int] | None = None,
    sample_frames: frozenset[int] = frozenset(),
) -> list[_SegmentResult]:
    ctx = mp.get_context("spawn")
    results_q, progress_q = ctx.Queue(), ctx.Queue()
    procs = [
        ctx.Process(
            target=_segment_worker,
            args=(
                info.path,
                settings,
                seg,
                results_q,
                progress_q,
                crop_px,
                sample_frames,
                decode_queue_frames(info),
            ),
            daemon=True,
        )
        for seg in segments
    ]
    for proc in procs:
        proc.start()
    done, collected = 0, {}
    try:
        while len(collected) < len(procs):
            try:
                while True:
                    done += progress_q.get_nowait()
                    progress(done, info.frame_count)
            except queue.Empty:
                pass
            try:
                key, result = results_q.get(timeout=0.2)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in procs):
                    raise HipdropError("a pose worker process died unexpectedly") from None
                continue
            if isinstance(result, str):
                raise HipdropError(f"pose estimation failed: {result}")
            collected[key] = result
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join(timeout=5)
    return [collected[seg.keep_start] for seg in segments]


def _stitch(info: VideoInfo, settings: PoseSettings, parts: list[_SegmentResult]) -> LandmarkTracks:
    sizes = [p.size_px for p in parts if p.size_px != (0, 0)]
    if not sizes:
        raise HipdropError(f"{info.path.name}: no frames could be decoded")
    return LandmarkTracks(
        time_s=np.concatenate([p.time_s for p in parts]),
        xy_px=np.concatenate([p.xy_px for p in parts]),
        visibility=np.concatenate([p.visibility for p in parts]),
        world_m=np.concatenate([p.world_m for p in parts]),
        image_size_px=sizes[0],
        meta={"video_sha256": info.sha256, "pose": settings.as_dict()},
    )


def estimate_pose(
    path: Path | str,
    settings: PoseSettings | None = None,
    jobs: int | None = None,
    warmup_s: float = 1.0,
    progress: ProgressCallback | None = None,
    use_cache: bool = True,
    info: VideoInfo | None = None,
) -> LandmarkTracks:
    """Landmark tracks for every decoded frame of a clip, from the cache when possible.

    ``jobs`` defaults to the number of CPU cores; one process per segment. Pose always runs
    in worker processes, which keeps MediaPipe's native log output off the user's terminal.
    """
    settings = settings or PoseSettings()
    info = info or probe_video(path)
    if use_cache and (cached := cache.load_cached(info.sha256, settings)) is not None:
        return cached
    jobs = jobs or os.cpu_count() or 1
    progress = progress or (lambda done, total: None)
    warmup_frames = round(warmup_s * (info.nominal_fps or 30.0))
    segments = plan_segments(info.frame_count, jobs, warmup_frames)
    parts = _run_workers(
        info, settings, segments, progress, sample_frames=sample_frame_indices(info)
    )
    tracks = _stitch(info, settings, parts)
    detections = {k: v for part in parts for k, v in part.people.items()}
    plan = plan_subject(detections, tracks.image_size_px, settings.person)
    hips = tracks.xy_px[:, [landmark("left", "hip"), landmark("right", "hip")]].mean(axis=1)
    refollowed = bool(frames_nearer_another(hips, plan.describe()).any())
    if refollowed:  # pose followed someone else somewhere: again, looking only at the subject
        parts = _run_workers(
            info, settings, segments, lambda d, t: progress(t + d, 2 * t), crop_px=plan.crop_px
        )
        tracks = _stitch(info, settings, parts)
    tracks.meta["subject"] = {**plan.describe(), "refollowed": refollowed}
    tracks.meta["frames_expected"] = info.frame_count
    if use_cache:
        cache.store(info.sha256, settings, tracks)
    return tracks
