"""Step contacts and foot offs on stairs, up or down, from the feet coming to rest.

On stairs the walking detector's cues do not hold: the foot lands on a step at a new height,
often forefoot first going up (on the shared ascent the toe stops 7-11 frames before the
heel), and "lowest point" means nothing when every step is higher or lower than the last. What
does hold, up or down, is that a foot on a step stands still, and a swinging foot does not. So:

1. Each foot part (heel and toe; the ankle where one is missing) gets its image speed, in hip
   widths per second (the hip width smoothed, so moving toward the camera does not matter);
   the foot's speed is the mean of the two. The camera must stand still: a foot at rest is one
   that does not move in the picture.
2. Swings: prominent peaks of the foot's speed, at least ``min_swing_speed_widths_per_s``.
3. Step contact: after a swing's peak, the first frame from which the foot stays slower than
   ``rest_widths_per_s`` (about 7-8 cm/s) for ``min_rest_s``: it has come to rest on the step.
   Toe first or heel first does not matter - the foot is at rest once the part that landed first
   has stopped and the other no longer swings down onto the step (a heel still dropping fast
   after the toe has touched keeps the mean above the level; a heel sinking slowly through
   early stance does not). On the shared stair ascent this finds the markers' contacts (the
   first of heel or toe slower than about 8 cm/s for 0.1 s) within 2 frames from every
   virtual camera tried (README, stairs).
   Going down (``contact_rest="first_part"``, chosen by ``hipdrop.analysis.stairs.stair_analysis``
   once the landings are seen to go down) the contact is instead the first part to rest: the
   forefoot lands and is loaded at once, and the heel is lowered under control afterwards.
   Seen from in front or behind, the forefoot's forward slide is lost, so this reads early
   where the toe glides in: on the shared ascent played backward, 1-10 frames (at 100 Hz)
   before the markers' first part at rest, against 9-15 frames late for the whole foot.
4. Foot off: before a swing's peak, the last frame at which either part is still at rest
   (usually the toe, after the heel has risen): the last part of the foot leaves the step.

The rest level is raised above the foot's own quiet speed (``noise_factor`` times its 20th
percentile), so pose jitter is not taken for motion.

A foot that is at rest when the clip starts has no contact; a swing still going when it ends
has none either, nor a rest found across frames where the foot was not seen. Heights are not
used here: which way the stairs go is ``hipdrop.analysis.stairs``' business.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hipdrop.conventions import SIDES, Side, landmark
from hipdrop.events.gait import EVENT_COLUMNS, FOOT_OFF, FOOT_STRIKE
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.signal import fill_gaps, lowpass

#: Foot parts whose coming to rest marks a contact (heel or toe, whichever lands first).
FOOT_PARTS = ("heel", "foot_index")


@dataclass(frozen=True)
class StairEventParams:
    cutoff_hz: float = 6.0  # low-pass for the foot tracks (zero lag), as the cleaning's
    max_gap_s: float = 0.25  # longer landmark gaps are left empty
    scale_cutoff_hz: float = 0.5  # the hip width as a length unit: slow changes only
    min_swing_speed_widths_per_s: float = 1.0  # a swing's peak foot speed (about 0.2 m/s)
    swing_prominence_widths_per_s: float = 0.7  # ... standing out this much from its valleys
    min_step_s: float = 0.3  # swing peaks of one foot closer than this are one swing
    rest_widths_per_s: float = 0.36  # a foot slower than this is at rest (about 7-8 cm/s)
    noise_factor: float = 2.0  # ... or than this many times its own quiet speed (jitter)
    min_rest_s: float = 0.1  # at rest means staying slow this long
    swing_search_s: float = 0.8  # contact or off searched this far from the swing's peak
    #: ``foot``: the contact is the foot at rest as a whole (the mean of its parts' speeds);
    #: ``first_part``: whichever part comes to rest first (going down, see the module notes).
    contact_rest: str = "foot"


@dataclass(frozen=True)
class FootMotion:
    """One foot's image speeds (hip widths per second) and its swing peaks (frames)."""

    part_speed: dict[str, np.ndarray]
    speed: np.ndarray  # the mean of the parts': the foot as a whole
    swings: np.ndarray

    @property
    def slowest(self) -> np.ndarray:
        """Per frame, the speed of the slower part: the foot touches while either rests."""
        return np.min([self.part_speed[p] for p in FOOT_PARTS], axis=0)


def scale_px(xy: np.ndarray, time_s: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Slowly varying hip-to-hip distance per frame (NaN when the hips are never seen)."""
    width = np.linalg.norm(xy[:, landmark("left", "hip")] - xy[:, landmark("right", "hip")], axis=1)
    finite = np.isfinite(width) & (width > 0)
    if not finite.any():
        return np.full(len(time_s), np.nan)
    width = np.interp(time_s, time_s[finite], width[finite])
    return lowpass(width, time_s, cutoff_hz)


def _part_xy(xy: np.ndarray, side: Side, part: str) -> np.ndarray:
    """Image position of a foot part, the ankle standing in where it is missing."""
    point = xy[:, landmark(side, part)].copy()
    missing = ~np.isfinite(point).all(axis=1)
    point[missing] = xy[missing, landmark(side, "ankle")]
    return point


def foot_motion(
    tracks: LandmarkTracks, params: StairEventParams | None = None
) -> dict[str, FootMotion]:
    """Per foot: each part's image speed in hip widths per second, and the swing peaks."""
    from scipy.signal import find_peaks  # imported here: only event detection needs it

    params = params or StairEventParams()
    rate_hz = tracks.frame_rate_hz
    xy = fill_gaps(tracks.xy_px, tracks.time_s, params.max_gap_s)
    xy = lowpass(xy, tracks.time_s, params.cutoff_hz)
    scale = scale_px(xy, tracks.time_s, params.scale_cutoff_hz)
    feet = {}
    for side in SIDES:
        speeds = {}
        for part in FOOT_PARTS:
            velocity = np.gradient(_part_xy(xy, side, part), axis=0) * rate_hz
            speeds[part] = np.linalg.norm(velocity, axis=1) / scale
        speed = np.mean([speeds[p] for p in FOOT_PARTS], axis=0)
        swings = np.array([], dtype=int)
        if np.isfinite(speed).sum() > 3:
            swings, _ = find_peaks(
                np.nan_to_num(speed, nan=0.0),
                height=params.min_swing_speed_widths_per_s,
                prominence=params.swing_prominence_widths_per_s,
                distance=max(1, round(params.min_step_s * rate_hz)),
            )
        feet[side] = FootMotion(speeds, speed, swings)
    return feet


def rest_level_widths_per_s(speed: np.ndarray, params: StairEventParams) -> float:
    """The speed below which this foot is at rest: ``rest_widths_per_s``, or more where the
    foot's own quiet speed (its 20th percentile: standing, with the pose's jitter) is high."""
    finite = speed[np.isfinite(speed)]
    quiet = float(np.percentile(finite, 20)) if finite.size else 0.0
    return max(params.rest_widths_per_s, params.noise_factor * quiet)


def _first_rest(speed: np.ndarray, frames: range, level: float, hold: int) -> int | None:
    """First frame in ``frames`` (which may run backward) from which ``speed`` stays below
    ``level`` for ``hold`` frames, counted in the direction ``frames`` runs."""
    step = frames.step
    for frame in frames:
        stop = frame + step * hold
        if not 0 <= stop + (1 if step < 0 else -1) < len(speed):
            return None
        held = speed[frame:stop:step] if step > 0 else speed[stop + 1 : frame + 1]
        if np.all(held < level):
            return frame
    return None


def _seen(speed: np.ndarray, start: int, stop: int) -> bool:
    """Was the foot seen in every frame from ``start`` to ``stop``? A rest found across an
    unseen stretch is not this swing's contact or off: the foot may have landed or left
    unseen."""
    return bool(np.isfinite(speed[start : stop + 1]).all())


def _contact_and_off(
    motion: FootMotion, rate_hz: float, params: StairEventParams
) -> tuple[list[int], list[int]]:
    """One contact after and one foot off before each swing, where the foot is seen at rest."""
    n = len(motion.speed)
    level = rest_level_widths_per_s(motion.speed, params)
    hold = max(2, round(params.min_rest_s * rate_hz))
    reach = max(2, round(params.swing_search_s * rate_hz))
    contacts, offs = [], []
    swings = [int(s) for s in motion.swings]
    for i, peak in enumerate(swings):
        stop = min(n, peak + reach, swings[i + 1] if i + 1 < len(swings) else n)
        landing = motion.slowest if params.contact_rest == "first_part" else motion.speed
        contact = _first_rest(landing, range(peak, stop), level, hold)
        start = max(-1, peak - reach, swings[i - 1] if i > 0 else -1)
        off = _first_rest(motion.slowest, range(peak, start, -1), level, hold)
        if contact is not None and _seen(landing, peak, contact):
            contacts.append(contact)
        if off is not None and _seen(motion.slowest, off, peak):
            offs.append(off)
    return contacts, offs


def detect_stair_events(
    tracks: LandmarkTracks, params: StairEventParams | None = None
) -> pd.DataFrame:
    """Step contacts (``foot_strike``) and foot offs of both feet, from the feet coming to rest.

    Pass tracks before any low-pass filtering (``CleanedTracks.unfiltered_xy_px``), levelled
    by the camera's roll. Returns the events table of ``detect_gait_events`` (columns ``side``,
    ``kind``, ``frame``, ``time_s``), sorted by frame.
    """
    params = params or StairEventParams()
    rate_hz = tracks.frame_rate_hz
    if tracks.n_frames < 10 or not np.isfinite(rate_hz):
        return pd.DataFrame(columns=EVENT_COLUMNS).astype({"frame": int, "time_s": float})
    rows = []
    for side, motion in foot_motion(tracks, params).items():
        contacts, offs = _contact_and_off(motion, rate_hz, params)
        rows += [(side, FOOT_STRIKE, f) for f in contacts]
        rows += [(side, FOOT_OFF, f) for f in offs]
    table = pd.DataFrame(rows, columns=["side", "kind", "frame"])
    table = table.sort_values(["frame", "side", "kind"], ignore_index=True)
    table["frame"] = table["frame"].astype(int)
    table["time_s"] = tracks.time_s[table["frame"].to_numpy()] if len(table) else []
    return table[EVENT_COLUMNS]
