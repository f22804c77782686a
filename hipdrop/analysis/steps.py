"""Per-step hip drop in walking, running and stairs, and the per-side summary of the steps.

A step starts at a foot strike and belongs to that (stance) leg. Its numbers, each signed so
that positive means "toward the stance leg" or "swing side lower" (CLINICAL.md):

- ``drop_deg``: contralateral pelvic drop at midstance (middle of single support),
- ``peak_drop_deg``: the largest drop from foot strike to foot off,
- ``lateral_shift_widths``: the pelvis centre's displacement toward the stance foot at
  midstance, from its path averaged over one stride, in hip widths measured in the same frame
  (so walking toward or away from the camera does not change it),
- ``trunk_lean_deg``: trunk axis leaning toward the stance side at midstance.

Clinicians average the midstance drop over at least 7 steps per side (Dingenen et al. 2018).
Steps are excluded (and counted) when the pelvis is not tracked, the subject is too small in
the frame, a landmark leaves the image, or the stance is cut by the clip's end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hipdrop.analysis.baseline import Baseline
from hipdrop.analysis.metrics import stance_sign
from hipdrop.analysis.quality import Z_95
from hipdrop.analysis.thresholds import TaskThresholds
from hipdrop.conventions import SIDES, landmark, other_side
from hipdrop.events.gait import FOOT_OFF, FOOT_STRIKE
from hipdrop.tracks import LandmarkTracks

#: Clinicians average drop over at least this many steps per side (Dingenen et al. 2018).
MIN_STEPS_PER_SIDE = 7

STEP_COLUMNS = [
    "stance_leg",
    "foot_strike_frame",
    "foot_strike_s",
    "foot_off_frame",
    "foot_off_s",
    "midstance_frame",
    "midstance_s",
    "step_time_s",
    "drop_deg",
    "peak_drop_deg",
    "peak_drop_frame",
    "peak_drop_s",
    "peak_hike_deg",
    "lateral_shift_widths",
    "trunk_lean_deg",
    "hip_width_px",
    "included",
    "excluded_reason",
]


@dataclass(frozen=True)
class StepParams:
    min_hip_width_px: float = 25.0  # smaller subjects give angle noise above ~5 deg
    edge_margin_px: float = 4.0  # landmarks this close to the image border are leaving it
    max_untracked_fraction: float = 0.2  # of stance frames without a pelvis line
    #: The strike is found from the swing before it (events/gait.py): a step whose last half
    #: stride before the strike was more than this share untracked (the subject re-found after
    #: a gap, a cut or a turn out of view) is not trusted; on walks resumed after 0.6 s unseen
    #: such strikes came with the wrong foot or none.
    max_untracked_swing_fraction: float = 0.2


def stance_masks(events: pd.DataFrame, n_frames: int) -> dict[str, np.ndarray]:
    """Per foot, frames where it is on the ground (strike to next off of the same foot).

    Before a foot's first event it is down if that event is an off; after its last event it
    is down if that event is a strike.
    """
    masks = {}
    for side in SIDES:
        down = np.zeros(n_frames, dtype=bool)
        own = events[events["side"] == side].sort_values("frame")
        state, start = None, 0
        for kind, frame in zip(own["kind"], own["frame"], strict=True):
            if state is None:
                state = kind == FOOT_OFF  # down before a first off
            down[start:frame] = state
            state, start = kind == FOOT_STRIKE, int(frame)
        down[start:] = bool(state)
        masks[side] = down
    return masks


def gait_labels(events: pd.DataFrame, n_frames: int) -> np.ndarray:
    """Per-frame support: ``left``/``right`` (single support), ``both`` or ``none`` (flight)."""
    masks = stance_masks(events, n_frames)
    labels = np.full(n_frames, "none", dtype=object)
    labels[masks["left"]] = "left"
    labels[masks["right"]] = "right"
    labels[masks["left"] & masks["right"]] = "both"
    return labels


def _events_of(events: pd.DataFrame, side: str, kind: str) -> np.ndarray:
    rows = events[(events["side"] == side) & (events["kind"] == kind)]
    return np.sort(rows["frame"].to_numpy(dtype=int))


def _first_between(frames: np.ndarray, start: int, stop: int) -> int | None:
    inside = frames[(frames > start) & (frames < stop)]
    return int(inside[0]) if len(inside) else None


def _midstance(strike: int, off: int | None, next_own: int, events: pd.DataFrame, side: str):
    """Middle of single support (other foot's off to its next strike) within this stance, else
    the middle of the stance; None when the stance is not complete in the clip."""
    end = off if off is not None else None
    other = other_side(side)
    other_off = _first_between(_events_of(events, other, FOOT_OFF), strike - 1, end or next_own)
    if other_off is not None:
        other_strike = _first_between(
            _events_of(events, other, FOOT_STRIKE), other_off, (end or next_own) + 1
        )
        if other_strike is not None:
            return (other_off + other_strike) // 2
    return None if end is None else (strike + end) // 2


def _leaving_frame(tracks: LandmarkTracks, span: slice, margin_px: float) -> bool:
    """Any hip, ankle or heel landmark missing or within ``margin_px`` of the image border."""
    parts = [landmark(s, p) for s in SIDES for p in ("hip", "ankle", "heel")]
    xy = tracks.xy_px[span][:, parts]
    width, height = tracks.image_size_px
    if not np.isfinite(xy).all():
        return True
    x, y = xy[..., 0], xy[..., 1]
    return bool(
        (x < margin_px).any()
        | (x > width - 1 - margin_px).any()
        | (y < margin_px).any()
        | (y > height - 1 - margin_px).any()
    )


def _stride_mean(values: np.ndarray, time_s: np.ndarray, stride_s: float) -> np.ndarray:
    """Centred moving average over one stride (NaN-aware): the path without the sway."""
    rate = 1.0 / float(np.median(np.diff(time_s)))
    half = max(1, round(0.5 * stride_s * rate))
    finite = np.isfinite(values)
    kernel = np.ones(2 * half + 1)
    total = np.convolve(np.where(finite, values, 0.0), kernel, mode="same")
    count = np.convolve(finite.astype(float), kernel, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > half, total / count, np.nan)


def typical_stride_s(events: pd.DataFrame, time_s: np.ndarray) -> float:
    """Median time between strikes of the same foot (NaN with fewer than two)."""
    gaps = [np.diff(time_s[_events_of(events, side, FOOT_STRIKE)]) for side in SIDES]
    gaps = np.concatenate(gaps)
    return float(np.median(gaps)) if len(gaps) else float("nan")


def stride_span(events: pd.DataFrame) -> tuple[int, int] | None:
    """Frames [start, stop) from one foot's first strike to its last, the foot with the longer
    such span: whole gait cycles (None with fewer than two strikes of either foot)."""
    spans = []
    for side in SIDES:
        strikes = _events_of(events, side, FOOT_STRIKE)
        if len(strikes) >= 2:
            spans.append((strikes[-1] - strikes[0], int(strikes[0]), int(strikes[-1])))
    if not spans:
        return None
    _, start, stop = max(spans)
    return start, stop


def stride_reference(frames: pd.DataFrame, events: pd.DataFrame) -> Baseline | None:
    """Mean obliquity and trunk lean over whole strides: the level when no standing is filmed.

    Averaging from one foot's first strike to its last covers whole gait cycles, in which a
    symmetric gait's obliquity averages to zero; camera roll does not.
    """
    span = stride_span(events)
    if span is None:
        return None
    start, stop = span
    part = frames.iloc[start:stop]
    obliquity = part["frontal_obliquity_deg"].to_numpy()
    if np.isfinite(obliquity).sum() < 3:
        return None
    return Baseline(
        obliquity_deg=float(np.nanmean(obliquity)),
        trunk_lean_deg=float(np.nanmean(part["trunk_lean_deg"])),
        pelvis_x_px=None,
        source=f"mean over whole strides, {part['time_s'].iloc[0]:.2f}-"
        f"{part['time_s'].iloc[-1]:.2f} s (no standing baseline)",
        n_frames=int(stop - start),
    )


def _swing_unseen(
    obliquity: np.ndarray, time_s: np.ndarray, strike: int, stride_s: float, params: StepParams
) -> bool:
    """Was the last half stride before ``strike`` mostly untracked? At a clip's start there is
    nothing to see, and nothing to distrust."""
    half_stride_s = 0.5 * (stride_s if np.isfinite(stride_s) else 1.0)
    before = np.flatnonzero((time_s >= time_s[strike] - half_stride_s) & (time_s < time_s[strike]))
    if before.size == 0:
        return False
    return bool(np.mean(~np.isfinite(obliquity[before])) > params.max_untracked_swing_fraction)


def step_table(
    frames: pd.DataFrame,
    events: pd.DataFrame,
    tracks: LandmarkTracks,
    reference: Baseline | None = None,
    params: StepParams | None = None,
) -> pd.DataFrame:
    """One row per foot strike (a step of that stance leg), with the columns ``STEP_COLUMNS``.

    ``frames`` is the per-frame table with ``corrected_obliquity_deg`` (relative to the
    ``reference`` level), ``trunk_lean_deg``, ``pelvis_left_px`` and ``hip_width_px``.
    """
    params = params or StepParams()
    time_s = frames["time_s"].to_numpy()
    n = len(time_s)
    obliquity = frames["corrected_obliquity_deg"].to_numpy()
    lean = frames["trunk_lean_deg"].to_numpy() - (reference.trunk_lean_deg if reference else 0.0)
    width = frames["hip_width_px"].to_numpy()
    stride_s = typical_stride_s(events, time_s)
    pelvis_x = frames["pelvis_left_px"].to_numpy()
    path_x = _stride_mean(pelvis_x, time_s, stride_s if np.isfinite(stride_s) else 1.0)
    strikes = events[events["kind"] == FOOT_STRIKE].sort_values("frame")
    rows = []
    for side, strike in zip(strikes["side"], strikes["frame"].astype(int), strict=True):
        own_strikes = _events_of(events, side, FOOT_STRIKE)
        later = own_strikes[own_strikes > strike]
        next_own = int(later[0]) if len(later) else n
        off = _first_between(_events_of(events, side, FOOT_OFF), strike, next_own)
        next_other = _first_between(_events_of(events, other_side(side), FOOT_STRIKE), strike, n)
        mid = _midstance(strike, off, next_own, events, side)
        sign = stance_sign(side)
        row = dict.fromkeys(STEP_COLUMNS, np.nan)
        row.update(
            stance_leg=side,
            foot_strike_frame=strike,
            foot_strike_s=float(time_s[strike]),
            foot_off_frame=off,
            foot_off_s=float(time_s[off]) if off is not None else np.nan,
            midstance_frame=mid,
            step_time_s=(
                float(time_s[next_other] - time_s[strike])
                if next_other is not None and next_other < next_own
                else np.nan
            ),
            included=False,
        )
        stance = slice(strike, off if off is not None else next_own)
        drop = obliquity[stance] * sign
        reason = None
        if mid is None:
            reason = "stance not complete in the clip"
        elif np.mean(~np.isfinite(drop)) > params.max_untracked_fraction or not np.isfinite(
            obliquity[mid]
        ):
            reason = "pelvis not tracked"
        elif _swing_unseen(obliquity, time_s, strike, stride_s, params):
            reason = "swing before it not seen"
        elif _leaving_frame(tracks, stance, params.edge_margin_px):
            reason = "subject leaving the frame"
        elif not width[mid] >= params.min_hip_width_px:
            reason = f"subject too small (hips {width[mid]:.0f} px apart)"
        if mid is not None and reason != "pelvis not tracked":
            peak_at = int(np.nanargmax(drop))
            row.update(
                midstance_s=float(time_s[mid]),
                drop_deg=float(obliquity[mid] * sign),
                peak_drop_deg=float(drop[peak_at]),
                peak_drop_frame=strike + peak_at,
                peak_drop_s=float(time_s[strike + peak_at]),
                peak_hike_deg=float(max(0.0, np.nanmax(-drop))),
                lateral_shift_widths=float((pelvis_x[mid] - path_x[mid]) * sign / width[mid]),
                trunk_lean_deg=float(lean[mid] * sign),
                hip_width_px=float(width[mid]),
            )
        row.update(included=reason is None, excluded_reason=reason)
        rows.append(row)
    return _typed(pd.DataFrame(rows, columns=STEP_COLUMNS))


def empty_steps() -> pd.DataFrame:
    """A step table with no rows (single-leg tasks)."""
    return _typed(pd.DataFrame(columns=STEP_COLUMNS))


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    return table.astype(
        {"foot_strike_frame": int, "foot_off_frame": "Int64", "midstance_frame": "Int64"}
    ).astype({"peak_drop_frame": "Int64", "included": bool})


def cadence_steps_per_min(steps: pd.DataFrame) -> float | None:
    """Steps per minute from the median step time (strike to the other foot's strike)."""
    times = steps["step_time_s"].dropna()
    return float(60.0 / times.median()) if len(times) else None


def step_time_asymmetry_pct(steps: pd.DataFrame) -> float | None:
    """Left minus right mean step time, in percent of their mean (symmetry index)."""
    means = [steps.loc[steps["stance_leg"] == s, "step_time_s"].dropna().mean() for s in SIDES]
    if not all(np.isfinite(means)):
        return None
    return float(100.0 * (means[0] - means[1]) / (0.5 * (means[0] + means[1])))


def _mean_sd(values: pd.Series) -> tuple[float | None, float | None]:
    values = values.dropna().astype(float)
    if values.empty:
        return None, None
    return float(values.mean()), (float(values.std(ddof=1)) if len(values) > 1 else None)


def _mean_uncertainty_deg(noise_deg: float, sd_deg: float | None, n_steps: int) -> float:
    """95% half-width of a mean over ``n_steps`` step peaks (see ``gait_side_summary``)."""
    if n_steps < 2 or sd_deg is None or not np.isfinite(sd_deg):
        return Z_95 * noise_deg
    return float(Z_95 * np.hypot(noise_deg, sd_deg / np.sqrt(n_steps)))


def gait_side_summary(
    steps: pd.DataFrame,
    thresholds: TaskThresholds,
    uncertainty_deg: float,
    px_per_cm: float | None = None,
) -> dict[str, dict]:
    """Per STANCE leg over its included steps: mean, SD and count of each step measure.

    ``peak_drop_deg`` (the classified value) is the mean over steps of each step's peak drop
    in stance; ``drop_at_midstance_deg`` the mean drop at midstance. ``uncertainty_deg`` is
    that mean's 95% half-width: one step's pose noise (``uncertainty_deg``, one frame's SD)
    combined with the steps' own spread (their standard error).
    """
    sides: dict[str, dict] = {}
    for side in SIDES:
        mine = steps[steps["stance_leg"] == side]
        used = mine[mine["included"]]
        excluded = mine.loc[~mine["included"], "excluded_reason"].value_counts().to_dict()
        base = {
            "n_steps": len(used),
            "n_phases": len(used),
            "n_steps_excluded": int(len(mine) - len(used)),
            "excluded_reasons": {str(k): int(v) for k, v in excluded.items()},
            "uncertainty_deg": uncertainty_deg,
        }
        if used.empty:
            sides[side] = {
                **base,
                "peak_drop_deg": None,
                "classification": thresholds.classify(None),
                "note": f"no usable {side} step was found",
            }
            continue
        peak, peak_sd = _mean_sd(used["peak_drop_deg"])
        base["uncertainty_deg"] = _mean_uncertainty_deg(uncertainty_deg, peak_sd, len(used))
        mid, mid_sd = _mean_sd(used["drop_deg"])
        shift, shift_sd = _mean_sd(used["lateral_shift_widths"])
        lean, lean_sd = _mean_sd(used["trunk_lean_deg"])
        worst = used.loc[used["peak_drop_deg"].idxmax()]
        step_time, _ = _mean_sd(used["step_time_s"])
        stance_s = (used["foot_off_s"] - used["foot_strike_s"]).dropna()
        sides[side] = {
            **base,
            "peak_drop_deg": peak,
            "peak_drop_sd_deg": peak_sd,
            "drop_at_midstance_deg": mid,
            "drop_at_midstance_sd_deg": mid_sd,
            "mean_drop_deg": mid,
            "largest_step_peak_drop_deg": float(worst["peak_drop_deg"]),
            "peak_drop_frame": int(worst["peak_drop_frame"]),
            "peak_drop_s": float(worst["peak_drop_s"]),
            "peak_hike_deg": float(used["peak_hike_deg"].max()),
            "hip_hike": bool(used["peak_hike_deg"].max() >= thresholds.hike_threshold_deg),
            "lateral_shift_widths": shift,
            "lateral_shift_sd_widths": shift_sd,
            "max_lateral_shift_widths": float(used["lateral_shift_widths"].max()),
            "max_lateral_shift_cm": (
                float(used["lateral_shift_widths"].max() * used["hip_width_px"].median())
                / px_per_cm
                if px_per_cm
                else None
            ),
            "trunk_lean_deg": lean,
            "trunk_lean_sd_deg": lean_sd,
            "trunk_lean_at_peak_deg": lean,
            "step_time_s": step_time,
            "stance_s": float(stance_s.sum()) if len(stance_s) else None,
            "hold_s": None,
            "pelvis_fell": False,
            "classification": thresholds.classify(peak),
            "near_threshold": bool(
                abs(peak - thresholds.threshold_deg) <= max(uncertainty_deg, thresholds.sdd_deg / 2)
            ),
        }
    return sides


def step_phases(steps: pd.DataFrame) -> pd.DataFrame:
    """The included steps' stances as a phase table (foot strike to foot off) with metrics."""
    used = steps[steps["included"] & steps["foot_off_frame"].notna()]
    return pd.DataFrame(
        {
            "stance_leg": used["stance_leg"],
            "start_frame": used["foot_strike_frame"].astype(int),
            "end_frame": used["foot_off_frame"].astype(int),
            "start_s": used["foot_strike_s"],
            "end_s": used["foot_off_s"],
            "duration_s": used["foot_off_s"] - used["foot_strike_s"],
            "drop_at_midstance_deg": used["drop_deg"],
            "peak_drop_deg": used["peak_drop_deg"],
            "mean_drop_deg": used["drop_deg"],
            "peak_hike_deg": used["peak_hike_deg"],
            "max_lateral_shift_widths": used["lateral_shift_widths"],
            "trunk_lean_at_peak_deg": used["trunk_lean_deg"],
            "hold_s": np.nan,
        }
    ).reset_index(drop=True)


def _json_value(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def steps_for_summary(steps: pd.DataFrame) -> list[dict]:
    """The step table as JSON-ready dicts (NaN and missing frames become null)."""
    return [{k: _json_value(v) for k, v in row.items()} for row in steps.to_dict("records")]


def gait_overview(steps: pd.DataFrame, events: pd.DataFrame, time_s: np.ndarray) -> dict:
    """Cadence, step-time asymmetry, stride time and step counts for ``summary.json``."""
    stride = typical_stride_s(events, time_s)
    return {
        "cadence_steps_per_min": cadence_steps_per_min(steps),
        "step_time_asymmetry_pct": step_time_asymmetry_pct(steps),
        "stride_s": stride if np.isfinite(stride) else None,
        "n_steps": int(steps["included"].sum()),
        "n_steps_excluded": int((~steps["included"]).sum()),
        "n_foot_strikes": int((events["kind"] == FOOT_STRIKE).sum()),
        "n_foot_offs": int((events["kind"] == FOOT_OFF).sum()),
    }


def gait_warnings(steps: pd.DataFrame) -> list[str]:
    """Too few steps per side for a clinical average; steps left out and why."""
    warnings = []
    for side in SIDES:
        count = int((steps["included"] & (steps["stance_leg"] == side)).sum())
        if count < MIN_STEPS_PER_SIDE:
            warnings.append(
                f"Only {count} usable {side} step(s): clinicians average at least "
                f"{MIN_STEPS_PER_SIDE} steps per side (Dingenen et al. 2018). Film more steps."
            )
    excluded = steps.loc[~steps["included"], "excluded_reason"].value_counts()
    if len(excluded):
        reasons = ", ".join(f"{count} {reason}" for reason, count in excluded.items())
        warnings.append(f"{int(excluded.sum())} step(s) left out: {reasons}.")
    return warnings
