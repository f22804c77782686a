"""Camera and body geometry against exact synthetic ground truth: a hip line with a known 3D
tilt seen by cameras with known roll, pitch and turn, and scene edges with known verticals."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from hipdrop.conventions import N_LANDMARKS, landmark
from hipdrop.geometry import CameraGeometry, camera_from_vertical_lines, frontal_geometry
from hipdrop.geometry.camera import BodyCue

FOCAL_PX = 1500.0
SIZE = (1080, 1920)
LH, RH = landmark("left", "hip"), landmark("right", "hip")
LS, RS = landmark("left", "shoulder"), landmark("right", "shoulder")


def _camera_rotation(roll_deg: float, pitch_deg: float) -> np.ndarray:
    """World (x right, y up, z toward the camera's view) -> camera (x right, y down, z fwd)."""
    pitch, roll = np.radians(pitch_deg), np.radians(roll_deg)
    level = np.array([[1.0, 0, 0], [0, -1.0, 0], [0, 0, 1.0]])  # y up -> y down
    tilt = np.array(
        [[1, 0, 0], [0, np.cos(pitch), -np.sin(pitch)], [0, np.sin(pitch), np.cos(pitch)]]
    )
    spin = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    return spin @ tilt @ level


def _true_camera(roll_deg: float, pitch_deg: float) -> CameraGeometry:
    return CameraGeometry(
        roll_deg, pitch_deg, 0.5, 0.5, FOCAL_PX, (SIZE[0] / 2, SIZE[1] / 2), "test", False
    )


def _project(points_world: np.ndarray, rotation: np.ndarray, centre_world: np.ndarray):
    camera = (points_world - centre_world) @ rotation.T
    return FOCAL_PX * camera[..., :2] / camera[..., 2:] + np.array(SIZE) / 2, camera


def _pelvis_scene(tilt_deg: float, yaw_deg: float, roll_deg: float, pitch_deg: float, back: bool):
    """Tracks of one pelvis (and shoulders) 4 m ahead, tilted ``tilt_deg`` (+ left higher)."""
    n = 20
    tilt, yaw = np.radians(tilt_deg), np.radians(yaw_deg)
    facing = -1.0 if back else 1.0  # subject's left toward world +x when facing the camera
    left_axis = np.array([facing * np.cos(yaw), 0.0, np.sin(yaw)])  # + yaw: left farther
    hip_line = np.cos(tilt) * left_axis + np.array([0.0, np.sin(tilt), 0.0])
    pelvis = np.array([0.0, 0.9, 4.0])
    rotation = _camera_rotation(roll_deg, pitch_deg)
    # camera 2 m high, looking down at the pelvis by pitch: place it on the sight line
    centre = pelvis - rotation.T @ np.array([0, 0, 1.0]) * 4.0
    world = np.full((N_LANDMARKS, 3), np.nan)
    world[LH], world[RH] = pelvis + 0.15 * hip_line, pelvis - 0.15 * hip_line
    world[LS], world[RS] = (
        pelvis + 0.5 * np.array([0, 1, 0]) + 0.2 * left_axis,
        (pelvis + 0.5 * np.array([0, 1, 0]) - 0.2 * left_axis),
    )
    pixels, camera_m = _project(world, rotation, centre)
    xy = np.repeat(pixels[None], n, axis=0)
    world_m = np.repeat((camera_m - 0.5 * (camera_m[LH] + camera_m[RH]))[None], n, axis=0)
    return xy, world_m, np.arange(n) / 30.0


def _image_angle_deg(xy: np.ndarray) -> float:
    d = xy[0, LH] - xy[0, RH]
    return float(np.degrees(np.arctan2(-d[1], abs(d[0]))))


@pytest.mark.parametrize("back", [False, True])
@pytest.mark.parametrize(
    ("yaw_deg", "roll_deg", "pitch_deg"),
    [(0, 0, 0), (0, 5, 0), (20, 0, 20), (-30, 5, 25), (40, -8, 15)],
)
def test_frontal_obliquity_undoes_roll_pitch_and_turn(yaw_deg, roll_deg, pitch_deg, back):
    for tilt in (-12.0, 0.0, 7.0):
        xy, world, time_s = _pelvis_scene(tilt, yaw_deg, roll_deg, pitch_deg, back)
        view = frontal_geometry(
            xy,
            world,
            time_s,
            _true_camera(roll_deg, pitch_deg),
            max_off_axis_deg=60,
            max_geometry_sd_deg=90,
        )
        assert view.frontal_obliquity_deg == pytest.approx(tilt, abs=0.2)
        assert np.all(view.facing == (-1 if back else 1))
        assert view.off_axis_deg == pytest.approx(abs(yaw_deg), abs=0.5)
        if roll_deg or pitch_deg:  # the raw image angle is wrong here, so the test can fail
            assert abs(_image_angle_deg(xy) - tilt) > 1.0


def test_swapped_world_landmarks_do_not_flip_the_turn():
    """MediaPipe sometimes exchanges left and right in its world landmarks only."""
    xy, world, time_s = _pelvis_scene(7.0, 25.0, 3.0, 20.0, back=False)
    world[::2] = world[::2][:, [*range(11), RS, LS, *range(13, 23), RH, LH, *range(25, 33)]]
    view = frontal_geometry(xy, world, time_s, _true_camera(3.0, 20.0), max_geometry_sd_deg=90)
    assert view.frontal_obliquity_deg == pytest.approx(7.0, abs=0.2)


def test_side_views_are_left_blank_not_guessed():
    """A turn past the limit on pose's estimate (60°) is blank even where the geometry's own
    uncertainty gate is switched off."""
    xy, world, time_s = _pelvis_scene(7.0, 70.0, 0.0, 20.0, back=False)
    view = frontal_geometry(xy, world, time_s, _true_camera(0.0, 20.0), max_geometry_sd_deg=90)
    assert np.isnan(view.frontal_obliquity_deg).all()
    assert view.off_axis_deg == pytest.approx(70.0, abs=0.5)


def _vertical_edges(roll_deg: float, pitch_deg: float, rng: np.random.Generator) -> np.ndarray:
    """Image segments of vertical 3D edges (door frames, corners) around the subject, plus
    clutter: horizontal edges and random short segments."""
    rotation = _camera_rotation(roll_deg, pitch_deg)
    centre = np.array([0.0, 1.7, 0.0])
    segments = []
    for _ in range(40):
        x, z = rng.uniform(-3, 3), rng.uniform(3, 7)
        top, bottom = np.array([x, rng.uniform(1.5, 2.5), z]), np.array([x, rng.uniform(0, 1), z])
        (p1, p2), _ = _project(np.array([top, bottom]), rotation, centre)
        segments.append([*p1, *p2])
    for _ in range(25):
        start = rng.uniform([0, 0], SIZE)
        segments.append([*start, *(start + rng.normal(0, 60, 2))])
    segments = np.array(segments)
    return segments + rng.normal(0, 0.5, segments.shape)


@pytest.mark.parametrize(("roll_deg", "pitch_deg"), [(0, 0), (-3, 18), (5, 25), (-26, 22)])
def test_vertical_vanishing_point_gives_roll_and_pitch(roll_deg, pitch_deg):
    rng = np.random.default_rng(7)
    camera = camera_from_vertical_lines(
        _vertical_edges(roll_deg, pitch_deg, rng), (0, 0, *SIZE), FOCAL_PX, focal_assumed=False
    )
    assert camera is not None
    assert camera.roll_deg == pytest.approx(roll_deg, abs=0.5)
    assert camera.pitch_deg == pytest.approx(pitch_deg, abs=1.0)


def test_a_scene_without_verticals_gives_no_camera():
    rng = np.random.default_rng(3)
    start = rng.uniform([0, 0], SIZE, (80, 2))
    clutter = np.hstack([start, start + rng.normal(0, 80, (80, 2))])
    assert camera_from_vertical_lines(clutter, (0, 0, *SIZE), FOCAL_PX) is None


def _floor_lines(roll_deg: float, pitch_deg: float, rng: np.random.Generator) -> np.ndarray:
    """Image segments of long level edges on the floor receding from the camera (a walkway's
    or treadmill's sides, floor boards): a set of parallel lines that is not vertical."""
    rotation = _camera_rotation(roll_deg, pitch_deg)
    centre = np.array([0.0, 1.7, 0.0])
    segments = []
    for _ in range(80):
        x, z = rng.uniform(-1.0, 1.0), rng.uniform(2.5, 4.0)
        (p1, p2), _ = _project(np.array([[x, 0.0, z], [x, 0.0, z + 2.0]]), rotation, centre)
        segments.append([*p1, *p2])
    return np.array(segments) + rng.normal(0, 0.5, (80, 4))


def _feet(roll_deg: float, pitch_deg: float) -> BodyCue:
    """The standing body 4 m ahead: its image axis (the roll) and where its feet are."""
    rotation = _camera_rotation(roll_deg, pitch_deg)
    (feet, head), _ = _project(
        np.array([[0.0, 0.0, 4.0], [0.0, 1.5, 4.0]]), rotation, np.array([0.0, 1.7, 0.0])
    )
    axis = head - feet
    return BodyCue(float(np.degrees(np.arctan2(axis[0], -axis[1]))), (feet[0], feet[1]))


@pytest.mark.parametrize(("roll_deg", "pitch_deg"), [(-3, 18), (-26, 22), (13, 22)])
def test_level_floor_lines_are_not_taken_for_the_vertical(roll_deg, pitch_deg):
    """A room whose strongest set of lines is level floor edges (as on the multicam rear
    camera): read as vertical they would put the camera looking up. The standing body rejects
    them, the room's verticals give the roll, and the floor edges, lying on the horizon, the
    pitch a second time."""
    rng = np.random.default_rng(11)
    edges = np.vstack(
        [_vertical_edges(roll_deg, pitch_deg, rng), _floor_lines(roll_deg, pitch_deg, rng)]
    )
    camera = camera_from_vertical_lines(
        edges, (0, 0, *SIZE), FOCAL_PX, False, _feet(roll_deg, pitch_deg)
    )
    assert camera is not None
    assert camera.roll_deg == pytest.approx(roll_deg, abs=0.5)
    assert camera.pitch_deg == pytest.approx(pitch_deg, abs=1.0)
    assert "horizon" in camera.method
    assert any("taken as not vertical" in check for check in camera.checks)


def test_the_room_within_the_body_axis_own_spread_is_not_rejected():
    """The frames taken as standing may be single-leg ones, leaning: the body's axis then
    reads 22° from the room's vertical but spreads over it. The room's edges stand, where
    the median alone rejected them; floor lines outside that spread are still refused."""
    rng = np.random.default_rng(3)
    edges = np.vstack([_vertical_edges(-7, 15, rng), _floor_lines(-7, 15, rng)])
    true = _feet(-7, 15)
    leaning = BodyCue(true.roll_deg + 22.0, true.feet_px)
    spread = BodyCue(true.roll_deg + 22.0, true.feet_px, (true.roll_deg - 2, true.roll_deg + 34))
    assert camera_from_vertical_lines(edges, (0, 0, *SIZE), FOCAL_PX, False, leaning) is None
    camera = camera_from_vertical_lines(edges, (0, 0, *SIZE), FOCAL_PX, False, spread)
    assert camera is not None and camera.roll_deg == pytest.approx(-7, abs=0.5)
    floor_only = _floor_lines(-7, 15, rng)
    assert camera_from_vertical_lines(floor_only, (0, 0, *SIZE), FOCAL_PX, False, spread) is None


def test_a_wrong_focal_length_is_halved_by_the_horizon():
    """The vertical point's pitch and the horizon's err in opposite directions when the lens
    is longer than assumed: their mean is closer than either."""
    rng = np.random.default_rng(5)
    edges = np.vstack([_vertical_edges(-3, 18, rng), _floor_lines(-3, 18, rng)])
    camera = camera_from_vertical_lines(edges, (0, 0, *SIZE), FOCAL_PX / 1.15, True, _feet(-3, 18))
    vertical_only = camera_from_vertical_lines(
        _vertical_edges(-3, 18, np.random.default_rng(5)), (0, 0, *SIZE), FOCAL_PX / 1.15
    )
    assert abs(camera.pitch_deg - 18) < 0.5 * abs(vertical_only.pitch_deg - 18)


def _turning_round(trial, turn_s: tuple[float, float]):
    """The synthetic trial seen from the front until ``turn_s``, then from behind: the body's
    image widths shrink to edge-on and open the other way, and the feet, whose toes a camera
    above them sees below the heels, turn to point away (toes above the heels); labels stay
    anatomical (as pose gives them), so after the turn the subject's left hip is on the image
    left."""
    from hipdrop.synthetic import synthetic_single_leg

    tracks = synthetic_single_leg(trial)
    start, end = turn_s
    phase = np.clip((tracks.time_s - start) / (end - start), 0.0, 1.0)
    width_scale = np.cos(np.pi * phase)  # 1 facing, 0 edge-on, -1 back to the camera
    xy = tracks.xy_px.copy()
    centre_x = 0.5 * (xy[:, LH, 0] + xy[:, RH, 0])
    xy[..., 0] = centre_x[:, None] + (xy[..., 0] - centre_x[:, None]) * width_scale[:, None]
    for side in ("left", "right"):  # the toe's depth from the heel turns with the body
        heel_y, toe = xy[:, landmark(side, "heel"), 1], landmark(side, "foot_index")
        xy[:, toe, 1] = heel_y + (xy[:, toe, 1] - heel_y) * width_scale
    world = tracks.world_m.copy()
    world[..., 0] *= width_scale[:, None]
    return replace(tracks, xy_px=xy, world_m=world)


def test_a_subject_who_turns_round_keeps_both_sides_right():
    """Facing the camera for left stance, turned away for right stance: the view is decided
    per stretch between turns, so neither half has its sides exchanged."""
    from hipdrop.pipeline import analyse_tracks
    from hipdrop.synthetic import SyntheticTrial
    from hipdrop.tracks.signal import clean_tracks

    trial = SyntheticTrial(roll_deg=0.0, resting_obliquity_deg=0.0)
    tracks = _turning_round(trial, (4.4, 4.9))
    turned = analyse_tracks(tracks).summary
    assert [p["stance_leg"] for p in turned["phases"]] == ["left", "right"]
    assert turned["sides"]["left"]["peak_drop_deg"] == pytest.approx(7.0, abs=0.3)
    assert turned["sides"]["right"]["peak_drop_deg"] == pytest.approx(2.0, abs=0.3)
    # Only frames inside the turn itself, where the hips pass edge-on, may be relabelled.
    relabelled = tracks.time_s[clean_tracks(tracks).pelvis_relabelled]
    assert np.all((relabelled > 4.4) & (relabelled < 4.9))


def test_scene_edges_found_while_decoding_equal_those_decoded_afresh(tmp_path) -> None:
    """Pose keeps the sampled frames' edges as it decodes them (pose/runner.py); the scene
    lines made from those are the ones decoding the clip again gives, subject left out alike."""
    from videotools import write_video

    from hipdrop.io.scene_lines import (
        frame_segments,
        keep_frame_segments,
        likely_sample_frames,
        scene_lines,
    )
    from hipdrop.io.video import iter_frames, probe_video

    rng = np.random.default_rng(3)
    frames = []
    for k in range(45):
        image = np.full((360, 480, 3), 90, np.uint8)
        for x in (60, 150, 330, 420):  # door frames, leaning a little as from a rolled camera
            cv2.line(image, (x, 20), (x + 12, 340), (230, 230, 230), 3)
        cv2.rectangle(image, (200 + k, 80), (260 + k, 330), (30, 30, 30), -1)  # the subject
        frames.append(np.clip(image + rng.normal(0, 2, image.shape), 0, 255).astype(np.uint8))
    clip = write_video(tmp_path / "room.mp4", frames, fps=15.0)
    info = probe_video(clip)
    wanted = likely_sample_frames(info.frame_count, info.nominal_fps)
    decoded = list(iter_frames(clip))
    time_s = np.array([f.time_s for f in decoded])
    found = {f.index: frame_segments(f.image_bgr) for f in decoded if f.index in wanted}
    subject = np.full((len(decoded), 33, 2), np.nan)
    subject[:, :2] = [[[200 + k, 80], [260 + k, 330]] for k in range(len(decoded))]
    keep_frame_segments(tmp_path / "cache", "clip-sha", time_s, found)
    kept = scene_lines(clip, subject, time_s, "clip-sha", tmp_path / "cache")
    afresh = scene_lines(clip, subject, time_s)
    assert len(afresh.segments_px) >= 4
    np.testing.assert_array_equal(kept.segments_px, afresh.segments_px)
    assert kept.content_box_px == afresh.content_box_px
    # the subject's own edges are left out
    mid_x = 0.5 * (afresh.segments_px[:, 0] + afresh.segments_px[:, 2])
    assert not ((mid_x > 200) & (mid_x < 300)).any()


def test_a_sampled_frame_without_the_subject_gives_no_scene_lines(tmp_path):
    """A close-up among the sampled frames (pose finds nobody there): its edges, the shins'
    own, slant across the picture and are not the room's, so they are left out; the room's
    near-vertical door frames in the other samples remain."""
    from videotools import write_video

    from hipdrop.io.scene_lines import sample_frames, scene_lines
    from hipdrop.io.video import iter_frames

    frames = []
    for _ in range(45):
        image = np.full((360, 480, 3), 90, np.uint8)
        for x in (60, 150, 330, 420):
            cv2.line(image, (x, 20), (x + 12, 340), (230, 230, 230), 3)
        frames.append(image)
    time_s = np.arange(45) / 15.0
    close_up = int(sample_frames(time_s)[1])
    frames[close_up] = np.full((360, 480, 3), 90, np.uint8)
    for y in (40, 160, 280):  # slanting edges, 30° from level
        cv2.line(frames[close_up], (20, y), (460, y + 254), (230, 230, 230), 3)
    clip = write_video(tmp_path / "room.mp4", frames, fps=15.0)
    time_s = np.array([f.time_s for f in iter_frames(clip)])
    subject = np.full((len(time_s), 33, 2), np.nan)
    subject[:, :2] = [[440, 330], [470, 350]]  # a corner, away from every edge
    subject[close_up] = np.nan

    def slanting(scene) -> int:
        dx, dy = (scene.segments_px[:, 2:] - scene.segments_px[:, :2]).T
        return int((np.abs(np.degrees(np.arctan2(dy, dx))) % 180 < 45).sum())

    assert slanting(scene_lines(clip, subject, time_s)) == 0
    assert len(scene_lines(clip, subject, time_s).segments_px) >= 4
    subject[close_up] = [[440, 330]] * 33  # had pose found someone there
    assert slanting(scene_lines(clip, subject, time_s)) > 0


@pytest.mark.parametrize("roll_deg", [-26.0, 15.0])
def test_a_rolled_camera_does_not_make_a_front_view_edge_on(roll_deg: float) -> None:
    """The view's width ratios are measured across the body, not across the picture: the same
    front view filmed by a rolled camera keeps its hip and shoulder widths (the multicam phone
    rolled 26° read its hips 0.21 of torso length across the picture, a side view at 0.20)."""
    from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg
    from hipdrop.tracks.kinematics import detect_view

    level = detect_view(synthetic_single_leg(SyntheticTrial(roll_deg=0.0)))
    rolled = detect_view(synthetic_single_leg(SyntheticTrial(roll_deg=roll_deg)))
    assert level.view == rolled.view == "anterior"
    assert rolled.width_ratio == pytest.approx(level.width_ratio, abs=0.01)
