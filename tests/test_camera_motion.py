"""The camera's own motion (issue 25), on made videos whose motion is known exactly: its roll
followed frame by frame, the subject masked out, frames that cannot be followed left NaN, and
landmarks steadied back into the reference frame's picture."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from videotools import applied_camera_roll_deg, hand_held_matrix, write_video

from hipdrop.conventions import N_LANDMARKS, landmark
from hipdrop.geometry.camera_motion import (
    motion_summary,
    moving,
    steadied,
    to_reference,
    with_camera_roll,
)
from hipdrop.io.camera_motion import CameraMotion, follow_camera
from hipdrop.pipeline import analyse_tracks
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import pelvic_obliquity_deg

FPS = 20.0
SIZE = (320, 240)  # width, height
SWAY_DEG = 8.0


def _scene(seed: int = 0) -> np.ndarray:
    """A textured room: random blobs, enough corners to follow."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (SIZE[1] // 4, SIZE[0] // 4, 3), dtype=np.uint8)
    return cv2.resize(noise, SIZE, interpolation=cv2.INTER_NEAREST)


def _subject_box(i: int) -> tuple[int, int, int, int]:
    """A 'subject' sliding across the picture, much faster than the camera moves."""
    x0 = 40 + 6 * i
    return x0, 60, x0 + 60, 200


def _clip(folder: Path, n_frames: int = 40, bare: range = range(0)) -> Path:
    """The scene filmed by a swaying hand-held camera (the issue's recipe), a textured subject
    moving on its own in front of it, and frames ``bare`` a plain wall."""
    scene, subject = _scene(0), _scene(1)
    frames = []
    for i in range(n_frames):
        matrix = hand_held_matrix(i / FPS, SWAY_DEG, *SIZE)
        frame = cv2.warpAffine(scene, matrix, SIZE, flags=cv2.INTER_LINEAR)
        if i in bare:
            frame[:] = 128
        x0, y0, x1, y1 = _subject_box(i)
        frame[y0:y1, x0:x1] = subject[y0:y1, x0:x1]
        frames.append(frame)
    return write_video(folder / "hand_held.mp4", frames, FPS)


def _landmarks(n_frames: int) -> np.ndarray:
    """The subject's 'landmarks': its box corners, spread over the 33 points."""
    xy = np.zeros((n_frames, N_LANDMARKS, 2))
    for i in range(n_frames):
        x0, y0, x1, y1 = _subject_box(i)
        corners = np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]], float)
        xy[i] = corners[np.arange(N_LANDMARKS) % 4]
    return xy


def test_the_roll_is_followed_frame_by_frame_with_the_subject_masked(tmp_path: Path) -> None:
    motion = follow_camera(_clip(tmp_path), _landmarks(40))
    applied = applied_camera_roll_deg(np.arange(40) / FPS, SWAY_DEG)
    assert motion.followed.all()
    assert motion.reference_frame == 0
    # Frame 0 has no sway, so the roll against it is the applied roll itself.
    np.testing.assert_allclose(motion.roll_deg, applied, atol=0.25)
    assert moving(motion)
    assert motion.zoom == pytest.approx(1.0, abs=0.01)


def test_a_plain_wall_is_not_followed_and_the_frames_after_it_are_found_again(
    tmp_path: Path,
) -> None:
    bare = range(15, 20)
    motion = follow_camera(_clip(tmp_path, bare=bare), _landmarks(40))
    assert not motion.followed[list(bare)].any()
    after = np.arange(20, 40)
    assert motion.followed[after].all()
    applied = applied_camera_roll_deg(after / FPS, SWAY_DEG)
    np.testing.assert_allclose(motion.roll_deg[after], applied, atol=0.5)


def test_the_motion_is_cached_by_content(tmp_path: Path) -> None:
    clip, cache = _clip(tmp_path, n_frames=12), tmp_path / "cache"
    first = follow_camera(clip, _landmarks(12), "abc", cache)
    assert len(list(cache.iterdir())) == 1
    clip.write_bytes(b"")  # the cache answers without decoding
    again = follow_camera(clip, _landmarks(12), "abc", cache)
    np.testing.assert_array_equal(first.matrix, again.matrix)


def _rolled(angle_deg: np.ndarray, centre: tuple[float, float]) -> CameraMotion:
    """Frames turned counter-clockwise by ``angle_deg`` about ``centre`` (a roll of minus
    that), the first NaN (not followed)."""
    matrices = np.stack([cv2.getRotationMatrix2D(centre, a, 1.0) for a in angle_deg])
    matrices[0] = np.nan
    return CameraMotion(matrices, np.full(len(angle_deg), 0.1), 1, (400, 300))


def test_steadied_landmarks_lose_the_camera_roll() -> None:
    angles = np.array([0.0, 0.0, 5.0, -7.0, 9.0])
    motion = _rolled(angles, (200.0, 150.0))
    level = np.full((5, N_LANDMARKS, 2), np.nan)
    level[:, landmark("left", "hip")] = [230.0, 170.0]  # image right: facing the camera
    level[:, landmark("right", "hip")] = [170.0, 170.0]
    filmed = np.stack([cv2.transform(level[i : i + 1], motion.matrix[i])[0] for i in range(1, 5)])
    filmed = np.concatenate([level[:1], filmed])
    tracks = LandmarkTracks(np.arange(5) / 30, filmed, np.ones((5, N_LANDMARKS)), (400, 300))
    assert np.abs(pelvic_obliquity_deg(tracks)[2:]).min() > 4  # the roll, read as tilt
    steady = steadied(tracks, motion)
    np.testing.assert_allclose(pelvic_obliquity_deg(steady), 0.0, atol=1e-9)
    assert steady.meta["camera_moving_frames"] == [0]  # left out, not measured as if still
    frames = with_camera_roll(pd.DataFrame({"geometry_sd_deg": np.ones(5)}), motion, -3.0)
    np.testing.assert_allclose(frames["camera_roll_deg"][1:], -3.0 - angles[1:])
    assert (frames["geometry_sd_deg"] > 1).all()  # the motion estimate's own error added
    summary = motion_summary(motion, -3.0)
    assert summary["moved"] and summary["frames_not_followed"] == 1
    assert summary["roll_range_deg"] == pytest.approx([-12.0, 4.0])


def test_a_still_camera_leaves_the_landmarks_as_they_are() -> None:
    motion = _rolled(np.full(5, 0.01), (200.0, 150.0))
    xy = np.random.default_rng(0).uniform(0, 300, (5, N_LANDMARKS, 2))
    tracks = LandmarkTracks(np.arange(5) / 30, xy, np.ones((5, N_LANDMARKS)), (400, 300))
    assert not moving(motion)
    assert steadied(tracks, motion) is tracks
    assert motion_summary(motion, 2.0)["roll_range_deg"] == [2.0, 2.0]
    # The mapping itself still undoes what it is given.
    assert np.abs(to_reference(motion, xy) - xy).max() < 0.1


def _swayed(tracks: LandmarkTracks, sway_deg: float) -> tuple[LandmarkTracks, CameraMotion]:
    """The tracks as a camera swaying by ``sway_deg`` (the issue's recipe) would film them, and
    that camera's motion as io/camera_motion.py would find it."""
    width, height = tracks.image_size_px
    matrices = np.stack([hand_held_matrix(t, sway_deg, width, height) for t in tracks.time_s])
    reference = np.vstack([matrices[0], [0, 0, 1]])
    matrices = np.stack([np.vstack([m, [0, 0, 1]]) @ np.linalg.inv(reference) for m in matrices])
    xy = np.einsum("nij,nkj->nki", matrices[:, :2, :2], tracks.xy_px) + matrices[:, None, :2, 2]
    motion = CameraMotion(matrices[:, :2], np.full(tracks.n_frames, 0.05), 0, (width, height))
    return replace(tracks, xy_px=xy), motion


def test_a_swaying_camera_reads_as_a_still_one_and_lost_frames_are_left_out() -> None:
    still = synthetic_single_leg(SyntheticTrial(noise_px=0.4))
    swayed, motion = _swayed(still, 6.0)
    lost = np.arange(150, 160)  # inside left stance (1.5-4.0 s at 60 fps)
    motion.matrix[lost] = np.nan
    expected = analyse_tracks(still).summary["sides"]
    ignored = analyse_tracks(swayed).summary["sides"]
    held = analyse_tracks(swayed, camera_motion=motion)
    for side in ("left", "right"):
        assert held.summary["sides"][side]["classification"] == expected[side]["classification"]
        assert held.summary["sides"][side]["peak_drop_deg"] == pytest.approx(
            expected[side]["peak_drop_deg"], abs=0.3
        )
    # Measured as if still, the sway moves a peak by degrees (and, the sway tilting the pelvis
    # in the picture, no quiet standing is still enough for a baseline: a side may be refused).
    moved_by = [
        abs(ignored[s]["peak_drop_deg"] - expected[s]["peak_drop_deg"])
        for s in expected
        if ignored[s]["peak_drop_deg"] is not None
    ]
    assert max(moved_by) > 1.5
    assert (held.frames["excluded"].to_numpy()[lost] == "camera_moving").all()
    assert held.summary["quality"]["excluded_frames"]["camera_moving"] == len(lost)
    assert held.summary["camera"]["motion"]["frames_not_followed"] == len(lost)
