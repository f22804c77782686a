"""Real clips made messy in the test: a bystander, spliced cuts, a quarter-size copy, phone
rotation metadata, variable and very low frame rates, damaged bytes, several people in a side
view. Each gets the outcome a clinician can defend."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from videotools import (
    identity,
    mark_rotated_90,
    read_frames,
    set_frame_durations,
    transform_video,
    write_video,
)

from hipdrop.conventions import landmark
from hipdrop.options import AnalysisOptions, PoseOptions
from hipdrop.pipeline import analyse

BALANCE = "anterior_single-leg-balance_pose2sim.mp4"
BYSTANDER = "anterior_single-leg-balance_bystander_pose2sim.mp4"
SIDE_CROWD = "side_multi-person_sports2d.mp4"
HIPS = [landmark("left", "hip"), landmark("right", "hip")]
N_BLACK, N_CLOSE_UP = 10, 12

pytestmark = pytest.mark.realdata


def _legs(summary: dict) -> list[str]:
    return [phase["stance_leg"] for phase in summary["phases"]]


def _balance_legs(summary: dict) -> list[str]:
    """The balance clip's left-stance phases: as he steps back at the clip's end a short right
    stance (the 3D has one from frame 85) is found or not depending on the frames' times and
    the pose's noise, on the Tasks pose."""
    return [leg for leg in _legs(summary) if leg == "left"]


def _same_peaks(ours: dict, theirs: dict, tolerance_deg: float = 1.0) -> None:
    """Each stance side's peak drop agrees within the tolerance, or is absent in both."""
    for side in ("left", "right"):
        mine, reference = (
            ours["sides"][side]["peak_drop_deg"],
            theirs["sides"][side]["peak_drop_deg"],
        )
        if reference is None:
            assert mine is None
        else:
            assert mine == pytest.approx(reference, abs=tolerance_deg)


def _spliced(frames: list[np.ndarray], black_at: int, close_up_at: int) -> list[np.ndarray]:
    """Black frames, and a zoom on the shins, inserted before the given frames."""
    height, width = frames[0].shape[:2]
    out = []
    for i, frame in enumerate(frames):
        if i == black_at:
            out += [np.zeros_like(frame)] * N_BLACK
        if i == close_up_at:
            for k in range(N_CLOSE_UP):
                source = frames[min(i + k, len(frames) - 1)]
                shins = source[
                    int(0.55 * height) : int(0.75 * height), int(0.35 * width) : int(0.6 * width)
                ]
                out.append(cv2.resize(shins, (width, height)))
        out.append(frame)
    return out


@pytest.fixture(scope="module")
def clips(video, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("messy")
    copy = transform_video(video(BALANCE), folder / "balance_c.mp4", identity)
    frames, fps = read_frames(copy)
    made = {"copy": copy}
    made["spliced"] = write_video(folder / "spliced.mp4", _spliced(frames, 40, 8), fps)
    quarter = [
        cv2.resize(f, (f.shape[1] // 4, f.shape[0] // 4), interpolation=cv2.INTER_AREA)
        for f in frames
    ]
    made["quarter"] = write_video(folder / "quarter.mp4", quarter, fps)
    stored = [cv2.rotate(f, cv2.ROTATE_90_CLOCKWISE) for f in frames]
    made["rotated"] = mark_rotated_90(write_video(folder / "portrait.mp4", stored, fps))
    made["vfr"] = set_frame_durations(
        write_video(folder / "vfr.mp4", frames, fps), [0.5, 1.5] * (len(frames) // 2)
    )
    made["fps5"] = write_video(folder / "fps5.mp4", frames[::12], 5.0)
    damaged = bytearray(copy.read_bytes())
    rng = np.random.default_rng(0)
    for at in (0.4, 0.5, 0.6):
        start = int(at * len(damaged))
        damaged[start : start + 3000] = rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
    made["damaged"] = folder / "damaged.mp4"
    made["damaged"].write_bytes(bytes(damaged))
    return made


@pytest.fixture(scope="module")
def single_pass(clips):
    """Analyses of the made clips, one pose pass each (the mirror pass would double the cost
    and is not what these tests are about)."""
    done: dict = {}

    def get(name: str):
        if name not in done:
            done[name] = analyse(clips[name], AnalysisOptions(pose=PoseOptions(mirror_pass=False)))
        return done[name]

    return get


def test_bystander_is_never_chosen(video) -> None:
    crowded, clean = analyse(video(BYSTANDER)), analyse(video(BALANCE))
    people = crowded.raw_tracks.meta["subject"]
    assert people["people_found"] == 2
    # The bystander stands at the left edge; the subject's hips are where the clean clip's are.
    hips = np.nanmean(crowded.raw_tracks.xy_px[:, HIPS], axis=1)
    clean_hips = np.nanmean(clean.raw_tracks.xy_px[:, HIPS], axis=1)
    assert np.nanmax(np.abs(hips[:, 0] - clean_hips[:, 0])) < 40
    assert crowded.summary["quality"]["excluded_frames"]["identity_switch"] == 0
    assert any("2 people are in the clip" in w for w in crowded.summary["warnings"])
    assert _legs(crowded.summary) == _legs(clean.summary)
    a, b = crowded.summary["phases"][0], clean.summary["phases"][0]
    assert abs(a["start_frame"] - b["start_frame"]) <= 3
    assert abs(a["end_frame"] - b["end_frame"]) <= 3
    _same_peaks(crowded.summary, clean.summary)


@pytest.mark.parametrize("mirror_pass", [False, True], ids=["one pass", "default"])
def test_spliced_frames_are_excluded_and_counted(clips, single_pass, mirror_pass: bool) -> None:
    def analysed(name: str):
        return analyse(clips[name]) if mirror_pass else single_pass(name)

    spliced_run = analysed("spliced")
    spliced, copy = spliced_run.summary, analysed("copy").summary
    spliced_frames = np.r_[8 : 8 + N_CLOSE_UP, 40 + N_CLOSE_UP : 40 + N_CLOSE_UP + N_BLACK]
    reasons = spliced_run.frames["excluded"].to_numpy()
    assert (reasons[spliced_frames] != "").all()
    # Any exclusion reason is fair for a close-up (a fresh machine once found the hips out of
    # sight there, and the two pose passes may disagree on it); what matters is that every
    # spliced frame is excluded.
    assert set(reasons[spliced_frames]) <= {
        "no_pose",
        "close_up",
        "scene_cut",
        "hips_not_visible",
        "pose_passes_disagree",
        "not_a_body_shape",
    }
    # At most a frame or two of the real clip next to a cut, while pose finds the body again.
    assert N_BLACK + N_CLOSE_UP <= sum(spliced["quality"]["excluded_frames"].values()) <= 25
    assert spliced["quality"]["usable_fraction"] == pytest.approx(1 - (reasons != "").mean())
    assert _legs(spliced) in (["left"], ["left", "left"])  # black frames may split the phase
    # The Tasks pose reads the frames after a splice a little differently: 1.3-1.6° measured.
    _same_peaks(spliced, copy, tolerance_deg=2.0)


def test_uncertainty_grows_at_a_quarter_of_the_size(single_pass) -> None:
    small, full = single_pass("quarter").summary, single_pass("copy").summary
    assert small["quality"]["hip_width_px"] == pytest.approx(
        full["quality"]["hip_width_px"] / 4, rel=0.15
    )
    assert small["quality"]["uncertainty_deg"] > 1.3 * full["quality"]["uncertainty_deg"]
    for side in ("left", "right"):
        if small["sides"][side]["peak_drop_deg"] is not None:
            # pose noise, combined with the camera geometry's own uncertainty
            assert small["sides"][side]["uncertainty_deg"] >= small["quality"]["uncertainty_deg"]


def test_rotation_metadata_gives_upright_frames(single_pass) -> None:
    rotated, copy = single_pass("rotated"), single_pass("copy")
    assert rotated.raw_tracks.image_size_px == (1080, 1920)
    assert rotated.summary["view"] == "anterior"
    labels = rotated.frames["stance_leg"].to_numpy()[30:71]
    assert np.mean(labels == "left") > 0.5 and not np.any(labels == "right")
    drop, reference = (a.summary["sides"]["left"]["peak_drop_deg"] for a in (rotated, copy))
    assert drop == pytest.approx(reference, abs=1.5)


def test_variable_frame_rate_uses_decoder_times(single_pass) -> None:
    vfr, copy = single_pass("vfr"), single_pass("copy")
    nominal = np.median(np.diff(copy.frames["time_s"].to_numpy()))
    steps = np.diff(vfr.frames["time_s"].to_numpy())
    # Frame durations written as half and one and a half of the copy's.
    assert steps[0::2] == pytest.approx(np.full(len(steps[0::2]), 0.5 * nominal), rel=0.02)
    assert steps[1::2] == pytest.approx(np.full(len(steps[1::2]), 1.5 * nominal), rel=0.02)
    # Same pictures: the same stance legs and hip line; only the times differ.
    assert _balance_legs(vfr.summary) == _balance_legs(copy.summary)
    difference = vfr.frames["pelvic_obliquity_deg"] - copy.frames["pelvic_obliquity_deg"]
    assert np.nanmedian(np.abs(difference)) < 1.0
    for phase in vfr.summary["phases"]:
        assert phase["start_s"] == pytest.approx(vfr.frames["time_s"][phase["start_frame"]])


def test_very_low_frame_rate_warns(single_pass) -> None:
    summary = single_pass("fps5").summary
    assert summary["quality"]["frame_rate_hz"] == pytest.approx(5.0)
    assert any("Low frame rate" in w for w in summary["warnings"])
    # Too few frames to measure jitter: the assumed jitter, never a zero uncertainty.
    assert summary["quality"]["uncertainty_deg"] > 1.0


def test_damaged_bytes_in_the_middle_still_analysed(single_pass) -> None:
    damaged, copy = single_pass("damaged").summary, single_pass("copy").summary
    assert damaged["quality"]["n_frames"] == copy["quality"]["n_frames"]
    assert _balance_legs(damaged) == _balance_legs(copy)
    assert damaged["sides"]["left"]["peak_drop_deg"] == pytest.approx(
        copy["sides"]["left"]["peak_drop_deg"], abs=1.0
    )


def test_side_view_with_several_people_is_refused(video, tmp_path: Path) -> None:
    frames, fps = read_frames(video(SIDE_CROWD))
    clip = write_video(
        tmp_path / "crowd.mp4", [cv2.resize(f, (884, 497)) for f in frames[60:180]], fps
    )
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "hipdrop.cli",
            "analyse",
            str(clip),
            "--out",
            str(out),
            "--no-mirror-pass",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Side view" in lines[0] and "Traceback" not in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["view"] == "side" and summary["usable"] is False
    assert summary["sides"]["left"]["peak_drop_deg"] is None
