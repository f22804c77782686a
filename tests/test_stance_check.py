"""Stance from the image's ankle heights, checked against pose's 3D lift along gravity.

Synthetic tracks with a known stance (left, then right): the image says which foot is up, a
made-up 3D lift agrees, glitches or contradicts, and the labels must name the true leg or none.
"""

from __future__ import annotations

import numpy as np
import pytest

from hipdrop.events.single_leg import (
    SingleLegParams,
    _hysteresis_labels,
    detect_single_leg_stance,
    foot_lift_legs,
)
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg


@pytest.fixture(scope="module")
def trial():
    spec = SyntheticTrial()
    return spec, synthetic_single_leg(spec)


def _inside(tracks, span_s: tuple[float, float], margin_s: float = 0.3) -> np.ndarray:
    return (tracks.time_s > span_s[0] + margin_s) & (tracks.time_s < span_s[1] - margin_s)


def test_an_agreeing_3d_lift_changes_nothing(trial) -> None:
    _, tracks = trial
    alone, phases = detect_single_leg_stance(tracks)
    checked, checked_phases = detect_single_leg_stance(tracks, world_lift=foot_lift_legs(tracks))
    assert list(checked) == list(alone)
    assert checked_phases.equals(phases)


def test_a_contradicting_3d_lift_names_no_leg(trial) -> None:
    """The image says left stance; the 3D says the LEFT foot is up: neither is named."""
    spec, tracks = trial
    world = foot_lift_legs(tracks)
    during = _inside(tracks, spec.left_stance_s)
    world[during] = -world[during]
    labels, phases = detect_single_leg_stance(tracks, world_lift=world)
    assert set(labels[during]) == {"none"}
    for row in phases.itertuples():  # the stance's agreeing edges are too short to count
        assert not during[row.start_frame : row.end_frame].any()


def test_a_one_frame_3d_glitch_does_not_cut_a_stance(trial) -> None:
    spec, tracks = trial
    world = foot_lift_legs(tracks)
    middle = int(np.flatnonzero(_inside(tracks, spec.left_stance_s))[20])
    world[middle] = -world[middle]
    _, clean = detect_single_leg_stance(tracks)
    _, phases = detect_single_leg_stance(tracks, world_lift=world)
    assert phases.equals(clean)


def test_a_lift_the_image_misses_is_taken_from_3d(trial) -> None:
    """A camera high and to the side sees a lifted far foot level with the standing one: the
    image says both feet down; the 3D lift says the right foot is up."""
    spec, tracks = trial
    world = foot_lift_legs(tracks)
    during = _inside(tracks, spec.left_stance_s)
    xy = tracks.xy_px.copy()
    lifted = [27, 29, 31]  # the right ankle, heel and toe drawn down to the floor
    floor = tracks.xy_px[:, [28, 30, 32], 1]
    xy[np.ix_(during, lifted, [1])] = floor[during][..., None]
    image_only, _ = detect_single_leg_stance(tracks.with_xy(xy))
    labels, _ = detect_single_leg_stance(tracks.with_xy(xy), world_lift=world)
    assert "left" not in set(image_only[during])
    assert set(labels[during]) == {"left"}


def test_after_an_unseen_stretch_a_foot_already_up_is_a_stance() -> None:
    """Behind a close-up the foot was lifted unseen: once pose returns, a lift above the
    leaving level (not only the entering one) is a stance already under way."""
    params = SingleLegParams()
    between = 0.5 * (params.exit_lift_legs + params.enter_lift_legs)
    lift = np.r_[np.zeros(5), np.full(5, np.nan), np.full(10, -between)]
    assert set(_hysteresis_labels(lift, params)[10:]) == {"left"}
    seen = np.r_[np.zeros(10), np.full(10, -between)]
    assert set(_hysteresis_labels(seen, params)[10:]) == {"both"}
