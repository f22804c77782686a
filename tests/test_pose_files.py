"""Pose files in and out: other estimators' keypoints as input, hipdrop's landmarks as output.

Round trips for every kind written and read (TRC 2D and 3D, movement netCDF, OpenPose JSON),
the multicam trial's 3D keypoints analysed as 3D and projected into its front camera, the
command line, and OpenSim ground-force files as labs name their columns.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import require_data

from hipdrop.analysis.metrics import phase_core
from hipdrop.analysis.pose_input import PoseFileHints, load_pose_file
from hipdrop.conventions import LANDMARK_INDEX, LANDMARK_NAMES
from hipdrop.errors import HipdropError
from hipdrop.io.keypoint_names import SKELETONS, landmark_of
from hipdrop.io.mocap import MocapTrial, grf_events, read_trc_table
from hipdrop.io.pose_files import (
    detect_pose_format,
    read_movement,
    read_openpose_json,
    write_movement,
    write_trc,
)
from hipdrop.options import AnalysisOptions
from hipdrop.pipeline import analyse
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg
from hipdrop.tracks import LandmarkTracks

BALANCE_3D = "multicam/balance_3d_pose2sim.trc"


@pytest.fixture(scope="module")
def tracks() -> LandmarkTracks:
    """Synthetic tracks with some missing landmarks and world landmarks that have depth."""
    base = synthetic_single_leg(SyntheticTrial(noise_px=0.5, duration_s=3.0))
    xy, visibility = base.xy_px.copy(), base.visibility.copy()
    rng = np.random.default_rng(3)
    visibility *= rng.uniform(0.6, 1.0, visibility.shape)
    xy[10:14, LANDMARK_INDEX["left_heel"]] = np.nan
    visibility[10:14, LANDMARK_INDEX["left_heel"]] = 0.0
    world = base.world_m.copy()
    world[..., 2] = rng.normal(0.0, 0.1, world.shape[:2])
    return replace(base, xy_px=xy, visibility=visibility, world_m=world)


def test_keypoint_names_of_every_convention() -> None:
    assert landmark_of("LHip") == landmark_of("left_hip") == "left_hip"
    assert landmark_of("RBigToe") == landmark_of("right_big_toe") == "right_foot_index"
    assert landmark_of("A22:RKnee") == "right_knee"
    assert landmark_of("Neck") is None and landmark_of("Hip") is None
    for names in SKELETONS.values():
        assert {"left_hip", "right_hip", "left_ankle", "right_ankle"} <= {
            landmark_of(name) for name in names
        }


def test_2d_trc_round_trip(tmp_path: Path, tracks: LandmarkTracks) -> None:
    flat = replace(tracks, world_m=None)
    path = tmp_path / "landmarks.trc"
    write_trc(flat, path)
    assert detect_pose_format(path) == "trc"
    read = load_pose_file(path, image_size_px=flat.image_size_px).tracks
    assert read.meta["pose_source"]["kind"] == "trc-2d"
    np.testing.assert_allclose(read.xy_px, flat.xy_px, atol=1e-5)  # NaN where NaN
    np.testing.assert_allclose(read.time_s, flat.time_s, atol=1e-6)
    np.testing.assert_array_equal(read.visibility, np.isfinite(flat.xy_px[..., 0]))
    assert read.world_m is None


def test_3d_trc_round_trip(tmp_path: Path, tracks: LandmarkTracks) -> None:
    """World landmarks are written in metres, Y up (OpenSim's axes); read back as written."""
    path = tmp_path / "landmarks.trc"
    write_trc(tracks, path)
    table = read_trc_table(path)
    assert table.units == "m" and table.names == list(LANDMARK_NAMES)
    np.testing.assert_allclose(table.positions, tracks.world_m * [1, -1, -1], atol=1e-6)
    assert load_pose_file(path).tracks.meta["pose_source"]["kind"] == "trc-3d"


def test_movement_round_trip(tmp_path: Path, tracks: LandmarkTracks) -> None:
    path = tmp_path / "landmarks.nc"
    write_movement(tracks, path)
    assert detect_pose_format(path) == "movement"
    read = read_movement(path)
    np.testing.assert_array_equal(read.xy_px, tracks.xy_px)
    np.testing.assert_array_equal(read.visibility, tracks.visibility)
    np.testing.assert_array_equal(read.time_s, tracks.time_s)
    np.testing.assert_array_equal(read.world_m, tracks.world_m)
    assert read.image_size_px == tracks.image_size_px
    assert not read.meta["warnings"]


def _write_openpose(folder: Path, people_per_frame: list[list[np.ndarray]]) -> Path:
    folder.mkdir()
    for frame, people in enumerate(people_per_frame):
        data = {
            "version": 1.3,
            "people": [{"pose_keypoints_2d": p.ravel().tolist()} for p in people],
        }
        (folder / f"trial_{frame:012d}_keypoints.json").write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize("skeleton", ["BODY_25", "BODY_25B", "HALPE_26", "COCO_17"])
def test_openpose_json_folder(tmp_path: Path, tracks: LandmarkTracks, skeleton: str) -> None:
    """Each frame's largest person, its keypoints mapped by the skeleton told from the count;
    confidence is visibility, a keypoint of confidence 0 is missing."""
    names = SKELETONS[skeleton]
    n = 40
    subject = np.zeros((n, len(names), 3))
    for k, name in enumerate(names):
        landmark = landmark_of(name)
        if landmark is not None:
            subject[:, k, :2] = np.nan_to_num(tracks.xy_px[:n, LANDMARK_INDEX[landmark]])
            subject[:, k, 2] = tracks.visibility[:n, LANDMARK_INDEX[landmark]]
        elif name in ("MidHip", "Hip"):
            subject[:, k, :2] = tracks.xy_px[:n, [23, 24]].mean(axis=1)
            subject[:, k, 2] = 0.9
    bystander = subject.copy()
    bystander[..., :2] = 0.3 * bystander[..., :2] + 10  # smaller, in the corner
    folder = _write_openpose(tmp_path / "json", [[bystander[i], subject[i]] for i in range(n)])
    assert detect_pose_format(folder) == "openpose-json"
    read = read_openpose_json(folder, fps=60.0, image_size_px=tracks.image_size_px)
    assert read.meta["skeleton"] == skeleton
    np.testing.assert_allclose(read.time_s, tracks.time_s[:n])
    for name in names:
        landmark = landmark_of(name)
        if landmark is None:
            continue
        i = LANDMARK_INDEX[landmark]
        np.testing.assert_allclose(read.xy_px[:, i], tracks.xy_px[:n, i])
        np.testing.assert_allclose(read.visibility[:, i], tracks.visibility[:n, i])
    assert any("several people" in w for w in read.meta["warnings"])


def test_openpose_json_without_frame_rate_or_size_says_what_it_assumed(
    tmp_path: Path, tracks: LandmarkTracks
) -> None:
    names = SKELETONS["COCO_17"]
    people = [
        [np.array([[*tracks.xy_px[i, LANDMARK_INDEX[landmark_of(n)]], 1.0] for n in names])]
        for i in range(5)
    ]
    read = read_openpose_json(_write_openpose(tmp_path / "json", people))
    assert read.frame_rate_hz == pytest.approx(30.0)
    # The smallest common frame that holds the body (it was 1080x1920): hence the warning.
    assert read.image_size_px == (720, 1280)
    assert len(read.meta["warnings"]) == 2


def _projected_hip_angle_deg(xy: np.ndarray, names: list[str]) -> np.ndarray:
    """Image angle of the hip line, + when the LEFT hip is higher in the image (y down)."""
    left, right = xy[:, names.index("LHip")], xy[:, names.index("RHip")]
    return np.degrees(np.arctan2(right[:, 1] - left[:, 1], np.abs(left[:, 0] - right[:, 0])))


@pytest.mark.realdata
def test_3d_keypoints_give_the_3d_pelvis() -> None:
    """Pose2Sim's triangulated keypoints, analysed as 3D: left stance, the swing side raised
    13-35°, and the peak drop and hike within 0.5° of the 3D hip line's over the same frames."""
    path = require_data(BALANCE_3D)
    table = read_trc_table(path)
    line = (
        table.positions[:, table.names.index("LHip")]
        - table.positions[:, table.names.index("RHip")]
    )
    tilt = np.degrees(np.arctan2(line[:, 1], np.hypot(line[:, 0], line[:, 2])))  # TRC: Y up
    analysis = analyse(path)
    assert analysis.summary["provenance"]["pose_source"]["kind"] == "trc-3d"
    phases = analysis.phases
    assert list(phases["stance_leg"]) == ["left"]
    phase = phases.iloc[0]
    time_s = analysis.frames["time_s"].to_numpy()
    frames = np.arange(phase.start_frame, phase.end_frame)
    scored = frames[phase_core(time_s, phase.start_frame, phase.end_frame)]
    left = analysis.summary["sides"]["left"]
    raised = -tilt[scored]
    assert raised.min() >= 13.0 and raised.max() <= 35.0  # the truth: his right side raised
    hike = -analysis.frames["drop_deg"].to_numpy()[scored]
    assert np.all((hike >= 13.0 - 0.5) & (hike <= 35.0 + 0.5))
    assert left["peak_drop_deg"] == pytest.approx(tilt[scored].max(), abs=0.5)
    assert left["peak_hike_deg"] == pytest.approx(-tilt[scored].min(), abs=0.5)
    assert left["hip_hike"] and left["classification"] == "normal"


@pytest.mark.realdata
@pytest.mark.parametrize("kind", ["trc-2d", "openpose-json"])
def test_keypoints_projected_into_the_front_camera_give_its_image_angle(
    tmp_path: Path, kind: str
) -> None:
    """The 3D keypoints through cam_02's calibration (world Z up: world = TRC (Z, X, Y)),
    written as a 2D TRC or as OpenPose BODY_25B JSON (Pose2Sim's 2D input): hipdrop's image
    angle is the projected hip line's."""
    table = read_trc_table(require_data(BALANCE_3D))
    camera = tomllib.loads(require_data("multicam/calibration_pose2sim.toml").read_text())
    cam = camera["cam_02"]
    world = table.positions[..., [2, 0, 1]]
    image, _ = cv2.projectPoints(
        world.reshape(-1, 3),
        np.array(cam["rotation"]),
        np.array(cam["translation"]),
        np.array(cam["matrix"]),
        np.array(cam["distortions"]),
    )
    xy = image.reshape(*world.shape[:2], 2)
    if kind == "trc-2d":
        projected = replace(table, positions=np.concatenate([xy * [1, -1], xy[..., :1] * 0], -1))
        path = tmp_path / "cam02_px.trc"
        path.write_text(_planar_trc(projected))
    else:
        keypoints = np.zeros((len(xy), 25, 3))  # confidence 0: BODY_25B's eyes and ears
        for k, name in enumerate(SKELETONS["BODY_25B"]):
            if name in table.names:
                keypoints[:, k] = np.c_[xy[:, table.names.index(name)], np.full(len(xy), 0.9)]
        path = _write_openpose(tmp_path / "cam02_json", [[frame] for frame in keypoints])
    size = tuple(int(v) for v in cam["size"])
    analysis = analyse(
        path, AnalysisOptions(pose_file=PoseFileHints(fps=table.rate_hz, image_size_px=size))
    )
    assert analysis.summary["provenance"]["pose_source"]["kind"] == kind
    assert any("No 3D landmarks" in w for w in analysis.summary["warnings"])
    angle = analysis.frames["pelvic_obliquity_deg"].to_numpy()
    truth = _projected_hip_angle_deg(xy, table.names)
    given = np.isfinite(angle)
    assert given.mean() > 0.9
    error = angle[given] - truth[given]
    # hipdrop low-passes every track (6 Hz): measured RMSE 0.25°, largest 0.8°.
    assert np.sqrt(np.mean(error**2)) <= 0.4
    assert np.abs(error).max() <= 1.0


def _planar_trc(table) -> str:
    """A 2D TRC file (pixels, Y up, Z 0) of a table, written as Sports2D writes them."""
    n, k = table.positions.shape[:2]
    lines = [
        "PathFileType\t4\t(X/Y/Z)\tcam02_px.trc",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame"
        "\tOrigNumFrames",
        f"{table.rate_hz:g}\t{table.rate_hz:g}\t{n}\t{k}\tpx\t{table.rate_hz:g}\t1\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(table.names),
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, k + 1)),
    ]
    for frame in range(n):
        values = "\t".join(f"{v:.6f}" for v in table.positions[frame].ravel())
        lines.append(f"{frame + 1}\t{table.time_s[frame]:.6f}\t{values}")
    return "\n".join(lines) + "\n"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hipdrop.cli", "analyse", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.realdata
def test_cli_analyses_a_pose_file_and_exports_landmarks(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _cli(str(require_data(BALANCE_3D)), "--out", str(out), "--export-pose", "trc,movement")
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    source = summary["provenance"]["pose_source"]
    assert source == {
        "kind": "trc-3d",
        "file": "balance_3d_pose2sim.trc",
        "keypoints": "matched by name",
        "landmarks_used": 17,
    }
    assert (
        "read from balance_3d_pose2sim.trc (TRC, 3D keypoints" in (out / "report.html").read_text()
    )
    assert read_trc_table(out / "landmarks.trc").units == "m"
    assert read_movement(out / "landmarks.nc").n_frames == summary["quality"]["n_frames"]


@pytest.mark.parametrize(
    ("name", "content", "options"),
    [
        ("garbage.trc", b"this is no TRC\n" * 20, ["--pose-format", "trc"]),
        ("cut.trc", b"PathFileType\t4\t(X/Y/Z)\tcut.trc\nDataRate\n", []),
        ("noise.nc", b"\x89HDF\r\n\x1a\n" + bytes(range(256)) * 8, []),
        ("poses.mp4", b"PathFileType\t4\t(X/Y/Z)\tx\n", ["--video"]),
    ],
)
def test_a_bad_pose_file_gives_one_clear_line(
    tmp_path: Path, name: str, content: bytes, options: list[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    out = tmp_path / "out"
    result = _cli(str(path), "--out", str(out), *options)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hipdrop: error:"), result.stderr
    assert "--verbose" not in lines[0]  # a HipdropError, not an unexpected failure
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_a_json_folder_with_an_unknown_skeleton_is_refused(tmp_path: Path) -> None:
    folder = _write_openpose(tmp_path / "json", [[np.ones((19, 3))]])
    with pytest.raises(HipdropError, match="19 keypoints per person"):
        read_openpose_json(folder)


def _mot(path: Path, columns: list[str], values: np.ndarray) -> Path:
    header = ["ground reaction forces", "version=1", f"nRows={len(values)}"]
    header += [f"nColumns={len(columns)}", "inDegrees=yes", "endheader"]
    rows = ["\t".join(f"{v:.4f}" for v in row) for row in values]
    path.write_text("\n".join([*header, "\t".join(columns), *rows]) + "\n")
    return path


def _grf_table(right: str, left: str, others: tuple[str, ...] = ()) -> tuple[list, np.ndarray]:
    """1 s at 100 Hz: the right foot loaded over 0.2-0.5 s, the left over 0.6-0.9 s."""
    time = np.arange(100) / 100
    right_n = np.where((time >= 0.2) & (time < 0.5), 700.0, 0.0)
    left_n = np.where((time >= 0.6) & (time < 0.9), 700.0, 0.0)
    extra = [np.full(100, 5.0) for _ in others]
    return ["time", right, left, *others], np.column_stack([time, right_n, left_n, *extra])


@pytest.mark.parametrize(
    ("right", "left", "others"),
    [
        ("ground_force_vy", "1_ground_force_vy", ()),
        ("R_ground_force_vy", "L_ground_force_vy", ("R_ground_force_vz", "L_ground_force_vz")),
        ("r_ground_force_vy", "l_ground_force_vy", ()),
        ("ground_force_r_vy", "ground_force_l_vy", ("ground_force_r_vx",)),
        ("ground_force_r_vz", "ground_force_l_vz", ()),  # Z up: no _vy at all
    ],
)
def test_grf_columns_as_labs_name_them(tmp_path: Path, right: str, left: str, others) -> None:
    path = _mot(tmp_path / "grf.mot", *_grf_table(right, left, others))
    trial = MocapTrial({"m": np.zeros((100, 3))}, 100.0, 1, 1, "trial.trc")
    events = {(e.side, e.kind, e.frame) for e in grf_events(path, trial)}
    assert events == {
        ("right", "foot_strike", 20),
        ("right", "foot_off", 50),
        ("left", "foot_strike", 60),
        ("left", "foot_off", 90),
    }


def test_numbered_plates_alone_are_refused_naming_the_columns(tmp_path: Path) -> None:
    path = _mot(tmp_path / "grf.mot", *_grf_table("1_ground_force_vy", "2_ground_force_vy"))
    trial = MocapTrial({"m": np.zeros((100, 3))}, 100.0, 1, 1, "trial.trc")
    with pytest.raises(HipdropError) as error:
        grf_events(path, trial)
    message = str(error.value)
    assert "\n" not in message
    assert "1_ground_force_vy, 2_ground_force_vy" in message
    assert "R_ground_force_vy" in message or "r_ground_force_vy" in message
