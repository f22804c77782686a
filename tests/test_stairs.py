"""Stairs: step contacts from the feet coming to rest, up and down told apart by the landings'
heights, per-step peak drop against the lab's 3D ASIS line on the shared stair ascent."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import require_data

from hipdrop.analysis.stairs import (
    DOWN,
    LEVEL,
    UP,
    lead_pattern,
    stairs_evidence,
    step_directions,
    unpitched_xy,
)
from hipdrop.analysis.task import choose_task
from hipdrop.conventions import N_LANDMARKS, landmark
from hipdrop.events.gait import FOOT_OFF, FOOT_STRIKE
from hipdrop.events.stairs import detect_stair_events
from hipdrop.geometry.camera import CameraGeometry
from hipdrop.geometry.virtual_camera import look_at
from hipdrop.options import AnalysisOptions
from hipdrop.tracks import LandmarkTracks

ASCENT = "mocap/stair-ascent_addbiomechanics-nimble.trc"
#: The first of heel or toe to come to rest on each step, from the markers (SOURCES.md).
ASCENT_CONTACTS = {"left": [78, 256], "right": [168, 346]}
VIEWS = list(itertools.product(("anterior", "posterior"), (0.0, 20.0, -20.0), (0.0, 20.0)))


def _landings(sides: list[str], heights: list[float]) -> pd.DataFrame:
    frames = 100 * np.arange(1, len(sides) + 1)
    return pd.DataFrame({"side": sides, "frame": frames, "height_torsos": heights})


def test_landings_higher_and_higher_are_stairs_up() -> None:
    steps = step_directions(_landings(["left", "right"] * 2, [0.0, 0.35, 0.7, 1.05]))
    assert steps["direction"].to_list() == [UP] * 4  # the first takes the next one's
    evidence = stairs_evidence(steps)
    assert evidence.stairs is True and evidence.direction == UP
    assert lead_pattern(steps, UP)["pattern"] == "step-over-step"


def test_landings_lower_and_lower_are_stairs_down() -> None:
    evidence = stairs_evidence(
        step_directions(_landings(["right", "left"] * 2, [0, -0.4, -0.8, -1.2]))
    )
    assert evidence.stairs is True and evidence.direction == DOWN


def test_level_landings_are_level_ground_and_few_cannot_tell() -> None:
    level = stairs_evidence(step_directions(_landings(["left", "right"] * 3, [0, 0.03, -0.02] * 2)))
    assert level.stairs is False
    few = stairs_evidence(step_directions(_landings(["left", "right"], [0.0, 0.4])))
    assert few.stairs is None and "only 2" in few.reason
    mixed = stairs_evidence(step_directions(_landings(["left", "right"] * 2, [0, 0.4, 0.0, 0.4])))
    assert mixed.stairs is None


def test_no_landing_at_all_cannot_tell() -> None:
    """A clip where no foot comes to rest after a swing (standing still, or pose lost)."""
    from hipdrop.analysis.stairs import landing_heights

    events = pd.DataFrame({"side": [], "kind": [], "frame": [], "time_s": []})
    landings = landing_heights(events, {"left": np.zeros(5), "right": np.zeros(5)}, np.arange(5))
    evidence = stairs_evidence(step_directions(landings))
    assert evidence.stairs is None and "only 0" in evidence.reason


def test_step_to_names_the_leading_leg() -> None:
    """The left reaches each new step and the right joins it there."""
    steps = step_directions(_landings(["left", "right"] * 3, [0.35, 0.35, 0.7, 0.7, 1.05, 1.05]))
    assert steps["direction"].to_list()[1:] == [LEVEL, UP, LEVEL, UP, LEVEL]
    assert stairs_evidence(steps).stairs is True
    pattern = lead_pattern(steps, UP)
    assert pattern["pattern"] == "step-to" and pattern["lead_leg"] == "left"


def test_steps_get_a_direction_only_where_the_clip_shows_stairs() -> None:
    """Step-to going up: the joining steps take the direction of the step they join; where
    the landings as a whole say nothing, no step is called up or down."""
    from hipdrop.analysis.stair_steps import with_stair_columns

    landings = step_directions(_landings(["left", "right"] * 2, [0.0, 0.0, 0.4, 0.4]))
    landings.loc[0, "direction"] = None
    steps = pd.DataFrame({"stance_leg": landings["side"], "foot_strike_frame": landings["frame"]})
    up = stairs_evidence(step_directions(_landings(["left", "right"] * 2, [0, 0.4, 0.8, 1.2])))
    told = with_stair_columns(steps, landings, up)
    assert told["stair_direction"].to_list() == [UP] * 4
    assert told["leads"].to_list() == [False, False, True, False]
    unknown = stairs_evidence(step_directions(_landings(["left"], [0.0])))
    assert set(with_stair_columns(steps, landings, unknown)["stair_direction"]) == {None}


def test_auto_chooses_stairs_only_with_the_landings_evidence() -> None:
    events = pd.DataFrame(
        {
            "side": ["left", "right"] * 3,
            "kind": [FOOT_STRIKE] * 6,
            "frame": 30 * np.arange(1, 7),
            "time_s": np.arange(1, 7) / 1.0,
        }
    )
    labels = np.array(["both"] * 200, dtype=object)
    up = stairs_evidence(step_directions(_landings(["left", "right"] * 2, [0, 0.4, 0.8, 1.2])))
    unknown = stairs_evidence(step_directions(_landings(["left"], [0.0])))
    assert choose_task("auto", events, labels, 30.0).task == "walk"
    assert choose_task("auto", events, labels, 30.0, stairs=up).task == "stairs"
    walk = choose_task("auto", events, labels, 30.0, stairs=unknown)
    assert walk.task == "walk" and "stairs could not be told" in walk.reason
    assert choose_task("stairs", events, labels, 30.0, stairs=unknown).task == "stairs"


def test_unpitching_gives_the_level_camera_picture() -> None:
    """A point seen by a camera looking down 25° lands, once the pitch is undone, where a level
    camera at the same place sees it."""
    up = np.array([0.0, 0.0, 1.0])
    position = np.array([0.0, -6.0, 3.0])
    pitched = look_at(
        position, np.array([0.0, 0.0, 3.0 - 6 * np.tan(np.radians(25))]), up, 1500, (1080, 1920)
    )
    level = look_at(position, np.array([0.0, 0.0, 3.0]), up, 1500, (1080, 1920))
    points = np.array([[0.3, 0.5, 0.1], [-0.4, 1.0, 1.2], [0.0, -1.0, 0.0]])
    camera = CameraGeometry(0.0, 25.0, 0.0, 0.0, 1500.0, (539.5, 959.5), "test")
    np.testing.assert_allclose(
        unpitched_xy(pitched.project(points), camera), level.project(points), atol=1e-6
    )


def _stepping_tracks(rate_hz: float = 100.0) -> tuple[LandmarkTracks, dict]:
    """Hips still, 80 px apart; the left foot swings (frames 50-90) and the right (150-190) up
    a step, each with a smooth (minimum-jerk) move, both at rest otherwise."""
    n = 260
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    xy[:, landmark("left", "hip")] = (580.0, 1000.0)
    xy[:, landmark("right", "hip")] = (500.0, 1000.0)
    moves = {"left": (50, 90), "right": (150, 190)}
    for side, (start, stop) in moves.items():
        x0 = 570.0 if side == "left" else 510.0
        s = np.clip((np.arange(n) - start) / (stop - start), 0.0, 1.0)
        ease = 10 * s**3 - 15 * s**4 + 6 * s**5
        rise = 60.0 * ease  # one step higher in the picture
        for part, offset in (("ankle", 0.0), ("heel", 10.0), ("foot_index", 20.0)):
            xy[:, landmark(side, part), 0] = x0
            xy[:, landmark(side, part), 1] = 1400.0 + offset - rise
    time_s = np.arange(n) / rate_hz
    tracks = LandmarkTracks(time_s, xy, np.where(np.isfinite(xy[..., 0]), 1.0, 0.0), (1080, 1920))
    return tracks, moves


def test_contacts_and_offs_where_the_feet_stop_and_start() -> None:
    """A foot gliding to rest has its contact in the last few frames of its move (where it is
    already slower than a few cm/s), its off in the first few; nothing else is an event."""
    tracks, moves = _stepping_tracks()
    events = detect_stair_events(tracks)
    for side, (start, stop) in moves.items():
        own = events[events["side"] == side]
        contacts = own.loc[own["kind"] == FOOT_STRIKE, "frame"].to_list()
        offs = own.loc[own["kind"] == FOOT_OFF, "frame"].to_list()
        assert len(contacts) == 1 and stop - 8 <= contacts[0] <= stop, contacts
        assert len(offs) == 1 and start <= offs[0] <= start + 8, offs


@pytest.fixture(scope="module")
def ascent():
    return require_data(ASCENT)


def _contact_score(events: list[dict]) -> tuple[int, int]:
    """Reference contacts with a detection within 2 frames, and detections (between the
    first and last reference contact of a foot, 10 frames either side) that are no
    reference contact's nearest."""
    hits = spurious = 0
    for side, reference in ASCENT_CONTACTS.items():
        found = np.array(
            [e["frame"] for e in events if e["side"] == side and e["kind"] == FOOT_STRIKE]
        )
        nearest = set()
        for frame in reference:
            if len(found):
                i = int(np.argmin(np.abs(found - frame)))
                hits += int(abs(found[i] - frame) <= 2)
                nearest |= {i} if abs(found[i] - frame) <= 10 else set()
        low, high = min(reference) - 10, max(reference) + 10
        spurious += sum(low <= f <= high and i not in nearest for i, f in enumerate(found))
    return hits, spurious


@pytest.mark.realdata
@pytest.mark.parametrize(("camera", "pitch_deg", "yaw_deg"), VIEWS)
def test_stair_ascent_contacts_and_step_drops_from_every_view(ascent, camera, pitch_deg, yaw_deg):
    """In front of and behind the stairs, level or 20° above or below, straight or turned 20°:
    at least 3 of the 4 step contacts within 2 frames of the markers', none spurious, and each
    trusted step's peak drop within 1.5° of the 3D ASIS line's over the same stance."""
    from hipdrop.validation.mocap import validate_mocap

    result = validate_mocap(
        ascent, camera=camera, pitch_deg=pitch_deg, yaw_deg=yaw_deg, task="stairs"
    )
    hits, spurious = _contact_score(result["events"])
    assert hits >= 3 and spurious == 0, result["events"]
    assert result["verdict_given"] and result["obliquity_rmse_deg"] <= 1.5
    compared = [s for s in result["steps_vs_reference"] if s["included"]]
    assert len(compared) >= 3
    assert result["step_peak_drop_max_abs_error_deg"] <= 1.5
    assert result["step_peak_drop_max_abs_error_deg"] == pytest.approx(
        max(abs(s["error_deg"]) for s in compared)
    )
    directions = [s["direction"] for s in result["stair_landings"]]
    assert directions.count(UP) >= 3 and DOWN not in directions, directions


@pytest.mark.realdata
def test_auto_reads_the_ascent_as_stairs_up_and_walking_as_level(ascent) -> None:
    from hipdrop.validation.mocap import validate_mocap

    stairs = validate_mocap(ascent, task="auto")
    assert stairs["task"] == "stairs" and "up" in stairs["task_reason"]
    walk = validate_mocap(require_data("mocap/walk_pig-fullbody_btkdata.c3d"), task="auto")
    assert walk["task"] == "walk" and "level ground" in walk["task_reason"]


def _first_part_at_rest(trial, side: str, rest_m_per_s: float = 0.08) -> list[int]:
    """The markers' contacts: after each swing (heel or toe faster than 0.3 m/s), the first
    frame from which the slower of heel and toe stays below ``rest_m_per_s`` for 0.1 s."""
    code = side[0].upper()
    speeds = [
        np.linalg.norm(np.gradient(trial.markers_m[code + part], axis=0), axis=1) * trial.rate_hz
        for part in ("HEE", "TOE")
    ]
    slowest = np.minimum(*speeds)
    hold = round(0.1 * trial.rate_hz)
    at_rest = np.array(
        [np.all(slowest[i : i + hold] < rest_m_per_s) for i in range(len(slowest) - hold)]
    )
    swinging = slowest[: len(at_rest)] > 0.3
    contacts, moved = [], False
    for frame, (rest, swing) in enumerate(zip(at_rest, swinging, strict=True)):
        moved = moved or swing
        if moved and rest:
            contacts.append(frame)
            moved = False
    return contacts


@pytest.mark.realdata
def test_the_ascent_played_backward_goes_down(ascent) -> None:
    """Time reversed, the climb is a descent: auto says stairs and every landing goes down;
    contacts are then the first part at rest, within 10 frames of the markers' (the toe glides
    in, and its forward slide is not seen), and hipdrop's per-step peak drops still follow the
    ASIS line's."""
    from hipdrop.io.marker_names import asis_obliquity_deg, marker_map
    from hipdrop.io.mocap import read_mocap
    from hipdrop.validation.steps import events_for_task, steps_vs_reference
    from hipdrop.validation.virtual_view import virtual_view

    trial = read_mocap(ascent)
    backward = replace(trial, markers_m={k: v[::-1].copy() for k, v in trial.markers_m.items()})
    markers = marker_map(backward)
    view = virtual_view(backward, markers, "anterior")
    choice, events, landings, evidence = events_for_task("auto", view.event_tracks, view.geometry)
    assert choice.task == "stairs" and evidence.direction == DOWN
    assert set(landings["direction"]) == {DOWN}
    for side in ("left", "right"):
        found = events.loc[(events["side"] == side) & (events["kind"] == FOOT_STRIKE), "frame"]
        markers_say = _first_part_at_rest(backward, side)
        assert len(markers_say) >= 2
        for frame in markers_say:
            assert np.min(np.abs(found.to_numpy() - frame)) <= 10, (side, frame, list(found))
    scored = steps_vs_reference(
        view.event_tracks, view.obliquity_deg, events, asis_obliquity_deg(backward, markers)
    )
    assert scored["step_peak_drop_max_abs_error_deg"] <= 1.5


@pytest.fixture(scope="module")
def stair_analysis(ascent):
    from hipdrop.geometry.virtual_camera import place_camera, project_trial
    from hipdrop.io.marker_names import marker_map
    from hipdrop.io.mocap import read_mocap
    from hipdrop.pipeline import analyse_tracks

    trial = read_mocap(ascent)
    markers = marker_map(trial)
    tracks = project_trial(trial, place_camera(trial, markers, "posterior"), markers)
    return analyse_tracks(tracks, AnalysisOptions(task="stairs")), tracks


@pytest.mark.realdata
def test_summary_says_up_which_leg_leads_and_which_side_drops(stair_analysis, tmp_path) -> None:
    analysis, _ = stair_analysis
    stairs = analysis.summary["stairs"]
    assert stairs["direction"] == UP and stairs["down"] is None
    up = stairs["up"]
    assert up["pattern"] == "step-over-step" and up["lead_leg"] is None
    for side, other in (("left", "right"), ("right", "left")):
        info = up["sides"][side]
        assert info["n_steps"] >= 1 and info["peak_drop_deg"] is not None
        assert f"While the {side} leg stands, the {other} side" in info["sentence"]
    steps = analysis.summary["steps"]
    assert {s["stair_direction"] for s in steps} == {UP}
    analysis.save(tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Stairs: up and down" in html and "Going up" in html and "Going down" not in html


@pytest.mark.realdata
def test_a_step_whose_contact_is_unseen_gets_no_number(stair_analysis) -> None:
    """Pose lost around the right foot's first landing (frames 150-185): no trusted step
    starts in or just after the gap, and that stance side's summary says so."""
    from hipdrop.pipeline import analyse_tracks

    _, tracks = stair_analysis
    xy, visibility = tracks.xy_px.copy(), tracks.visibility.copy()
    world = tracks.world_m.copy()
    xy[150:185], visibility[150:185], world[150:185] = np.nan, 0.0, np.nan
    blanked = LandmarkTracks(tracks.time_s, xy, visibility, tracks.image_size_px, world_m=world)
    analysis = analyse_tracks(blanked, AnalysisOptions(task="stairs"))
    steps = analysis.steps
    trusted = steps[steps["included"]]
    assert not ((trusted["foot_strike_frame"] >= 140) & (trusted["foot_strike_frame"] < 240)).any()
    right = analysis.summary["stairs"]["up"]["sides"]["right"]
    assert right["peak_drop_deg"] is None and right["n_steps"] == 0
