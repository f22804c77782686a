"""How far a stance phase's peak drop can be trusted: its 95% uncertainty, and whether the
phase's boundaries were seen at all.

The uncertainty (``phase_peak_uncertainty``) combines three sources in quadrature, and says
which is largest (a refused verdict's note names it):

- Pose noise. One raw frame's obliquity noise (``quality.obliquity_noise_deg``, from the hips'
  measured jitter) is carried through the same low-pass filter and the peak itself by seeded
  simulation: how far the peak moves when the phase is read again with fresh noise (a retest,
  as the clinical smallest detectable difference is). The largest of many noisy frames moves
  further than one frame's noise suggests.
- The phase's boundaries. Stance found from video may begin or end up to ``BOUNDARY_SHIFT_S``
  earlier or later. The peak is read again with each boundary moved that far: where the pelvis
  moves fast as the foot leaves the floor (the multicam balance trial's hike sets in there), the
  peak depends on exactly when stance began.
- The camera geometry: the phase's median frontal-geometry SD (turn, pitch, roll;
  ``geometry/frontal.py``), at 95%.

A phase that begins right after frames that could not be read (black frames, a close-up, a
cut, or a long unreadable opening of the clip; a glimpse of pose at their edge does not count)
did not show its start: its peak may lie in the frames missed. ``unseen_boundaries`` finds such
phases so that they give no verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from hipdrop.analysis.metrics import PHASE_EDGE_S, phase_core, stance_sign
from hipdrop.analysis.quality import Z_95
from hipdrop.tracks.runs import true_runs
from hipdrop.tracks.signal import CleaningParams, lowpass

#: How far a stance boundary found from video may be off: twice the 90th-percentile timing
#: error of the gait events against lab labels (50-54 ms, ``validate-mocap``). A 250 kbit/s
#: re-encode of the multicam balance clip moved its phase start by 83 ms.
BOUNDARY_SHIFT_S = 0.1
#: Simulated noise draws per phase; seeded, so a clip always gets the same figure.
N_DRAWS = 200


def _frames_in(time_s: np.ndarray, seconds: float) -> int:
    """``seconds`` in frames of this clip (at least one)."""
    rate_hz = 1.0 / float(np.median(np.diff(time_s))) if len(time_s) > 1 else 30.0
    return max(1, round(seconds * rate_hz))


@dataclass(frozen=True)
class PeakUncertainty:
    """A phase peak's 95% uncertainty by source (degrees)."""

    pose_deg: float
    timing_deg: float  # the stance's start and end
    view_deg: float  # the camera geometry

    @property
    def total_deg(self) -> float:
        return float(np.sqrt(self.pose_deg**2 + self.timing_deg**2 + self.view_deg**2))

    @property
    def largest_source(self) -> str:
        """'pose', 'timing' or 'view'."""
        parts = {"pose": self.pose_deg, "timing": self.timing_deg, "view": self.view_deg}
        return max(parts, key=parts.__getitem__)


def phase_peak_uncertainty(
    frames: pd.DataFrame,
    phase: pd.Series,
    noise_deg: float,
    cleaning: CleaningParams,
    edge_s: float = PHASE_EDGE_S,
) -> PeakUncertainty:
    """95% half-width of one phase's peak drop, by source (``phase``: a row of the phase table,
    with its ``peak_drop_deg``; ``cleaning``: the low-pass the tracks went through); NaN
    throughout when the phase has no peak."""
    time_s = frames["time_s"].to_numpy(dtype=float)
    signed = frames["corrected_obliquity_deg"].to_numpy(dtype=float) * stance_sign(
        phase["stance_leg"]
    )
    start, end = int(phase["start_frame"]), int(phase["end_frame"])
    part = slice(start, end)
    core = phase_core(time_s, start, end, edge_s)
    drop = np.where(core, signed[part], np.nan)
    peak = float(phase["peak_drop_deg"])
    if not np.isfinite(peak):
        return PeakUncertainty(float("nan"), float("nan"), float("nan"))
    pose = _pose_noise_deg(drop, time_s[part], noise_deg, cleaning, peak)
    timing = _boundary_deg(signed, time_s, start, end, edge_s, peak)
    geometry_sd = frames["geometry_sd_deg"].to_numpy(dtype=float)[part]
    geometry_sd = geometry_sd[np.isfinite(geometry_sd)]
    view = Z_95 * float(np.median(geometry_sd)) if geometry_sd.size else 0.0
    return PeakUncertainty(pose, timing, view)


def _pose_noise_deg(
    drop: np.ndarray, time_s: np.ndarray, noise_deg: float, cleaning: CleaningParams, peak: float
) -> float:
    """95th percentile of how far the peak moves when the phase is read again with fresh
    low-passed noise of one frame's size added."""
    if not noise_deg > 0:
        return 0.0
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, noise_deg, size=(len(drop), N_DRAWS))
    noise = lowpass(noise, time_s, cleaning.cutoff_hz, cleaning.filter_order)
    peaks = np.nanmax(drop[:, None] + noise, axis=0)
    return float(np.percentile(np.abs(peaks - peak), 95))


def _boundary_deg(
    signed: np.ndarray, time_s: np.ndarray, start: int, end: int, edge_s: float, peak: float
) -> float:
    """The largest change of the peak when the phase starts or ends ``BOUNDARY_SHIFT_S``
    earlier or later."""
    shift = _frames_in(time_s, BOUNDARY_SHIFT_S)
    n = len(signed)
    changes = [0.0]
    for lo, hi in (
        (start - shift, end),
        (start + shift, end),
        (start, end - shift),
        (start, end + shift),
    ):
        lo, hi = max(0, lo), min(n, hi)
        if hi - lo < 2:
            continue
        core = phase_core(time_s, lo, hi, edge_s)
        values = np.where(core, signed[lo:hi], np.nan)
        if np.isfinite(values).any():
            changes.append(abs(float(np.nanmax(values)) - peak))
    return max(changes)


#: Unreadable frames at the clip's opening or close, up to this long or this many (whichever
#: is more), hide nothing: pose may take a few frames to find the body when a clip starts (4-6
#: frames in the hops clip's damaged copies, at 15-30 fps), and a stance there began before
#: the clip anyway. More, they hide a stance's start or end like any unreadable stretch (the
#: hops clip zoomed in, half a second of another clip spliced into its middle, lost its first
#: 4.5 s as another scene; read from 4.6 s, its 8.6 s stance's peak was 5.5° off).
EDGE_WARMUP_S = 0.25
EDGE_WARMUP_FRAMES = 6
#: A stance (its phases joined across unreadable stretches) needs at least this share of its
#: frames readable: its peak is the largest drop in the frames seen, a lower bound when most
#: of the stance was not.
MIN_SEEN_SHARE = 0.5


def unseen_boundaries(frames: pd.DataFrame, phases: pd.DataFrame) -> np.ndarray:
    """Per phase: was its stance not seen well enough for a peak? A stance is the phase, or
    phases of one leg with only unreadable frames between them (one stance, interrupted). It
    was not seen when it began right after (or ended right before) a run of excluded frames
    longer than a boundary's own timing error (``BOUNDARY_SHIFT_S``; shorter runs hide no more
    than that error allows for), or when under ``MIN_SEEN_SHARE`` of its frames are readable.
    Such a run at the clip's opening or close hides it too when longer than pose's warm-up
    (``EDGE_WARMUP_S`` or ``EDGE_WARMUP_FRAMES``): the stance may have begun in it. After a
    run inside the clip, pose finds the body afresh, and its first ``EDGE_WARMUP_FRAMES`` do
    not part two phases of one leg into two stances (the hops clip, with half a second of
    another clip spliced into his 8.4 s stance, read both feet down for the 5 frames after it,
    and the rest of the stance was taken for one that began there, its peak 6° from the clean
    clip's). A clip that opens on the patient already standing on one leg, readable from
    (nearly) its first frame, shows all it has of that stance.
    """
    usable = (frames["excluded"] == "").to_numpy()
    time_s = frames["time_s"].to_numpy(dtype=float)
    reach = _frames_in(time_s, BOUNDARY_SHIFT_S)
    readable = np.flatnonzero(usable)
    if not readable.size:
        return np.ones(len(phases), dtype=bool)
    # Readable frames, glimpses dropped, and where the clip is taken to open and close: at its
    # first and last readable frames after and before no more than pose's warm-up, else at its
    # edges, so that a longer unreadable opening or close hides a stance's start or end.
    first, last = readable[0], readable[-1]
    warm_up = max(EDGE_WARMUP_FRAMES, _frames_in(time_s, EDGE_WARMUP_S))
    opens = first if first <= warm_up else -1
    closes = last if len(usable) - 1 - last <= warm_up else len(usable)
    seen = np.union1d(np.flatnonzero(_without_glimpses(usable, reach)), [opens, closes])
    long_gap = np.zeros(len(usable), dtype=bool)
    for before, after in pairwise(seen):
        if after - before - 1 >= reach:
            long_gap[before + 1 : after] = True
    flags = np.zeros(len(phases), dtype=bool)
    settled = _after_warm_up(usable, reach, EDGE_WARMUP_FRAMES)
    for members in _stances(phases, settled, reach):
        start = int(phases["start_frame"].iloc[members[0]])
        end = int(phases["end_frame"].iloc[members[-1]])
        start_unseen = long_gap[max(0, start - reach) : start + 1].any()
        end_unseen = long_gap[max(0, end - 1) : end + reach].any()
        flags[members] = start_unseen or end_unseen or usable[start:end].mean() < MIN_SEEN_SHARE
    return flags


def _after_warm_up(usable: np.ndarray, reach: int, warm_up: int) -> np.ndarray:
    """``usable`` without the first ``warm_up`` frames after each unreadable run of ``reach``
    frames or more inside the clip: pose finding the body again."""
    out = usable.copy()
    for start, end in true_runs(~usable):
        if start > 0 and end - start >= reach:
            out[end : end + warm_up] = False
    return out


def _without_glimpses(usable: np.ndarray, reach: int) -> np.ndarray:
    """``usable`` with each readable run shorter than ``reach`` frames that borders an
    unreadable run of ``reach`` or more taken as unreadable: a frame or two of pose at the edge
    of a long unreadable stretch shows no more of a stance starting there than the stretch
    does (one readable frame between a 21-frame and a 5-frame run of frames the two pose
    passes disagreed on had hidden a balance stance's start)."""
    unreadable = dict(true_runs(~usable))  # start -> end
    long_ends = {end for start, end in unreadable.items() if end - start >= reach}
    long_starts = {start for start, end in unreadable.items() if end - start >= reach}
    out = usable.copy()
    for start, end in true_runs(usable):
        if end - start < reach and (start in long_ends or end in long_starts):
            out[start:end] = False
    return out


def _stances(phases: pd.DataFrame, usable: np.ndarray, reach: int) -> list[list[int]]:
    """Phase indices grouped into stances: consecutive phases of one leg whose frames between
    are unreadable (or within ``reach`` of either phase)."""
    order = np.argsort(phases["start_frame"].to_numpy(), kind="stable")
    groups: list[list[int]] = []
    for k in order:
        row = phases.iloc[k]
        if groups:
            last = phases.iloc[groups[-1][-1]]
            between = usable[int(last["end_frame"]) + reach : int(row["start_frame"]) - reach]
            if last["stance_leg"] == row["stance_leg"] and not between.any():
                groups[-1].append(int(k))
                continue
        groups.append([int(k)])
    return groups


def refuse_unseen_boundaries(
    frames: pd.DataFrame, phases: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Phases whose start or end was not seen (``unseen_boundaries``) are dropped; each side
    that lost one gets the reason in words."""
    if phases.empty:
        return phases, {}
    unseen = unseen_boundaries(frames, phases)
    reasons = {
        row.stance_leg: (
            f"a {row.stance_leg} stance phase began or ended next to frames that could not be "
            "read (black frames, a close-up or a cut), so its peak may lie in what was missed; "
            "film the whole test in one take"
        )
        for row in phases[unseen].itertuples()
    }
    return phases[~unseen].reset_index(drop=True), reasons
