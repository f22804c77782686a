"""Gait events from frontal 2D tracks: synthetic gait with known events, virtual camera."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from hipdrop.events.gait import (
    EVENT_COLUMNS,
    FOOT_OFF,
    FOOT_STRIKE,
    detect_gait_events,
    midstance_frames,
    stance_phases,
)
from hipdrop.events.phases import PHASE_COLUMNS
from hipdrop.geometry.virtual_camera import place_camera, project_trial
from hipdrop.io.marker_names import marker_map
from hipdrop.io.mocap import MocapTrial
from hipdrop.tracks import LandmarkTracks

HEEL_LIFT_M = {"walk": 0.25, "run": 0.40}
FOOT_LENGTH_M = 0.2


def _smoothstep(u: np.ndarray) -> np.ndarray:
    return 0.5 * (1 - np.cos(np.pi * np.clip(u, 0, 1)))


def _heel_height(phase: np.ndarray, duty: float, gait: str) -> np.ndarray:
    """Zero from strike to heel-off, one smooth lift through swing, back to zero at strike."""
    heel_off = duty - (0.25 if gait == "walk" else 0.2)
    u = np.clip((phase - heel_off) / (1 - heel_off), 0, 1)
    shape = np.sin(np.pi * u) ** (2 if gait == "walk" else 1)  # running lands fast
    return HEEL_LIFT_M[gait] * np.where(phase > heel_off, shape, 0.0)


def _toe_height(phase: np.ndarray, duty: float) -> np.ndarray:
    """Toe down in stance; lifts at toe-off; a terminal-swing bump; drops at the strike."""
    lift = 0.08 * np.sin(np.pi * np.clip((phase - duty) / 0.25, 0, 1))
    lift = np.where((phase >= duty) & (phase < duty + 0.25), lift, 0.0)
    u = np.where(phase < 0.5, phase + 1.0, phase)  # 0.88 ... 1.05 around the strike at 1.0
    rise = 0.08 * _smoothstep((u - 0.88) / 0.07)
    drop = 0.08 * np.cos(0.5 * np.pi * np.clip((u - 0.95) / 0.1, 0, 1)) ** 2
    terminal = np.where(u < 0.95, rise, drop)
    return lift + np.where((u >= 0.88) & (u < 1.05), terminal, 0.0)


def synthetic_trial(
    gait: str = "walk", rate_hz: float = 100.0, seconds: float = 6.0, treadmill: bool = False
) -> tuple[MocapTrial, dict[str, list[int]]]:
    """Marker trajectories (Z up, walking along +X) with known strike and off frames per side.

    The left foot strikes at phase 0, the right half a stride later; the toe leaves the
    floor at ``duty`` (0.6 walking, 0.35 running).
    """
    stride_s, duty, speed = (1.1, 0.6, 1.3) if gait == "walk" else (0.7, 0.35, 3.5)
    time_s = np.arange(round(seconds * rate_hz)) / rate_hz
    pelvis_x = np.zeros_like(time_s) if treadmill else speed * time_s
    markers, truth = {}, {}
    for side, offset, lateral in (("left", 0.0, 0.1), ("right", 0.5, -0.1)):
        cycles = time_s / stride_s - offset + 1.0  # phase 0 = this foot's strike
        phase, cycle = np.mod(cycles, 1.0), np.floor(cycles)
        strike_t = (cycle - 1.0 + offset) * stride_s
        off_t = strike_t + duty * stride_s
        swing = phase >= duty
        progress = _smoothstep((phase - duty) / (1 - duty))
        if treadmill:
            down_x = 0.3 - speed * (time_s - strike_t)
            off_x = 0.3 - speed * duty * stride_s
            heel_x = np.where(swing, off_x + (0.3 - off_x) * progress, down_x)
        else:
            footprint = speed * strike_t + 0.3
            heel_x = np.where(swing, footprint + speed * stride_s * progress, footprint)
        heel_z = 0.02 + _heel_height(phase, duty, gait)
        toe_z = 0.02 + _toe_height(phase, duty)
        toe_x = heel_x + np.sqrt(np.maximum(FOOT_LENGTH_M**2 - (heel_z - toe_z) ** 2, 0.01))
        y = np.full_like(time_s, lateral)
        code = side[0].upper()
        markers[f"{code}HEE"] = np.column_stack([heel_x, y, heel_z])
        markers[f"{code}TOE"] = np.column_stack([toe_x, y, toe_z])
        markers[f"{code}ANK"] = np.column_stack([heel_x + 0.05, y, heel_z + 0.06])
        markers[f"{code}KNE"] = np.column_stack([0.5 * (heel_x + pelvis_x), y, 0.5 + 0 * y])
        bounce = 0.02 * np.cos(4 * np.pi * time_s / stride_s)
        markers[f"{code}FEP"] = np.column_stack([pelvis_x, 0.9 * y, 0.9 + bounce])
        markers[f"{code}SHO"] = np.column_stack([pelvis_x, 1.8 * y, 1.45 + bounce])
        frames = np.round(np.unique(strike_t) * rate_hz).astype(int)
        offs = np.round(np.unique(off_t) * rate_hz).astype(int)
        # Events a stride's tenth from the clip ends: the detector needs data around them.
        margin = round(0.1 * stride_s * rate_hz)
        inside = [margin, len(time_s) - margin]
        truth[f"{side}_{FOOT_STRIKE}"] = [f for f in frames if inside[0] < f < inside[1]]
        truth[f"{side}_{FOOT_OFF}"] = [f for f in offs if inside[0] < f < inside[1]]
    return MocapTrial(markers, rate_hz, 1, 2, f"synthetic-{gait}"), truth


def _tracks(gait: str, camera: str, treadmill: bool = False, jitter_px: float = 0.0):
    trial, truth = synthetic_trial(gait, 100.0 if gait == "walk" else 60.0, treadmill=treadmill)
    markers = marker_map(trial)
    tracks = project_trial(trial, place_camera(trial, markers, camera), markers, jitter_px)
    return tracks, truth


def _offsets(events: pd.DataFrame, truth: dict[str, list[int]], side: str, kind: str):
    detected = events.loc[(events["side"] == side) & (events["kind"] == kind), "frame"]
    detected = detected.to_numpy()
    return [int(detected[np.argmin(np.abs(detected - f))] - f) for f in truth[f"{side}_{kind}"]]


@pytest.mark.parametrize("camera", ["anterior", "posterior"])
def test_walking_events_match_synthetic_truth(camera: str) -> None:
    tracks, truth = _tracks("walk", camera)
    events = detect_gait_events(tracks)
    assert list(events.columns) == EVENT_COLUMNS
    for side in ("left", "right"):
        for kind in (FOOT_STRIKE, FOOT_OFF):
            offsets = _offsets(events, truth, side, kind)
            assert offsets and max(abs(o) for o in offsets) <= 3, (side, kind, offsets)
    # One strike per foot and stride, feet alternating.
    strikes = events[events["kind"] == FOOT_STRIKE]
    assert len(strikes) == sum(len(truth[f"{s}_{FOOT_STRIKE}"]) for s in ("left", "right"))
    sides = strikes["side"].to_list()
    assert all(a != b for a, b in itertools.pairwise(sides))


@pytest.mark.parametrize("camera", ["anterior", "posterior"])
def test_treadmill_running_strikes(camera: str) -> None:
    tracks, truth = _tracks("run", camera, treadmill=True)
    events = detect_gait_events(tracks)
    for side in ("left", "right"):
        offsets = _offsets(events, truth, side, FOOT_STRIKE)
        assert max(abs(o) for o in offsets) <= 2, (side, offsets)


def test_events_follow_the_subject_not_the_image_side() -> None:
    """A mirrored video swaps the labels, so the events swap sides and keep their frames."""
    tracks, _ = _tracks("walk", "anterior")
    events = detect_gait_events(tracks)
    mirrored = detect_gait_events(tracks.mirrored())
    swap = {"left": "right", "right": "left"}
    expected = events.assign(side=events["side"].map(swap))
    key = ["frame", "side", "kind"]
    pd.testing.assert_frame_equal(
        mirrored.sort_values(key, ignore_index=True), expected.sort_values(key, ignore_index=True)
    )


def test_noisy_landmarks_keep_most_events() -> None:
    tracks, truth = _tracks("walk", "posterior", jitter_px=2.0)
    events = detect_gait_events(tracks)
    offsets = [
        o
        for side in ("left", "right")
        for kind in (FOOT_STRIKE, FOOT_OFF)
        for o in _offsets(events, truth, side, kind)
    ]
    assert np.mean(np.abs(offsets) <= 3) >= 0.8


def test_stance_phases_and_midstance() -> None:
    tracks, _ = _tracks("walk", "anterior")
    events = detect_gait_events(tracks)
    phases = stance_phases(events, tracks.time_s)
    assert list(phases.columns) == PHASE_COLUMNS
    assert len(phases) >= 6
    for row in phases.itertuples():
        own = events[(events["side"] == row.stance_leg)]
        assert row.start_frame in own.loc[own["kind"] == FOOT_STRIKE, "frame"].to_numpy()
        assert row.end_frame in own.loc[own["kind"] == FOOT_OFF, "frame"].to_numpy()
        assert 0.5 < row.duration_s < 0.8  # 60% of a 1.1 s stride
    mid = midstance_frames(events, tracks.time_s)
    assert len(mid) == len(phases)
    assert (mid["basis"] == "single_support").sum() >= len(mid) - 2
    for row, phase in zip(mid.itertuples(), phases.itertuples(), strict=True):
        assert phase.start_frame < row.frame < phase.end_frame


def test_running_midstance_is_middle_of_stance() -> None:
    events = pd.DataFrame(
        [
            ("left", FOOT_STRIKE, 10),
            ("left", FOOT_OFF, 24),
            ("right", FOOT_STRIKE, 31),
            ("right", FOOT_OFF, 45),
        ],
        columns=["side", "kind", "frame"],
    )
    time_s = np.arange(60) / 60.0
    mid = midstance_frames(events, time_s)
    assert mid["frame"].to_list() == [17, 38]
    assert set(mid["basis"]) == {"stance"}


def test_too_short_or_empty_tracks_give_an_empty_table() -> None:
    n = 5
    tracks = LandmarkTracks(
        np.arange(n) / 30.0, np.full((n, 33, 2), np.nan), np.zeros((n, 33)), (1080, 1920)
    )
    events = detect_gait_events(tracks)
    assert events.empty and list(events.columns) == EVENT_COLUMNS
    assert stance_phases(events, tracks.time_s).empty
    assert midstance_frames(events, tracks.time_s).empty


def test_standing_still_with_noisy_landmarks_gives_no_events() -> None:
    trial, _ = synthetic_trial("walk")
    still = {
        name: np.repeat(values[:1], len(values), axis=0) for name, values in trial.markers_m.items()
    }
    trial = MocapTrial(still, trial.rate_hz, 1, 2, "standing")
    markers = marker_map(trial)
    tracks = project_trial(trial, place_camera(trial, markers, "anterior"), markers, 2.0)
    assert detect_gait_events(tracks).empty
