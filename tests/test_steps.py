"""Walking/running analysis: per-step drop on synthetic gait with a KNOWN drop, task choice,
gait-cycle curves, exclusions, and the outputs of a gait analysis."""

from __future__ import annotations

import itertools
import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_gait_events import synthetic_trial

from hipdrop.analysis.baseline import Baseline
from hipdrop.analysis.gait_cycle import cycle_curves, normal_band
from hipdrop.analysis.thresholds import load_thresholds
from hipdrop.cli import main
from hipdrop.errors import HipdropError
from hipdrop.geometry.virtual_camera import place_camera, project_trial
from hipdrop.io.marker_names import marker_map
from hipdrop.io.mocap import MocapTrial
from hipdrop.options import AnalysisOptions
from hipdrop.pipeline import analyse_tracks
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg
from hipdrop.tracks import LandmarkTracks

STRIDE_S = 1.1  # synthetic walking: left strike at phase 0, right at 0.5, foot off at 0.6
LEVEL = Baseline(0.0, 0.0, None, "level (test)", 1)


def _bump(phase: np.ndarray) -> np.ndarray:
    """0 outside single support (phase 0.1-0.5), rising to 1 at midstance (phase 0.3)."""
    inside = (phase > 0.1) & (phase < 0.5)
    return np.where(inside, np.sin(np.pi * (phase - 0.1) / 0.4) ** 2, 0.0)


def walking_tracks(
    left_drop_deg: float, right_drop_deg: float, camera: str = "anterior", jitter_px: float = 0.0
) -> LandmarkTracks:
    """Synthetic walking in which the swing-side hip sinks by a known angle at each midstance."""
    trial, _ = synthetic_trial("walk", 100.0, seconds=8.0)
    time_s = trial.time_s
    left_phase = np.mod(time_s / STRIDE_S, 1.0)
    right_phase = np.mod(time_s / STRIDE_S - 0.5, 1.0)
    obliquity = np.radians(
        left_drop_deg * _bump(left_phase) - right_drop_deg * _bump(right_phase)
    )  # + when the left hip is higher: the right (swing) side dropped in left stance
    markers = dict(trial.markers_m)
    for code, sign in (("L", 1.0), ("R", -1.0)):
        hip = markers[f"{code}FEP"].copy()
        hip[:, 2] += sign * np.abs(hip[:, 1]) * np.tan(obliquity)
        markers[f"{code}FEP"] = hip
    trial = MocapTrial(markers, trial.rate_hz, 1, 2, "synthetic walk with drop")
    names = marker_map(trial)
    return project_trial(trial, place_camera(trial, names, camera), names, jitter_px)


def _zoom(tracks: LandmarkTracks, start: float, stop: float) -> LandmarkTracks:
    """The subject grows from ``start`` to ``stop`` times their size: walking toward the lens."""
    scale = np.linspace(start, stop, tracks.n_frames)[:, None, None]
    centre = np.array(tracks.image_size_px) / 2
    return tracks.with_xy(centre + (tracks.xy_px - centre) * scale)


def _included(analysis, side: str):
    steps = analysis.steps
    return steps[steps["included"] & (steps["stance_leg"] == side)]


@pytest.fixture(scope="module")
def walk():
    return analyse_tracks(walking_tracks(6.0, 2.0), baseline=LEVEL, source={"name": "walk"})


def test_auto_picks_walk_and_says_why(walk) -> None:
    assert walk.summary["task"] == "walk"
    assert "alternating" in walk.summary["task_reason"]
    assert walk.summary["thresholds"]["task"] == "walk"


@pytest.mark.parametrize("camera", ["anterior", "posterior"])
def test_drop_at_midstance_is_recovered_per_stance_leg(camera: str) -> None:
    analysis = analyse_tracks(
        walking_tracks(6.0, 2.0, camera), AnalysisOptions(task="walk"), baseline=LEVEL
    )
    for side, truth in (("left", 6.0), ("right", 2.0)):
        mine = _included(analysis, side)
        assert len(mine) >= 5
        np.testing.assert_allclose(mine["drop_deg"], truth, atol=0.3)
        np.testing.assert_allclose(mine["peak_drop_deg"], truth, atol=0.3)
        info = analysis.summary["sides"][side]
        assert info["n_steps"] == len(mine)
        assert info["peak_drop_deg"] == pytest.approx(truth, abs=0.3)
        assert info["peak_drop_sd_deg"] < 0.3
    assert analysis.summary["sides"]["left"]["classification"] != "normal"
    assert analysis.summary["sides"]["right"]["classification"] == "normal"


def test_steps_alternate_and_timing_matches_the_gait(walk) -> None:
    steps = walk.steps
    assert all(a != b for a, b in itertools.pairwise(steps["stance_leg"]))
    gait = walk.summary["gait"]
    assert gait["cadence_steps_per_min"] == pytest.approx(120 / STRIDE_S, rel=0.03)
    assert abs(gait["step_time_asymmetry_pct"]) < 3
    stance = (steps["foot_off_s"] - steps["foot_strike_s"]).dropna()
    np.testing.assert_allclose(stance, 0.6 * STRIDE_S, atol=0.04)
    # Midstance lies in single support, between strike and off.
    inside = steps.dropna(subset=["foot_off_frame"])
    assert (inside["foot_strike_frame"] < inside["midstance_frame"]).all()
    assert (inside["midstance_frame"] < inside["foot_off_frame"]).all()


def test_summary_lists_every_step_with_the_contract_fields(walk) -> None:
    summary = json.loads(json.dumps(walk.summary))  # JSON-clean: no NaN, no numpy types
    assert len(summary["steps"]) == len(walk.steps)
    for step in summary["steps"]:
        for key in ("stance_leg", "foot_strike_frame", "foot_strike_s", "foot_off_frame"):
            assert key in step
        assert "drop_deg" in step and "peak_drop_deg" in step
    assert {s["stance_leg"] for s in summary["steps"]} == {"left", "right"}


def test_walking_toward_the_camera_changes_no_angle_or_width_ratio(walk) -> None:
    growing = analyse_tracks(_zoom(walking_tracks(6.0, 2.0), 0.6, 1.5), baseline=LEVEL)
    assert growing.summary["task"] == "walk"
    for side in ("left", "right"):
        near, far = _included(growing, side), _included(walk, side)
        assert len(near) >= 4  # the feet leave the image near the end
        assert near["drop_deg"].mean() == pytest.approx(far["drop_deg"].mean(), abs=0.3)
        # Lateral shift is in hip widths of each frame, so growing does not inflate it.
        shift_near = near["lateral_shift_widths"].abs().max()
        assert shift_near <= far["lateral_shift_widths"].abs().max() + 0.05


def test_mirrored_video_swaps_stance_legs(walk) -> None:
    mirrored = analyse_tracks(walking_tracks(6.0, 2.0).mirrored(), baseline=LEVEL)
    assert mirrored.summary["sides"]["right"]["peak_drop_deg"] == pytest.approx(
        walk.summary["sides"]["left"]["peak_drop_deg"], abs=0.2
    )
    assert mirrored.summary["sides"]["left"]["peak_drop_deg"] == pytest.approx(
        walk.summary["sides"]["right"]["peak_drop_deg"], abs=0.2
    )


def test_camera_roll_is_removed_by_the_stride_mean() -> None:
    """No standing baseline: the level is the mean over whole strides, so a rolled camera
    moves both sides' drops the same way as a level one (symmetric drops stay symmetric)."""
    level = analyse_tracks(walking_tracks(4.0, 4.0))
    tracks = walking_tracks(4.0, 4.0)
    roll = np.radians(3.0)
    centre = np.array(tracks.image_size_px) / 2
    rotation = np.array([[np.cos(roll), -np.sin(roll)], [np.sin(roll), np.cos(roll)]])
    rolled = analyse_tracks(tracks.with_xy(centre + (tracks.xy_px - centre) @ rotation.T))
    assert rolled.summary["baseline"]["source"].startswith("mean over whole strides")
    # The camera geometry takes the roll out; the stride mean keeps the rest (level here).
    assert abs(rolled.summary["camera"]["roll_deg"]) == pytest.approx(3.0, abs=0.5)
    assert abs(rolled.summary["baseline"]["obliquity_deg"]) <= 0.5
    for side in ("left", "right"):
        assert rolled.summary["sides"][side]["drop_at_midstance_deg"] == pytest.approx(
            level.summary["sides"][side]["drop_at_midstance_deg"], abs=0.3
        )


def test_steps_leaving_the_frame_are_excluded_and_counted() -> None:
    tracks = walking_tracks(6.0, 2.0)
    xy = tracks.xy_px.copy()
    late = tracks.time_s > 5.5
    xy[late, :, 0] += 2000.0  # the subject walks out of the image
    analysis = analyse_tracks(tracks.with_xy(xy), AnalysisOptions(task="walk"), baseline=LEVEL)
    steps = analysis.steps
    assert not steps.loc[steps["foot_off_s"] > 5.5, "included"].any()
    excluded = steps[~steps["included"]]
    assert len(excluded) >= 1
    counted = sum(analysis.summary["sides"][s]["n_steps_excluded"] for s in ("left", "right"))
    assert counted == len(excluded)
    assert any("left out" in w for w in analysis.summary["warnings"])


def test_fewer_than_seven_steps_per_side_is_warned(walk) -> None:
    n_left = walk.summary["sides"]["left"]["n_steps"]
    warned = any("at least 7 steps" in w for w in walk.summary["warnings"])
    assert warned == (n_left < 7)
    short = walking_tracks(6.0, 2.0)
    keep = short.time_s < 3.0
    few = LandmarkTracks(
        short.time_s[keep], short.xy_px[keep], short.visibility[keep], short.image_size_px
    )
    assert any("at least 7 steps" in w for w in analyse_tracks(few).summary["warnings"])


def test_gait_cycle_curves_follow_the_drop(walk) -> None:
    curves = cycle_curves(walk.frames, walk.steps)
    for side, truth in (("left", 6.0), ("right", 2.0)):
        cycles = curves[side]
        assert cycles.shape[0] >= 4 and cycles.shape[1] == 101
        mean = cycles.mean(axis=0)
        # This side's drop peaks at its midstance, 30% of its own cycle.
        assert abs(int(np.argmax(mean)) - 30) <= 2
        assert mean.max() == pytest.approx(truth, abs=0.3)
    fig = walk.plot_gait_cycle()
    assert fig is not None and len(fig.axes[0].lines) >= 3
    plt.close(fig)


def test_normal_band_has_the_published_peaks() -> None:
    mean, sd = normal_band(np.arange(101))
    assert int(np.argmax(mean)) == 16 and int(np.argmin(mean)) == 66
    assert mean.max() == pytest.approx(4.1, abs=0.01) and sd[0] == pytest.approx(2.15)


def test_running_is_told_from_walking() -> None:
    trial, _ = synthetic_trial("run", 60.0, treadmill=True)
    names = marker_map(trial)
    tracks = project_trial(trial, place_camera(trial, names, "posterior"), names)
    analysis = analyse_tracks(tracks)
    assert analysis.summary["task"] == "run", analysis.summary["task_reason"]
    assert analysis.summary["thresholds"]["task"] == "run"
    assert analysis.summary["gait"]["cadence_steps_per_min"] == pytest.approx(120 / 0.7, rel=0.05)


def test_single_leg_stance_stays_single_leg_with_auto() -> None:
    analysis = analyse_tracks(synthetic_single_leg(SyntheticTrial()))
    assert analysis.summary["task"] == "single-leg"
    assert analysis.steps.empty and analysis.summary["steps"] == []
    assert analysis.plot_gait_cycle() is None


def test_unknown_task_is_a_user_error(capsys) -> None:
    with pytest.raises(HipdropError, match="unknown task"):
        analyse_tracks(walking_tracks(0.0, 0.0), AnalysisOptions(task="dance"))
    with pytest.raises(SystemExit) as exit_info:
        main(["analyse", "clip.mp4", "--task", "dance"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("task", ["walk", "run", "stairs"])
def test_gait_threshold_profiles_name_their_sources(task: str) -> None:
    profile = load_thresholds(task)
    assert profile.threshold_deg > 0 and profile.sdd_deg > 0
    assert profile.threshold_source != "not given" and profile.sdd_source != "not given"
    assert ("Heuristic" in profile.threshold_source) or ("et al." in profile.threshold_source)


def test_gait_outputs_include_steps_and_cycle_figure(walk, tmp_path) -> None:
    out = walk.save(tmp_path / "out")
    table = pd.read_csv(out / "steps.csv")
    assert len(table) == len(walk.steps)
    np.testing.assert_allclose(
        table.loc[table["included"], "drop_deg"],
        walk.steps.loc[walk.steps["included"], "drop_deg"],
        atol=1e-3,
    )
    assert (out / "gait_cycle.png").stat().st_size > 10_000
    summary = json.loads((out / "summary.json").read_text())
    assert summary["task"] == "walk" and len(summary["steps"]) == len(walk.steps)


@pytest.mark.realdata
def test_walk_toward_camera_clip(video) -> None:
    """A man walks toward the camera (hips grow from ~30 to ~90 px): auto picks walk (not
    stairs down, though the camera looking down sees most landings lower than the last), the
    steps alternate, and every step whose stance is complete in the clip has a drop or a
    reason it has none."""
    from hipdrop.pipeline import analyse

    analysis = analyse(video("anterior_walk-toward-camera_vaila.mp4"))
    summary = analysis.summary
    assert summary["task"] == "walk", summary["task_reason"]
    steps = analysis.steps
    assert len(steps) >= 6  # 3.8 s of walking at ~1.9 steps/s, pose found from ~0.35 s
    assert all(a != b for a, b in itertools.pairwise(steps["stance_leg"]))
    complete = steps["foot_off_frame"].notna()
    # Every complete step has a drop, or says why not (on the Tasks pose the first step's
    # midstance frame is one where the two pose passes disagree: "pelvis not tracked").
    missing = steps[complete & steps["drop_deg"].isna()]
    assert len(missing) <= 1
    assert (~missing["included"]).all() and (missing["excluded_reason"] != "").all()
    # Walking has double support: no foot leaves the floor before the other one has landed.
    for earlier, later in itertools.pairwise(steps.itertuples()):
        if pd.notna(earlier.foot_off_frame):
            assert earlier.foot_off_frame >= later.foot_strike_frame
    assert steps["included"].sum() >= 4
    assert 90 <= summary["gait"]["cadence_steps_per_min"] <= 140
    assert any("at least 7 steps" in w for w in summary["warnings"])
    # The hips grow about threefold; lateral shift stays a fraction of one hip width.
    assert steps.loc[steps["included"], "lateral_shift_widths"].abs().max() < 0.5
