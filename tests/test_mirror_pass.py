"""Mirror averaging cancels a pose model's left/right bias (no video needed)."""

from __future__ import annotations

import numpy as np
import pytest

from hipdrop.conventions import landmark
from hipdrop.pose.backend import PoseEstimate
from hipdrop.pose.mirror_pass import mirror_averaged
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import pelvic_obliquity_deg

LEFT_HIP = landmark("left", "hip")


def _biased_model(truth: LandmarkTracks, left_hip_raise_px: float) -> LandmarkTracks:
    """A model that always places the LEFT hip it sees too high in the image."""
    xy = truth.xy_px.copy()
    xy[:, LEFT_HIP, 1] -= left_hip_raise_px
    return truth.with_xy(xy)


def test_averaging_with_the_mirrored_pass_cancels_a_side_bias() -> None:
    truth = synthetic_single_leg(SyntheticTrial())
    normal = _biased_model(truth, 4.0)
    # The model sees the mirrored frame; its answer is mapped back onto the original frame.
    flipped = _biased_model(truth.mirrored(), 4.0).mirrored()
    averaged = mirror_averaged(normal, flipped)
    biased_error = np.nanmax(np.abs(pelvic_obliquity_deg(normal) - pelvic_obliquity_deg(truth)))
    assert biased_error > 1.0
    np.testing.assert_allclose(
        pelvic_obliquity_deg(averaged), pelvic_obliquity_deg(truth), atol=1e-9
    )
    assert averaged.meta["mirror_disagreement_deg"] > 1.0


def test_a_landmark_found_by_one_pass_keeps_its_position() -> None:
    truth = synthetic_single_leg(SyntheticTrial())
    missing = truth.xy_px.copy()
    missing[3, LEFT_HIP] = np.nan
    averaged = mirror_averaged(truth.with_xy(missing), truth)
    np.testing.assert_array_equal(averaged.xy_px[3, LEFT_HIP], truth.xy_px[3, LEFT_HIP])
    assert averaged.meta["mirror_disagreement_deg"] == pytest.approx(0.0)


def test_unmirrored_estimate_is_the_mirror_of_the_tracks_convention() -> None:
    rng = np.random.default_rng(0)
    width = 640
    estimate = PoseEstimate(
        xy_px=rng.uniform(0, width, (33, 2)),
        visibility=rng.uniform(0, 1, 33),
        world_m=rng.normal(size=(33, 3)),
    )
    tracks = LandmarkTracks(
        time_s=np.zeros(1),
        xy_px=estimate.xy_px[None],
        visibility=estimate.visibility[None],
        image_size_px=(width, 480),
        world_m=estimate.world_m[None],
    ).mirrored()
    back = estimate.unmirrored(width)
    np.testing.assert_allclose(back.xy_px, tracks.xy_px[0])
    np.testing.assert_allclose(back.visibility, tracks.visibility[0])
    np.testing.assert_allclose(back.world_m, tracks.world_m[0])
    np.testing.assert_allclose(back.unmirrored(width).xy_px, estimate.xy_px)
