"""A picture filmed on its side or upside down is analysed as the upright one: the picture's up
is found from the body (head above feet) and the landmarks are turned in quarter turns.

Synthetic tracks with a known drop give exact answers (a quarter turn moves every point
exactly); one real frame shows the model is given the picture upright, and the real balance
clip turned 90°, 180° and 270° tests the whole path with pose (tests/test_real_clips.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from hipdrop.geometry.upright import body_up_angle_deg, quarter_turns_to_upright, turn_tracks
from hipdrop.io.scene_lines import frame_segments
from hipdrop.io.video import iter_frames, turn_camera_axes, turn_image, turn_points, turned_size
from hipdrop.pipeline import analyse_tracks
from hipdrop.pose.backend import PoseEstimate, PoseSettings
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg


def _turned(turns: int):
    """The synthetic trial as a camera on its side (or upside down) films it: its picture
    turned ``turns`` clockwise quarter turns, landmarks and 3D alike."""
    return turn_tracks(synthetic_single_leg(SyntheticTrial(noise_px=0.5)), turns)


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_the_body_says_which_way_is_up(turns: int) -> None:
    upright = synthetic_single_leg()
    turned = _turned(turns)
    assert body_up_angle_deg(turned.xy_px) == pytest.approx((90 * turns) % 360, abs=5)
    assert quarter_turns_to_upright(turned.xy_px) == (4 - turns) % 4
    back = turn_tracks(turned, quarter_turns_to_upright(turned.xy_px))
    assert back.image_size_px == upright.image_size_px
    assert quarter_turns_to_upright(upright.xy_px) == 0


def test_quarter_turns_compose_to_a_whole_turn() -> None:
    points = np.array([[10.0, 20.0], [1000.0, 5.0], [300.0, 1900.0]])
    size = (1080, 1920)
    once = turn_points(points, size, 1)
    assert once[0] == pytest.approx([1900.0, 10.0])  # the top-left corner goes top-right
    sizes = [size, (1920, 1080)]
    moved = points
    for k in range(4):
        moved = turn_points(moved, sizes[k % 2], 1)
    assert moved == pytest.approx(points)


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_a_picture_on_its_side_or_head_gives_the_upright_numbers(turns: int) -> None:
    upright = analyse_tracks(synthetic_single_leg(SyntheticTrial(noise_px=0.5)))
    turned = analyse_tracks(_turned(turns))
    assert turned.summary["camera"]["picture_turned_deg"] == (360 - 90 * turns) % 360
    assert turned.summary["view"] == upright.summary["view"] == "anterior"
    assert turned.summary["phases"] == upright.summary["phases"]
    for side in ("left", "right"):
        a, b = upright.summary["sides"][side], turned.summary["sides"][side]
        assert b["classification"] == a["classification"]
        assert b["peak_drop_deg"] == pytest.approx(a["peak_drop_deg"], abs=0.01)
    frontal = [x.frames["frontal_obliquity_deg"].to_numpy() for x in (upright, turned)]
    assert np.allclose(frontal[0], frontal[1], atol=0.01, equal_nan=True)


def test_the_edges_of_a_turned_picture_are_not_scene_lines() -> None:
    """A picture turned 5° inside black borders: its own edges are long, straight and
    parallel, and had been read as the room's verticals (a roll of exactly the turn)."""
    rng = np.random.default_rng(1)
    picture = rng.integers(60, 200, (1080, 1920, 3)).astype(np.uint8)
    picture = cv2.GaussianBlur(picture, (0, 0), 3)
    canvas = np.zeros((1400, 2400, 3), np.uint8)
    canvas[160:1240, 240:2160] = picture
    matrix = cv2.getRotationMatrix2D((1200, 700), 5.0, 1.0)
    turned = cv2.warpAffine(canvas, matrix, (2400, 1400))
    _, segments = frame_segments(turned)
    corners = cv2.transform(
        np.array([[[240, 160], [2160, 160], [2160, 1240], [240, 1240]]], float), matrix
    )[0]
    edges = [(corners[i], corners[(i + 1) % 4]) for i in range(4)]

    def on_an_edge(segment: np.ndarray) -> bool:
        mid = 0.5 * (segment[:2] + segment[2:])
        for a, b in edges:
            along = (b - a) / np.linalg.norm(b - a)
            offset = mid - a
            if abs(offset[0] * along[1] - offset[1] * along[0]) < 6.0:
                return True
        return False

    long = [s for s in segments if np.hypot(*(s[2:] - s[:2])) > 100]
    assert not any(on_an_edge(s) for s in long)


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_an_estimate_on_the_turned_picture_maps_back(turns: int) -> None:
    """Landmarks (and 3D axes) found on a frame turned for the model land where they belong on
    the frame as stored."""
    rng = np.random.default_rng(turns)
    size = (640, 360)
    stored = PoseEstimate(
        xy_px=rng.uniform(0, 1, (33, 2)) * size,
        visibility=rng.uniform(0, 1, 33),
        world_m=rng.normal(0, 0.3, (33, 3)),
    )
    seen = PoseEstimate(
        xy_px=turn_points(stored.xy_px, size, turns),
        visibility=stored.visibility,
        world_m=turn_camera_axes(stored.world_m, turns),
    )
    back = seen.unturned(turns, turned_size(size, turns))
    np.testing.assert_allclose(back.xy_px, stored.xy_px, atol=1e-9)
    np.testing.assert_allclose(back.world_m, stored.world_m, atol=1e-12)


@pytest.mark.realdata
@pytest.mark.parametrize("turns", [1, 2, 3])
def test_the_model_is_shown_the_picture_upright(video, turns: int) -> None:
    """A frame stored on its side or upside down, shown to the model turned upright, gives the
    landmarks of the upright frame exactly (the model sees the same pixels), mapped back onto
    the stored picture."""
    from hipdrop.pose.mediapipe_backend import MediaPipePose

    frame = next(iter_frames(video("anterior_single-leg-balance_pose2sim.mp4"), 50, 51))
    upright = frame.image_bgr
    stored = turn_image(upright, 4 - turns)  # the picture as a phone on its side stored it
    found = {}
    for name, settings, image in (
        ("upright", PoseSettings(), upright),
        ("stored", PoseSettings(quarter_turns_cw=turns), stored),
    ):
        backend = MediaPipePose(settings, still_image=True)
        found[name] = backend.estimate(image)
        backend.close()
    expected = found["upright"]
    size = (stored.shape[1], stored.shape[0])
    back = found["stored"]
    np.testing.assert_allclose(turn_points(back.xy_px, size, turns), expected.xy_px, atol=1e-3)
    np.testing.assert_allclose(turn_camera_axes(back.world_m, turns), expected.world_m, atol=1e-6)
