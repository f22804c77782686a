"""Virtual cameras at any yaw, pitch and roll: the geometry step against exact references.

A synthetic hip line of known tilt tests the frontal geometry alone (true camera given); the
walking mocap trials test the whole step (camera estimated from the body) against the lab's
pelvic obliquity over a grid of views.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import require_data

from hipdrop.cli import main
from hipdrop.conventions import N_LANDMARKS, landmark
from hipdrop.errors import HipdropError
from hipdrop.geometry.camera import CameraGeometry
from hipdrop.geometry.frontal import frontal_geometry
from hipdrop.geometry.virtual_camera import look_at, place_camera, project_trial
from hipdrop.io.marker_names import marker_map
from hipdrop.io.mocap import read_c3d
from hipdrop.options import AnalysisOptions
from hipdrop.tracks import LandmarkTracks
from hipdrop.validation.virtual_view import virtual_view

FULLBODY = "mocap/walk_pig-fullbody_btkdata.c3d"
CGM24 = "mocap/walk_pig-cgm24_c3dorg.c3d"
IMAGE_SIZE_PX = (1080, 1920)
FOCAL_PX = 4000.0
VERTICAL = np.array([0.0, 0.0, 1.0])


def _synthetic_body(tilt_deg: float, n_frames: int = 40) -> dict[str, np.ndarray]:
    """Lab points (n, 3), z up, of a subject facing +x: hips tilted ``tilt_deg`` (+ LEFT
    higher) in the frontal plane, level shoulders, ankles under the hips."""
    tilt = np.radians(tilt_deg)
    half = 0.1 * np.array([0.0, np.cos(tilt), np.sin(tilt)])  # subject's left is +y
    centre = np.array([0.0, 0.0, 1.0])
    points = {
        "left_hip": centre + half,
        "right_hip": centre - half,
        "left_shoulder": np.array([0.0, 0.19, 1.45]),
        "right_shoulder": np.array([0.0, -0.19, 1.45]),
        "left_ankle": np.array([0.0, 0.1, 0.08]),
        "right_ankle": np.array([0.0, -0.1, 0.08]),
    }
    return {name: np.tile(point, (n_frames, 1)) for name, point in points.items()}


def _camera(yaw_deg: float, pitch_deg: float, roll_deg: float, behind: bool = False):
    """A camera 8 m from the pelvis, ``yaw_deg`` off the subject's front (or back) axis,
    looking down at it by ``pitch_deg`` and rolled by ``roll_deg``."""
    yaw = np.radians(yaw_deg + (180.0 if behind else 0.0))
    distance_m = 8.0
    target = np.array([0.0, 0.0, 1.0])
    position = target + distance_m * np.array([np.cos(yaw), np.sin(yaw), 0.0])
    position = position + VERTICAL * distance_m * np.tan(np.radians(pitch_deg))
    return look_at(position, target, VERTICAL, FOCAL_PX, IMAGE_SIZE_PX, roll_deg)


def _tracks(body: dict[str, np.ndarray], camera) -> LandmarkTracks:
    """Exact pixel and camera-axis world landmarks of the synthetic body."""
    n = len(body["left_hip"])
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    world = np.full((n, N_LANDMARKS, 3), np.nan)
    mid = 0.5 * (body["left_hip"] + body["right_hip"])
    for name, points in body.items():
        side, part = name.split("_", 1)
        xy[:, landmark(side, part)] = camera.project(points)
        world[:, landmark(side, part)] = (points - mid) @ camera.axes().T
    visibility = np.isfinite(xy[..., 0]).astype(float)
    time_s = np.arange(n) / 30.0
    return LandmarkTracks(time_s, xy, visibility, IMAGE_SIZE_PX, world_m=world)


def _image_angle_deg(xy_px: np.ndarray) -> np.ndarray:
    left, right = xy_px[:, landmark("left", "hip")], xy_px[:, landmark("right", "hip")]
    return np.degrees(np.arctan2(right[:, 1] - left[:, 1], np.abs(left[:, 0] - right[:, 0])))


@pytest.mark.parametrize("behind", [False, True])
@pytest.mark.parametrize("roll_deg", [0.0, 5.0])
@pytest.mark.parametrize("pitch_deg", [0.0, 20.0])
@pytest.mark.parametrize("yaw_deg", [0.0, 30.0, 45.0])
def test_frontal_geometry_undoes_a_known_view(
    yaw_deg: float, pitch_deg: float, roll_deg: float, behind: bool
) -> None:
    tilt_deg = 7.0
    camera = _camera(yaw_deg, pitch_deg, roll_deg, behind)
    tracks = _tracks(_synthetic_body(tilt_deg), camera)
    # The virtual camera's gravity in camera axes is CameraGeometry's for the same angles.
    truth = CameraGeometry(
        roll_deg=roll_deg,
        pitch_deg=pitch_deg,
        roll_sd_deg=0.5,
        pitch_sd_deg=0.5,
        focal_px=FOCAL_PX,
        principal_px=((IMAGE_SIZE_PX[0] - 1) / 2, (IMAGE_SIZE_PX[1] - 1) / 2),
        method="test",
        focal_assumed=False,
    )
    np.testing.assert_allclose(camera.axes() @ VERTICAL, truth.up_vector(), atol=1e-12)
    # Accuracy, not the refusal policy (yaw 45° is the off-axis limit; the assumed 12° error
    # of MediaPipe's turn blanks pitched oblique views): open both gates.
    view = frontal_geometry(
        tracks.xy_px,
        tracks.world_m,
        tracks.time_s,
        truth,
        max_off_axis_deg=60.0,
        max_geometry_sd_deg=np.inf,
    )
    np.testing.assert_allclose(view.off_axis_deg, yaw_deg, atol=0.5)
    assert np.all(view.facing == (-1 if behind else 1))
    obliquity = view.frontal_obliquity_deg
    assert np.isfinite(obliquity).all()
    assert np.abs(obliquity - tilt_deg).max() <= 0.3
    # The raw image angle is wrong wherever the view is oblique: the test could fail.
    raw_error = np.abs(_image_angle_deg(tracks.xy_px) - tilt_deg).max()
    if yaw_deg >= 30 or roll_deg:
        assert raw_error > 1.0


def test_default_camera_is_the_straight_view() -> None:
    """All angles zero: forward along the path, image up the lab's vertical, no roll."""
    camera = _camera(0.0, 0.0, 0.0)
    np.testing.assert_allclose(camera.forward, [-1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(camera.up, VERTICAL, atol=1e-12)
    # Positive roll: the true vertical leans toward image right.
    rolled = _camera(0.0, 0.0, 10.0)
    top, bottom = rolled.project(np.array([[0.0, 0.0, 2.0], [0.0, 0.0, 0.0]]))
    assert top[0] > bottom[0]


def test_out_of_range_angles_are_user_errors(capsys) -> None:
    for flag, value in (("yaw", "95"), ("pitch", "-61"), ("roll", "50"), ("yaw", "nan")):
        assert main(["validate-mocap", "absent.c3d", f"--camera-{flag}-deg", value]) == 1
        assert f"camera {flag} (--camera-{flag}-deg) must be between" in capsys.readouterr().err


# --- real walking trials --------------------------------------------------------------------

YAWS_DEG = (0.0, 15.0, 30.0, 45.0)
PITCHES_DEG = (0.0, 15.0, 30.0)
ROLLS_DEG = (0.0, 5.0)
#: Frontal obliquity against the lab's wherever the geometry gives a verdict.
MAX_RMSE_DEG = 1.5
#: Up to this camera yaw the geometry must give a verdict at every pitch and roll.
VERDICT_YAW_DEG = 30.0


def _grid(name: str) -> list[dict]:
    """``virtual_view`` over the whole camera grid, the trial read once; prints a table."""
    trial = read_c3d(require_data(name))
    markers = marker_map(trial)
    rows = []
    for camera in ("anterior", "posterior"):
        for yaw in YAWS_DEG:
            for pitch in PITCHES_DEG:
                for roll in ROLLS_DEG:
                    stats = virtual_view(trial, markers, camera, yaw, pitch, roll).stats
                    rows.append({"camera": camera, **stats})
    print(f"\n{name}: camera yaw pitch roll | rmse (image angle) | est roll pitch | given")
    for row in rows:
        rmse = row["obliquity_rmse_deg"]
        print(
            f"{row['camera']:>9} {row['camera_yaw_deg']:4g} {row['camera_pitch_deg']:4g} "
            f"{row['camera_roll_deg']:3g} | "
            f"{'   -' if rmse is None else f'{rmse:4.2f}'} ({row['image_angle_rmse_deg']:5.2f}) | "
            f"{row['estimated_roll_deg']:+5.1f} {row['estimated_pitch_deg']:+5.1f} | "
            f"{row['obliquity_given_fraction']:.2f} {row['verdict_given']}"
        )
    return rows


@pytest.mark.realdata
@pytest.mark.parametrize("name", [FULLBODY, CGM24])
def test_walking_obliquity_from_every_view(name: str) -> None:
    rows = _grid(name)
    label = "{camera} yaw {camera_yaw_deg:g} pitch {camera_pitch_deg:g} roll {camera_roll_deg:g}"
    inaccurate = [
        label.format(**row) + f": {row['obliquity_rmse_deg']:.2f}°"
        for row in rows
        if row["verdict_given"] and row["obliquity_rmse_deg"] > MAX_RMSE_DEG
    ]
    silent = [
        label.format(**row) + f": {row['obliquity_given_fraction']:.0%} of frames"
        for row in rows
        if row["camera_yaw_deg"] <= VERDICT_YAW_DEG and not row["verdict_given"]
    ]
    assert not inaccurate, f"RMSE above {MAX_RMSE_DEG}° with a verdict: {inaccurate}"
    assert not silent, f"no verdict at yaw <= {VERDICT_YAW_DEG:g}°: {silent}"


@pytest.mark.realdata
def test_world_landmarks_are_hip_centred_camera_axes() -> None:
    trial = read_c3d(require_data(FULLBODY))
    markers = marker_map(trial)
    camera = place_camera(trial, markers, "posterior", yaw_deg=30, pitch_deg=15, roll_deg=5)
    world = project_trial(trial, camera, markers).world_m
    left, right = world[:, landmark("left", "hip")], world[:, landmark("right", "hip")]
    np.testing.assert_allclose(0.5 * (left + right), 0.0, atol=1e-12)
    lab = trial.markers_m[markers["left_hip"]] - trial.markers_m[markers["right_hip"]]
    np.testing.assert_allclose(left - right, lab @ camera.axes().T, atol=1e-12)
    # Seen from behind, the subject's left hip is on image left (x < 0).
    assert np.nanmedian(left[:, 0]) < 0
    assert np.isnan(world[:, landmark("left", "wrist")]).all()  # no marker


@pytest.mark.realdata
def test_straight_view_is_unchanged_and_reported() -> None:
    trial = read_c3d(require_data(FULLBODY))
    markers = marker_map(trial)
    plain = place_camera(trial, markers, "anterior")
    zero = place_camera(trial, markers, "anterior", yaw_deg=0, pitch_deg=0, roll_deg=0)
    np.testing.assert_allclose(plain.position_m, zero.position_m)
    pelvis = 0.5 * (trial.markers_m["LFEP"] + trial.markers_m["RFEP"])
    assert abs(plain.position_m[2] - np.nanmean(pelvis[:, 2])) < 1e-9  # hip height
    np.testing.assert_allclose(plain.up, [0.0, 0.0, 1.0], atol=1e-12)
    with pytest.raises(HipdropError, match="pitch"):
        place_camera(trial, markers, pitch_deg=70)


def _toward_then_away(
    name: str, turn: str
) -> tuple[LandmarkTracks, list[LandmarkTracks], np.ndarray, slice]:
    """A walk toward a camera, a 0.6 s turn at its end, and the same walk back, away from the
    same camera (the trial turned half round about the vertical through its last pelvis
    position), as one clip. ``turn``: ``seen`` (the last frame's body turning about its
    vertical: its image widths close to edge-on and open mirrored, labels anatomical as pose
    gives them) or ``unseen`` (no pose while turning). Returns the clip, its two walks, the
    lab's pelvic obliquity per frame of the clip (NaN in the turn; a turn about the vertical
    leaves it as it was) and where the walk back starts."""
    trial = read_c3d(require_data(name))
    markers = marker_map(trial)
    camera = place_camera(trial, markers, "anterior")
    up = np.eye(3)[trial.vertical_axis]
    hips = 0.5 * (trial.markers_m[markers["left_hip"]] + trial.markers_m[markers["right_hip"]])
    pivot = hips[np.flatnonzero(np.isfinite(hips[:, 0]))[-1]]
    half_turn = 2.0 * np.outer(up, up) - np.eye(3)  # 180° about the vertical
    back = replace(
        trial,
        markers_m={k: pivot + (v - pivot) @ half_turn.T for k, v in trial.markers_m.items()},
    )
    first, second = (project_trial(t, camera, markers) for t in (trial, back))
    n_turn = round(0.6 * trial.rate_hz)
    scale = np.cos(np.pi * (np.arange(1, n_turn + 1) / (n_turn + 1)))[:, None]
    last_xy, last_world = first.xy_px[-1], first.world_m[-1]
    centre_x = np.nanmean(last_xy[[landmark("left", "hip"), landmark("right", "hip")], 0])
    turn_xy = np.repeat(last_xy[None], n_turn, axis=0)
    turn_xy[..., 0] = centre_x + (turn_xy[..., 0] - centre_x) * scale
    turn_world = np.repeat(last_world[None], n_turn, axis=0)
    turn_world[..., 0] *= scale
    turn_visibility = np.repeat(first.visibility[-1:], n_turn, axis=0)
    if turn == "unseen":
        turn_xy[:] = np.nan
        turn_world[:] = np.nan
        turn_visibility[:] = 0.0
    n_clip = first.n_frames + n_turn + second.n_frames
    clip = LandmarkTracks(
        np.arange(n_clip) / trial.rate_hz,
        np.concatenate([first.xy_px, turn_xy, second.xy_px]),
        np.concatenate([first.visibility, turn_visibility, second.visibility]),
        first.image_size_px,
        world_m=np.concatenate([first.world_m, turn_world, second.world_m]),
        meta=first.meta,
    )
    lab = trial.reference_obliquity_deg
    lab_deg = np.concatenate([lab, np.full(n_turn, np.nan), lab])
    return clip, [first, second], lab_deg, slice(first.n_frames + n_turn, n_clip)


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "turn"), [(FULLBODY, "seen"), (FULLBODY, "unseen"), (CGM24, "unseen")]
)
def test_walking_toward_then_away_keeps_sides_and_drops_in_both_halves(name, turn) -> None:
    """Each walk is read as its own view: every step keeps the stance leg it has when its walk
    is analysed alone, each side's drop is the mean of both walks' steps, and the frontal
    obliquity follows the lab's in both. (CGM2.4 has no shoulder markers, so its turn cannot
    be seen edge-on: only the unseen turn applies.)"""
    from hipdrop.pipeline import analyse_tracks

    clip, walks, lab_deg, second = _toward_then_away(name, turn)
    whole = analyse_tracks(clip, AnalysisOptions(task="walk"))
    alone = [analyse_tracks(walk, AnalysisOptions(task="walk")) for walk in walks]

    def legs(steps, offset: int = 0) -> dict[int, str]:
        used = steps[steps["included"]]
        return dict(zip(used["foot_strike_frame"] + offset, used["stance_leg"], strict=True))

    expected = {**legs(alone[0].steps), **legs(alone[1].steps, second.start)}
    found = legs(whole.steps)
    common = set(expected) & set(found)
    assert len(common) >= 0.8 * len(expected)
    assert {frame: found[frame] for frame in common} == {f: expected[f] for f in common}
    for side in ("left", "right"):
        peaks = np.concatenate(
            [
                part.steps.loc[
                    (part.steps["stance_leg"] == side) & part.steps["included"], "peak_drop_deg"
                ]
                for part in alone
            ]
        )
        assert whole.summary["sides"][side]["peak_drop_deg"] == pytest.approx(
            float(np.mean(peaks)), abs=0.5
        )
    frontal = whole.frames["frontal_obliquity_deg"].to_numpy()
    for walk in (slice(0, walks[0].n_frames), second):
        given = np.isfinite(frontal[walk]) & np.isfinite(lab_deg[walk])
        # CGM2.4's path curves: turned back, it leaves the portrait frame for 45% of the walk.
        assert given.mean() > 0.5
        error = frontal[walk][given] - lab_deg[walk][given]
        assert np.sqrt(np.mean(error**2)) <= 1.5


@pytest.mark.realdata
def test_a_walker_whose_steps_cannot_be_read_is_not_a_single_leg_test() -> None:
    """The walk toward the camera and back, with the feet seen only for half a second of one
    stance (the rest of the steps hidden: oblique, out of view): the one stance seen is not a
    single-leg test. The clip is a walk whose steps could not be read, and no side gets a
    verdict."""
    from hipdrop.pipeline import analyse_tracks

    clip, _, _, _ = _toward_then_away(FULLBODY, "unseen")
    feet = [landmark(s, p) for s in ("left", "right") for p in ("ankle", "heel", "foot_index")]
    hidden = np.ones(clip.n_frames, bool)
    hidden[60:110] = False
    xy, visibility = clip.xy_px.copy(), clip.visibility.copy()
    xy[np.ix_(hidden, feet)] = np.nan
    visibility[np.ix_(hidden, feet)] = 0.0
    analysis = analyse_tracks(replace(clip, xy_px=xy, visibility=visibility))
    assert analysis.summary["task"] == "walk"
    assert "steps could not be read" in analysis.summary["task_reason"]
    for side in ("left", "right"):
        assert analysis.summary["sides"][side]["classification"] == "insufficient data"
    assert analysis.phases.empty or "stance_leg" not in analysis.phases
