"""Run pose over a whole clip: streamed decoding, optional parallel segments, disk cache.

A clip is split into ``jobs`` consecutive segments, each run in its own process. A segment
starts decoding ``warmup_s`` before its first frame so the tracker and MediaPipe's landmark
smoothing settle before any frame that is kept; the warm-up output is thrown away. The segment
before it runs on past the boundary until the two streams agree (:mod:`hipdrop.pose.seams`),
so the stitched tracks carry no seam even where a cold start goes wrong.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np

from hipdrop.conventions import N_LANDMARKS, pair
from hipdrop.errors import HipdropError
from hipdrop.io.scene_lines import (
    FrameSegments,
    frame_segments,
    keep_frame_segments,
    likely_sample_frames,
)
from hipdrop.io.shots import THUMBNAIL_VALUES, frame_thumbnail, other_scene_frames
from hipdrop.io.video import VideoInfo, iter_frames_threaded, probe_video
from hipdrop.pose import cache
from hipdrop.pose.backend import PoseBackend, PoseEstimate, PoseSettings
from hipdrop.pose.identity import frames_nearer_another
from hipdrop.pose.seams import (
    END_OF_STREAM,
    HandoverWatch,
    SuccessorStream,
    joined_ranges,
    seam_points,
)
from hipdrop.pose.subject import (
    PeopleSampler,
    PersonBox,
    SubjectView,
    plan_subject,
    sample_frame_indices,
)
from hipdrop.tracks import LandmarkTracks

ProgressCallback = Callable[[int, int], None]  # (frames done, frames expected)

#: Memory for decoded frames waiting for pose, per worker process.
MAX_QUEUE_BYTES = 64 * 2**20
#: Decoding a frame only to skip it (``grab``, 1080p) costs about this much of posing one
#: (1.6 ms against 24 ms on the 2-core reference machine).
SKIP_COST = 0.07
#: A segment shorter than this many warm-up lengths is not worth a process of its own.
MIN_SEGMENT_WARMUPS = 4


@dataclass(frozen=True)
class _Segment:
    keep_start: int
    stop: int | None
    decode_start: int
    expected_frames: int = 0  # frames it should keep, as the container reports: a size hint


class _TrackBuffer:
    """One segment's per-frame pose output, kept in arrays sized for the expected frame count
    (grown when a segment runs longer). A Python object per frame and a copy at the end would
    cost twice the tracks' own size, which on a 10-minute clip shows in the peak memory."""

    #: Per-frame shape, the value of a frame where no person was found, and the type.
    FIELDS: ClassVar[dict[str, tuple[tuple[int, ...], float, type]]] = {
        "time_s": ((), np.nan, np.float64),
        "xy_px": ((N_LANDMARKS, 2), np.nan, np.float64),
        "visibility": ((N_LANDMARKS,), 0.0, np.float64),
        "world_m": ((N_LANDMARKS, 3), np.nan, np.float64),
        "thumbnail": ((THUMBNAIL_VALUES,), 0, np.uint8),  # the picture itself (io/shots.py)
    }

    def __init__(self, expected_frames: int) -> None:
        self.n_frames = 0
        self._arrays = {
            field: np.full((max(expected_frames, 64), *shape), fill, dtype=dtype)
            for field, (shape, fill, dtype) in self.FIELDS.items()
        }

    def _grow(self) -> None:
        capacity = self.n_frames + self.n_frames // 4 + 64
        for field, (shape, fill, dtype) in self.FIELDS.items():
            grown = np.full((capacity, *shape), fill, dtype=dtype)
            grown[: self.n_frames] = self._arrays[field]
            self._arrays[field] = grown

    def append(
        self, time_s: float, estimate: PoseEstimate | None, thumbnail: np.ndarray | None
    ) -> None:
        if self.n_frames == len(self._arrays["time_s"]):
            self._grow()
        i, arrays = self.n_frames, self._arrays
        arrays["time_s"][i] = time_s
        if thumbnail is not None:
            arrays["thumbnail"][i] = thumbnail
        if estimate is not None:
            arrays["xy_px"][i], arrays["visibility"][i] = estimate.xy_px, estimate.visibility
            arrays["world_m"][i] = estimate.world_m
        self.n_frames += 1

    def kept(self, field: str) -> np.ndarray:
        """The filled rows of ``field`` (a view: pickling it sends only those rows)."""
        return self._arrays[field][: self.n_frames]


@dataclass
class _SegmentResult:
    time_s: np.ndarray
    xy_px: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray
    thumbnail: np.ndarray
    size_px: tuple[int, int]
    people: dict[int, list[PersonBox]]  # people found in the sampled frames
    scene: FrameSegments  # straight edges of the frames asked for (scene_lines.py)


#: Seam points are sent to the previous segment's process in chunks of this many frames.
_CHUNK_FRAMES = 10


def create_backend(settings: PoseSettings) -> PoseBackend:
    """Instantiate the backend named in ``settings`` (imports its library only now)."""
    if settings.backend == "mediapipe-tasks":
        from hipdrop.pose.mediapipe_backend import MediaPipePose

        return MediaPipePose(settings)
    raise ValueError(f"unknown pose backend {settings.backend!r}")


def _run_segment(
    path: Path,
    settings: PoseSettings,
    segment: _Segment,
    on_frame: Callable[[], None],
    successor=None,
    predecessor=None,
    subject: dict | None = None,
    sample_frames: frozenset[int] = frozenset(),
    queue_frames: int = 3,
    scene_frames: frozenset[int] = frozenset(),
) -> _SegmentResult:
    """Pose over one segment. ``successor``: queue of the next segment's seam points (this
    segment then runs past its planned end until the next one agrees, see :mod:`seams`);
    ``predecessor``: queue to which this segment's seam points go. ``subject``: follow only
    the subject of this plan (:class:`SubjectView`); ``sample_frames``: search these for people;
    ``scene_frames``: find these frames' straight edges (the camera's verticals) while they are
    decoded, which spares decoding them again."""
    backend = create_backend(settings)
    view = SubjectView(subject) if subject is not None else None
    sampler = PeopleSampler(settings, sample_frames)
    watch = HandoverWatch(
        SuccessorStream(successor) if successor is not None else None, segment.stop
    )
    buffer = _TrackBuffer(segment.expected_frames)
    scene: FrameSegments = {}
    chunk: dict = {}
    size = (0, 0)
    stop = None if successor is not None else segment.stop
    try:
        for frame in iter_frames_threaded(
            path, segment.decode_start, stop, queue_size=queue_frames
        ):
            if view is None:
                estimate = backend.estimate(frame.image_bgr, frame.time_s)
            else:
                seen = view.image(frame.index, frame.image_bgr)
                estimate = view.to_frame(backend.estimate(seen, frame.time_s))
            if frame.index < segment.keep_start:
                continue
            size = (frame.image_bgr.shape[1], frame.image_bgr.shape[0])
            sampler.look(frame.index, frame.image_bgr)
            if frame.index in scene_frames and frame.index not in scene:
                scene[frame.index] = frame_segments(frame.image_bgr)
            # The mirrored pass decodes the same pictures: the normal pass's thumbnails serve.
            thumbnail = None if settings.flip_input else frame_thumbnail(frame.image_bgr)
            buffer.append(frame.time_s, estimate, thumbnail)
            xy = None if estimate is None else estimate.xy_px
            on_frame()
            if predecessor is not None:
                chunk[frame.index] = seam_points(xy)
                if len(chunk) >= _CHUNK_FRAMES:
                    predecessor.put(chunk)
                    chunk = {}
            if watch.done_after(frame.index, xy):
                break
    finally:
        if predecessor is not None:
            predecessor.put(chunk)
            predecessor.put(END_OF_STREAM)
        backend.close()
    tracks = {field: buffer.kept(field) for field in _TrackBuffer.FIELDS}
    return _SegmentResult(**tracks, size_px=size, people=sampler.search(), scene=scene)


def prepare_pose_process() -> None:
    """For a process that runs pose while others do too: one OpenCV thread (the processes
    already fill the cores; more threads only contend), and MediaPipe's C++ logging, which
    writes straight to file descriptor 2, sent nowhere."""
    import cv2

    cv2.setNumThreads(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _without_pyplot() -> None:
    """Give MediaPipe an empty stand-in for ``matplotlib.pyplot``, which it imports on start-up
    for a 3-D plotting helper hipdrop never calls. Only for processes that run nothing but pose:
    it saves each about 31 MB and 0.35 s."""
    for name in ("matplotlib", "matplotlib.pyplot"):
        sys.modules.setdefault(name, types.ModuleType(name))


def _segment_worker(
    path, settings, segment, results, progress, seams, subject_args, pass_index
) -> None:
    """Process entry point: report progress every few frames, then the whole result, keyed
    by (pass, segment start)."""
    _without_pyplot()
    prepare_pose_process()
    count = 0

    def tick() -> None:
        nonlocal count
        count += 1
        if count % 10 == 0:
            progress.put(10)

    try:
        result = _run_segment(path, settings, segment, tick, *seams, *subject_args)
        progress.put(count % 10)
        results.put(((pass_index, segment.keep_start), result))
    except BaseException as exc:  # reported to the parent as text
        results.put(((pass_index, segment.keep_start), f"{type(exc).__name__}: {exc}"))


def plan_segments(frame_count: int, jobs: int, warmup_frames: int) -> list[_Segment]:
    """Split ``[0, frame_count)`` into at most ``jobs`` segments worth a process each, sized so
    that every process has the same work (see :func:`_balanced_bounds`)."""
    jobs = max(1, min(jobs, frame_count // max(1, MIN_SEGMENT_WARMUPS * warmup_frames)))
    bounds = _balanced_bounds(frame_count, jobs, warmup_frames)
    segments = []
    for i in range(jobs):
        start = int(bounds[i])
        stop = None if i == jobs - 1 else int(bounds[i + 1])
        expected = (frame_count if stop is None else stop) - start
        segments.append(_Segment(start, stop, max(0, start - warmup_frames), expected))
    return segments


def _balanced_bounds(frame_count: int, jobs: int, warmup_frames: int) -> np.ndarray:
    """Segment boundaries giving each process equal work: its own frames, its warm-up frames,
    and the frames before its warm-up that it must decode (``grab``) to get there, each of
    those at ``SKIP_COST`` of a posed frame. Equal lengths leave the last process a second or
    more behind on a minute of 1080p."""

    def bounds_for(work: float) -> list[float]:
        bounds = [0.0, work]
        for _ in range(jobs - 1):
            start = bounds[-1]
            skipped = max(0.0, start - warmup_frames)
            bounds.append(start + work - warmup_frames - SKIP_COST * skipped)
        return bounds

    low, high = 0.0, float(frame_count)
    for _ in range(50):  # the last boundary grows with the work per process: bisect
        middle = 0.5 * (low + high)
        low, high = (middle, high) if bounds_for(middle)[-1] < frame_count else (low, middle)
    bounds = np.clip(np.round(bounds_for(high)), 0, frame_count).astype(int)
    bounds[-1] = frame_count
    return bounds


def decode_queue_frames(info: VideoInfo) -> int:
    """Decoded frames a worker may hold ahead of pose: 3, fewer for huge frames (4K: 2, 8K: 1),
    so that memory stays near ``MAX_QUEUE_BYTES`` per worker whatever the resolution."""
    frame_bytes = max(1, info.width_px * info.height_px * 3)
    return int(np.clip(MAX_QUEUE_BYTES // frame_bytes, 1, 3))


@dataclass(frozen=True)
class _PassPlan:
    """One pose pass to run: its settings, its segments, ``subject_args`` for
    :func:`_run_segment` (plan of the subject to follow alone or None, frames to search for
    people) and the frames whose scene edges it finds."""

    settings: PoseSettings
    segments: list[_Segment]
    subject_args: tuple = (None, frozenset())
    scene_frames: frozenset[int] = frozenset()  # frames whose straight edges to find


def _run_workers(
    info: VideoInfo, plans: list[_PassPlan], progress: ProgressCallback
) -> list[list[_SegmentResult]]:
    """One process per segment of every pass, all at once; each pass's results in segment
    order. Progress counts the frames of all passes together."""
    ctx = mp.get_context("spawn")
    results_q, progress_q = ctx.Queue(), ctx.Queue()
    procs = []
    for p, plan in enumerate(plans):
        # seams[k] carries segment k+1's seam points to segment k.
        seams = [ctx.Queue() for _ in plan.segments[1:]]
        for k, seg in enumerate(plan.segments):
            neighbours = (seams[k] if k < len(seams) else None, seams[k - 1] if k > 0 else None)
            procs.append(
                ctx.Process(
                    target=_segment_worker,
                    args=(
                        info.path,
                        plan.settings,
                        seg,
                        results_q,
                        progress_q,
                        neighbours,
                        (*plan.subject_args, decode_queue_frames(info), plan.scene_frames),
                        p,
                    ),
                    daemon=True,
                )
            )
    for proc in procs:
        proc.start()
    total = len(plans) * info.frame_count
    done, collected = 0, {}
    try:
        while len(collected) < len(procs):
            try:
                while True:
                    done += progress_q.get_nowait()
                    progress(done, total)
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
    return [
        [collected[(p, seg.keep_start)] for seg in plan.segments] for p, plan in enumerate(plans)
    ]


def later_pass(progress: ProgressCallback) -> ProgressCallback:
    """Progress of another pass over the same frames, on the same bar: its frames count after
    those already done (wrapped again for each further pass)."""

    def report(done: int, total: int) -> None:
        progress(total + done, 2 * total)

    return report


def estimate_pose(
    path: Path | str,
    settings: PoseSettings | None = None,
    jobs: int | None = None,
    warmup_s: float = 1.0,
    progress: ProgressCallback | None = None,
    use_cache: bool = True,
    info: VideoInfo | None = None,
    in_process: bool = False,
    subject: dict | None = None,
) -> LandmarkTracks:
    """Landmark tracks for every decoded frame of a clip, from the cache when possible.

    ``jobs`` defaults to the number of CPU cores; one process per segment. Pose runs in worker
    processes, which keeps MediaPipe's native log output off the user's terminal, unless
    ``in_process`` (one stream in this process: for batch workers, which load MediaPipe once
    and keep their own stderr quiet).

    ``subject``: the people search's outcome from another pass over the same clip (that pass's
    ``meta["subject"]``). Given it, this pass follows that subject without searching again: the
    mirrored pass then costs no search and cannot settle on a different person.
    """
    settings = settings or PoseSettings()
    info = info or probe_video(path, cache.sha256_memo_dir() if use_cache else None)
    if use_cache and (cached := cache.load_cached(info.sha256, settings)) is not None:
        return cached
    progress = progress or (lambda done, total: None)
    segments = _segments(info, jobs, warmup_s, in_process)
    if subject is None:
        scene = _scene_frames(info) if use_cache else frozenset()
        plan = _PassPlan(settings, segments, (None, sample_frame_indices(info)), scene)
        [(tracks, detections)] = _pose_passes(info, [plan], progress, in_process)
        subject = plan_subject(detections, tracks.image_size_px, settings.person).describe()
        tracks = _kept_on_subject(info, plan, tracks, subject, False, progress, in_process)
    else:
        following = subject.get("refollowed", False)
        plan = _PassPlan(settings, segments, (subject if following else None, frozenset()))
        [(tracks, _)] = _pose_passes(info, [plan], progress, in_process)
        tracks = _kept_on_subject(info, plan, tracks, subject, following, progress, in_process)
    if use_cache:
        cache.store(info.sha256, settings, tracks)
    return tracks


def estimate_pose_and_mirror(
    path: Path | str,
    settings: PoseSettings | None = None,
    jobs: int | None = None,
    warmup_s: float = 1.0,
    progress: ProgressCallback | None = None,
    info: VideoInfo | None = None,
) -> tuple[LandmarkTracks, LandmarkTracks]:
    """The normal pass and the mirrored-input pass of a clip (both cached), run side by side.

    Each pass gets half the worker processes (on 2 cores: one each, over the whole clip, so no
    process starts twice and no segment needs a warm-up or a seam). The mirrored pass does not
    search for people; it is then held to the subject the normal pass's search chose exactly
    as :func:`estimate_pose` with ``subject`` would: run again seeing only the subject where
    the normal pass had to be, or where it followed someone else itself. (Pose in this
    process, for batch workers, runs :func:`estimate_pose` pass by pass instead.)
    """
    settings = settings or PoseSettings()
    mirrored_settings = replace(settings, flip_input=True)
    info = info or probe_video(path, cache.sha256_memo_dir())
    normal = cache.load_cached(info.sha256, settings)
    if normal is not None:  # one pass cached: the other as the sequential path runs it
        mirrored = estimate_pose(
            path, mirrored_settings, jobs, warmup_s, progress, True, info,
            subject=normal.meta["subject"],
        )  # fmt: skip
        return normal, mirrored
    progress = progress or (lambda done, total: None)
    segments = _segments(info, max(1, pose_processes(jobs) // 2), warmup_s, False)
    # Each pass searches half the sampled frames (the search sees the frames as decoded,
    # not mirrored), so that neither waits for the other at the end.
    samples = sorted(sample_frame_indices(info))
    plans = [
        _PassPlan(settings, segments, (None, frozenset(samples[0::2])), _scene_frames(info)),
        _PassPlan(mirrored_settings, segments, (None, frozenset(samples[1::2]))),
    ]
    [(normal, found), (mirrored, found_too)] = _pose_passes(info, plans, progress, False)
    detections = {**found, **found_too}
    subject = plan_subject(detections, normal.image_size_px, settings.person).describe()
    normal = _kept_on_subject(info, plans[0], normal, subject, False, progress, False)
    following = normal.meta["subject"]["refollowed"]
    if following:  # the mirrored pass would have followed the subject from the start
        follow_plan = replace(plans[1], subject_args=(subject, frozenset()))
        [(mirrored, _)] = _pose_passes(info, [follow_plan], later_pass(progress), False)
    mirrored = _kept_on_subject(
        info, plans[1], mirrored, normal.meta["subject"], following, progress, False
    )
    cache.store(info.sha256, settings, normal)
    cache.store(info.sha256, mirrored_settings, mirrored)
    return normal, mirrored


def pose_processes(jobs: int | None) -> int:
    """Worker processes for pose: ``jobs``, by default one per CPU core."""
    return jobs or os.cpu_count() or 1


def _scene_frames(info: VideoInfo) -> frozenset[int]:
    """The frames the camera's scene edges will be read from (pose decodes them anyway)."""
    return likely_sample_frames(info.frame_count, info.nominal_fps)


def _segments(
    info: VideoInfo, jobs: int | None, warmup_s: float, in_process: bool
) -> list[_Segment]:
    warmup_frames = round(warmup_s * (info.nominal_fps or 30.0))
    jobs = 1 if in_process else pose_processes(jobs)
    return plan_segments(info.frame_count, jobs, warmup_frames)


def _kept_on_subject(
    info: VideoInfo,
    plan: _PassPlan,
    tracks: LandmarkTracks,
    subject: dict,
    following: bool,
    progress: ProgressCallback,
    in_process: bool,
) -> LandmarkTracks:
    """``tracks`` of a pass that did not follow the subject alone (``following`` False), run
    again seeing only the subject if pose followed someone else somewhere; the subject's plan
    goes into the metadata either way."""
    hips = tracks.xy_px[:, pair("hip")].mean(axis=1)
    if not following and frames_nearer_another(hips, subject).any():
        following = True
        again = replace(plan, subject_args=(subject, frozenset()))
        [(tracks, _)] = _pose_passes(info, [again], later_pass(progress), in_process)
    tracks.meta["subject"] = {**subject, "refollowed": following}
    tracks.meta["frames_expected"] = info.frame_count
    return tracks


def _pose_passes(
    info: VideoInfo, plans: list[_PassPlan], progress: ProgressCallback, in_process: bool
) -> list[tuple[LandmarkTracks, dict[int, list[PersonBox]]]]:
    """Pose passes over the clip (side by side in worker processes, or one after the other in
    this one), each pass's segments joined at their seams, with the people found in its
    sampled frames."""
    if in_process:
        done = 0

        def tick() -> None:
            nonlocal done
            done += 1
            progress(done, len(plans) * info.frame_count)

        parts = [
            [
                _run_segment(
                    info.path, plan.settings, plan.segments[0], tick, None, None,
                    *plan.subject_args, decode_queue_frames(info), plan.scene_frames,
                )
            ]
            for plan in plans
        ]  # fmt: skip
    else:
        parts = _run_workers(info, plans, progress)
    joined = [_joined(info, plan, found) for plan, found in zip(plans, parts, strict=True)]
    for plan, found, (tracks, _) in zip(plans, parts, joined, strict=True):
        if plan.scene_frames:
            scene = {k: v for part in found for k, v in part.scene.items()}
            keep_frame_segments(cache.scene_lines_dir(), info.sha256, tracks.time_s, scene)
    return joined


def _joined(
    info: VideoInfo, plan: _PassPlan, parts: list[_SegmentResult]
) -> tuple[LandmarkTracks, dict[int, list[PersonBox]]]:
    """One pass's segments joined at their seams into tracks, and the people it found."""
    sizes = [p.size_px for p in parts if p.size_px != (0, 0)]
    if not sizes:
        raise HipdropError(f"{info.path.name}: no frames could be decoded")
    try:
        starts = [s.keep_start for s in plan.segments]
        ranges = joined_ranges(starts, [len(p.time_s) for p in parts])
    except ValueError as exc:
        raise HipdropError(f"{info.path.name}: {exc}") from None

    def joined(field: str) -> np.ndarray:
        return np.concatenate(
            [getattr(p, field)[o : o + n] for p, (o, n) in zip(parts, ranges, strict=True)]
        )

    meta = {"video_sha256": info.sha256, "pose": plan.settings.as_dict()}
    if not plan.settings.flip_input:  # the mirror average keeps the normal pass's metadata
        decoded = np.isfinite(joined("time_s"))
        meta["other_scene_frames"] = other_scene_frames(joined("thumbnail"), decoded).tolist()
    tracks = LandmarkTracks(
        time_s=joined("time_s"),
        xy_px=joined("xy_px"),
        visibility=joined("visibility"),
        world_m=joined("world_m"),
        image_size_px=sizes[0],
        meta=meta,
    )
    return tracks, {k: v for part in parts for k, v in part.people.items()}
