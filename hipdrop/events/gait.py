"""Gait events (foot strike, foot off, midstance) from 2D front- or back-view pixel tracks.

A frontal camera sees almost nothing of the fore-aft foot motion that side-view methods use
(Zeni et al. 2008), and perspective mixes what is left of it into the vertical image position,
with opposite signs in front and back views. The detector leans on vertical motions instead:

1. Strides: once per stride each heel rises far above its standing level (push-off and early
   swing). Prominent peaks of heel height, measured from a slow pelvis reference in pelvis
   widths (so walking toward the camera does not matter), split the clip into strides.
2. Foot strike, walking: right after initial contact the forefoot drops to the floor ("foot
   slap", weight acceptance). The strike is the peak of the toe's downward image speed once
   the heel has come down: the image counterpart of the foot-velocity algorithm (O'Connor et
   al. 2007, Gait & Posture 25:469-74: strike at the peak downward velocity of the heel-toe
   midpoint, 16 ± 15 ms from force-plate contact in 54 children). The toe alone serves here,
   as a frontal camera also sees the heel's forward travel as vertical image motion. In the
   validation trials' marker data
   this peak falls one or two frames from the heel's lowest point, and that point within about
   a frame of force-plate contact wherever a foot lands on a plate (``hipdrop validate-mocap``).
3. Foot strike, running (stance shorter than half the stride, ``running_duty_factor``): the
   foot lands fast and the forefoot drop is short and late. From behind, the strike is where
   the toe's drop reaches ``strike_fraction_run`` of its peak; from the front, where the heel
   stops moving down the image (the standing foot recedes from a front camera on a treadmill
   or stays put overground, so the heel's first lowest point is the landing, while the swinging
   forefoot approaching the camera hides the slap).
4. Foot off: the toe rises when it leaves the floor. The off is the last frame before the
   heel-lift peak where the toe's upward speed, measured from its drift while standing, is
   below ``off_fraction`` of its peak.
5. Plausibility: one strike and one off per foot and stride; strikes closer than
   ``min_step_s`` keep the stronger; in walking a foot off is not searched before the other
   foot's strike (walking has double support: Perry & Burnfield 2010, Gait Analysis, ch. 1).

Event timing from front or back video is valid, spatial step measures are not (Mehdizadeh et
al. 2021; CLINICAL.md). The fractions are heuristics, checked against marker-based gait data
with ``hipdrop validate-mocap`` (see ``hipdrop.validation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hipdrop.conventions import SIDES, Side, landmark, other_side
from hipdrop.events.phases import PHASE_COLUMNS, end_time_s
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import clip_left_sign
from hipdrop.tracks.signal import fill_gaps, lowpass

FOOT_STRIKE = "foot_strike"
FOOT_OFF = "foot_off"
EVENT_COLUMNS = ["side", "kind", "frame", "time_s"]


@dataclass(frozen=True)
class GaitEventParams:
    cutoff_hz: float = 10.0  # low-pass for the foot tracks (zero lag)
    max_gap_s: float = 0.25  # longer landmark gaps are left empty
    min_step_s: float = 0.2  # strikes of opposite feet closer than this are not both real
    swing_prominence: float = 0.35  # heel-lift peaks: fraction of the heel height range
    min_heel_lift_widths: float = 0.4  # ... and at least this (about 7 cm): not just noise
    strike_fraction_walk: float = 1.0  # the toe's peak drop speed itself (O'Connor et al. 2007)
    strike_fraction_run: float = 0.75  # ... in running seen from behind
    running_duty_factor: float = 0.5  # stance shorter than this fraction of a stride: running
    off_fraction: float = 0.55  # of the peak toe rise speed below which the foot is still down
    landing_level: float = 0.5  # the heel has come down this far (of its lift) before a strike


@dataclass(frozen=True)
class _Foot:
    heel: np.ndarray  # height above the pelvis reference, pelvis widths (up positive)
    toe: np.ndarray
    toe_speed: np.ndarray  # upward speed of the toe, pelvis widths per second
    swings: np.ndarray  # frames of heel-lift peaks
    heel_y_px: np.ndarray  # raw image y of the heel (down positive)


def _empty_events() -> pd.DataFrame:
    """An events table with no rows (and the right column types)."""
    return pd.DataFrame(
        {
            "side": pd.Series(dtype=object),
            "kind": pd.Series(dtype=object),
            "frame": pd.Series(dtype=int),
            "time_s": pd.Series(dtype=float),
        }
    )


def _pelvis_scale_px(xy: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """Smoothed hip-to-hip distance per frame: the length unit that follows camera distance."""
    width = np.linalg.norm(xy[:, landmark("left", "hip")] - xy[:, landmark("right", "hip")], axis=1)
    if not np.isfinite(width).any():
        return np.full(len(time_s), np.nan)
    finite = np.isfinite(width)
    width = np.interp(time_s, time_s[finite], width[finite])
    return lowpass(width, time_s, 0.5)


def _pelvis_reference_px(xy: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    """Slow pelvis height (below 1 Hz): follows the approach to the camera, not the bounce."""
    hips = 0.5 * (xy[:, landmark("left", "hip"), 1] + xy[:, landmark("right", "hip"), 1])
    finite = np.isfinite(hips)
    if not finite.any():
        return np.full(len(time_s), np.nan)
    return lowpass(np.interp(time_s, time_s[finite], hips[finite]), time_s, 0.8)


def _foot_point(xy: np.ndarray, side: Side, part: str) -> np.ndarray:
    """Image y of a foot landmark, falling back to the ankle where it is missing."""
    y = xy[:, landmark(side, part), 1].copy()
    ankle = xy[:, landmark(side, "ankle"), 1]
    missing = ~np.isfinite(y)
    y[missing] = ankle[missing]
    return y


def _foot_signals(
    xy: np.ndarray, time_s: np.ndarray, rate_hz: float, params: GaitEventParams
) -> dict[str, _Foot]:
    """Per foot: heel and toe heights in pelvis widths, toe speed, and heel-lift peaks."""
    scale = _pelvis_scale_px(xy, time_s)
    reference = _pelvis_reference_px(xy, time_s)
    heels = {side: (reference - _foot_point(xy, side, "heel")) / scale for side in SIDES}
    both = np.concatenate([heels["left"], heels["right"]])
    spread = 0.0
    if np.isfinite(both).any():
        spread = np.nanpercentile(both, 95) - np.nanpercentile(both, 5)
    from scipy.signal import find_peaks  # imported here: only gait events need it

    feet = {}
    for side in SIDES:
        heel = heels[side]
        toe = (reference - _foot_point(xy, side, "foot_index")) / scale
        toe_speed = np.gradient(toe) * rate_hz
        peaks = np.array([], dtype=int)
        if np.isfinite(heel).sum() > 3 and spread > 0:
            peaks, _ = find_peaks(
                np.nan_to_num(heel, nan=np.nanmin(heel)),
                prominence=max(params.swing_prominence * spread, params.min_heel_lift_widths),
                distance=max(1, round(2 * params.min_step_s * rate_hz)),
            )
        feet[side] = _Foot(heel, toe, toe_speed, peaks, _foot_point(xy, side, "heel"))
    return feet


def _strike_in(foot: _Foot, start: int, stop: int, fraction: float) -> tuple[int, float]:
    """First frame of the toe's drop in [start, stop) at ``fraction`` of its peak speed, and
    that peak speed (frame -1 and 0 if the toe does not drop).

    The peak must be a local maximum inside the window: a drop that is still speeding up at
    the window's end (or the clip's), or slowing down from before its start, is another
    motion (the swing seen in perspective, or a cut).
    """
    drop = -foot.toe_speed[max(start - 1, 0) : stop + 1]
    offset = max(start - 1, 0)
    inner = np.arange(max(start, 1), min(stop, len(foot.toe_speed) - 1)) - offset
    inner = inner[(inner >= 1) & (inner < len(drop) - 1)]
    if not len(inner):
        return -1, 0.0
    with np.errstate(invalid="ignore"):
        local = (drop[inner] >= drop[inner - 1]) & (drop[inner] > drop[inner + 1])
    candidates = inner[local & (drop[inner] > 0)]
    if not len(candidates):
        return -1, 0.0
    peak_at = int(candidates[np.argmax(drop[candidates])])
    peak = float(drop[peak_at])
    level = fraction * peak
    frame = peak_at
    while frame + offset > start and drop[frame - 1] >= level:
        frame -= 1
    return frame + offset, peak


def _heel_landing(foot: _Foot, start: int, stop: int) -> int | None:
    """First frame in [start, stop) where the heel stops moving down the image (local lowest)."""
    y = foot.heel_y_px
    for frame in range(max(start, 1), min(stop, len(y) - 1)):
        if y[frame] >= y[frame - 1] and y[frame] > y[frame + 1]:
            return frame
    return None


def _strikes(
    foot: _Foot, stride: int, params: GaitEventParams, fraction: float, heel_bottom: bool
) -> list[tuple[int, float]]:
    """One strike after each heel-lift peak, and one before the first if the clip opens in
    late swing.

    The strike is the start of the forefoot drop at ``fraction`` of its peak speed or, with
    ``heel_bottom``, the heel's first lowest image point once it has come down. Each comes
    with the peak toe drop speed, the strength that settles conflicts.
    """
    n = len(foot.heel)
    found = []
    anchors = [int(a) for a in foot.swings]
    for i, swing in enumerate(anchors):
        stop = anchors[i + 1] if i + 1 < len(anchors) else n
        stop = min(stop, swing + round(0.8 * stride))
        segment = foot.heel[swing:stop]
        if stop - swing < 3 or not np.isfinite(segment).any():
            continue
        trough = np.nanmin(segment)
        level = trough + params.landing_level * (foot.heel[swing] - trough)
        landed = np.flatnonzero(segment <= level)
        if not len(landed):
            continue
        start = swing + int(landed[0])
        frame, peak = _strike_in(foot, start, min(stop, start + round(0.45 * stride)), fraction)
        if heel_bottom and frame >= 0:
            frame = _heel_landing(foot, start, stop)
            frame = -1 if frame is None else frame
        if frame >= 0:
            found.append((frame, peak))
    typical = np.median([peak for _, peak in found]) if found else 0.0
    if anchors and anchors[0] > round(0.3 * stride) and typical > 0:
        # Late swing at the clip start: a clear drop, well before the first heel-lift peak
        # (which comes 0.6-0.7 strides after its strike).
        stop = anchors[0] - round(0.4 * stride)
        frame, peak = _strike_in(foot, 0, max(0, stop), fraction)
        if heel_bottom and frame >= 0:
            frame = _heel_landing(foot, 0, max(0, stop)) or -1
        if frame > 0 and peak >= 0.5 * typical:
            found.append((frame, peak))
    return sorted(found)


def _off_before(foot: _Foot, start: int, swing: int, params: GaitEventParams) -> int | None:
    """Last frame in [start, swing] before the toe's rise reaches ``off_fraction`` of its peak."""
    if swing - start < 2:
        return None
    rise = foot.toe_speed
    window = np.nan_to_num(rise[start : swing + 1], nan=-np.inf)
    peak_at = start + int(np.argmax(window))
    peak = rise[peak_at]
    if not np.isfinite(peak) or peak <= 0:
        return None
    frame = peak_at
    while frame > start and rise[frame - 1] > params.off_fraction * peak:
        frame -= 1
    if frame - start >= 3:
        # Measure the rise from the toe's own drift while it stands (perspective, treadmill).
        standing = rise[start:frame]
        drift = float(np.nanmedian(standing)) if np.isfinite(standing).any() else 0.0
        level = drift + params.off_fraction * (peak - drift)
        frame = peak_at
        while frame > start and rise[frame - 1] > level:
            frame -= 1
    return frame


def _offs(
    foot: _Foot, stride: int, params: GaitEventParams, other_strikes: Sequence[int] = ()
) -> list[int]:
    """One foot off before each heel-lift peak, searched within a third of a stride before it
    and, in walking (``other_strikes``: the other foot's strikes), not before the other foot
    has landed: walking always has double support."""
    offs = []
    for swing in foot.swings:
        start = max(0, swing - round(0.35 * stride))
        frame = _off_before(foot, start, int(swing), params)
        landed = [s for s in other_strikes if start < s < swing]
        if frame is not None and landed and frame < landed[-1]:  # search again after it
            frame = _off_before(foot, landed[-1], int(swing), params)
        if frame is not None and frame > 0:
            offs.append(frame)
    return offs


def _stride_frames(feet: dict[str, _Foot], rate_hz: float) -> int:
    """Median frames between heel-lift peaks of one foot (fallback: one second)."""
    gaps = np.concatenate([np.diff(foot.swings) for foot in feet.values()])
    return int(np.median(gaps)) if len(gaps) else round(rate_hz)


def _plausible(
    strikes: list[tuple[str, int, float]], min_step: int
) -> list[tuple[str, int, float]]:
    """Of two strikes (either foot) closer than ``min_step`` frames, keep the stronger drop."""
    kept: list[tuple[str, int, float]] = []
    for side, frame, peak in sorted(strikes, key=lambda s: s[1]):
        if kept and frame - kept[-1][1] < min_step:
            if peak > kept[-1][2]:
                kept[-1] = (side, frame, peak)
            continue
        kept.append((side, frame, peak))
    return kept


def _duty_factor(strikes: list[int], offs: list[int], stride: int) -> float:
    """Median stance time (strike to the same foot's next off) as a fraction of the stride."""
    fractions = []
    for strike in strikes:
        later = [off for off in offs if strike < off < strike + stride]
        if later:
            fractions.append((later[0] - strike) / stride)
    return float(np.median(fractions)) if fractions else float("nan")


def detect_gait_events(
    tracks: LandmarkTracks, params: GaitEventParams | None = None
) -> pd.DataFrame:
    """Foot strikes and foot offs of both feet from front- or back-view pixel tracks.

    Pass tracks before any low-pass filtering (``CleanedTracks.unfiltered_xy_px``): the
    detector filters at ``params.cutoff_hz`` itself. Returns a table with columns ``side``,
    ``kind`` (``foot_strike``/``foot_off``), ``frame`` and ``time_s``, sorted by frame.
    """
    params = params or GaitEventParams()
    n = tracks.n_frames
    rate_hz = tracks.frame_rate_hz
    if n < 10 or not np.isfinite(rate_hz):
        return _empty_events()
    xy = fill_gaps(tracks.xy_px, tracks.time_s, params.max_gap_s)
    xy = lowpass(xy, tracks.time_s, params.cutoff_hz)
    feet = _foot_signals(xy, tracks.time_s, rate_hz, params)
    stride = _stride_frames(feet, rate_hz)
    offs = {side: _offs(feet[side], stride, params) for side in SIDES}
    strikes = {
        side: _strikes(feet[side], stride, params, params.strike_fraction_walk, False)
        for side in SIDES
    }
    duties = [_duty_factor([f for f, _ in strikes[s]], offs[s], stride) for s in SIDES]
    duties = [d for d in duties if np.isfinite(d)]
    if duties and np.median(duties) < params.running_duty_factor:
        front = clip_left_sign(tracks) > 0
        strikes = {
            side: _strikes(feet[side], stride, params, params.strike_fraction_run, front)
            for side in SIDES
        }
    else:  # walking: a foot leaves the floor only once the other one is down
        offs = {
            side: _offs(feet[side], stride, params, [f for f, _ in strikes[other_side(side)]])
            for side in SIDES
        }
    merged = [(side, frame, peak) for side in SIDES for frame, peak in strikes[side]]
    merged = _plausible(merged, max(1, round(params.min_step_s * rate_hz)))
    rows = [(side, FOOT_STRIKE, frame) for side, frame, _ in merged]
    rows += [(side, FOOT_OFF, frame) for side in SIDES for frame in offs[side]]
    table = pd.DataFrame(rows, columns=["side", "kind", "frame"])
    if table.empty:
        return _empty_events()
    table = table.sort_values(["frame", "side", "kind"], ignore_index=True)
    table["frame"] = table["frame"].astype(int)
    table["time_s"] = tracks.time_s[table["frame"].to_numpy()]
    return table[EVENT_COLUMNS]


def stance_phases(events: pd.DataFrame, time_s: np.ndarray) -> pd.DataFrame:
    """Stance phases as a phase table: each foot strike to the same foot's next foot off.

    Left and right stance overlap in walking (double support), so this table can hold
    overlapping rows. A strike with no later off of that foot is left out.
    """
    rows = []
    for side in SIDES:
        own = events[events["side"] == side]
        strikes = own.loc[own["kind"] == FOOT_STRIKE, "frame"].to_numpy()
        offs = own.loc[own["kind"] == FOOT_OFF, "frame"].to_numpy()
        for i, start in enumerate(strikes):
            later = offs[offs > start]
            if not len(later):
                continue
            end = int(later[0])
            if i + 1 < len(strikes) and strikes[i + 1] < end:
                continue  # a missed off: the next strike comes first
            start_s, end_s = float(time_s[start]), end_time_s(time_s, end)
            rows.append((side, int(start), end, start_s, end_s, end_s - start_s))
    table = pd.DataFrame(rows, columns=PHASE_COLUMNS)
    table = table.sort_values("start_frame", ignore_index=True)
    return table.astype({"start_frame": int, "end_frame": int})


def midstance_frames(events: pd.DataFrame, time_s: np.ndarray) -> pd.DataFrame:
    """Midstance per stance phase: the middle of single support, else of the whole stance.

    Single support of one foot runs from the other foot's off to the other foot's next
    strike, inside this foot's stance; in running (no double support) it is the stance.
    Columns: ``stance_leg``, ``frame``, ``time_s``, ``basis`` (``single_support``/``stance``).
    """
    rows = []
    for phase in stance_phases(events, time_s).itertuples():
        other = events[events["side"] == other_side(phase.stance_leg)]
        offs = other.loc[other["kind"] == FOOT_OFF, "frame"].to_numpy()
        strikes = other.loc[other["kind"] == FOOT_STRIKE, "frame"].to_numpy()
        inside_off = offs[(offs >= phase.start_frame) & (offs < phase.end_frame)]
        start, end, basis = phase.start_frame, phase.end_frame, "stance"
        if len(inside_off):
            later = strikes[(strikes > inside_off[0]) & (strikes <= phase.end_frame)]
            if len(later):
                start, end, basis = int(inside_off[0]), int(later[0]), "single_support"
        frame = (start + end) // 2
        rows.append((phase.stance_leg, frame, float(time_s[frame]), basis))
    return pd.DataFrame(rows, columns=["stance_leg", "frame", "time_s", "basis"])
