"""Stairs: how high each foot lands against the last landing, going up or down, which leg leads.

A foot at rest on a step is seen at a height, and the body beside it gives the scale. With
the camera's pitch undone (a level virtual camera at the same place), a point's image row
below the principal point, divided by the body's size in pixels at about the same distance
(``body_scale_px``, in torso lengths), is its height below the camera in torso lengths -
whatever the distance to the camera. Landings on level ground stay at one height; on stairs
each one is a step higher or lower (16-18 cm, about a third of a torso length). Consecutive
landings are compared, not a landing with the other foot at the same moment: in double
support the feet stand at different distances from the camera, and perspective alone then
lifts or lowers one of them by half a step on a close camera; two landings are each the
leading foot, at about the same place relative to the hips.

Each step (foot contact) then gets:

- ``rise_torsos``: its landing height minus the previous landing's (any foot), torso lengths;
- ``direction``: ``up``, ``down`` or ``level`` (a rise smaller than ``min_rise_torsos``);
- ``leads``: the step goes to a new step (up or down) rather than joining the other foot.

and the clip: stairs or level walking, or that it could not be told, and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hipdrop.conventions import landmark
from hipdrop.events.gait import FOOT_OFF, FOOT_STRIKE
from hipdrop.events.stairs import (
    FOOT_PARTS,
    StairEventParams,
    detect_stair_events,
    scale_px,
)
from hipdrop.geometry.camera import CameraGeometry
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.signal import lowpass

UP, DOWN, LEVEL = "up", "down", "level"
#: Going down, a contact found as the first part at rest moves at most this far from the
#: whole foot's rest (the heel lowered after the forefoot).
MAX_CONTACT_SHIFT_S = 0.3
#: Torso length over hip width, where no shoulder is seen (adults: about 0.5 m over 0.2 m).
TORSO_PER_HIP_WIDTH = 2.5
DIRECTIONS = (UP, DOWN)


@dataclass(frozen=True)
class StairRules:
    min_rise_torsos: float = 0.15  # a landing this much higher or lower: a new step (~7 cm)
    rest_window_s: float = 0.2  # a landing's height: median over this long after contact
    min_landings: int = 3  # landings needed to tell stairs from level ground
    min_step_changes: int = 2  # ... of which this many reach a new step, all the same way,
    min_step_share: float = 0.5  # ... and this share of the rises, rounded down (step-to: half)
    #: ... and no landing goes the other way by this much: a walker coming toward a camera
    #: that looks down lands lower in the picture with most steps (-0.01 to -0.41 torso
    #: lengths on the walking clip) but not with all (+0.14), where stairs allow no reversal.
    max_reversal_torsos: float = 0.1


@dataclass(frozen=True)
class StairsEvidence:
    """Whether the clip shows stairs: ``stairs`` True/False, or None when it cannot be told."""

    stairs: bool | None
    direction: str | None
    reason: str


def unpitched_xy(xy_px: np.ndarray, camera: CameraGeometry) -> np.ndarray:
    """Roll-levelled pixel positions as a level camera at the same place would see them.

    The camera's pitch (+ looking down) is undone by turning each pixel's ray about the
    camera's x axis: then an image row is a height against the camera's own, for any distance.
    """
    cx, cy = camera.principal_px
    f = camera.focal_px
    pitch = np.radians(camera.pitch_deg)
    u = (xy_px[..., 0] - cx) / f
    v = (xy_px[..., 1] - cy) / f
    depth = np.cos(pitch) - v * np.sin(pitch)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = cx + f * u / depth
        y = cy + f * (v * np.cos(pitch) + np.sin(pitch)) / depth
    out = np.stack([x, y], axis=-1)
    out[depth <= 0] = np.nan
    return out


def body_scale_px(xy_px: np.ndarray, time_s: np.ndarray, cutoff_hz: float = 0.5) -> np.ndarray:
    """The body's size in pixels per frame, in torso lengths: the geometric mean of the torso
    (mid-hip to mid-shoulder) and ``TORSO_PER_HIP_WIDTH`` hip widths, each low-passed at
    ``cutoff_hz``; the hip width alone where no shoulder is ever seen.

    Both change with the body's pose by some per cent - the torso with the trunk's forward
    lean (which grows and shrinks over a flight of stairs), the hip width with the pelvis's
    turn seen obliquely (with every step) - and on a camera several torso lengths above the
    feet, a few per cent is a third of a step. The two errors have different causes, and
    their mean halves each."""
    hip_scale = TORSO_PER_HIP_WIDTH * scale_px(xy_px, time_s, cutoff_hz)
    hips = 0.5 * (xy_px[:, landmark("left", "hip")] + xy_px[:, landmark("right", "hip")])
    shoulders = 0.5 * (
        xy_px[:, landmark("left", "shoulder")] + xy_px[:, landmark("right", "shoulder")]
    )
    torso = np.linalg.norm(shoulders - hips, axis=1)
    finite = np.isfinite(torso) & (torso > 0)
    if not finite.any():
        return hip_scale
    torso = lowpass(np.interp(time_s, time_s[finite], torso[finite]), time_s, cutoff_hz)
    return np.sqrt(torso * hip_scale)


def foot_heights(tracks: LandmarkTracks, camera: CameraGeometry) -> dict[str, np.ndarray]:
    """Per foot and frame: height of the foot (mean of heel and toe) against the camera's, in
    torso lengths (``body_scale_px``) measured in the same (level) view; up positive."""
    xy = unpitched_xy(tracks.xy_px, camera)
    scale = body_scale_px(xy, tracks.time_s)
    _, cy = camera.principal_px
    heights = {}
    for side in ("left", "right"):
        feet = xy[:, [landmark(side, part) for part in FOOT_PARTS], 1]
        rows = np.full(len(feet), np.nan)
        seen = np.isfinite(feet).any(axis=1)
        rows[seen] = np.nanmean(feet[seen], axis=1)
        heights[side] = (cy - rows) / scale
    return heights


def landing_heights(
    events: pd.DataFrame,
    heights: dict[str, np.ndarray],
    time_s: np.ndarray,
    rules: StairRules | None = None,
) -> pd.DataFrame:
    """One row per step contact: ``side``, ``frame`` and ``height_torsos``, the foot's median
    height over the ``rest_window_s`` after it (or until its off), NaN where unseen."""
    rules = rules or StairRules()
    rows = []
    contacts = events[events["kind"] == FOOT_STRIKE].sort_values("frame")
    for side, frame in zip(contacts["side"], contacts["frame"].astype(int), strict=True):
        offs = events.loc[
            (events["side"] == side) & (events["kind"] == FOOT_OFF) & (events["frame"] > frame),
            "frame",
        ]
        end_s = time_s[frame] + rules.rest_window_s
        stop = int(np.searchsorted(time_s, end_s, side="right"))
        if len(offs):
            stop = min(stop, int(offs.min()))
        window = heights[side][frame : max(stop, frame + 1)]
        height = float(np.nanmedian(window)) if np.isfinite(window).any() else np.nan
        rows.append((side, frame, height))
    table = pd.DataFrame(rows, columns=["side", "frame", "height_torsos"])
    return table.astype({"side": object, "frame": int, "height_torsos": float})


def step_directions(landings: pd.DataFrame, rules: StairRules | None = None) -> pd.DataFrame:
    """The landings with ``rise_torsos`` (against the previous landing), ``direction`` and
    ``leads``. The first landing has no previous one: it takes the direction of the next
    landing's rise where that reaches a new step, as stairs seldom turn after one step."""
    rules = rules or StairRules()
    out = landings.copy()
    rise = out["height_torsos"].astype(float).diff().to_numpy()
    step = rules.min_rise_torsos
    direction = [
        None if not np.isfinite(r) else UP if r >= step else DOWN if r <= -step else LEVEL
        for r in rise
    ]
    if len(direction) > 1 and direction[0] is None and direction[1] in DIRECTIONS:
        direction[0] = direction[1]
    out["rise_torsos"] = rise
    out["direction"] = direction
    out["leads"] = [d in DIRECTIONS for d in direction]
    return out


def stairs_evidence(steps: pd.DataFrame, rules: StairRules | None = None) -> StairsEvidence:
    """Stairs (and which way), level walking, or None with the reason it cannot be told, from
    ``step_directions``' table."""
    rules = rules or StairRules()
    seen = steps[np.isfinite(steps["height_torsos"])]
    if len(seen) < rules.min_landings:
        return StairsEvidence(
            None,
            None,
            f"only {len(seen)} foot landing(s) seen at rest (at least {rules.min_landings} "
            "are needed to see whether each lands higher or lower than the last)",
        )
    rises = seen["height_torsos"].diff().dropna().to_numpy()
    ups = int((rises >= rules.min_rise_torsos).sum())
    downs = int((rises <= -rules.min_rise_torsos).sum())
    back_down = bool((rises <= -rules.max_reversal_torsos).any())
    back_up = bool((rises >= rules.max_reversal_torsos).any())
    text = ", ".join(f"{r:+.2f}" for r in rises)
    enough = max(rules.min_step_changes, int(rules.min_step_share * len(rises)))
    if ups >= enough and not back_down:
        return StairsEvidence(
            True, UP, f"each foot lands higher than the last ({text} torso lengths): stairs up"
        )
    if downs >= enough and not back_up:
        return StairsEvidence(
            True, DOWN, f"each foot lands lower than the last ({text} torso lengths): stairs down"
        )
    if ups == 0 and downs == 0:
        return StairsEvidence(
            False, None, f"the feet land at one height step after step ({text} torso lengths)"
        )
    return StairsEvidence(
        None,
        None,
        f"the landings rise and fall without a pattern ({text} torso lengths)",
    )


def lead_pattern(steps: pd.DataFrame, direction: str, column: str = "direction") -> dict:
    """Which leg leads going ``direction``: ``step-over-step`` (the legs take turns reaching a
    new step), ``step-to`` (one leg always leads, the other joins it on its step; ``lead_leg``
    says which), or None where the steps do not show it. ``steps``: columns ``side``,
    ``leads`` and ``column`` (the step's direction)."""
    mine = steps[steps[column].isin([direction, LEVEL])]  # level: joining the other foot
    leading = mine.loc[mine["leads"], "side"].to_list()
    joining = int((~mine["leads"].astype(bool)).sum())
    counts = {side: leading.count(side) for side in ("left", "right")}
    if all(counts.values()):
        pattern, lead = "step-over-step", None
    elif any(counts.values()) and joining:
        pattern, lead = "step-to", max(counts, key=counts.get)
    else:
        pattern, lead = None, None
    return {"pattern": pattern, "lead_leg": lead, "n_leading_steps": len(leading)}


def stair_analysis(
    tracks: LandmarkTracks, camera: CameraGeometry, rules: StairRules | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, StairsEvidence]:
    """Stair events, their landings with heights, rises and directions (``step_directions``),
    and whether the clip shows stairs. ``tracks``: unfiltered, levelled by the camera's roll;
    ``camera``: its geometry (pitch, focal).

    Contacts are first the foot at rest as a whole; where the landings then go down, they are
    found again as the first part to come to rest (``contact_rest="first_part"``; also where
    the clip cannot be told stairs but its median rise is a step down): going down, the
    forefoot lands and takes the weight at once while the heel is lowered under control over
    a tenth of a second or more, and the contact is the forefoot's."""
    events = detect_stair_events(tracks)
    heights = foot_heights(tracks, camera)
    landings = step_directions(landing_heights(events, heights, tracks.time_s, rules), rules)
    evidence = stairs_evidence(landings, rules)
    if evidence.direction == DOWN or (evidence.stairs is None and _mostly_down(landings, rules)):
        events = detect_stair_events(tracks, StairEventParams(contact_rest="first_part"))
        landings = _moved_to(landings, events, round(MAX_CONTACT_SHIFT_S * tracks.frame_rate_hz))
    return events, landings, evidence


def _mostly_down(landings: pd.DataFrame, rules: StairRules | None) -> bool:
    """Do the landings' rises go down by a step at the median? (Where the clip cannot be told
    stairs, but stairs were asked for: which contact rule to use.)"""
    rules = rules or StairRules()
    rises = landings["rise_torsos"].dropna()
    return bool(len(rises)) and float(rises.median()) <= -rules.min_rise_torsos


def _moved_to(landings: pd.DataFrame, events: pd.DataFrame, reach: int) -> pd.DataFrame:
    """The landings (heights measured with the whole foot at rest) at the same foot's nearest
    contact in ``events`` within ``reach`` frames, each contact used once; a landing with none
    is left out."""
    rows, used = [], set()
    for row in landings.itertuples(index=False):
        own = events.loc[(events["side"] == row.side) & (events["kind"] == FOOT_STRIKE), "frame"]
        own = own.to_numpy()
        if not len(own):
            continue
        frame = int(own[np.argmin(np.abs(own - row.frame))])
        if abs(frame - row.frame) <= reach and (row.side, frame) not in used:
            used.add((row.side, frame))
            rows.append(row._replace(frame=frame))
    return pd.DataFrame(rows, columns=landings.columns)
