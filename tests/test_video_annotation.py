"""Annotated-video drawing on synthetic tracks: stance leg highlighted, peaks flagged."""

from __future__ import annotations

import numpy as np
import pytest

from hipdrop.errors import HipdropError
from hipdrop.pipeline import analyse_tracks
from hipdrop.report.video import PEAK_BGR, SIDE_BGR, _Painter
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg

TRIAL = SyntheticTrial(left_drop_deg=7.0, right_drop_deg=3.0)


@pytest.fixture(scope="module")
def analysis():
    return analyse_tracks(synthetic_single_leg(TRIAL))


def _painted(analysis, frame: int) -> np.ndarray:
    width, height = analysis.tracks.image_size_px
    painter = _Painter(analysis, width, height)
    image = np.zeros((height, width, 3), np.uint8)
    painter.draw(image, frame)
    return image[: height - painter.timeline.shape[0] - 20]  # leave out the timeline strip


def _pixels(image: np.ndarray, bgr: tuple[int, int, int]) -> int:
    return int(np.all(np.abs(image.astype(int) - bgr) <= 2, axis=2).sum())


def _frame_at(analysis, time_s: float) -> int:
    return int(np.searchsorted(analysis.frames["time_s"], time_s))


def test_stance_leg_is_drawn_heavier(analysis) -> None:
    left_stance = _painted(analysis, _frame_at(analysis, 3.0))
    right_stance = _painted(analysis, _frame_at(analysis, 7.0))
    assert _pixels(left_stance, SIDE_BGR["left"]) > 1.5 * _pixels(left_stance, SIDE_BGR["right"])
    assert _pixels(right_stance, SIDE_BGR["right"]) > 1.5 * _pixels(right_stance, SIDE_BGR["left"])


def test_peak_drop_is_flagged_only_near_the_peak(analysis) -> None:
    peak = analysis.summary["sides"]["left"]["peak_drop_frame"]
    at_peak = _painted(analysis, peak)
    far = _painted(analysis, _frame_at(analysis, 0.5))
    assert _pixels(at_peak, PEAK_BGR) > 200
    assert _pixels(far, PEAK_BGR) == 0


def test_video_needs_the_clip(analysis, tmp_path) -> None:
    with pytest.raises(HipdropError, match="needs the original clip"):
        analysis.to_video(tmp_path / "a.mp4")
    assert not list(tmp_path.iterdir())
