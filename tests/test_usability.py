"""Frame exclusion on synthetic tracks with known damage: counts per reason are exact, the
drop of the undamaged frames is unchanged, and too little data gives no verdict."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hipdrop.analysis.quality import Z_95
from hipdrop.analysis.usability import assess_frames
from hipdrop.conventions import N_LANDMARKS, landmark
from hipdrop.pipeline import analyse_tracks
from hipdrop.pose.backend import PoseEstimate
from hipdrop.pose.subject import (
    Candidate,
    PersonBox,
    choose_subject,
    people_in_frame,
    plan_subject,
)
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg
from hipdrop.tracks import LandmarkTracks

TRIAL = SyntheticTrial(noise_px=0.4)
HIPS = [landmark("left", "hip"), landmark("right", "hip")]
ANKLES = [landmark("left", "ankle"), landmark("right", "ankle")]


@pytest.fixture(scope="module")
def clean() -> LandmarkTracks:
    return synthetic_single_leg(TRIAL)


@pytest.fixture(scope="module")
def clean_summary(clean):
    return analyse_tracks(clean).summary


def _damaged(tracks: LandmarkTracks, edits) -> LandmarkTracks:
    xy, vis = tracks.xy_px.copy(), tracks.visibility.copy()
    for edit in edits:
        edit(xy, vis)
    return replace(tracks, xy_px=xy, visibility=vis)


def _black(frames: slice):
    def edit(xy, vis):
        xy[frames], vis[frames] = np.nan, 0.0

    return edit


def _close_up(frames: slice, zoom: float = 3.0, centre_px=(540.0, 300.0)):
    """The camera zooms on the knees: a body three times larger, centred elsewhere."""

    def edit(xy, vis):
        centre = np.asarray(centre_px)
        xy[frames] = centre + zoom * (xy[frames] - np.nanmean(xy[frames, HIPS], axis=1)[:, None])

    return edit


def _cut_to_elsewhere(frames: slice, shift_px=(400.0, -250.0)):
    def edit(xy, vis):
        xy[frames] += np.asarray(shift_px)

    return edit


def _hidden(frames: slice, parts: list[int]):
    def edit(xy, vis):
        vis[frames, parts] = 0.1

    return edit


def _collapsed(frames: slice):
    """Pose's failure on a subject too small to find: the upper body squashed onto the hips
    (the balance clip at 70% size and 480p put the nose at hip height)."""

    def edit(xy, vis):
        hips = np.nanmean(xy[frames][:, HIPS], axis=1)[:, None]
        upper = slice(0, landmark("left", "hip"))  # face, shoulders, arms
        xy[frames, upper] = hips + 0.1 * (xy[frames, upper] - hips)

    return edit


def test_each_damage_is_excluded_and_counted(clean) -> None:
    damaged = _damaged(
        clean,
        [
            _black(slice(20, 30)),
            _close_up(slice(40, 52)),
            _cut_to_elsewhere(slice(260, 275)),
            _hidden(slice(300, 306), HIPS),
            _hidden(slice(500, 508), ANKLES),
            _collapsed(slice(520, 525)),
        ],
    )
    counts = assess_frames(damaged).counts()
    assert counts == {
        "no_pose": 10,
        "hips_not_visible": 6,
        "identity_switch": 0,
        "pose_passes_disagree": 0,
        "scene_cut": 15,
        "close_up": 12,
        "not_a_body_shape": 5,
        "feet_not_visible": 8,
        "facing_unknown": 0,  # told from the cleaned tracks, in the pipeline
        "camera_moving": 0,  # from the picture behind the subject, in the pipeline
    }


def test_damage_inside_stance_leaves_the_drop_unchanged(clean, clean_summary) -> None:
    # Black frames and a close-up in the middle of left stance, a cut in right stance.
    damaged = _damaged(
        clean,
        [_black(slice(150, 160)), _close_up(slice(180, 192)), _cut_to_elsewhere(slice(400, 410))],
    )
    summary = analyse_tracks(damaged).summary
    assert summary["quality"]["excluded_frames"]["no_pose"] == 10
    assert summary["quality"]["excluded_frames"]["close_up"] == 12
    assert summary["quality"]["excluded_frames"]["scene_cut"] == 10
    assert summary["quality"]["usable_fraction"] == pytest.approx(1 - 32 / clean.n_frames)
    for side in ("left", "right"):
        assert summary["sides"][side]["peak_drop_deg"] == pytest.approx(
            clean_summary["sides"][side]["peak_drop_deg"], abs=0.3
        )
    assert any("32 of 570 frames were excluded" in w for w in summary["warnings"])


def test_identity_switch_frames_are_excluded(clean, clean_summary) -> None:
    """A second person stands 500 px to the side; pose jumps to them for 20 frames."""
    offset = np.array([-500.0, 60.0])
    hip = np.nanmean(clean.xy_px[:, HIPS], axis=1)
    frames = np.arange(0, clean.n_frames, 60)
    meta = {
        "subject": {
            "frames": frames.tolist(),
            "hip_px": hip[frames].tolist(),
            "height_px": [700.0] * len(frames),
        },
        "others": [
            {
                "frames": frames.tolist(),
                "hip_px": (hip[frames] + offset).tolist(),
                "height_px": [700.0] * len(frames),
            }
        ],
    }
    damaged = _damaged(clean, [_cut_to_elsewhere(slice(170, 190), offset)])
    damaged = replace(damaged, meta={**clean.meta, "subject": meta})
    summary = analyse_tracks(damaged).summary
    assert summary["quality"]["excluded_frames"]["identity_switch"] == 20
    assert summary["quality"]["excluded_frames"]["scene_cut"] == 0
    assert summary["sides"]["left"]["peak_drop_deg"] == pytest.approx(
        clean_summary["sides"]["left"]["peak_drop_deg"], abs=0.3
    )


def test_too_few_usable_frames_gives_no_verdict(clean) -> None:
    # Only frames 100-119 (a third of a second of a 9.5 s clip) show the feet.
    damaged = _damaged(clean, [_hidden(slice(0, 100), ANKLES), _hidden(slice(120, None), ANKLES)])
    # Keep enough hips for "a person is there": only the feet are hidden.
    summary = analyse_tracks(damaged).summary
    assert summary["quality"]["usable_fraction"] == pytest.approx(20 / clean.n_frames)
    for side in ("left", "right"):
        assert summary["sides"][side]["peak_drop_deg"] is None
        assert summary["sides"][side]["classification"] == "insufficient data"
    assert any("Insufficient data" in w for w in summary["warnings"])


def _person(frame: int, hip_x: float, height: float) -> PersonBox:
    return PersonBox(
        frame, (hip_x - 60, 500 - height / 2, hip_x + 60, 500 + height / 2), (hip_x, 500)
    )


def _two_people(frames=range(0, 100, 20)) -> dict[int, list[PersonBox]]:
    """A large bystander near the left edge and a smaller subject in the middle."""
    return {f: [_person(f, 150, 800), _person(f, 520, 650)] for f in frames}


@pytest.mark.parametrize(("hint", "hip_x"), [("auto", 520), ("center", 520), ("left", 150)])
def test_subject_choice(hint: str, hip_x: float) -> None:
    plan = plan_subject(_two_people(), (1080, 1920), hint)
    assert plan.subject.median_hip()[0] == pytest.approx(hip_x)
    assert len(plan.others) == 1
    x0, _, x1, _ = plan.crop_px
    assert x0 <= hip_x - 60 and x1 >= hip_x + 60


def test_right_hint_and_passers_by() -> None:
    detections = _two_people()
    detections[40].append(_person(40, 950, 700))  # glimpsed once at the right edge
    candidates = [c for c in plan_subject(detections, (1080, 1920), "auto").others] + [
        plan_subject(detections, (1080, 1920), "auto").subject
    ]
    assert len(candidates) == 3
    # "right" names the rightmost person seen in most frames, not the one glimpsed once.
    assert choose_subject(candidates, 5, (1080, 1920), "right").median_hip()[0] == 520
    lone = Candidate([_person(0, 300, 600)])
    assert choose_subject([lone], 5, (1080, 1920), "left") is lone


def test_single_person_plan_has_no_others() -> None:
    plan = plan_subject(
        {f: [_person(f, 520, 650)] for f in range(0, 100, 20)}, (1080, 1920), "auto"
    )
    assert not plan.several_people


def test_a_subject_track_broken_by_a_jump_is_not_a_second_person() -> None:
    """A small subject whose detections jump (missed samples, a misplaced box) splits into two
    candidates that are never seen together: one person, not two."""
    detections = {f: [_person(f, 520, 650)] for f in range(0, 60, 20)}
    detections |= {f: [_person(f, 1000, 650)] for f in range(60, 120, 20)}
    assert not plan_subject(detections, (1920, 1080), "auto").several_people
    detections[40].append(_person(40, 1000, 650))  # ... unless both are seen at once
    assert plan_subject(detections, (1920, 1080), "auto").several_people


class _ScriptedStillPose:
    """Still-image pose that finds the given estimates one after another, then nobody."""

    def __init__(self, estimates: list[PoseEstimate]) -> None:
        self._estimates = list(estimates)

    def estimate(self, image_bgr: np.ndarray) -> PoseEstimate | None:
        return self._estimates.pop(0) if self._estimates else None


def _estimate_with_box(x0: float, y0: float, x1: float, y1: float) -> PoseEstimate:
    """Landmarks spread over a box, all visible, hips in its upper middle."""
    rng = np.random.default_rng(0)
    xy = np.column_stack([rng.uniform(x0, x1, N_LANDMARKS), rng.uniform(y0, y1, N_LANDMARKS)])
    xy[[0, 1]] = [[x0, y0], [x1, y1]]  # the box's corners
    xy[landmark("left", "hip")] = [0.6 * x0 + 0.4 * x1, 0.6 * y0 + 0.4 * y1]
    xy[landmark("right", "hip")] = [0.4 * x0 + 0.6 * x1, 0.6 * y0 + 0.4 * y1]
    return PoseEstimate(xy, np.ones(N_LANDMARKS), np.zeros((N_LANDMARKS, 3)))


def test_the_same_person_found_twice_in_a_frame_counts_once() -> None:
    image = np.zeros((1080, 1920, 3), np.uint8)
    legs = _estimate_with_box(820, 370, 870, 550)  # the paint-out covers the legs only ...
    torso = _estimate_with_box(750, 200, 880, 460)  # ... and pose finds the torso above them
    beside = _estimate_with_box(1300, 300, 1450, 900)  # someone else
    found = people_in_frame(image, _ScriptedStillPose([legs, torso, beside]), 7)
    assert [round(p.hip_px[0]) for p in found] == [845, 1375]


def test_every_step_carries_its_uncertainty_and_it_grows_when_smaller() -> None:
    from test_steps import walking_tracks

    tracks = walking_tracks(6.0, 2.0)
    centre = np.array(tracks.image_size_px) / 2
    jitter = np.random.default_rng(0).normal(0.0, 1.0, tracks.xy_px.shape)  # 1 px either way
    big = tracks.with_xy(tracks.xy_px + jitter)
    small = tracks.with_xy(centre + (tracks.xy_px - centre) / 4 + jitter)
    full, quarter = analyse_tracks(big).summary, analyse_tracks(small).summary
    for summary in (full, quarter):
        assert summary["steps"]
        for step in summary["steps"]:
            # A step's 95% half-width: 1.96 times one frame's noise (1 SD).
            assert step["uncertainty_deg"] == pytest.approx(
                Z_95 * summary["quality"]["uncertainty_deg"]
            )
    # Same pixel jitter on hips a quarter as far apart: about four times the angle noise.
    ratio = quarter["quality"]["uncertainty_deg"] / full["quality"]["uncertainty_deg"]
    assert 2.5 < ratio < 4.5


def test_close_up_with_hips_above_the_picture_is_excluded(clean) -> None:
    """Pose often puts the hips of a zoomed-in body above the image: still a close-up."""
    damaged = _damaged(clean, [_close_up(slice(40, 52), centre_px=(600.0, -100.0))])
    counts = assess_frames(damaged).counts()
    assert counts["close_up"] + counts["scene_cut"] == 12
    assert sum(counts.values()) == 12
