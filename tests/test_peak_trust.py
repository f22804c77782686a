"""How far a reading can be trusted, against known geometry and simulated noise: the peak's
95% uncertainty (pose noise, phase boundaries), phases whose start was not seen, the jitter
estimate behind the noise, the two pose passes' disagreement, and stepping read as walking."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from hipdrop.analysis.metrics import PHASE_EDGE_S, phase_core, stance_sign
from hipdrop.analysis.peak_trust import (
    BOUNDARY_SHIFT_S,
    EDGE_WARMUP_S,
    phase_peak_uncertainty,
    unseen_boundaries,
)
from hipdrop.analysis.quality import hip_jitter_px, residual_share
from hipdrop.analysis.task import choose_task
from hipdrop.conventions import landmark
from hipdrop.events.gait import FOOT_STRIKE
from hipdrop.io.shots import THUMBNAIL_VALUES, other_scene_frames
from hipdrop.pose.mirror_pass import MAX_PASS_DISAGREEMENT_TORSOS, passes_disagree
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import SubjectTravel
from hipdrop.tracks.signal import CleaningParams, lowpass

RATE_HZ = 60.0
FILTER = CleaningParams()  # 6 Hz, order 2: the tracks' low-pass


def _frames(
    drop_deg: np.ndarray, stance: str = "left", excluded=(), geometry_sd_deg: float = 0.0
) -> pd.DataFrame:
    n = len(drop_deg)
    reasons = np.full(n, "", dtype=object)
    reasons[list(excluded)] = "no_pose"
    return pd.DataFrame(
        {
            "time_s": np.arange(n) / RATE_HZ,
            "corrected_obliquity_deg": drop_deg if stance == "left" else -drop_deg,
            "geometry_sd_deg": np.full(n, geometry_sd_deg),
            "excluded": reasons,
        }
    )


def _phase(frames: pd.DataFrame, start: int, end: int, stance: str = "left") -> pd.Series:
    """A row of the phase table, its peak drop read over the scored frames as phase_metrics
    reads it."""
    time_s = frames["time_s"].to_numpy()
    drop = frames["corrected_obliquity_deg"].to_numpy()[start:end] * stance_sign(stance)
    peak = float(np.nanmax(drop[phase_core(time_s, start, end)]))
    return pd.Series(
        {"stance_leg": stance, "start_frame": start, "end_frame": end, "peak_drop_deg": peak}
    )


def test_a_peak_inside_the_phase_does_not_depend_on_its_boundaries() -> None:
    """A hump in mid-phase: moving the boundaries changes nothing, no noise gives zero."""
    t = np.arange(300) / RATE_HZ
    drop = 5.0 * np.exp(-(((t - 2.5) / 0.3) ** 2))
    frames = _frames(drop)
    found = phase_peak_uncertainty(frames, _phase(frames, 60, 240), 0.0, FILTER).total_deg
    assert found == pytest.approx(0.0)


def test_a_peak_at_the_phase_start_carries_the_slope_times_the_boundary_error() -> None:
    """The drop falls 1° per frame through the phase start (a hike setting in as the foot
    leaves the floor): the peak sits at the start of the scored frames, and a start moved by
    ``BOUNDARY_SHIFT_S`` moves it by that many frames' worth of degrees."""
    drop = np.linspace(20.0, -279.0, 300).clip(-30.0, None)
    frames = _frames(drop)
    shift_frames = round(BOUNDARY_SHIFT_S * RATE_HZ)
    uncertainty = phase_peak_uncertainty(frames, _phase(frames, 10, 200), 0.0, FILTER)
    found = uncertainty.total_deg
    assert found == pytest.approx(shift_frames * 1.0, abs=0.01)
    assert uncertainty.largest_source == "timing"
    # Stance labels mirrored (right stance, obliquity of the other sign): the same figure.
    mirrored = _frames(drop, stance="right")
    right = _phase(mirrored, 10, 200, "right")
    assert phase_peak_uncertainty(mirrored, right, 0.0, FILTER).total_deg == found


def test_the_view_uncertainty_is_the_geometry_sd_at_95_percent_and_named() -> None:
    """A hump in mid-phase read through a view uncertain by 2° (1 SD) per frame: the peak's
    uncertainty is 1.96 x 2° and comes from the view; with pose noise far larger, from pose."""
    t = np.arange(300) / RATE_HZ
    frames = _frames(5.0 * np.exp(-(((t - 2.5) / 0.3) ** 2)), geometry_sd_deg=2.0)
    phase = _phase(frames, 60, 240)
    from_view = phase_peak_uncertainty(frames, phase, 0.0, FILTER)
    assert from_view.total_deg == pytest.approx(1.96 * 2.0, abs=0.01)
    assert from_view.largest_source == "view"
    assert phase_peak_uncertainty(frames, phase, 10.0, FILTER).largest_source == "pose"


@pytest.mark.parametrize("noise_deg", [1.0, 3.0])
def test_pose_noise_moves_the_peak_as_simulated(noise_deg: float) -> None:
    """A level pelvis read again and again with white noise of one frame's SD ``noise_deg``,
    low-passed as the tracks are: the largest of many noisy frames differs from reading to
    reading. Each reading's 95% figure must hold another reading's peak (a retest) at least
    nine times in ten, without being several times too wide."""
    n, start, end = 300, 30, 270
    rng = np.random.default_rng(7)
    time_s = np.arange(n) / RATE_HZ
    readings = [lowpass(rng.normal(0.0, noise_deg, n), time_s, FILTER.cutoff_hz) for _ in range(60)]
    edge = round(PHASE_EDGE_S * RATE_HZ)
    peaks = np.array([r[start + edge : end - edge].max() for r in readings])
    figures = np.array(
        [
            phase_peak_uncertainty(frames, _phase(frames, start, end), noise_deg, FILTER).total_deg
            for frames in map(_frames, readings)
        ]
    )
    retest = np.abs(peaks[:30, None] - peaks[None, 30:])
    assert np.mean(retest <= figures[:30, None]) >= 0.9
    assert np.median(figures) <= 2.5 * np.percentile(retest, 95)


def test_a_phase_that_begins_after_unreadable_frames_did_not_show_its_start() -> None:
    drop = np.zeros(300)
    gap = range(90, 110)  # 20 frames: longer than a boundary's own timing error
    frames = _frames(drop, excluded=gap)
    phases = pd.DataFrame(
        {
            "stance_leg": ["left", "left", "left"],
            "start_frame": [20, 112, 200],
            "end_frame": [80, 180, 290],
        }
    )
    assert list(unseen_boundaries(frames, phases)) == [False, True, False]
    # The same leg standing on both sides of the gap: one stance, interrupted.
    interrupted = phases.assign(end_frame=[88, 180, 290])
    assert not unseen_boundaries(frames, interrupted).any()
    # A clip opening on unreadable frames hides the start as well (it may have come in them);
    # pose's warm-up there (a quarter of a second), or a single lost frame anywhere, hides
    # nothing.
    opening = _frames(drop, excluded=range(0, 20))
    few = _frames(drop, excluded=range(round(EDGE_WARMUP_S * RATE_HZ)))  # 15 frames
    single = _frames(drop, excluded=[110])
    assert unseen_boundaries(opening, phases.iloc[:1].assign(start_frame=21)).all()
    warmed_up = round(EDGE_WARMUP_S * RATE_HZ) + 1
    assert not unseen_boundaries(few, phases.iloc[:1].assign(start_frame=warmed_up)).any()
    assert not unseen_boundaries(single, phases).any()
    # A glimpse inside the gap does not show the start: one readable frame 5 frames before it.
    glimpse = _frames(drop, excluded=[*range(90, 106), *range(107, 112)])
    assert list(unseen_boundaries(glimpse, phases.assign(start_frame=[20, 112, 200]))) == [
        False,
        True,
        False,
    ]
    # Glimpses from the clip's first frames on (the balance clip at 70% size, whose stance
    # starts at frame 33 after runs of 7 unreadable frames).
    opening = [*range(0, 9), 12, *range(15, 22), *range(26, 33), *range(34, 41)]
    late_start = phases.iloc[:1].assign(start_frame=33, end_frame=62)
    assert unseen_boundaries(_frames(drop, excluded=opening), late_start).all()
    # ... while frames lost here and there, however close together, hide nothing.
    scattered = _frames(drop, excluded=range(60, 240, 4))
    assert not unseen_boundaries(scattered, phases).any()


def test_pose_finding_the_body_again_does_not_part_a_stance() -> None:
    """The hops clip with half a second of another clip spliced into his 8.4 s stance: pose
    read both feet down for the frames after the splice while it found him again. The two
    phases of his leg are one stance, interrupted, whose start and end were seen: here 11
    readable frames before the second phase, pose's 6-frame warm-up and a boundary's own
    timing error (0.1 s). Where the stance resumes only after pose has settled, it is a new
    one whose start follows readable frames, while the first, ending at the gap, is unseen."""
    frames = _frames(np.zeros(300), excluded=range(100, 120))
    settling = pd.DataFrame(
        {"stance_leg": ["left", "left"], "start_frame": [20, 131], "end_frame": [100, 290]}
    )
    assert not unseen_boundaries(frames, settling).any()
    settled = settling.assign(start_frame=[20, 140])
    assert list(unseen_boundaries(frames, settled)) == [True, False]


@pytest.mark.parametrize("rate_hz", [30.0, 60.0])
def test_hip_jitter_estimate_recovers_known_white_noise(rate_hz: float) -> None:
    """1 px of white noise on slowly moving hips: the estimate is 1 px, not the part of it the
    low-pass removes (0.72 px at 30 fps without ``residual_share``)."""
    n = 3000
    time_s = np.arange(n) / rate_hz
    xy = np.zeros((n, 33, 2))
    xy[..., 0] = 500 + 30 * np.sin(2 * np.pi * 0.7 * time_s)[:, None]
    xy[..., 1] = 400 + 10 * np.sin(2 * np.pi * 1.1 * time_s)[:, None]
    noisy = xy + np.random.default_rng(1).normal(0.0, 1.0, xy.shape)
    filtered = lowpass(noisy, time_s, FILTER.cutoff_hz)
    smooth = LandmarkTracks(time_s, filtered, np.ones((n, 33)), (1000, 800))
    assert hip_jitter_px(noisy, smooth, FILTER) == pytest.approx(1.0, rel=0.05)
    assert residual_share(FILTER, rate_hz) < 0.8


def _standing(n: int = 50) -> LandmarkTracks:
    xy = np.full((n, 33, 2), np.nan)
    for side, x in (("left", 560.0), ("right", 440.0)):
        xy[:, landmark(side, "hip")] = (x, 500.0)
        xy[:, landmark(side, "shoulder")] = (x + np.sign(x - 500) * 30, 200.0)  # torso 300 px
    return LandmarkTracks(np.arange(n) / 30.0, xy, np.ones((n, 33)), (1000, 1000))


def test_frames_where_the_two_pose_passes_disagree_are_flagged() -> None:
    """The mirrored pass puts the hips a known distance off in some frames: beyond a quarter
    of the torso (75 px here) the frame is flagged, within it not."""
    normal = _standing()
    xy = normal.xy_px.copy()
    limit_px = MAX_PASS_DISAGREEMENT_TORSOS * 300.0
    xy[10:15, landmark("left", "hip"), 1] += 1.5 * limit_px  # lost: 112 px off
    xy[30:35, landmark("right", "hip"), 0] += 0.5 * limit_px  # close: 38 px off
    flagged = passes_disagree(normal, replace(normal, xy_px=xy))
    assert list(np.flatnonzero(flagged)) == list(range(10, 15))


def test_short_alternating_single_leg_phases_without_strikes_are_walking() -> None:
    """Steps whose foot strikes were not found are not single-leg tests: ``walk`` (whose sides
    then need steps), not single-leg thresholds on 0.4 s phases. Long phases stay single-leg."""
    events = pd.DataFrame(
        {"side": ["left"], "kind": [FOOT_STRIKE], "frame": [10], "time_s": [0.33]}
    )
    steps = np.array((["left"] * 12 + ["both"] * 4 + ["right"] * 12 + ["both"] * 4) * 3)
    assert choose_task("auto", events, steps, 30.0).task == "walk"
    holds = np.array(["left"] * 150 + ["both"] * 30 + ["right"] * 150 + ["both"] * 30)
    assert choose_task("auto", events, holds, 30.0).task == "single-leg"


@pytest.mark.parametrize(
    ("travel", "task"),
    [
        (SubjectTravel(2.6, 1.4), "walk"),  # toward the camera: 2.6 times larger
        (SubjectTravel(1.1, 3.0), "walk"),  # across the picture
        (SubjectTravel(1.16, 0.4), "single-leg"),  # balancing in place
        (None, "single-leg"),
    ],
)
def test_a_subject_who_travels_without_readable_steps_walks(travel, task) -> None:
    """One short stance and no foot strikes: a single-leg test only if the subject stayed in
    place."""
    events = pd.DataFrame(columns=["side", "kind", "frame", "time_s"])
    labels = np.array(["both"] * 100 + ["right"] * 17 + ["both"] * 100)
    assert choose_task("auto", events, labels, 50.0, travel=travel).task == task


def _thumbnails(levels: list[tuple[int, float]], seed: int = 0) -> np.ndarray:
    """Runs of frames (count, mean grey level) of a textured scene, with sensor noise."""
    rng = np.random.default_rng(seed)
    texture = rng.integers(0, 120, THUMBNAIL_VALUES)
    parts = [
        np.clip(texture + level + rng.normal(0, 1.0, (count, THUMBNAIL_VALUES)), 0, 255)
        for count, level in levels
    ]
    return np.concatenate(parts).astype(np.uint8)


def test_a_spliced_shot_of_another_scene_is_found_from_the_picture() -> None:
    """100 frames of one scene, 30 of another (brighter by 40 grey levels), 100 of the first:
    the 30 are another scene. A cut away and back within the scene, or a scene that gets
    slowly brighter, is not."""
    spliced = _thumbnails([(100, 60), (30, 100), (100, 60)])
    decoded = np.ones(len(spliced), dtype=bool)
    assert list(other_scene_frames(spliced, decoded)) == list(range(100, 130))
    drifting = np.concatenate([_thumbnails([(1, 60 + 0.3 * k)]) for k in range(200)])
    assert other_scene_frames(drifting, np.ones(200, dtype=bool)).size == 0
    # Frames not decoded neither split a shot nor are flagged.
    decoded[100:130] = False
    assert other_scene_frames(spliced, decoded).size == 0
