"""The whole video path (pose + camera geometry + metrics) against the multicam 3D reference.

One balance trial, filmed by four calibrated cameras and reconstructed in 3D
(../shared/data/multicam): the reference files hold the pelvis's true frontal tilt per video
frame. cam_02 is in front and at most 23° off the subject's axis; cam_04 behind him, 1.9 m high,
the phone rolled 26°; cam_01 in front and to his left (25-72° off axis) and cam_03 behind and
38-83° off it, where a verdict must either hold or be refused with a reason - never be wrong.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import require_data

from hipdrop.analysis.thresholds import load_thresholds
from hipdrop.pipeline import analyse

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

#: camera -> (balance clip, static clip from the same camera)
CLIPS = {
    "cam_01": (
        "multicam/front-left-oblique_single-leg-balance_cam01_pose2sim.mp4",
        "multicam/static-standing_cam01_pose2sim.mp4",
    ),
    "cam_04": (
        "multicam/posterior-rolled_single-leg-balance_cam04_pose2sim.mp4",
        "multicam/static-standing_cam04_pose2sim.mp4",
    ),
    "cam_02": (
        "video/anterior_single-leg-balance_pose2sim.mp4",
        "multicam/static-standing_cam02_pose2sim.mp4",
    ),
    "cam_03": (
        "video/posterior-oblique_single-leg-balance_pose2sim.mp4",
        "video/anterior_static-standing_pose2sim.mp4",
    ),
}
FRAMES = np.arange(20, 71)  # the frames the acceptance is scored over
#: camera -> (roll, looks down), from the calibration (../shared/data/SOURCES.md)
CALIBRATED = {
    "cam_01": (13.4, 22.5),
    "cam_02": (-2.6, 18.2),
    "cam_03": (-2.8, 24.9),
    "cam_04": (-26.1, 21.8),
}


def _reference_file(camera: str) -> str:
    pair = "cam01_cam04" if camera in ("cam_01", "cam_04") else "cam02_cam03"
    return f"multicam/reference_{pair}.csv"


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(require_data("multicam/reference_cam02_cam03.csv")).set_index("frame")


@pytest.fixture(scope="module")
def references() -> dict[str, pd.DataFrame]:
    return {
        camera: pd.read_csv(require_data(_reference_file(camera))).set_index("frame")
        for camera in CALIBRATED
    }


@pytest.fixture(scope="module")
def analysed():
    cache: dict = {}

    def get(camera: str, with_baseline: bool):
        if (camera, with_baseline) not in cache:
            clip, static = CLIPS[camera]
            baseline = require_data(static) if with_baseline else None
            cache[camera, with_baseline] = analyse(require_data(clip), baseline=baseline)
        return cache[camera, with_baseline]

    return get


def _reference_peaks(reference: pd.DataFrame, analysis) -> tuple[float, float]:
    """The 3D reference's peak drop and hike over the frames of the detected left phases that
    hipdrop read (a frame left blank, with its reason, cannot hold the peak; a phase whose
    unread stretches could hide its start or end is refused by ``peak_trust``)."""
    read = analysis.frames.set_index("frame")["frontal_obliquity_deg"].notna()
    frames = [
        np.arange(p["start_frame"], p["end_frame"])
        for p in analysis.summary["phases"]
        if p["stance_leg"] == "left"
    ]
    rows = [f for f in np.concatenate(frames) if read.get(f, False)]
    tilt = reference["obliquity_3d_deg"].reindex(rows).dropna()
    return float(tilt.max()), float(-tilt.min())  # left stance: + left higher = right drops


@pytest.mark.parametrize("with_baseline", [False, True], ids=["alone", "baseline"])
def test_front_camera_matches_the_3d_pelvis(analysed, reference, with_baseline) -> None:
    analysis = analysed("cam_02", with_baseline)
    frontal = analysis.frames["frontal_obliquity_deg"].to_numpy()[FRAMES]
    truth = reference.loc[FRAMES, "obliquity_3d_deg"].to_numpy()
    assert np.isfinite(frontal).all()  # 0-23° off axis: every frame is read
    assert np.sqrt(np.mean((frontal - truth) ** 2)) <= 4.0
    image = analysis.frames["pelvic_obliquity_deg"].to_numpy()[FRAMES]
    assert not np.allclose(image, frontal, atol=1.0)  # the geometry did something

    left = analysis.summary["sides"]["left"]
    drop, hike = _reference_peaks(reference, analysis)
    # Measured: drop 0.9° (alone) and 0.0° (with the baseline) from the 3D peak, hike 0.3° and
    # 1.2°. The phase's first frames set the 3D peak drop; MediaPipe's hip line trails the 3D
    # one there by a few frames while the pelvis rises.
    assert left["peak_hike_deg"] == pytest.approx(hike, abs=3.0)
    assert left["peak_drop_deg"] == pytest.approx(drop, abs=3.0)
    thresholds = load_thresholds("single-leg")
    assert left["classification"] == thresholds.classify(drop)
    stance = analysis.frames["stance_leg"].to_numpy()[25:71]
    assert np.mean(stance == "left") > 0.5
    assert analysis.summary["sides"]["right"]["peak_drop_deg"] is None


@pytest.mark.parametrize("with_baseline", [False, True], ids=["alone", "baseline"])
def test_oblique_rear_camera_is_right_or_refused(analysed, reference, with_baseline) -> None:
    analysis = analysed("cam_03", with_baseline)
    frontal = analysis.frames["frontal_obliquity_deg"].to_numpy()[FRAMES]
    truth = reference.loc[FRAMES, "obliquity_3d_deg"].to_numpy()
    given = np.isfinite(frontal)
    if given.sum() >= 10:
        assert np.sqrt(np.mean((frontal[given] - truth[given]) ** 2)) <= 4.0
    left = analysis.summary["sides"]["left"]
    if left["peak_drop_deg"] is None:
        assert left["classification"] == "insufficient data"
        assert "film from straight in front or behind" in left["note"]
        assert any("Insufficient data for left stance" in w for w in analysis.summary["warnings"])
    else:
        drop, _ = _reference_peaks(reference, analysis)
        assert left["classification"] == load_thresholds("single-leg").classify(drop)
    assert analysis.summary["sides"]["right"]["classification"] in ("insufficient data", "normal")
    if with_baseline and analysis.summary["baseline"] is None:  # he faced cam_03 obliquely
        refusal = [w for w in analysis.summary["warnings"] if w.startswith("The baseline clip")]
        assert refusal and "turn" in refusal[0]


def test_static_baseline_is_level_whichever_way_he_faced(analysed) -> None:
    """In the static trial he faces away from cam_02 (in the balance trial, toward it); the 3D
    hip line is level (-0.02°). The baseline is measured with the view undone, so it is too."""
    baseline = analysed("cam_02", True).summary["baseline"]
    assert baseline["source"].startswith("baseline clip")
    assert baseline["obliquity_deg"] == pytest.approx(0.0, abs=2.0)


@pytest.mark.parametrize("with_baseline", [False, True], ids=["alone", "baseline"])
@pytest.mark.parametrize("camera", list(CALIBRATED))
def test_camera_roll_and_pitch_match_the_calibration(analysed, camera, with_baseline) -> None:
    """All four cameras look down 18-25°; cam_01 is rolled 13° and cam_04 -26°. On cam_04 the
    scene's strongest set of lines is the treadmill's long edges, which read as vertical put the
    camera looking up 53° with the roll's sign flipped: the standing body rejects them."""
    roll, pitch = CALIBRATED[camera]
    found = analysed(camera, with_baseline).summary["camera"]
    assert found["roll_deg"] == pytest.approx(roll, abs=3.0)
    assert found["pitch_deg"] == pytest.approx(pitch, abs=5.0)
    assert found["method"].startswith("scene vertical lines")
    if camera == "cam_04":
        assert any("taken as not vertical" in check for check in found["checks"])


@pytest.mark.parametrize("camera", list(CALIBRATED))
def test_no_view_names_the_wrong_leg(analysed, references, camera) -> None:
    """He stands on his left leg through frames 25-70: no view may say right."""
    analysis = analysed(camera, False)
    stance = analysis.frames["stance_leg"].to_numpy()[25:71]
    assert not np.any(stance == "right")
    assert all(p["stance_leg"] == "left" for p in analysis.summary["phases"])
    truth = references[camera].loc[FRAMES, "obliquity_3d_deg"].to_numpy()
    frontal = analysis.frames["frontal_obliquity_deg"].to_numpy()[FRAMES]
    given = np.isfinite(frontal)
    if given.sum() >= 10:  # a frame's tilt is right or blank: within 6.2° RMSE (cam_01) or less
        assert np.sqrt(np.mean((frontal[given] - truth[given]) ** 2)) <= 6.5


def test_the_rolled_rear_phone_is_right_or_refused(analysed, references) -> None:
    """cam_04, a phone propped high behind him and rolled 26° (how clinics film): had read a
    sign-flipped tilt (55.8° RMSE) and found no stance. Now the frames it reads are within 4°
    of the 3D, though pose's 3D reads his turn as 40-60° in the first 40 frames of his stance
    (the 3D: 13-35°): the tilt is not very sensitive to the turn from this camera, and the
    frames where it is (his first 9) are left blank by the geometry's uncertainty."""
    analysis = analysed("cam_04", False)
    truth = references["cam_04"].loc[FRAMES]
    frames = analysis.frames.set_index("frame").loc[FRAMES]
    frontal = frames["frontal_obliquity_deg"].to_numpy()
    given = np.isfinite(frontal)
    assert given.sum() >= 45  # frames 20-70: all but the turn's worst are read
    error = frontal[given] - truth["obliquity_3d_deg"].to_numpy()[given]
    assert np.sqrt(np.mean(error**2)) <= 4.0
    shift = (
        frames["lateral_shift_widths"].to_numpy()
        - truth["lateral_shift_from_left_ankle_widths"].to_numpy()
    )
    assert np.sqrt(np.nanmean(shift**2)) <= 0.3
    lean = frames["trunk_lean_deg"].to_numpy() - truth["trunk_lean_3d_deg"].to_numpy()
    assert np.sqrt(np.nanmean(lean**2)) <= 5.0
    left = analysis.summary["sides"]["left"]
    if left["peak_drop_deg"] is None:
        assert left["classification"] == "insufficient data" and left["note"]
    else:
        drop, hike = _reference_peaks(references["cam_04"], analysis)
        assert left["peak_hike_deg"] == pytest.approx(hike, abs=3.0)
        assert left["peak_drop_deg"] == pytest.approx(drop, abs=3.0)
        assert left["classification"] == load_thresholds("single-leg").classify(drop)


def test_the_front_left_oblique_view_is_right_or_refused(analysed, references) -> None:
    """cam_01, 25-72° off his axis: pose reads his turn short (about 20°), so the verdict may
    only be the 3D's or refused; where no stance is found at all, the clip says why (from
    1.9 m up the image and pose's 3D disagree on which foot is up, and a stagger of his feet
    could explain what the image shows)."""
    for with_baseline in (False, True):
        summary = analysed("cam_01", with_baseline).summary
        if not summary["phases"]:
            assert any("standing leg could not be told" in w for w in summary["warnings"])
        left = summary["sides"]["left"]
        if left["peak_drop_deg"] is not None:
            drop, _ = _reference_peaks(references["cam_01"], analysed("cam_01", False))
            assert left["classification"] == load_thresholds("single-leg").classify(drop)
        else:
            assert left["classification"] == "insufficient data" and left["note"]


def test_lateral_shift_and_trunk_lean_match_the_3d_reference(analysed, reference) -> None:
    """cam_02: the pelvis centre against the left (stance) ankle, and the trunk's sideways
    lean, both in the subject's frontal plane, against the 3D reference over frames 20-70."""
    analysis = analysed("cam_02", False)
    frames = analysis.frames.set_index("frame").loc[FRAMES]
    truth = reference.loc[FRAMES]
    stance = (frames["stance_leg"] == "left").to_numpy()
    assert stance.mean() > 0.5
    shift = frames["lateral_shift_widths"].to_numpy()[stance]
    error = shift - truth["lateral_shift_from_left_ankle_widths"].to_numpy()[stance]
    assert np.isfinite(error).all()
    assert np.sqrt(np.mean(error**2)) <= 0.3
    lean = frames["trunk_lean_deg"].to_numpy() - truth["trunk_lean_3d_deg"].to_numpy()
    assert np.sqrt(np.nanmean(lean**2)) <= 5.0
    # He moves his pelvis away from the standing (left) leg and never over the left foot.
    left = analysis.summary["sides"]["left"]
    assert left["lateral_shift_travel_widths"] < -0.5
    # (the 3D pelvis stays 0.1 widths inside the foot at most: closer than 2D can tell)
    sentence = analysis.shift_sentences["left"]
    assert "away from the stance side" in sentence and "it passes over" not in sentence


def test_oblique_camera_shift_is_blank_or_right(analysed, reference) -> None:
    analysis = analysed("cam_03", False)
    frames = analysis.frames.set_index("frame").loc[FRAMES]
    truth = reference.loc[FRAMES, "lateral_shift_from_left_ankle_widths"].to_numpy()
    shift = frames["lateral_shift_widths"].to_numpy()
    given = np.isfinite(shift) & (frames["stance_leg"] == "left").to_numpy()
    if given.sum() >= 10:
        assert np.sqrt(np.mean((shift[given] - truth[given]) ** 2)) <= 0.3
