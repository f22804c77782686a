"""Validate hipdrop's video pipeline against marker-based motion capture.

Joint centres and foot markers are projected into a virtual pinhole camera in front of (or
behind) the walking subject, at any yaw, pitch and roll, giving the same ``LandmarkTracks`` a
pose model would (pixels and camera-axis world landmarks); the video code then computes
pelvic obliquity (through the camera and frontal geometry step) and gait events, which are
compared with the lab's own.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hipdrop.conventions import LANDMARK_INDEX, N_LANDMARKS, landmark
from hipdrop.errors import HipdropError
from hipdrop.io.marker_names import (
    SIDE_CODES,
    asis_obliquity_deg,
    is_asis,
    marker_map,
    markers_found,
    read_marker_names,
)
from hipdrop.io.mocap import FOOT_OFF, FOOT_STRIKE, MocapEvent, MocapTrial, read_mocap
from hipdrop.tracks import LandmarkTracks

if TYPE_CHECKING:
    pass

#: Events within this many frames of the reference count as found.
TOLERANCE_FRAMES = 2
#: A detection within this time of a reference event is that event's (early or late)
#: detection, not a spurious one: well under a step (>= 0.25 s even in sprinting).
MATCH_WINDOW_S = 0.1
#: At a force-plate contact the foot's heel marker (at onset) and toe marker (at release) may
#: lie this far outside the plate's outline and the foot still count as fully on it: markers
#: sit a few centimetres off the edge of the sole's contact area (at the right strike on the
#: first plate of walk_pig-fullbody_btkdata.c3d, 1 frame from the heel's lowest point, the heel
#: marker is 5 cm behind the plate).
PLATE_MARGIN_M = 0.08
_EVENT_LABELS = ((FOOT_STRIKE, "foot_strikes"), (FOOT_OFF, "foot_offs"))
#: Virtual camera angles accepted (degrees, symmetric): beyond yaw 89 the camera is behind the
#: subject's side; beyond these pitch and roll the geometry step refuses a real camera too.
MAX_CAMERA_YAW_DEG = 89.0
MAX_CAMERA_PITCH_DEG = 60.0
MAX_CAMERA_ROLL_DEG = 45.0
#: The reference of a trial that has ASIS markers but no pelvic angles.
ASIS_REFERENCE = "ASIS line"
#: The obliquity verdict needs the geometry step to give at least this share of the frames.
MIN_GIVEN_FRACTION = 0.5


@dataclass(frozen=True)
class VirtualCamera:
    """Pinhole camera: ``position_m`` in the lab frame, looking along ``forward`` (unit).

    ``up`` is the image's up direction in the lab frame, perpendicular to ``forward``: the
    camera's roll is a rotation of ``up`` (and with it image right) about ``forward``.
    """

    position_m: np.ndarray
    forward: np.ndarray
    up: np.ndarray
    focal_px: float
    image_size_px: tuple[int, int]

    def axes(self) -> np.ndarray:
        """(3, 3) rows: image right, image down and forward, as lab-frame unit vectors."""
        forward = np.asarray(self.forward, dtype=float)
        forward = forward / np.linalg.norm(forward)
        up = np.asarray(self.up, dtype=float)
        up = up - (up @ forward) * forward
        up = up / np.linalg.norm(up)
        return np.stack([np.cross(forward, up), -up, forward])

    def to_camera(self, points_m: np.ndarray) -> np.ndarray:
        """(..., 3) lab points to camera coordinates (x right, y down, z forward; metres)."""
        return (points_m - self.position_m) @ self.axes().T

    def project(self, points_m: np.ndarray) -> np.ndarray:
        """(..., 3) lab points to (..., 2) pixels (x right, y down); NaN behind the camera."""
        camera = self.to_camera(points_m)
        depth = np.where(camera[..., 2] > 1e-6, camera[..., 2], np.nan)
        cx, cy = (self.image_size_px[0] - 1) / 2, (self.image_size_px[1] - 1) / 2
        x = cx + self.focal_px * camera[..., 0] / depth
        y = cy + self.focal_px * camera[..., 1] / depth
        return np.stack([x, y], axis=-1)


def look_at(
    position_m: np.ndarray,
    target_m: np.ndarray,
    vertical: np.ndarray,
    focal_px: float,
    image_size_px: tuple[int, int],
    roll_deg: float = 0.0,
) -> VirtualCamera:
    """A camera at ``position_m`` aimed at ``target_m``, rolled ``roll_deg`` about its axis.

    ``vertical`` is the lab's up (unit). Positive roll leans the true vertical toward image
    right: gravity's up in camera axes is (sin r cos p, -cos r cos p, -sin p) for pitch p (+
    looking down), the convention of ``hipdrop.geometry.camera.CameraGeometry``.
    """
    forward = np.asarray(target_m, dtype=float) - position_m
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, vertical)
    right /= np.linalg.norm(right)
    level_up = np.cross(right, forward)
    roll = np.radians(roll_deg)
    up = np.cos(roll) * level_up - np.sin(roll) * right
    return VirtualCamera(np.asarray(position_m, float), forward, up, float(focal_px), image_size_px)


def virtual_room_edges(
    camera: VirtualCamera,
    vertical: np.ndarray,
    floor_m: float,
    subject_distance_m: float,
    n_edges: int = 200,
    seed: int = 0,
) -> np.ndarray:
    """Image segments (n, 4) of a virtual room's vertical edges - door frames, wall corners,
    shelves - behind and around the subject and inside the picture, with 0.5 px of noise.

    A video clip's camera roll and pitch come from such edges (``camera_from_vertical_lines``);
    giving the virtual camera a room tests that step too, not only the body's geometry.
    """
    rng = np.random.default_rng(seed)
    right, _, forward = camera.axes()
    ahead = forward - (forward @ vertical) * vertical
    ahead /= np.linalg.norm(ahead)
    across = right - (right @ vertical) * vertical
    across /= np.linalg.norm(across)
    width, height = camera.image_size_px
    distance = subject_distance_m * rng.uniform(0.8, 2.0, n_edges)
    lateral = rng.uniform(-0.5, 0.5, n_edges) * distance * width / camera.focal_px
    base = camera.position_m + np.outer(distance, ahead) + np.outer(lateral, across)
    base = base - np.outer(base @ vertical - floor_m, vertical)
    bottom = base + np.outer(rng.uniform(0.0, 0.8, n_edges), vertical)
    top = base + np.outer(rng.uniform(1.4, 2.6, n_edges), vertical)
    segments = np.hstack([camera.project(top), camera.project(bottom)])
    inside = np.isfinite(segments).all(axis=1)
    for column, limit in ((0, width), (1, height), (2, width), (3, height)):
        inside &= (segments[:, column] >= 0) & (segments[:, column] <= limit - 1)
    segments = segments[inside]
    return segments + rng.normal(0.0, 0.5, segments.shape)


def _subject_distance_m(trial: MocapTrial, markers: dict[str, str], camera: VirtualCamera):
    """Median distance from the camera to the pelvis over the trial."""
    pelvis = 0.5 * (trial.markers_m[markers["left_hip"]] + trial.markers_m[markers["right_hip"]])
    return float(np.nanmedian(np.linalg.norm(pelvis - camera.position_m, axis=1)))


def _horizontal(vector: np.ndarray, vertical_axis: int) -> np.ndarray:
    out = np.array(vector, dtype=float)
    out[..., vertical_axis] = 0.0
    return out


def walking_direction(trial: MocapTrial, hips: dict[str, str]) -> np.ndarray:
    """Unit horizontal direction of progression.

    Overground: the pelvis displacement from start to end. On a treadmill (the pelvis moves
    less than 1 m) the facing direction, perpendicular to the hip line: forward = left x up.
    """
    up = np.eye(3)[trial.vertical_axis]
    left, right = trial.markers_m[hips["left_hip"]], trial.markers_m[hips["right_hip"]]
    pelvis = 0.5 * (left + right)
    finite = np.flatnonzero(np.isfinite(pelvis[:, 0]))
    travel = _horizontal(pelvis[finite[-1]] - pelvis[finite[0]], trial.vertical_axis)
    if np.linalg.norm(travel) >= 1.0:
        return travel / np.linalg.norm(travel)
    facing = _horizontal(np.nanmean(np.cross(left - right, up), axis=0), trial.vertical_axis)
    return facing / np.linalg.norm(facing)


def _rotated_about(vector: np.ndarray, axis: np.ndarray, angle_deg: float) -> np.ndarray:
    """``vector`` turned by ``angle_deg`` about the unit ``axis`` (right-hand rule)."""
    angle = np.radians(angle_deg)
    return (
        vector * np.cos(angle)
        + np.cross(axis, vector) * np.sin(angle)
        + axis * (axis @ vector) * (1 - np.cos(angle))
    )


def check_camera_angles(yaw_deg: float, pitch_deg: float, roll_deg: float) -> None:
    """Raise ``HipdropError`` for a virtual camera angle outside the supported range."""
    for name, value, limit in (
        ("yaw", yaw_deg, MAX_CAMERA_YAW_DEG),
        ("pitch", pitch_deg, MAX_CAMERA_PITCH_DEG),
        ("roll", roll_deg, MAX_CAMERA_ROLL_DEG),
    ):
        if not -limit <= value <= limit:
            raise HipdropError(
                f"camera {name} (--camera-{name}-deg) must be between {-limit:g} and "
                f"{limit:g} degrees, not {value:g}"
            )


def place_camera(
    trial: MocapTrial,
    hips: dict[str, str],
    camera: str = "anterior",
    standoff_m: float = 8.0,
    hip_width_px: float = 80.0,
    image_size_px: tuple[int, int] = (1080, 1920),
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
) -> VirtualCamera:
    """A camera on the line of progression, ``standoff_m`` beyond the end of the path.

    ``anterior`` stands ahead of the subject looking back at them, ``posterior`` behind them
    looking the way they walk. It sits at mean hip height, and its focal length makes the hips
    ``hip_width_px`` apart at the subject's median distance (phone-clip pixel scale).

    ``yaw_deg`` turns that position about the vertical through the path centre (the subject
    is seen that far off their front or back axis, counter-clockwise seen from above);
    ``pitch_deg`` raises it, at the same horizontal distance, until it looks down at the mean
    pelvis by that angle; ``roll_deg`` rolls it about its optical axis (+: the true vertical
    leans toward image right). All zero: the straight front or back view at hip height.
    """
    if camera not in ("anterior", "posterior"):
        raise HipdropError(f"camera must be 'anterior' or 'posterior', not {camera!r}")
    check_camera_angles(yaw_deg, pitch_deg, roll_deg)
    up = np.eye(3)[trial.vertical_axis]
    walk = walking_direction(trial, hips)
    left, right = trial.markers_m[hips["left_hip"]], trial.markers_m[hips["right_hip"]]
    pelvis = 0.5 * (left + right)
    centre = np.nanmean(pelvis, axis=0)
    toward_camera = walk if camera == "anterior" else -walk
    reach = np.nanmax((pelvis - centre) @ toward_camera)
    distance_m = reach + standoff_m
    toward_camera = _rotated_about(toward_camera, up, yaw_deg)
    height_m = distance_m * np.tan(np.radians(pitch_deg))
    position = centre + toward_camera * distance_m + up * height_m
    aimed = look_at(position, centre, up, 1.0, image_size_px, roll_deg)
    depth = np.nanmedian((pelvis - position) @ aimed.forward)
    width_m = np.nanmedian(np.linalg.norm(_horizontal(left - right, trial.vertical_axis), axis=1))
    return replace(aimed, focal_px=float(hip_width_px * depth / width_m))


def project_trial(
    trial: MocapTrial,
    camera: VirtualCamera,
    markers: dict[str, str],
    jitter_px: float = 0.0,
    seed: int = 0,
) -> LandmarkTracks:
    """BlazePose-shaped tracks of the projected markers, with optional Gaussian pixel jitter.

    Landmarks without a marker, in a marker gap or outside the image are NaN with
    visibility 0; the others have visibility 1. ``world_m`` holds what MediaPipe's world
    landmarks stand for, exactly (no jitter): metric positions in the camera's axes (x right,
    y down, z forward) relative to the midpoint of the two hips, NaN where no marker.
    """
    n = trial.n_frames
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    lab = np.full((n, N_LANDMARKS, 3), np.nan)
    for name, marker in markers.items():
        lab[:, LANDMARK_INDEX[name]] = trial.markers_m[marker]
        xy[:, LANDMARK_INDEX[name]] = camera.project(trial.markers_m[marker])
    hip_mid = 0.5 * (lab[:, landmark("left", "hip")] + lab[:, landmark("right", "hip")])
    world = (lab - hip_mid[:, None, :]) @ camera.axes().T
    if jitter_px > 0:
        xy += np.random.default_rng(seed).normal(0.0, jitter_px, xy.shape)
    width, height = camera.image_size_px
    outside = (xy[..., 0] < 0) | (xy[..., 0] > width - 1) | (xy[..., 1] < 0)
    outside |= xy[..., 1] > height - 1
    xy[outside] = np.nan
    visibility = np.isfinite(xy[..., 0]).astype(float)
    meta = {"source": trial.source, "virtual_camera": True, "focal_px": camera.focal_px}
    return LandmarkTracks(
        trial.time_s, xy, visibility, camera.image_size_px, world_m=world, meta=meta
    )


def _match(reference: list[int], detected: np.ndarray, tolerance: int) -> tuple[int, list]:
    """Reference events with a detection within ``tolerance`` frames, and each offset."""
    hits, offsets = 0, []
    for frame in reference:
        if not len(detected):
            offsets.append(None)
            continue
        nearest = detected[np.argmin(np.abs(detected - frame))]
        offsets.append(int(nearest - frame))
        hits += int(abs(nearest - frame) <= tolerance)
    return hits, offsets


def _spurious(reference: list[int], detected: np.ndarray, window: int) -> int:
    """Detections that are no reference event's detection: not the nearest detection of any
    reference event within ``window`` frames.

    An early or late detection of a real event is a timing error (counted by the
    within-tolerance score), not a spurious event. Only detections between the first and last
    reference event of the same foot and kind count: labs label events on part of a trial
    only (for example where force plates are).
    """
    if not reference or not len(detected):
        return 0
    matched = set()
    for frame in reference:
        nearest = int(np.argmin(np.abs(detected - frame)))
        if abs(detected[nearest] - frame) <= window:
            matched.add(nearest)
    first, last = min(reference) - window, max(reference) + window
    return sum(1 for i, frame in enumerate(detected) if first <= frame <= last and i not in matched)


def marker_contact_frames(
    trial: MocapTrial, markers: dict[str, str], side: str, near: list[int], half_window: int = 10
) -> list[int | None]:
    """Frame of the lowest 3D heel position within ``half_window`` of each frame in ``near``.

    The heel bottoms out at initial contact in heel-first landings: a marker-based check of
    the lab's strike labels, independent of the camera.
    """
    name = markers.get(f"{side}_heel")
    if name is None:
        return [None] * len(near)
    height = trial.markers_m[name][:, trial.vertical_axis]
    frames = []
    for frame in near:
        start, stop = max(0, frame - half_window), min(len(height), frame + half_window + 1)
        window = height[start:stop]
        frames.append(start + int(np.nanargmin(window)) if np.isfinite(window).any() else None)
    return frames


def toe_rise_mm(
    trial: MocapTrial, markers: dict[str, str], side: str, frames: list[int], stance_s: float = 0.4
) -> list[float | None]:
    """Height of the 3D toe marker at each of ``frames`` above its lowest point in the
    ``stance_s`` before it: how far the forefoot has lifted at a foot-off label."""
    name = markers.get(f"{side}_foot_index")
    if name is None:
        return [None] * len(frames)
    height_mm = 1000.0 * trial.markers_m[name][:, trial.vertical_axis]
    lookback = max(1, round(stance_s * trial.rate_hz))
    rises = []
    for frame in frames:
        stance = height_mm[max(0, frame - lookback) : frame + 1]
        usable = np.isfinite(stance).any() and np.isfinite(height_mm[frame])
        rises.append(round(float(height_mm[frame] - np.nanmin(stance)), 1) if usable else None)
    return rises


def _distance_outside_m(point: np.ndarray, outline: np.ndarray) -> float:
    """Horizontal distance from ``point`` (2,) to a convex outline (4, 2); 0 inside it."""
    edges = np.roll(outline, -1, axis=0) - outline
    to_point = point - outline
    cross = edges[:, 0] * to_point[:, 1] - edges[:, 1] * to_point[:, 0]
    if np.all(cross >= 0) or np.all(cross <= 0):
        return 0.0
    along = np.clip(np.sum(to_point * edges, axis=1) / np.sum(edges**2, axis=1), 0.0, 1.0)
    return float(np.min(np.linalg.norm(to_point - along[:, None] * edges, axis=1)))


def plate_events(trial: MocapTrial, markers: dict[str, str]) -> list[MocapEvent] | None:
    """Foot strikes (onsets) and foot offs (releases) of the trial's clean force-plate
    contacts; None where the file has no force plates.

    A contact belongs to the foot whose heel marker is nearest the plate at onset. It is left
    out when both heels are within ``PLATE_MARGIN_M`` of the plate then (which foot is it?), or
    when the foot's heel at onset or its toe at release lies farther than that outside the
    plate (the foot landed or pushed off partly beside it).
    """
    if trial.plate_contacts is None:
        return None
    horizontal = [axis for axis in range(3) if axis != trial.vertical_axis]

    def outside_m(side: str, part: str, frame: float, outline: np.ndarray) -> float:
        name = markers.get(f"{side}_{part}")
        if name is None:
            return np.inf
        index = min(max(round(frame), 0), trial.n_frames - 1)
        point = trial.markers_m[name][index, horizontal]
        return _distance_outside_m(point, outline) if np.isfinite(point).all() else np.inf

    events = []
    for contact in trial.plate_contacts:
        outline = contact.outline_m[:, horizontal]
        heels = {s: outside_m(s, "heel", contact.onset_frame, outline) for s in SIDE_CODES}
        side, other = sorted(heels, key=heels.get)
        if heels[other] <= PLATE_MARGIN_M or heels[side] > PLATE_MARGIN_M:
            continue
        if outside_m(side, "foot_index", contact.release_frame, outline) > PLATE_MARGIN_M:
            continue
        for kind, frame in ((FOOT_STRIKE, contact.onset_frame), (FOOT_OFF, contact.release_frame)):
            if 0 <= round(frame) < trial.n_frames:
                events.append(MocapEvent(side, kind, round(frame)))
    return sorted(events, key=lambda e: (e.frame, e.side, e.kind))


def _obliquity_stats(
    estimate: np.ndarray, reference: np.ndarray | None, prefix: str = "obliquity"
) -> dict:
    """RMSE, bias and Pearson r of ``estimate`` against ``reference`` (degrees) over the
    frames where both are finite: NaN frames (no verdict from the geometry) are left out."""
    keys = (f"{prefix}_rmse_deg", f"{prefix}_bias_deg", f"{prefix}_r")
    if reference is None:
        return dict.fromkeys(keys)
    both = np.isfinite(estimate) & np.isfinite(reference)
    if both.sum() < 3:
        return dict.fromkeys(keys)
    error = estimate[both] - reference[both]
    return dict(
        zip(
            keys,
            (
                float(np.sqrt(np.mean(error**2))),
                float(np.mean(error)),
                float(np.corrcoef(estimate[both], reference[both])[0, 1]),
            ),
            strict=True,
        )
    )


def _detected(events, side: str, kind: str) -> np.ndarray:
    """Frames of the detected events of one foot and kind."""
    return events.loc[(events["side"] == side) & (events["kind"] == kind), "frame"].to_numpy()


def _reference(reference: list[MocapEvent], side: str, kind: str) -> list[int]:
    return [e.frame for e in reference if e.side == side and e.kind == kind]


def _match_window(trial: MocapTrial) -> int:
    """Frames within which a detection is a reference event's own (early or late)."""
    return max(TOLERANCE_FRAMES, round(MATCH_WINDOW_S * trial.rate_hz))


def _event_scores(trial: MocapTrial, markers: dict[str, str], events) -> dict:
    """Per event kind: reference count, detections within tolerance, offsets, spurious ones."""
    scores: dict = {}
    match_window = _match_window(trial)
    strikes = {side: _reference(trial.events, side, FOOT_STRIKE) for side in SIDE_CODES}
    # The 3D heel's contact near each strike label.
    contacts = {side: marker_contact_frames(trial, markers, side, s) for side, s in strikes.items()}
    for kind, label in _EVENT_LABELS:
        hits, count, offsets, spurious, contact_hits = 0, 0, [], 0, 0
        for side in SIDE_CODES:
            reference = _reference(trial.events, side, kind)
            detected = _detected(events, side, kind)
            side_hits, side_offsets = _match(reference, detected, TOLERANCE_FRAMES)
            hits += side_hits
            count += len(reference)
            offsets += side_offsets
            spurious += _spurious(reference, detected, match_window)
            if kind == FOOT_STRIKE:
                found = [c for c in contacts[side] if c is not None]
                contact_hits += _match(found, detected, TOLERANCE_FRAMES)[0]
        scores[f"{label}_reference"] = count
        scores[f"{label}_detected"] = int((events["kind"] == kind).sum())
        scores[f"{label}_within_{TOLERANCE_FRAMES}_frames"] = hits
        scores[f"{label}_offsets_frames"] = offsets
        scores.update(_timing_ms(label, offsets, trial.rate_hz, match_window))
        scores[f"spurious_{label}"] = spurious
        if kind == FOOT_STRIKE:
            scores[f"foot_strikes_within_{TOLERANCE_FRAMES}_frames_of_marker_contact"] = (
                contact_hits
            )
    return scores | _label_audit(trial, markers, contacts)


def _label_audit(
    trial: MocapTrial, markers: dict[str, str], contacts: dict[str, list[int | None]]
) -> dict:
    """Where the lab's labels sit on the markers' own motion: each strike label's lag behind
    the 3D heel's contact (and the timing error a detector that found exactly that contact
    would score against the labels: the floor for any detector), and the toe marker's rise
    above its stance level at each foot-off label (10-24 mm at the force-plate releases of
    the walking files: a label far above that was set late). ``contacts``: per side, the
    heel's contact near each strike label (``marker_contact_frames``)."""
    lags, rises = [], []
    for side in SIDE_CODES:
        strikes = _reference(trial.events, side, FOOT_STRIKE)
        pairs = zip(strikes, contacts[side], strict=True)
        lags += [None if c is None else r - c for r, c in pairs]
        rises += toe_rise_mm(trial, markers, side, _reference(trial.events, side, FOOT_OFF))
    contact_minus_label = [None if lag is None else -lag for lag in lags]
    return {
        "reference_strike_minus_marker_contact_frames": lags,
        **_timing_ms(
            "marker_contact_vs_reference_strikes",
            contact_minus_label,
            trial.rate_hz,
            _match_window(trial),
        ),
        "reference_off_toe_rise_mm": rises,
    }


def _timing_ms(label: str, offsets: list, rate_hz: float, match_window: int) -> dict:
    """Each reference event's timing error in milliseconds (detected minus reference; None
    where no detection lies within ``match_window`` frames), and the median and 90th
    percentile of their sizes over the events that were found."""
    errors = [
        None if o is None or abs(o) > match_window else round(1000.0 * o / rate_hz, 1)
        for o in offsets
    ]
    found = np.abs([e for e in errors if e is not None])
    return {
        f"{label}_errors_ms": errors,
        f"{label}_missed": sum(e is None for e in errors),
        f"{label}_median_abs_error_ms": float(np.median(found)) if found.size else None,
        f"{label}_p90_abs_error_ms": float(np.percentile(found, 90)) if found.size else None,
    }


def _plate_scores(
    reference: list[MocapEvent] | None, events, rate_hz: float, match_window: int
) -> dict:
    """Per event kind: force-plate events, detections within tolerance and offsets (detected
    minus plate, in reference order); all None where the file has no force plates."""
    scores: dict = {
        "force_plate_events": None
        if reference is None
        else [{"side": e.side, "kind": e.kind, "frame": e.frame} for e in reference]
    }
    for kind, label in _EVENT_LABELS:
        keys = [f"{label}_force_plate", f"{label}_force_plate_within_{TOLERANCE_FRAMES}_frames"]
        keys.append(f"{label}_force_plate_offsets_frames")
        if reference is None:
            scores.update(dict.fromkeys(keys))
            scores.update(dict.fromkeys(_timing_ms(f"{label}_force_plate", [], 1.0, 0)))
            continue
        count, hits, offsets = 0, 0, []
        for side in SIDE_CODES:
            frames = _reference(reference, side, kind)
            detected = _detected(events, side, kind)
            side_hits, side_offsets = _match(frames, detected, TOLERANCE_FRAMES)
            count, hits, offsets = count + len(frames), hits + side_hits, offsets + side_offsets
        scores.update(zip(keys, (count, hits, offsets), strict=True))
        scores.update(_timing_ms(f"{label}_force_plate", offsets, rate_hz, match_window))
    return scores


def validate_mocap(
    path: str | Path,
    ik_path: str | Path | None = None,
    grf_path: str | Path | None = None,
    camera: str = "anterior",
    jitter_px: float = 0.0,
    seed: int = 0,
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
    markers_path: str | Path | None = None,
    task: str = "auto",
) -> dict:
    """Run the video analysis on a virtual camera's view of a mocap trial; compare with the lab.

    ``markers_path``: a TOML file naming the markers the built-in names do not find (see
    :mod:`hipdrop.io.marker_names`). A trial without a pelvic-angle reference whose hips are
    ASIS markers is compared with the 3D ASIS line. The projected tracks go through the same
    cleaning, camera geometry (roll and pitch from a virtual room's vertical edges, the true
    focal length), frontal obliquity and gait-event code as pose tracks from video; ``yaw_deg``,
    ``pitch_deg`` and ``roll_deg`` place the camera (``place_camera``). Returns the frontal
    obliquity's RMSE, bias and Pearson r against the reference over the frames the geometry
    gives (None without a reference), the share of frames given and whether that is enough for a
    verdict, the same statistics for the raw image angle (``image_angle_*``: what the geometry
    step corrects) and, per event kind, how many reference events have a detection within
    ``TOLERANCE_FRAMES`` frames and how many detections have no reference event near them.
    Strikes are also scored against marker contact (the 3D heel's lowest point near each label),
    which separates detector error from disagreement among the labels themselves, and both kinds
    against the file's force plates where it has them (``plate_events``).

    ``task`` (``auto``, ``walk``, ``run`` or ``stairs``) picks the event detector as for video:
    the result names the task used and why (``task``, ``task_reason``), lists the detected
    ``events`` and, per step, hipdrop's peak drop against the lab's over the same stance window
    (``steps_vs_reference``, largest difference ``step_peak_drop_max_abs_error_deg``); for
    stairs, each landing's height and direction (``stair_landings``).
    """
    from hipdrop.task import check_task
    from hipdrop.validation_steps import (
        event_rows,
        events_for_task,
        landing_rows,
        steps_vs_reference,
    )

    check_task(task)
    trial = read_mocap(path, ik_path, grf_path)
    markers = marker_map(trial, read_marker_names(markers_path) if markers_path else None)
    if trial.reference is None and is_asis(markers.get("left_hip", "")):
        trial = replace(
            trial,
            obliquity_deg={
                **trial.obliquity_deg,
                ASIS_REFERENCE: asis_obliquity_deg(trial, markers),
            },
            reference=ASIS_REFERENCE,
        )
    view = virtual_view(
        trial,
        markers,
        camera,
        yaw_deg=yaw_deg,
        pitch_deg=pitch_deg,
        roll_deg=roll_deg,
        jitter_px=jitter_px,
        seed=seed,
    )
    choice, events, landings, _ = events_for_task(task, view.event_tracks, view.geometry)
    return {
        "file": trial.source,
        "camera": camera,
        "jitter_px": float(jitter_px),
        "seed": seed,
        "n_frames": trial.n_frames,
        "rate_hz": trial.rate_hz,
        "reference": trial.reference,
        "markers": markers,
        **view.stats,
        "task": choice.task,
        "task_reason": choice.reason,
        "events": event_rows(events),
        "stair_landings": landing_rows(landings) if choice.task == "stairs" else None,
        **_event_scores(trial, markers, events),
        **_plate_scores(plate_events(trial, markers), events, trial.rate_hz, _match_window(trial)),
        **steps_vs_reference(
            view.event_tracks, view.obliquity_deg, events, trial.reference_obliquity_deg
        ),
    }


@dataclass(frozen=True)
class VirtualView:
    """One virtual camera's view of a trial: the JSON-ready statistics, the tracks events are
    found on (unfiltered, levelled by the estimated roll), the estimated camera geometry and
    the frontal obliquity per frame (degrees, NaN where the geometry gives none)."""

    stats: dict
    event_tracks: LandmarkTracks
    geometry: object
    obliquity_deg: np.ndarray


def virtual_view(
    trial: MocapTrial,
    markers: dict[str, str],
    camera: str = "anterior",
    yaw_deg: float = 0.0,
    pitch_deg: float = 0.0,
    roll_deg: float = 0.0,
    jitter_px: float = 0.0,
    seed: int = 0,
) -> VirtualView:
    """Pelvic obliquity of one virtual camera's view of a read trial, against the reference.

    The obliquity half of ``validate_mocap`` (the trial is read once for many views): camera
    placement and scale, the camera geometry estimated from a virtual room's vertical edges
    (the body's own vertical where they fall outside the picture), the frontal obliquity's and
    the raw image angle's statistics (JSON-ready); and the tracks gait events are found on, as
    in the video path: unfiltered, levelled by the estimated roll.
    """
    from hipdrop.geometry.camera import camera_from_body, camera_from_vertical_lines, level_xy
    from hipdrop.geometry.frontal import EXACT_WORLD, frontal_geometry
    from hipdrop.kinematics import pelvic_obliquity_deg
    from hipdrop.signal import CleaningParams, clean_tracks

    if "left_hip" not in markers or "right_hip" not in markers:
        raise HipdropError(
            f"{trial.source}: no hip centre or ASIS markers found; {markers_found(trial)}. "
            'Name them in a TOML file given as --markers, e.g. left_hip = "LASI"'
        )
    cam = place_camera(
        trial, markers, camera, yaw_deg=yaw_deg, pitch_deg=pitch_deg, roll_deg=roll_deg
    )
    tracks = project_trial(trial, cam, markers, jitter_px, seed)
    cleaned = clean_tracks(tracks, CleaningParams())
    image_angle = pelvic_obliquity_deg(cleaned.tracks)
    width, height = tracks.image_size_px
    vertical = np.eye(3)[trial.vertical_axis]
    feet = [trial.markers_m[markers[k]] for k in markers if k.endswith(("heel", "foot_index"))]
    floor_m = float(np.nanmin(np.stack(feet)[..., trial.vertical_axis])) if feet else 0.0
    geometry = camera_from_vertical_lines(
        virtual_room_edges(
            cam, vertical, floor_m, _subject_distance_m(trial, markers, cam), seed=seed
        ),
        (0.0, 0.0, width - 1.0, height - 1.0),
        cam.focal_px,
        focal_assumed=False,
    )
    if geometry is None:  # the room fell outside the picture: the body's own vertical
        geometry = camera_from_body(
            cleaned.tracks.xy_px,
            cleaned.tracks.world_m,
            np.ones(trial.n_frames, bool),
            tracks.image_size_px,
            focal_px=cam.focal_px,
            focal_assumed=False,
        )
    # Marker-based world positions are exact: the hip line alone is the pelvis's own turn.
    frontal = frontal_geometry(
        cleaned.tracks.xy_px,
        cleaned.tracks.world_m,
        cleaned.tracks.time_s,
        geometry,
        **EXACT_WORLD,
    )
    obliquity = frontal.frontal_obliquity_deg
    given = float(np.isfinite(obliquity).mean()) if len(obliquity) else 0.0
    hip_width = np.linalg.norm(tracks.point("left", "hip") - tracks.point("right", "hip"), axis=1)
    stats = {
        "camera_yaw_deg": float(yaw_deg),
        "camera_pitch_deg": float(pitch_deg),
        "camera_roll_deg": float(roll_deg),
        "focal_px": round(cam.focal_px, 1),
        "hip_width_px_range": [
            round(float(np.nanmin(hip_width)), 1),
            round(float(np.nanmax(hip_width)), 1),
        ],
        "estimated_roll_deg": round(geometry.roll_deg, 2),
        "estimated_pitch_deg": round(geometry.pitch_deg, 2),
        "camera_geometry_method": geometry.method,
        "obliquity_given_fraction": round(given, 3),
        "verdict_given": given >= MIN_GIVEN_FRACTION,
        **_obliquity_stats(obliquity, trial.reference_obliquity_deg),
        **_obliquity_stats(image_angle, trial.reference_obliquity_deg, "image_angle"),
    }
    event_tracks = cleaned.tracks.with_xy(level_xy(cleaned.unfiltered_xy_px, geometry))
    return VirtualView(stats, event_tracks, geometry, obliquity)


def _summary(result: dict) -> str:
    """A few readable lines from a ``validate_mocap`` result."""
    lines = [
        f"{result['file']}: {result['n_frames']} frames at {result['rate_hz']:g} Hz, "
        f"{result['camera']} camera, jitter {result['jitter_px']:g} px"
    ]
    lines.append(
        f"  view: camera yaw {result['camera_yaw_deg']:g}°, "
        f"pitch {result['camera_pitch_deg']:g}°, roll {result['camera_roll_deg']:g}°; "
        f"estimated roll {result['estimated_roll_deg']:+.1f}°, "
        f"pitch {result['estimated_pitch_deg']:+.1f}°; obliquity given in "
        f"{result['obliquity_given_fraction']:.0%} of frames"
        + ("" if result["verdict_given"] else " (too few: no verdict)")
    )
    if result["reference"] is None:
        lines.append("  pelvic obliquity: no reference in this trial")
    else:
        for prefix, name in (("obliquity", "pelvic obliquity"), ("image_angle", "raw image angle")):
            if result[f"{prefix}_rmse_deg"] is None:
                lines.append(f"  {name} vs {result['reference']}: too few frames to compare")
                continue
            lines.append(
                f"  {name} vs {result['reference']}: "
                f"RMSE {result[f'{prefix}_rmse_deg']:.2f}°, "
                f"bias {result[f'{prefix}_bias_deg']:+.2f}°, r {result[f'{prefix}_r']:.3f}"
            )
    for label, name in (("foot_strikes", "foot strikes"), ("foot_offs", "foot offs")):
        count = result[f"{label}_reference"]
        if count:
            lines.append(
                f"  {name}: {result[f'{label}_within_{TOLERANCE_FRAMES}_frames']}/{count} within "
                f"{TOLERANCE_FRAMES} frames, {result[f'spurious_{label}']} spurious; "
                + _timing_text(result, label)
            )
        else:
            lines.append(f"  {name}: no reference events in this trial")
    lines.append(_plate_summary(result))
    lines.append(_label_audit_summary(result))
    lines += _task_summary(result)
    return "\n".join(lines)


def _task_summary(result: dict) -> list[str]:
    """Lines: the task used and why, the step contacts found, and per-step peak drop against
    the lab's over the same stance windows."""
    contacts = [
        f"{e['side'][0].upper()}{e['frame']}" for e in result["events"] if e["kind"] == FOOT_STRIKE
    ]
    lines = [
        f"  task: {result['task']} ({result['task_reason']})",
        f"  contacts found (frame): {', '.join(contacts) if contacts else 'none'}",
    ]
    rows = [r for r in result["steps_vs_reference"] if r["included"] and r["error_deg"] is not None]
    worst = result["step_peak_drop_max_abs_error_deg"]
    if worst is None:
        lines.append("  per-step peak drop vs the lab: no step to compare")
    else:
        lines.append(
            f"  per-step peak drop vs {result['reference']}: {len(rows)} steps, largest "
            f"difference {worst:.2f}°"
        )
    return lines


def _label_audit_summary(result: dict) -> str:
    """One line: how the labels themselves sit on the markers' motion (the scoring's floor)."""
    parts = []
    if result["marker_contact_vs_reference_strikes_median_abs_error_ms"] is not None:
        parts.append(
            "the 3D heel's own contact scores "
            + _timing_text(result, "marker_contact_vs_reference_strikes")
            + " against the strike labels"
        )
    rises = [r for r in result["reference_off_toe_rise_mm"] if r is not None]
    if rises:
        parts.append(f"the toe is {min(rises):.0f}-{max(rises):.0f} mm up at the off labels")
    return "  labels vs markers: " + ("; ".join(parts) if parts else "no labels to check")


def _timing_text(result: dict, label: str) -> str:
    """'timing error median X ms, 90th percentile Y ms' (or that none was found)."""
    median = result[f"{label}_median_abs_error_ms"]
    if median is None:
        return "none found"
    return (
        f"timing error median {median:.0f} ms, 90th percentile "
        f"{result[f'{label}_p90_abs_error_ms']:.0f} ms"
    )


def _plate_summary(result: dict) -> str:
    """One line: detected events against the force-plate contacts."""
    if result["force_plate_events"] is None:
        return "  force plates: none in this file"
    if not result["force_plate_events"]:
        return "  force plates: no clean contact (loaded at either end, or foot off the plate)"
    parts = []
    for label, name in (("foot_strikes", "strikes"), ("foot_offs", "offs")):
        count = result[f"{label}_force_plate"]
        if count:
            hits = result[f"{label}_force_plate_within_{TOLERANCE_FRAMES}_frames"]
            parts.append(f"{name} {hits}/{count}")
    return f"  force plates: {', '.join(parts)} within {TOLERANCE_FRAMES} frames of plate contact"


def _run_validate_mocap(args: argparse.Namespace) -> int:
    """CLI handler: validate one trial and print JSON or a summary."""
    if args.jitter_px < 0:
        raise HipdropError("--jitter-px must not be negative")
    check_camera_angles(args.camera_yaw_deg, args.camera_pitch_deg, args.camera_roll_deg)
    result = validate_mocap(
        args.file,
        args.ik,
        args.grf,
        camera=args.camera,
        jitter_px=args.jitter_px,
        seed=args.seed,
        yaw_deg=args.camera_yaw_deg,
        pitch_deg=args.camera_pitch_deg,
        roll_deg=args.camera_roll_deg,
        markers_path=args.markers,
        task=args.task,
    )
    print(json.dumps(result, indent=2) if args.json else _summary(result))
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``validate-mocap`` on the CLI's subcommands."""
    parser = subparsers.add_parser(
        "validate-mocap",
        help="check obliquity and gait events against a marker-based recording",
        description=(
            "Project a motion-capture trial (C3D, or OpenSim TRC) into a virtual phone camera, "
            "run hipdrop's video analysis on it and compare with the lab's pelvic obliquity "
            "and gait events."
        ),
    )
    parser.add_argument("file", type=Path, help="C3D or TRC motion-capture file")
    parser.add_argument("--ik", type=Path, help="OpenSim IK .mot with pelvis_list (reference)")
    parser.add_argument("--grf", type=Path, help="OpenSim ground-force .mot (foot contacts)")
    parser.add_argument(
        "--markers",
        type=Path,
        metavar="TOML",
        help='marker labels the built-in names miss, e.g. left_hip = "LASI" (one per line)',
    )
    parser.add_argument("--camera", choices=("anterior", "posterior"), default="anterior")
    parser.add_argument(
        "--task",
        choices=("auto", "walk", "run", "stairs"),
        default="auto",
        help="which event detector, as for video (default auto: read from the motion)",
    )
    parser.add_argument(
        "--jitter-px", type=float, default=0.0, help="Gaussian landmark noise in pixels (default 0)"
    )
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    for name, limit, what in (
        ("yaw", MAX_CAMERA_YAW_DEG, "turn about the vertical through the path centre"),
        ("pitch", MAX_CAMERA_PITCH_DEG, "look down at the pelvis by this angle"),
        ("roll", MAX_CAMERA_ROLL_DEG, "roll about the optical axis, + vertical leans right"),
    ):
        parser.add_argument(
            f"--camera-{name}-deg",
            type=float,
            default=0.0,
            help=f"virtual camera {name}: {what} (degrees, within ±{limit:g}; default 0)",
        )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=_run_validate_mocap)
    return parser
