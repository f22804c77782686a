"""Stance from the image's ankle heights, checked against pose's 3D lift along gravity.

Synthetic tracks with a known stance (left, then right): the image says which foot is up, a
made-up 3D lift agrees, glitches or contradicts, and the labels must name the true leg or none.
"""

from __future__ import annotations

import numpy as np
import pytest

from hipdrop.conventions import landmark
from hipdrop.events.single_leg import (
    SingleLegParams,
    _hysteresis_labels,
    detect_single_leg_stance,
    foot_lift_legs,
    stagger_rise_legs,
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


def _projected(points_m: np.ndarray, pitch_deg: float, focal_px: float, centre_px) -> np.ndarray:
    """Pinhole image of world points (x right, y up, z away from the camera at the origin,
    which looks down by ``pitch_deg``)."""
    pitch = np.radians(pitch_deg)
    x, y, z = points_m.T
    cam_y = -y * np.cos(pitch) - z * np.sin(pitch)  # image y points down
    cam_z = -y * np.sin(pitch) + z * np.cos(pitch)
    return np.c_[focal_px * x / cam_z + centre_px[0], focal_px * cam_y / cam_z + centre_px[1]]


@pytest.mark.parametrize(("height_m", "pitch_deg"), [(1.0, 10.0), (1.9, 25.0), (2.6, 35.0)])
def test_the_stagger_bound_covers_what_a_farther_foot_fakes(trial, height_m, pitch_deg) -> None:
    """A camera ``height_m`` up, 4 m away, looking down: both feet on the floor, the left one
    set ``max_stagger_legs`` farther away. Its image lift (what the stance detector reads) must lie
    within :func:`stagger_rise_legs`, and not far inside it (the bound is not a blanket)."""
    from hipdrop.geometry.camera import CameraGeometry

    _, tracks = trial
    leg_m = 0.88
    stagger_m = SingleLegParams().max_stagger_legs * leg_m
    ankle_m, hip_m = 0.08 - height_m, 0.08 + leg_m - height_m  # heights from the camera
    world = {  # metres: x right, y up, z away from the camera
        "left_ankle": (0.12, ankle_m, 4.0 + stagger_m),
        "right_ankle": (-0.12, ankle_m, 4.0),
        "left_hip": (0.12, hip_m, 4.0 + stagger_m / 2),
        "right_hip": (-0.12, hip_m, 4.0 + stagger_m / 2),
    }
    camera = CameraGeometry(0.0, pitch_deg, 1.0, 1.0, 1500.0, (540.0, 960.0), "test")
    xy = tracks.xy_px[:1].copy()
    for name, point in world.items():
        side, part = name.split("_")
        xy[0, landmark(side, part)] = _projected(np.array([point]), pitch_deg, 1500.0, (540, 960))
    standing = tracks.with_xy(np.repeat(xy, tracks.n_frames, 0))
    faked = float(foot_lift_legs(standing)[0])
    bound = float(stagger_rise_legs(standing, camera)[0])
    assert 0 < faked <= bound < 1.3 * faked


def test_a_stance_a_stagger_could_fake_names_no_leg() -> None:
    """Before the left stance both feet are down, the left one set back: from a camera that
    looks down it shows 0.25 leg lengths up, and pose's 3D puts it 0.14 up (the multicam
    rear-oblique camera, at a third of its frame rate). Within a stagger's reach (0.2 here),
    that must name no leg; the real stances, lifted 0.5 leg lengths, keep their exact frames."""
    spec = SyntheticTrial(lift_legs=0.5)
    tracks = synthetic_single_leg(spec)
    before = tracks.time_s < spec.left_stance_s[0] - 0.2
    xy = tracks.xy_px.copy()
    leg_px = float(np.nanmedian(xy[:, 27, 1] - xy[:, 23, 1]))
    xy[np.ix_(before, [27, 29, 31], [1])] -= 0.25 * leg_px  # the left ankle, heel and toe
    staggered = tracks.with_xy(xy)
    world = foot_lift_legs(staggered)
    world[before] = 0.14
    stagger = np.full(tracks.n_frames, 0.2)
    unchecked, _ = detect_single_leg_stance(staggered, world_lift=world)
    labels, phases = detect_single_leg_stance(staggered, world_lift=world, stagger_legs=stagger)
    _, true_phases = detect_single_leg_stance(tracks, world_lift=foot_lift_legs(tracks))
    assert "right" in set(unchecked[before])  # the wrong leg, without the stagger's bound
    assert "right" not in set(labels[before]) and "left" not in set(labels[before])
    assert phases.equals(true_phases)
