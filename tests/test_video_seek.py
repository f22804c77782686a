"""Evidence frames read by seeking are the very frames sequential decoding gives."""

from __future__ import annotations

import numpy as np
import pytest

from hipdrop.io.video import iter_frames, probe_video, read_frame

pytestmark = pytest.mark.realdata


@pytest.mark.parametrize(
    "name",
    [
        "anterior_single-leg-hops_vaila.mp4",  # HEVC, 30 fps
        "anterior_walk-toward-camera_vaila.mp4",  # MPEG-4, 59 fps
        "anterior_single-leg-balance_pose2sim.mp4",  # VP9, portrait
    ],
)
def test_seeking_returns_the_sequentially_decoded_frame(video, name: str) -> None:
    path = video(name)
    count = probe_video(path).frame_count
    wanted = {count // 2, 2 * count // 3, count - 1}
    kept = [frame for frame in iter_frames(path) if frame.index in wanted]
    assert len(kept) == 3
    for frame in kept:
        seeked = read_frame(path, frame.index, frame.time_s)
        assert np.array_equal(seeked, frame.image_bgr), f"frame {frame.index} of {name}"
