"""Mocap readers and the virtual-camera validation against real marker-based gait recordings."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import require_data

from hipdrop.cli import main
from hipdrop.cli.validate_mocap import _summary
from hipdrop.errors import HipdropError
from hipdrop.io.marker_names import marker_map
from hipdrop.io.mocap import (
    FOOT_OFF,
    FOOT_STRIKE,
    _c3d_event_times_s,
    read_c3d,
    read_mocap,
    read_mot,
)
from hipdrop.validation.event_audit import (
    _spurious,
    marker_contact_frames,
    plate_events,
    toe_rise_mm,
)
from hipdrop.validation.mocap import validate_mocap

FULLBODY = "mocap/walk_pig-fullbody_btkdata.c3d"
CGM24 = "mocap/walk_pig-cgm24_c3dorg.c3d"
RUN = "mocap/run_treadmill_hamner.trc"


def _run_files() -> dict:
    trc = require_data(RUN)
    return {
        "path": trc,
        "ik_path": trc.with_name("run_treadmill_hamner_ik.mot"),
        "grf_path": trc.with_name("run_treadmill_hamner_grf.mot"),
    }


def _walk(name: str, camera: str, **kwargs) -> dict:
    return validate_mocap(require_data(name), camera=camera, **kwargs)


# --- readers ------------------------------------------------------------------------------


def test_event_times_in_both_ezc3d_shapes() -> None:
    flat = np.array([0.0, 3.05, 1.0, 2.5])
    rows = np.array([[0.0, 1.0], [3.05, 2.5]])
    np.testing.assert_allclose(_c3d_event_times_s(flat), [3.05, 62.5])
    np.testing.assert_allclose(_c3d_event_times_s(rows), [3.05, 62.5])


def test_missing_or_foreign_files_raise_user_errors(tmp_path) -> None:
    with pytest.raises(HipdropError, match="no such"):
        read_mocap(tmp_path / "absent.c3d")
    bad = tmp_path / "bad.c3d"
    bad.write_bytes(b"not a c3d file")
    with pytest.raises(HipdropError, match="cannot read"):
        read_c3d(bad)
    with pytest.raises(HipdropError, match=r"\.c3d or \.trc"):
        read_mocap(tmp_path / "clip.mp4")
    mot = tmp_path / "bad.mot"
    mot.write_text("no header here\n1 2 3\n")
    with pytest.raises(HipdropError, match="OpenSim"):
        read_mot(mot)


@pytest.mark.realdata
def test_read_plug_in_gait_c3d() -> None:
    trial = read_c3d(require_data(FULLBODY))
    assert (trial.n_frames, trial.rate_hz, trial.first_frame) == (315, 100.0, 147)
    assert trial.reference == "LPelvisAngles"
    kinds = [e.kind for e in trial.events]
    assert (kinds.count(FOOT_STRIKE), kinds.count(FOOT_OFF)) == (7, 5)
    # The left force-plate contact starts at frame 158 (GRF output), the labelled strike too.
    assert any(e.side == "left" and e.kind == FOOT_STRIKE and e.frame == 158 for e in trial.events)
    hips = trial.markers_m["LFEP"] - trial.markers_m["RFEP"]
    assert 0.1 < np.nanmedian(np.linalg.norm(hips, axis=1)) < 0.3  # metres
    # Reference sign: positive when the LEFT hip centre is higher.
    rise = np.degrees(np.arctan2(hips[:, 2], np.linalg.norm(hips[:, :2], axis=1)))
    assert np.corrcoef(rise, trial.reference_obliquity_deg)[0, 1] > 0.95


@pytest.mark.realdata
def test_read_cgm24_c3d_with_two_row_event_times() -> None:
    trial = read_c3d(require_data(CGM24))
    assert (trial.n_frames, trial.first_frame) == (493, 62)
    assert set(trial.obliquity_deg) == {"LPelvisAngles", "LPelvisAngles_CGM_2.4"}
    kinds = [e.kind for e in trial.events]
    assert (kinds.count(FOOT_STRIKE), kinds.count(FOOT_OFF)) == (9, 8)  # "General" dropped
    assert not np.isnan(trial.markers_m["LHJC_CGM_2.4"]).all()


@pytest.mark.realdata
def test_read_opensim_trc_ik_and_grf() -> None:
    files = _run_files()
    trial = read_mocap(files["path"], files["ik_path"], files["grf_path"])
    assert (trial.n_frames, trial.rate_hz, trial.vertical_axis) == (600, 60.0, 1)
    assert 0.9 < np.nanmedian(trial.markers_m["L.ASIS"][:, 1]) < 1.2  # mm converted to m
    assert trial.reference == "pelvis_list"
    assert np.isfinite(trial.reference_obliquity_deg).sum() >= 598
    strikes = [e for e in trial.events if e.kind == FOOT_STRIKE]
    assert len(strikes) == 29
    assert {e.side for e in strikes} == {"left", "right"}


#: Force-plate contacts (vertical force above 20 N) read by hand from the analog channels:
#: (foot, event, marker frame at the first analog sample across the threshold).
PLATE_CONTACTS = {
    FULLBODY: [
        ("right", FOOT_STRIKE, 108.1),
        ("left", FOOT_STRIKE, 158.3),
        ("right", FOOT_OFF, 167.5),
        ("left", FOOT_OFF, 219.0),
    ],
    CGM24: [("left", FOOT_STRIKE, 211.2), ("left", FOOT_OFF, 276.0)],
}


@pytest.mark.realdata
@pytest.mark.parametrize("name", [FULLBODY, CGM24])
def test_force_plate_contacts_of_the_walk_files(name: str) -> None:
    trial = read_c3d(require_data(name))
    events = plate_events(trial, marker_map(trial))
    expected = PLATE_CONTACTS[name]
    assert [(e.side, e.kind) for e in events] == [(side, kind) for side, kind, _ in expected]
    for event, (_, _, frame) in zip(events, expected, strict=True):
        assert abs(event.frame - frame) <= 1
    # Each plate strike is the heel's lowest point within a frame: a kinematic event.
    for side in ("left", "right"):
        strikes = [e.frame for e in events if e.side == side and e.kind == FOOT_STRIKE]
        contact = marker_contact_frames(trial, marker_map(trial), side, strikes)
        assert all(abs(c - s) <= 1 for c, s in zip(contact, strikes, strict=True))
    # At each plate release the toe marker has lifted, but by a few centimetres at most.
    for side in ("left", "right"):
        releases = [e.frame for e in events if e.side == side and e.kind == FOOT_OFF]
        rises = toe_rise_mm(trial, marker_map(trial), side, releases)
        assert all(5 <= rise <= 30 for rise in rises)


# --- validation against the lab -----------------------------------------------------------


def test_a_late_detection_is_a_timing_error_not_a_spurious_event() -> None:
    reference = [100, 200, 300]
    assert _spurious(reference, np.array([95, 203, 300]), window=10) == 0
    assert _spurious(reference, np.array([100, 150, 200, 300]), window=10) == 1  # an extra
    assert _spurious(reference, np.array([100, 200, 300, 400]), window=10) == 0  # unlabelled


@pytest.mark.realdata
@pytest.mark.parametrize("name", [FULLBODY, CGM24])
@pytest.mark.parametrize("camera", ["anterior", "posterior"])
def test_walking_obliquity_and_strikes(name: str, camera: str) -> None:
    result = _walk(name, camera)
    assert result["obliquity_rmse_deg"] <= 1.0
    assert result["obliquity_r"] >= 0.9  # the sign survives a back view and walking along -Y
    # Strikes against marker contact (the 3D heel's lowest point near each label) meet the
    # 90% target; against the labels they cannot (see the next test): the labels themselves
    # disagree with the markers by -3 to +5 frames in the cgm24 file.
    count = result["foot_strikes_reference"]
    assert result["foot_strikes_within_2_frames_of_marker_contact"] >= 0.9 * count
    assert result["foot_strikes_within_2_frames"] >= 0.55 * count
    # Every labelled strike has a detection nearby, and nothing else is detected.
    assert all(o is not None and abs(o) <= 6 for o in result["foot_strikes_offsets_frames"])
    assert result["foot_strikes_detected"] <= count + 1
    assert result["spurious_foot_strikes"] <= 1
    # Every strike a force plate verifies is detected within 2 frames.
    plate_strikes = result["foot_strikes_force_plate"]
    assert plate_strikes == len([e for e in PLATE_CONTACTS[name] if e[1] == FOOT_STRIKE])
    assert result["foot_strikes_force_plate_within_2_frames"] == plate_strikes


@pytest.mark.realdata
def test_cgm24_strike_labels_are_not_one_kinematic_event() -> None:
    """Why the strike-label target is out of reach in the cgm24 file, from the markers alone.

    Against the 3D heel's lowest point (which matches this file's one force-plate strike,
    frame 211, within a frame), the right-foot labels jump by 4-5 frames between the second
    and third strike, and the labels span more than twice the 2-frame tolerance: no detector
    that follows a fixed kinematic event can put 90% of them within 2 frames.
    """
    trial = read_c3d(require_data(CGM24))
    markers = marker_map(trial)
    lags = {}
    for side in ("left", "right"):
        labels = [e.frame for e in trial.events if e.side == side and e.kind == FOOT_STRIKE]
        contact = marker_contact_frames(trial, markers, side, labels)
        lags[side] = [label - frame for label, frame in zip(labels, contact, strict=True)]
    assert max(abs(lag) for lag in lags["right"][:2]) <= 1
    assert min(lags["right"][2:]) >= 4
    every = lags["left"] + lags["right"]
    best = max(sum(abs(lag - shift) <= 2 for lag in every) for shift in range(-6, 7))
    assert best < 0.9 * len(every)
    # So a detector that found each 3D heel contact exactly would miss the 40 ms target.
    floor = validate_mocap(require_data(CGM24))
    assert floor["reference_strike_minus_marker_contact_frames"] == lags["left"] + lags["right"]
    assert floor["marker_contact_vs_reference_strikes_p90_abs_error_ms"] > 40


@pytest.mark.realdata
def test_walking_foot_offs_pooled() -> None:
    hits = total = 0
    for name in (FULLBODY, CGM24):
        for camera in ("anterior", "posterior"):
            result = _walk(name, camera)
            hits += result["foot_offs_within_2_frames"]
            total += result["foot_offs_reference"]
            assert result["foot_offs_within_2_frames"] >= 0.6 * result["foot_offs_reference"]
    assert hits >= 0.8 * total


@pytest.mark.realdata
@pytest.mark.parametrize("camera", ["anterior", "posterior"])
def test_treadmill_running_against_force_plates(camera: str) -> None:
    result = validate_mocap(camera=camera, **_run_files())
    assert result["foot_strikes_within_2_frames"] >= 0.9 * result["foot_strikes_reference"]
    assert result["spurious_foot_strikes"] <= 1
    assert result["foot_offs_within_2_frames"] >= 0.9 * result["foot_offs_reference"]
    # OpenSim's whole-body pelvis_list agrees with the ASIS line only at r ~ 0.8.
    assert result["obliquity_r"] >= 0.75
    # The GRF file is the reference here; the TRC itself has no force plates.
    assert result["foot_strikes_force_plate"] is None and result["force_plate_events"] is None


@pytest.mark.realdata
def test_two_pixel_jitter_at_phone_scale() -> None:
    strikes = offs = total = 0
    for name in (FULLBODY, CGM24):
        for camera in ("anterior", "posterior"):
            result = _walk(name, camera, jitter_px=2.0, seed=1)
            low, high = result["hip_width_px_range"]
            assert low > 50 and high < 125  # hips ~60-100 px apart: phone-clip scale
            assert result["obliquity_rmse_deg"] <= 2.0
            strikes += result["foot_strikes_within_2_frames_of_marker_contact"]
            plate = result["foot_strikes_force_plate_within_2_frames"]
            assert plate == result["foot_strikes_force_plate"]
            offs += result["foot_offs_within_2_frames"]
            total += result["foot_strikes_reference"] + result["foot_offs_reference"]
    assert strikes + offs >= 0.8 * total
    run = validate_mocap(camera="posterior", jitter_px=2.0, seed=1, **_run_files())
    found = run["foot_strikes_within_2_frames"] + run["foot_offs_within_2_frames"]
    assert found >= 0.8 * (run["foot_strikes_reference"] + run["foot_offs_reference"])


@pytest.mark.realdata
def test_cli_prints_one_json_object(capsys) -> None:
    path = require_data(CGM24)
    assert main(["validate-mocap", str(path), "--camera", "posterior", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in (
        "obliquity_rmse_deg",
        "obliquity_bias_deg",
        "obliquity_r",
        "foot_strikes_reference",
        "foot_strikes_within_2_frames",
        "foot_offs_reference",
        "foot_offs_within_2_frames",
        "spurious_foot_strikes",
        "foot_strikes_force_plate",
        "foot_strikes_force_plate_within_2_frames",
        "foot_offs_force_plate",
        "foot_offs_force_plate_within_2_frames",
        "n_frames",
        "rate_hz",
        "camera",
        "file",
    ):
        assert key in result
    assert result["foot_offs_force_plate"] == 1
    assert main(["validate-mocap", str(path)]) == 0
    summary = capsys.readouterr().out
    assert "pelvic obliquity" in summary
    assert "force plates: strikes 1/1, offs 1/1 within 2 frames" in summary


def test_cli_reports_user_errors(tmp_path, capsys) -> None:
    assert main(["validate-mocap", str(tmp_path / "absent.trc")]) == 1
    assert "no such" in capsys.readouterr().err


@pytest.mark.realdata
@pytest.mark.parametrize("name", [FULLBODY, CGM24])
@pytest.mark.parametrize("camera", ["anterior", "posterior"])
def test_event_timing_is_reported_in_milliseconds(name: str, camera: str) -> None:
    """Each event's timing error in ms is its frame offset at the trial's rate; force-plate
    contacts are all found within 2 frames (20 ms at 100 Hz), and the median error against the
    lab's labels is within 20 ms (issue 16's targets; the 90th-percentile 40 ms is not yet met
    for foot offs of the full-body file and strikes of the CGM2.4 file: 50-54 ms)."""
    result = _walk(name, camera)
    frame_ms = 1000.0 / result["rate_hz"]
    for label in ("foot_strikes", "foot_offs"):
        offsets, errors = result[f"{label}_offsets_frames"], result[f"{label}_errors_ms"]
        assert len(errors) == result[f"{label}_reference"]
        for offset, error in zip(offsets, errors, strict=True):
            assert error is None or error == pytest.approx(offset * frame_ms)
        assert result[f"{label}_median_abs_error_ms"] <= 20.0
        plate = result[f"{label}_force_plate_errors_ms"]
        assert plate and None not in plate
        assert max(abs(e) for e in plate) <= 2 * frame_ms
    assert "timing error median" in _summary(result)
