"""Exact answers on synthetic tracks with a known drop, stance side, timing and roll."""

from __future__ import annotations

import numpy as np
import pytest

from hipdrop.analysis.baseline import find_quiet_standing
from hipdrop.analysis.metrics import refuse_uncertain_sides
from hipdrop.analysis.thresholds import load_thresholds
from hipdrop.events.single_leg import detect_single_leg_stance
from hipdrop.options import AnalysisOptions
from hipdrop.pipeline import analyse_tracks
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg


def _run(trial: SyntheticTrial):
    return analyse_tracks(synthetic_single_leg(trial), source={"name": "synthetic"})


@pytest.mark.parametrize(("left", "right"), [(7.0, 2.0), (1.0, 9.0), (0.0, 0.0)])
def test_peak_drop_recovered_per_side(left: float, right: float) -> None:
    analysis = _run(SyntheticTrial(left_drop_deg=left, right_drop_deg=right))
    sides = analysis.summary["sides"]
    assert sides["left"]["peak_drop_deg"] == pytest.approx(left, abs=0.1)
    assert sides["right"]["peak_drop_deg"] == pytest.approx(right, abs=0.1)


@pytest.mark.parametrize("roll_deg", [-8.0, 0.0, 5.0])
def test_camera_roll_and_resting_asymmetry_are_removed_by_baseline(roll_deg: float) -> None:
    analysis = _run(SyntheticTrial(roll_deg=roll_deg, resting_obliquity_deg=-2.0))
    # The camera geometry takes the roll out (counter-clockwise: "up" leans to image left);
    # the baseline then holds the subject's own resting asymmetry, whichever way they face.
    assert analysis.summary["camera"]["roll_deg"] == pytest.approx(-roll_deg, abs=0.3)
    assert analysis.summary["baseline"]["obliquity_deg"] == pytest.approx(-2.0, abs=0.3)
    assert analysis.summary["sides"]["left"]["peak_drop_deg"] == pytest.approx(7.0, abs=0.1)


def test_stance_phases_match_truth_within_two_frames() -> None:
    trial = SyntheticTrial()
    analysis = _run(trial)
    phases = analysis.summary["phases"]
    assert [p["stance_leg"] for p in phases] == ["left", "right"]
    for phase, (start_s, end_s) in zip(
        phases, (trial.left_stance_s, trial.right_stance_s), strict=True
    ):
        assert abs(phase["start_s"] - start_s) <= 2 / trial.fps
        assert abs(phase["end_s"] - end_s) <= 2 / trial.fps


def test_frames_stance_column_and_obliquity_sign() -> None:
    trial = SyntheticTrial(roll_deg=0.0, resting_obliquity_deg=0.0)
    frames = _run(trial).frames
    mid_left = frames.iloc[int(2.8 * trial.fps)]
    assert mid_left["stance_leg"] == "left"
    # Left stance, right side drops 7 deg: the LEFT hip is higher, obliquity positive.
    assert mid_left["pelvic_obliquity_deg"] == pytest.approx(7.0, abs=0.05)
    assert frames.iloc[int(6.8 * trial.fps)]["pelvic_obliquity_deg"] == pytest.approx(
        -2.0, abs=0.05
    )
    assert set(frames["stance_leg"]) <= {"left", "right", "both", "none"}


def test_mirrored_tracks_swap_sides() -> None:
    tracks = synthetic_single_leg(SyntheticTrial(left_drop_deg=6.0, right_drop_deg=3.0))
    original = analyse_tracks(tracks).summary
    mirrored = analyse_tracks(tracks.mirrored()).summary
    assert [p["stance_leg"] for p in mirrored["phases"]] == ["right", "left"]
    for side, other in (("left", "right"), ("right", "left")):
        assert mirrored["sides"][side]["peak_drop_deg"] == pytest.approx(
            original["sides"][other]["peak_drop_deg"], abs=0.05
        )


def test_rescaling_the_image_changes_nothing() -> None:
    small = _run(SyntheticTrial(hip_half_width_px=30.0)).summary["sides"]
    large = _run(SyntheticTrial(hip_half_width_px=90.0)).summary["sides"]
    for side in ("left", "right"):
        assert small[side]["peak_drop_deg"] == pytest.approx(large[side]["peak_drop_deg"], abs=0.05)


def test_noise_raises_uncertainty_and_keeps_estimate_close() -> None:
    quiet = _run(SyntheticTrial(noise_px=0.3, seed=1)).summary
    noisy = _run(SyntheticTrial(noise_px=1.5, seed=1)).summary
    assert noisy["quality"]["uncertainty_deg"] > 2 * quiet["quality"]["uncertainty_deg"]
    assert abs(noisy["sides"]["left"]["peak_drop_deg"] - 7.0) < 1.5


def test_classification_uses_threshold_and_band() -> None:
    analysis = _run(SyntheticTrial(left_drop_deg=8.0, right_drop_deg=1.0))
    sides = analysis.summary["sides"]
    assert sides["left"]["classification"] == "excessive"
    assert sides["right"]["classification"] == "normal"
    borderline = _run(SyntheticTrial(left_drop_deg=4.3)).summary["sides"]["left"]
    assert borderline["classification"] == "borderline"


def test_one_sided_trial_reports_insufficient_data() -> None:
    trial = SyntheticTrial(right_stance_s=(20.0, 21.0))
    sides = _run(trial).summary["sides"]
    assert sides["right"]["classification"] == "insufficient data"
    assert sides["right"]["peak_drop_deg"] is None


def test_hold_time_measures_when_the_pelvis_starts_to_fall() -> None:
    # Ramp to 7 deg over 0.8 s starting at phase start: exceeds the settled level (at 0.25 s,
    # 7*0.25/0.8 deg) by 2 deg at 0.25 + 2*0.8/7 s.
    trial = SyntheticTrial()
    info = _run(trial).summary["sides"]["left"]
    assert info["pelvis_fell"]
    assert info["hold_s"] == pytest.approx(0.25 + 2 * 0.8 / 7, abs=2 / trial.fps)


def test_side_view_is_refused() -> None:
    tracks = synthetic_single_leg()
    xy = tracks.xy_px.copy()
    centre = np.nanmean(xy[:, :, 0])
    xy[..., 0] = centre + (xy[..., 0] - centre) * 0.1  # squash widths: body seen edge-on
    summary = analyse_tracks(tracks.with_xy(xy)).summary
    assert summary["view"] == "side"
    assert summary["usable"] is False and "Side view" in summary["reason"]
    assert summary["phases"] == []


@pytest.mark.parametrize(("left_drop_deg", "warned"), [(7.0, False), (35.0, False), (55.0, True)])
def test_implausible_hip_line_tilt_is_flagged(left_drop_deg: float, warned: bool) -> None:
    analysis = _run(SyntheticTrial(left_drop_deg=left_drop_deg))
    assert analysis.summary["sides"]["left"]["peak_drop_deg"] == pytest.approx(
        left_drop_deg, abs=0.2
    )
    flagged = [w for w in analysis.summary["warnings"] if "plausibly tilts" in w]
    assert bool(flagged) == warned
    assert all("left stance" in w for w in flagged)


def test_a_stance_phase_never_spans_frames_without_pose() -> None:
    """Across a cut nobody saw which foot was down: the glimpses either side of a long gap in
    the pose are phases of their own, and too short to count."""
    trial = SyntheticTrial()
    tracks = synthetic_single_leg(trial)
    start_s, end_s = trial.left_stance_s
    hidden = (tracks.time_s > start_s + 0.2) & (tracks.time_s < end_s - 0.2)
    xy = tracks.xy_px.copy()
    xy[hidden] = np.nan
    labels, phases = detect_single_leg_stance(tracks.with_xy(xy))
    assert list(phases["stance_leg"]) == ["right"]
    assert set(labels[hidden]) == {"none"}
    assert "left" not in set(labels)


@pytest.mark.parametrize(("hidden_s", "bridged"), [(0.1, True), (0.2, True), (0.4, False)])
def test_a_glitch_of_a_few_frames_does_not_cut_a_phase(hidden_s: float, bridged: bool) -> None:
    """Black or close-up frames for a moment in mid-stance: too short for the lifted foot to
    come down and go up again unseen, so the phase (and where it starts) stays as it was."""
    trial = SyntheticTrial()
    tracks = synthetic_single_leg(trial)
    _, clean = detect_single_leg_stance(tracks)
    start_s, end_s = trial.left_stance_s
    middle = 0.5 * (start_s + end_s)
    frame_s = float(np.median(np.diff(tracks.time_s)))
    hidden = np.abs(tracks.time_s - middle) < 0.5 * hidden_s - 0.01 * frame_s
    xy = tracks.xy_px.copy()
    xy[hidden] = np.nan
    labels, phases = detect_single_leg_stance(tracks.with_xy(xy))
    left = phases[phases["stance_leg"] == "left"]
    if bridged:
        assert len(phases) == len(clean)
        assert list(left["start_frame"]) == list(
            clean[clean["stance_leg"] == "left"]["start_frame"]
        )
        assert set(labels[hidden]) == {"left"}
    else:
        assert len(left) == 2
        assert set(labels[hidden]) == {"none"}


def test_quiet_standing_with_a_tilted_pelvis_is_no_baseline() -> None:
    """A still, double-leg stretch whose pelvis (view undone) tilts 9° is a misread or a
    moving person, not the level a drop is measured from; one at 2° is a baseline."""
    n = 60
    time_s = np.arange(n) / 30.0
    labels = np.array(["both"] * n, dtype=object)
    still = np.full(n, 500.0)

    def baseline(tilt_deg: float):
        tilt = np.full(n, tilt_deg)
        return find_quiet_standing(labels, time_s, tilt, np.zeros(n), still, np.full(n, 80.0))

    assert baseline(2.0).obliquity_deg == pytest.approx(2.0)
    assert baseline(-9.0) is None


def test_a_pelvis_still_in_place_but_tilting_is_no_baseline() -> None:
    """A foot being put down: both feet in, the pelvis in place, its tilt sweeping from -8° to
    -1° in half a second (14°/s; its median -4.5° is level enough). Not a resting level; the
    same stretch with 1° of sway, 0.5 Hz, is."""
    n = 30
    time_s = np.arange(n) / 60.0
    labels = np.array(["both"] * n, dtype=object)
    still, widths = np.full(n, 500.0), np.full(n, 80.0)
    sweeping = np.linspace(-8.0, -1.0, n)
    swaying = -4.5 + np.sin(2 * np.pi * 0.5 * time_s)
    assert find_quiet_standing(labels, time_s, sweeping, np.zeros(n), still, widths) is None
    rest = find_quiet_standing(labels, time_s, swaying, np.zeros(n), still, widths)
    assert rest.obliquity_deg == pytest.approx(np.median(swaying))


def test_a_reading_too_uncertain_or_too_small_for_a_verdict_is_refused() -> None:
    """Single-leg: normal below 2.6°, excessive from 5.4°. A reading is refused when its 95%
    range holds both a normal and an excessive value, however large or small that range."""
    thresholds = load_thresholds("single-leg")
    sides = {
        "left": {"n_phases": 1, "peak_drop_deg": 3.0, "uncertainty_deg": 2.0},  # 1.0-5.0
        "right": {"n_phases": 2, "peak_drop_deg": 9.0, "uncertainty_deg": 8.0},  # 1.0-17.0
    }
    for found in sides.values():
        found["classification"] = thresholds.classify(found["peak_drop_deg"])
    reasons = refuse_uncertain_sides(sides, 60.0, thresholds)
    assert sides["left"]["classification"] == "borderline"
    assert sides["right"]["classification"] == "insufficient data"
    assert sides["right"]["peak_drop_deg"] is None
    assert "±8.0°" in sides["right"]["note"] and len(reasons) == 1
    # Far from the threshold a wide range still holds one class only: the verdict stands.
    clear = {
        "left": {"n_phases": 1, "peak_drop_deg": -14.0, "uncertainty_deg": 8.0},
        "right": {"n_phases": 1, "peak_drop_deg": 12.0, "uncertainty_deg": 6.0},
    }
    assert refuse_uncertain_sides(clear, 60.0, thresholds) == []
    near = {"left": {"n_phases": 1, "peak_drop_deg": 3.0, "uncertainty_deg": 2.5}}  # 0.5-5.5
    assert refuse_uncertain_sides(near, 60.0, thresholds)
    assert "pose was unsteady" in near["left"]["note"]
    # The note names the uncertainty's largest source and what to do about it.
    oblique = {"left": {"n_phases": 1, "peak_drop_deg": 3.0, "uncertainty_deg": 2.5}}
    refuse_uncertain_sides(oblique, 60.0, thresholds, {"left": "view"})
    assert "the view" in oblique["left"]["note"] and "pose" not in oblique["left"]["note"]
    small = {"left": {"n_phases": 1, "peak_drop_deg": 3.0, "uncertainty_deg": 1.0}}
    assert "too small" in refuse_uncertain_sides(small, 15.0, thresholds)[0]
    assert small["left"]["classification"] == "insufficient data"


def test_a_gait_side_read_from_one_step_gets_no_verdict() -> None:
    """Walking, normal below 6.2°: one step at 1.7° ± 2.2° would be "normal", but its
    uncertainty leaves out how much steps differ; two steps or more give the verdict."""
    thresholds = load_thresholds("walk")
    sides = {
        "left": {"n_steps": 1, "n_phases": 1, "peak_drop_deg": 1.7, "uncertainty_deg": 2.2},
        "right": {"n_steps": 2, "n_phases": 2, "peak_drop_deg": 1.7, "uncertainty_deg": 2.2},
    }
    for found in sides.values():
        found["classification"] = thresholds.classify(found["peak_drop_deg"])
    reasons = refuse_uncertain_sides(sides, 60.0, thresholds)
    assert len(reasons) == 1 and "only one usable left step" in reasons[0]
    assert sides["left"]["classification"] == "insufficient data"
    assert sides["left"]["peak_drop_deg"] is None and sides["left"]["n_steps"] == 1
    assert sides["right"]["classification"] == "normal"


@pytest.mark.parametrize("drop_deg", [0.0, 7.0])
@pytest.mark.parametrize("noise_px", [0.0, 0.5])
@pytest.mark.parametrize("shift_widths", [0.3, -0.4])
def test_lateral_shift_over_the_stance_foot_is_recovered(shift_widths, noise_px, drop_deg):
    """The body moves ``shift_widths`` toward (+) or away from (-) the stance side over the
    standing foot, starting half a width to its inside: the truth per frame is known."""
    trial = SyntheticTrial(
        shift_widths=shift_widths,
        noise_px=noise_px,
        left_drop_deg=drop_deg,
        right_drop_deg=drop_deg,
        seed=3,
    )
    analysis = _run(trial)
    for side, span in (("left", trial.left_stance_s), ("right", trial.right_stance_s)):
        info = analysis.summary["sides"][side]
        assert info["lateral_shift_travel_widths"] == pytest.approx(shift_widths, abs=0.02)
        assert info["peak_lateral_shift_widths"] == pytest.approx(
            -0.5 + max(shift_widths, 0.0), abs=0.02
        )
        held = analysis.frames[
            (analysis.frames["time_s"] > span[0] + trial.ramp_s + 0.1)
            & (analysis.frames["time_s"] < span[1] - trial.ramp_s - 0.1)
        ]
        assert held["lateral_shift_widths"].median() == pytest.approx(-0.5 + shift_widths, abs=0.02)
    outside = analysis.frames[analysis.frames["stance_leg"] == "both"]
    assert outside["lateral_shift_widths"].isna().all()
    way = "toward" if shift_widths > 0 else "away from"
    assert (
        f"{abs(shift_widths):.1f} pelvis widths {way} the stance side"
        in analysis.shift_sentences["left"]
    )


def test_lateral_shift_mirrors_to_the_other_side() -> None:
    tracks = synthetic_single_leg(SyntheticTrial(shift_widths=0.3, right_drop_deg=9.0))
    original = analyse_tracks(tracks).summary["sides"]
    mirrored = analyse_tracks(tracks.mirrored()).summary["sides"]
    for side, other in (("left", "right"), ("right", "left")):
        for key in ("lateral_shift_travel_widths", "peak_lateral_shift_widths"):
            assert mirrored[other][key] == pytest.approx(original[side][key], abs=0.01)


def test_lateral_shift_is_unchanged_by_camera_roll() -> None:
    level = _run(SyntheticTrial(shift_widths=0.3, roll_deg=0.0)).summary["sides"]
    rolled = _run(SyntheticTrial(shift_widths=0.3, roll_deg=8.0)).summary["sides"]
    for side in ("left", "right"):
        assert rolled[side]["lateral_shift_travel_widths"] == pytest.approx(
            level[side]["lateral_shift_travel_widths"], abs=0.02
        )


def test_centimetres_only_where_the_body_height_gives_a_plausible_pelvis() -> None:
    """Scaled by a 190 cm body height the synthetic pelvis is a plausible width; by 60 cm it
    would be about 3.2 times narrower, under 10 cm: no centimetres then, and a warning."""
    tracks = synthetic_single_leg(SyntheticTrial(shift_widths=0.3))
    plausible = analyse_tracks(tracks, AnalysisOptions(height_cm=190.0)).summary
    implausible = analyse_tracks(tracks, AnalysisOptions(height_cm=60.0)).summary
    for side in ("left", "right"):
        travel_cm = plausible["sides"][side]["lateral_shift_travel_cm"]
        width_cm = travel_cm / plausible["sides"][side]["lateral_shift_travel_widths"]
        assert 10.0 <= width_cm <= 30.0
        assert implausible["sides"][side]["lateral_shift_travel_cm"] is None
    assert not any("--height-cm" in w for w in plausible["warnings"])
    assert any("--height-cm 60 would make the pelvis" in w for w in implausible["warnings"])
