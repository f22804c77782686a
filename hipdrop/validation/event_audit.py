"""Gait events found on a virtual camera's view scored against the lab's: the labelled events,
marker contact (the 3D heel's lowest point) and force-plate contacts."""

from __future__ import annotations

import numpy as np

from hipdrop.io.marker_names import SIDE_CODES
from hipdrop.io.mocap import FOOT_OFF, FOOT_STRIKE, MocapEvent, MocapTrial

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


def _detected(events, side: str, kind: str) -> np.ndarray:
    """Frames of the detected events of one foot and kind."""
    return events.loc[(events["side"] == side) & (events["kind"] == kind), "frame"].to_numpy()


def _reference(reference: list[MocapEvent], side: str, kind: str) -> list[int]:
    return [e.frame for e in reference if e.side == side and e.kind == kind]


def event_match_window(trial: MocapTrial) -> int:
    """Frames within which a detection is a reference event's own (early or late)."""
    return max(TOLERANCE_FRAMES, round(MATCH_WINDOW_S * trial.rate_hz))


def event_scores(trial: MocapTrial, markers: dict[str, str], events) -> dict:
    """Per event kind: reference count, detections within tolerance, offsets, spurious ones."""
    scores: dict = {}
    match_window = event_match_window(trial)
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
            event_match_window(trial),
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


def plate_scores(
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
