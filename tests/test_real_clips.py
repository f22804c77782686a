"""Acceptance on the real clips in ../shared/data/video, including metamorphic versions."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import require_data
from videotools import identity, mirror, rotate_ccw, transform_video

from hipdrop.analysis.findings import SHIFT_RESOLUTION_WIDTHS
from hipdrop.pipeline import analyse
from hipdrop.pose import runner

BALANCE = "anterior_single-leg-balance_pose2sim.mp4"
HOPS = "anterior_single-leg-hops_vaila.mp4"
STATIC = "anterior_static-standing_pose2sim.mp4"
#: The static trial seen by the balance clip's own camera (cam_02): a baseline belongs to it.
STATIC_SAME_CAMERA = "multicam/static-standing_cam02_pose2sim.mp4"

TURNS = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}

pytestmark = pytest.mark.realdata
#: The words of a refusal for a stance whose start (or end) pose did not see.
UNSEEN_START = "began or ended next to frames that could not be read"


@pytest.fixture(scope="module")
def clips(video, tmp_path_factory):
    """Originals, plus mirrored / rotated / re-encoded copies made once per run; the copies on
    their side or upside down stand for a phone's own recording and are stored as one
    (H.264; see ``videotools.PHONE_CRF``)."""
    folder = tmp_path_factory.mktemp("clips")
    made = {"balance": video(BALANCE), "hops": video(HOPS), "static": video(STATIC)}
    made["static02"] = require_data(STATIC_SAME_CAMERA)
    for name in ("balance", "hops"):
        made[f"{name}_mirror"] = transform_video(made[name], folder / f"{name}_m.mp4", mirror)
    for name in ("balance", "hops", "static", "static02"):
        made[f"{name}_rot5"] = transform_video(
            made[name], folder / f"{name}_r.mp4", rotate_ccw(5.0)
        )
        made[f"{name}_copy"] = transform_video(made[name], folder / f"{name}_c.mp4", identity)
    made["balance_rot26"] = transform_video(
        made["balance"], folder / "balance_r26.mp4", rotate_ccw(-26.0)
    )
    for turn, code in TURNS.items():  # a phone on its side or upside down, no rotation tag
        made[f"balance_turn{turn}"] = transform_video(
            made["balance"],
            folder / f"balance_t{turn}.mp4",
            lambda f, c=code: cv2.rotate(f, c),
            codec="h264",
        )
    return made


@pytest.fixture(scope="module")
def results(clips):
    cache: dict = {}

    def get(name: str, baseline: str | None = None):
        key = (name, baseline)
        if key not in cache:
            cache[key] = analyse(clips[name], baseline=clips[baseline] if baseline else None)
        return cache[key]

    return get


def _stance_fraction(frames, leg: str, start: int = 0, stop: int | None = None) -> float:
    labels = frames["stance_leg"].to_numpy()[start:stop]
    return float(np.mean(labels == leg))


def test_balance_clip_left_stance(results) -> None:
    analysis = results("balance")
    assert analysis.summary["view"] == "anterior"
    assert analysis.summary["task"] == "single-leg", analysis.summary["task_reason"]
    assert _stance_fraction(analysis.frames, "left", 30, 71) > 0.5
    assert _stance_fraction(analysis.frames, "right", 30, 71) == 0.0


def test_hops_clip_right_stance(results) -> None:
    analysis = results("hops")
    # Hopping on one leg has landings like running, but the same foot is always held up.
    assert analysis.summary["task"] == "single-leg", analysis.summary["task_reason"]
    assert analysis.summary["view"] == "anterior"
    assert _stance_fraction(analysis.frames, "right") >= 0.5
    assert _stance_fraction(analysis.frames, "left") < 0.1


@pytest.mark.parametrize("name", ["balance", "hops"])
def test_mirrored_clip_swaps_sides(results, name: str) -> None:
    original, mirrored = results(name), results(f"{name}_mirror")
    flipped = {"left": "right", "right": "left", "both": "both", "none": "none"}
    expected = original.frames["stance_leg"].map(flipped).to_numpy()
    agreement = np.mean(mirrored.frames["stance_leg"].to_numpy() == expected)
    assert agreement > 0.9
    for side, other in (("left", "right"), ("right", "left")):
        a = original.summary["sides"][side]["peak_drop_deg"]
        b = mirrored.summary["sides"][other]["peak_drop_deg"]
        if a is not None and b is None:  # refused, and only for a start pose did not see
            # (the Tasks model loses the small pillarboxed hopper in the mirrored copy's
            # first frames, and his stance starts there)
            assert UNSEEN_START in mirrored.summary["sides"][other]["note"]
            continue
        assert (a is None) == (b is None)
        if a is not None:
            assert abs(a - b) <= 1.5, (side, a, b)
            # The same lateral shift over the stance foot, on the other side.
            # (the peak within what 2D can tell of the shift: 0.25 widths, its error against
            # the 3D; on the Tasks pose the balance clip's peak is 0.10 and its mirror's -0.10)
            for key, within in (
                ("lateral_shift_travel_widths", 0.1),
                ("peak_lateral_shift_widths", SHIFT_RESOLUTION_WIDTHS),
            ):
                shift_a = original.summary["sides"][side][key]
                shift_b = mirrored.summary["sides"][other][key]
                assert abs(shift_a - shift_b) <= within, (side, key, shift_a, shift_b)


def test_rotation_moves_obliquity_by_the_roll(results) -> None:
    straight = results("hops").frames["pelvic_obliquity_deg"]
    rotated = results("hops_rot5").frames["pelvic_obliquity_deg"]
    shift = np.nanmedian(rotated.to_numpy() - straight.to_numpy())
    assert shift == pytest.approx(5.0, abs=0.5)


def test_rotation_leaves_frontal_obliquity_where_it_was(results) -> None:
    """The camera geometry takes a 5° roll out again: the pelvis did not move."""
    straight = results("hops").frames["frontal_obliquity_deg"]
    rotated = results("hops_rot5").frames["frontal_obliquity_deg"]
    assert abs(np.nanmedian(rotated.to_numpy() - straight.to_numpy())) <= 0.5
    roll = results("hops").summary["camera"]["roll_deg"]
    assert results("hops_rot5").summary["camera"]["roll_deg"] == pytest.approx(roll - 5.0, abs=1.5)


def test_a_strongly_rolled_phone_gives_the_same_stance_and_verdict(results) -> None:
    """A phone rolled 26° (like one of the multicam cameras): the roll comes out of the scene's
    verticals, stance is found on the levelled tracks, and the numbers stay."""
    straight, rolled = results("balance"), results("balance_rot26")
    assert rolled.summary["camera"]["roll_deg"] == pytest.approx(
        straight.summary["camera"]["roll_deg"] + 26.0, abs=2.0
    )
    assert _stance_fraction(rolled.frames, "left", 30, 71) > 0.5
    a, b = straight.summary["sides"]["left"], rolled.summary["sides"]["left"]
    assert a["classification"] == b["classification"]
    assert b["peak_hike_deg"] == pytest.approx(a["peak_hike_deg"], abs=5.0)
    frontal = [r.frames["frontal_obliquity_deg"].to_numpy()[20:71] for r in (straight, rolled)]
    # The rotated copy is also a re-encode (alone 0.9° on this clip): 1.5° on the Tasks pose.
    assert abs(np.nanmedian(frontal[1] - frontal[0])) <= 2.0


@pytest.mark.parametrize("turn", list(TURNS))
def test_a_clip_on_its_side_or_upside_down_reads_as_the_upright_one(results, turn) -> None:
    """Read as filmed, the balance clip upside down had been a left stance, "excessive, 37°",
    and on its side a "side view". The picture is turned upright from the body first."""
    upright, turned = results("balance"), results(f"balance_turn{turn}")
    assert turned.summary["camera"]["picture_turned_deg"] == 360 - turn
    assert turned.summary["view"] == "anterior"
    assert _stance_fraction(turned.frames, "left", 30, 71) > 0.5
    assert _stance_fraction(turned.frames, "right") == 0.0
    a, b = upright.summary["sides"]["left"], turned.summary["sides"]["left"]
    assert b["classification"] == a["classification"] == "normal"
    # Each turned copy is also a re-encode (a plain one moves this peak 0.1°): measured 0.8°,
    # 0.6° and 0.9° from the original, the model shown the picture upright; shown it turned,
    # 0.3°, 1.1° and 0.9°. (As MPEG-4 part 2, whose plain re-encode moves it 0.9°: up to 1.3°.)
    assert b["peak_drop_deg"] == pytest.approx(a["peak_drop_deg"], abs=1.0)
    assert turned.summary["sides"]["right"]["peak_drop_deg"] is None


def test_baseline_clip_cancels_camera_roll(results) -> None:
    straight = results("balance", baseline="static02").summary
    rotated = results("balance_rot5", baseline="static02_rot5").summary
    assert straight["baseline"]["source"].startswith("baseline clip")
    for side in ("left", "right"):
        a, b = straight["sides"][side]["peak_drop_deg"], rotated["sides"][side]["peak_drop_deg"]
        assert (a is None) == (b is None)
        if a is not None:
            # A rotated copy is also a re-encode, and pose moves with both (a plain re-encode
            # moves the hip line 0.9° SD); measured 1.6° on the balance clip's left peak.
            assert abs(a - b) <= 2.0, (side, a, b)


def test_reencoding_changes_little(results) -> None:
    """A plain re-encode moves the peak drop little; the small pillarboxed hopper, which the
    Tasks pose reads unsteadily in a copy's first frames, may be refused instead, with why."""
    for name, side in (("balance", "left"), ("hops", "right")):
        a = results(name).summary["sides"][side]
        b = results(f"{name}_copy").summary["sides"][side]
        if b["peak_drop_deg"] is None:
            assert name == "hops" and b["classification"] == "insufficient data" and b["note"]
            continue
        assert abs(a["peak_drop_deg"] - b["peak_drop_deg"]) < 1.5


@pytest.mark.parametrize(
    "name", ["side_treadmill-run_gaitlab.mp4", "side_multi-person_sports2d.mp4"]
)
def test_side_views_are_refused(video, name: str) -> None:
    summary = analyse(video(name)).summary
    assert summary["view"] == "side"
    assert summary["usable"] is False
    assert "front" in summary["reason"] or "behind" in summary["reason"]
    assert all(side["peak_drop_deg"] is None for side in summary["sides"].values())


def test_second_analysis_uses_the_pose_cache(clips, monkeypatch) -> None:
    analyse(clips["static"])

    def no_pose(*args, **kwargs):
        raise AssertionError("pose ran again although the clip is cached")

    monkeypatch.setattr(runner, "_run_workers", no_pose)
    again = analyse(clips["static"])
    assert again.raw_tracks.n_frames == 11
