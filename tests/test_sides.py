"""Front or back view, told per stretch of the clip from pose's labels and the feet's
direction (hipdrop/sides.py): a wrong guess exchanges every left and right, so where the two
cues leave it unclear the frames are left out rather than guessed."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from hipdrop.conventions import landmark, mirrored_index
from hipdrop.errors import NoUsableFramesError
from hipdrop.io.pose_files import write_movement
from hipdrop.pipeline import analyse_tracks
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg
from hipdrop.tracks.sides import facing_by_stretch, foot_votes

TRIAL = SyntheticTrial(roll_deg=0.0, resting_obliquity_deg=0.0)


def _labels_exchanged(tracks, start_s: float, end_s: float):
    """The tracks with every left and right label exchanged from ``start_s`` to ``end_s``: pose
    taking the subject, who faces the camera, for one seen from behind (BlazePose does this
    for stretches of a second)."""
    frames = (tracks.time_s >= start_s) & (tracks.time_s < end_s)
    order = mirrored_index()
    xy, visibility, world = tracks.xy_px.copy(), tracks.visibility.copy(), tracks.world_m.copy()
    for array in (xy, visibility, world):
        array[frames] = array[frames][:, order]
    return replace(tracks, xy_px=xy, visibility=visibility, world_m=world)


def _feet_level(tracks):
    """Toes at their heels' image height: a camera at floor level, no cue from the feet."""
    xy = tracks.xy_px.copy()
    for side in ("left", "right"):
        xy[:, landmark(side, "foot_index"), 1] = xy[:, landmark(side, "heel"), 1]
    return replace(tracks, xy_px=xy)


def test_feet_pointing_at_the_camera_vote_facing() -> None:
    tracks = synthetic_single_leg(TRIAL)
    assert np.all(foot_votes(tracks.xy_px) == 1)
    assert np.all(foot_votes(_feet_level(tracks).xy_px) == 0)
    upside = tracks.xy_px.copy()
    upside[..., 1] *= -1  # toes now above the heels: pointing away
    assert np.all(foot_votes(upside) == -1)


def test_pose_taking_most_of_the_clip_for_a_back_view_keeps_the_sides() -> None:
    """Labels exchanged in 56% of the frames, as BlazePose did on the balance clip re-encoded
    at 400 kbit/s: a majority vote of pose's labels read the whole clip from behind and put
    the left stance on the right leg. The feet point at the camera throughout."""
    tracks = _labels_exchanged(synthetic_single_leg(TRIAL), 3.0, 8.3)
    assert np.all(facing_by_stretch(tracks.xy_px, tracks.time_s) == 1)
    summary = analyse_tracks(tracks).summary
    assert [p["stance_leg"] for p in summary["phases"]] == ["left", "right"]
    assert summary["sides"]["left"]["peak_drop_deg"] == pytest.approx(7.0, abs=0.3)
    assert summary["sides"]["right"]["peak_drop_deg"] == pytest.approx(2.0, abs=0.3)


@pytest.mark.parametrize(
    ("feet", "exchanged_s"),
    [
        ("level", (3.0, 8.0)),  # pose's labels split about evenly, no cue from the feet
        ("pointing", (0.5, 9.5)),  # pose says from behind, the feet say facing
    ],
)
def test_an_unclear_view_gives_no_verdict(feet: str, exchanged_s: tuple[float, float]) -> None:
    tracks = synthetic_single_leg(TRIAL)
    tracks = _feet_level(tracks) if feet == "level" else tracks
    tracks = _labels_exchanged(tracks, *exchanged_s)
    assert np.all(facing_by_stretch(tracks.xy_px, tracks.time_s) == 0)
    with pytest.raises(NoUsableFramesError, match=r"facing unknown.*has their back to it"):
        analyse_tracks(tracks)


def test_the_command_line_refuses_a_clip_of_unclear_view_in_one_line(tmp_path) -> None:
    tracks = _labels_exchanged(_feet_level(synthetic_single_leg(TRIAL)), 3.0, 8.0)
    write_movement(tracks, tmp_path / "unclear.nc")
    clip, out = tmp_path / "unclear.nc", tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "hipdrop.cli", "analyse", str(clip), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "no frame can be analysed" in lines[0] and "has their back to it" in lines[0]
    assert not out.exists()
