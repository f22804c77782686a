"""Parallel pose segments join without a seam: ``--jobs 2`` tracks equal one stream's."""

from __future__ import annotations

import itertools
import pickle
import queue

import numpy as np
import pytest

from hipdrop.io.shots import THUMBNAIL_VALUES
from hipdrop.pose import estimate_pose
from hipdrop.pose.backend import PoseEstimate
from hipdrop.pose.runner import SKIP_COST, _TrackBuffer, plan_segments
from hipdrop.pose.seams import (
    END_OF_STREAM,
    SEAM_AGREE_FRAMES,
    SEAM_POINTS,
    HandoverWatch,
    SuccessorStream,
    joined_ranges,
    streams_agree,
)

HOPS = "anterior_single-leg-hops_vaila.mp4"


def _points(shift_px: float = 0.0) -> np.ndarray:
    hips_knees_ankles = np.array(
        [[100, 300], [100, 400], [100, 500], [60, 300], [60, 400], [60, 500]]
    )
    return hips_knees_ankles + shift_px


def test_agreement_is_within_noise_scaled_by_hip_width() -> None:
    assert streams_agree(_points(), _points(2.0))
    assert not streams_agree(_points(), _points(4.0))  # 4 px, 5.6 px apart: over 3 px
    assert streams_agree(None, None)
    assert not streams_agree(_points(), None)
    wide = _points() * 10  # hips 400 px apart: 5% is 20 px
    assert streams_agree(wide, wide + 12.0) and not streams_agree(wide, wide + 25.0)


def test_handover_waits_for_consecutive_agreement_and_falls_back_to_going_on() -> None:
    chunks: queue.Queue = queue.Queue()
    theirs = {i: _points(0.0 if i >= 14 else 50.0) for i in range(10, 30)}
    theirs[16] = _points(9.0)  # one disagreeing frame restarts the count
    chunks.put(theirs)
    chunks.put(END_OF_STREAM)
    watch = HandoverWatch(SuccessorStream(chunks), planned_stop=10)
    done = [i for i in range(5, 40) if watch.done_after(i, None)]
    assert done == []  # we found nobody, they found someone: never agree
    chunks = queue.Queue()
    chunks.put(theirs)
    chunks.put(END_OF_STREAM)
    watch = HandoverWatch(SuccessorStream(chunks), planned_stop=10)
    ours = np.zeros((33, 2))
    ours[SEAM_POINTS] = _points()
    first = next(i for i in range(5, 40) if watch.done_after(i, ours))
    assert first == 17 + SEAM_AGREE_FRAMES - 1
    chunks = queue.Queue()
    chunks.put({10: _points(40.0)})
    chunks.put(END_OF_STREAM)
    watch = HandoverWatch(SuccessorStream(chunks), planned_stop=10)
    assert not any(watch.done_after(i, ours) for i in range(10, 100))  # carries on alone


def test_joined_ranges_take_each_segment_from_where_the_last_one_stopped() -> None:
    assert joined_ranges([0, 100], [130, 157]) == [(0, 130), (30, 127)]
    assert joined_ranges([0, 100, 200], [257, 100, 57]) == [(0, 257), (0, 0), (0, 0)]
    assert joined_ranges([0, 100, 200], [120, 150, 57]) == [(0, 120), (20, 130), (50, 7)]
    with pytest.raises(ValueError):
        joined_ranges([0, 100], [90, 50])


@pytest.mark.realdata
def test_two_segments_equal_one_stream_on_a_real_clip(video) -> None:
    path = video(HOPS)
    single = estimate_pose(path, jobs=1, use_cache=False)
    assert len(plan_segments(single.n_frames, 2, 30)) == 2  # the clip really is split
    split = estimate_pose(path, jobs=2, use_cache=False)
    np.testing.assert_array_equal(split.time_s, single.time_s)
    found = np.isfinite(single.xy_px[:, SEAM_POINTS, 0]).all(axis=1)
    np.testing.assert_array_equal(np.isfinite(split.xy_px[:, SEAM_POINTS, 0]).all(axis=1), found)
    distance = np.linalg.norm(
        split.xy_px[found][:, SEAM_POINTS] - single.xy_px[found][:, SEAM_POINTS], axis=2
    )
    # Landmark noise: the tracker and its smoothing keep a little history, so a stream that
    # took over differs from the single stream by a pixel or two (hips are 44 px apart on this
    # clip): with the Tasks API's landmarker up to 6.3 px in one frame of a hop, where a plain
    # re-encode of the clip moves the same points by up to 12.9 px (3-8 px in several frames).
    assert distance.max() <= 8.0
    assert np.median(distance) <= 0.5


@pytest.mark.parametrize(("frame_count", "jobs"), [(1800, 2), (1800, 4), (240, 2), (18000, 3)])
def test_segments_cover_the_clip_and_share_the_work(frame_count: int, jobs: int) -> None:
    warmup = 30
    segments = plan_segments(frame_count, jobs, warmup)
    assert len(segments) == jobs
    assert segments[0].keep_start == 0 and segments[-1].stop is None
    for before, after in itertools.pairwise(segments):
        assert before.stop == after.keep_start
        assert after.decode_start == after.keep_start - warmup
    # Work: posed frames (kept and warm-up) plus frames decoded only to be skipped.
    stops = [s.stop for s in segments[:-1]] + [frame_count]
    work = [
        (stop - s.decode_start) + SKIP_COST * s.decode_start
        for s, stop in zip(segments, stops, strict=True)
    ]
    assert max(work) - min(work) <= 1.5
    # Later segments are shorter: they pay for the frames they skip.
    lengths = np.diff([s.keep_start for s in segments] + [frame_count])
    assert (np.diff(lengths) < 0).all()


def test_track_buffer_grows_without_losing_frames_and_sends_only_its_frames() -> None:
    rng = np.random.default_rng(3)
    frames = [
        None
        if i % 7 == 0
        else PoseEstimate(rng.normal(size=(33, 2)), rng.random(33), rng.normal(size=(33, 3)))
        for i in range(300)
    ]
    thumbnails = rng.integers(0, 256, size=(300, THUMBNAIL_VALUES), dtype=np.uint8)
    buffer = _TrackBuffer(expected_frames=100)  # a segment that ran long: it must grow
    for i, estimate in enumerate(frames):
        buffer.append(0.1 * i, estimate, thumbnails[i])
    np.testing.assert_array_equal(buffer.kept("time_s"), 0.1 * np.arange(300))
    np.testing.assert_array_equal(buffer.kept("thumbnail"), thumbnails)
    for i, estimate in enumerate(frames):
        if estimate is None:
            assert np.isnan(buffer.kept("xy_px")[i]).all()
            assert not buffer.kept("visibility")[i].any()
        else:
            np.testing.assert_array_equal(buffer.kept("xy_px")[i], estimate.xy_px)
            np.testing.assert_array_equal(buffer.kept("world_m")[i], estimate.world_m)
    message = pickle.dumps(buffer.kept("xy_px"))  # what a worker sends to the parent
    assert pickle.loads(message).shape == (300, 33, 2)
    assert len(message) < 1.01 * buffer.kept("xy_px").nbytes
