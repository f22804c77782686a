"""Per-phase and per-side hip-drop numbers from the per-frame table and the phase table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hipdrop.analysis.baseline import Baseline
from hipdrop.analysis.quality import MIN_VERDICT_HIP_WIDTH_PX
from hipdrop.analysis.thresholds import TaskThresholds
from hipdrop.conventions import SIDES
from hipdrop.events.phases import end_time_s


def stance_sign(stance_leg: str) -> float:
    """Multiplier turning 'toward the subject's left' quantities into 'toward the stance leg'.

    During LEFT stance the swing side is the right: a higher left hip (positive obliquity) is
    a drop of the swing side. During RIGHT stance the signs reverse.
    """
    return 1.0 if stance_leg == "left" else -1.0


def add_drop_columns(frames: pd.DataFrame, baseline: Baseline | None) -> pd.DataFrame:
    """Add ``corrected_obliquity_deg`` (frontal obliquity less the baseline's) and ``drop_deg``
    (stance-attributed, NaN outside stance)."""
    out = frames.copy()
    offset = baseline.obliquity_deg if baseline else 0.0
    out["corrected_obliquity_deg"] = out["frontal_obliquity_deg"] - offset
    sign = out["stance_leg"].map({"left": 1.0, "right": -1.0})
    out["drop_deg"] = out["corrected_obliquity_deg"] * sign
    return out


def _hold_time_s(time_s: np.ndarray, drop_deg: np.ndarray, fall_deg: float, settle_s: float = 0.25):
    """Seconds from phase start until the pelvis starts to fall. Returns (seconds, fell).

    The pelvis settles for ``settle_s``; its level then is the reference, and it "falls" when
    the drop first exceeds that level by ``fall_deg``. Never falling gives the phase duration.
    """
    elapsed = time_s - time_s[0]
    settled = np.flatnonzero((elapsed >= settle_s) & np.isfinite(drop_deg))
    if len(settled) == 0:
        return float(elapsed[-1]), False
    level = drop_deg[settled[0]]
    above = np.flatnonzero((elapsed > settle_s) & (drop_deg > level + fall_deg))
    if len(above) == 0:
        return float(elapsed[-1]), False
    return float(elapsed[above[0]]), True


#: The lateral shift's peak is read on its running median over this many frames.
PEAK_SHIFT_FRAMES = 5


def _shift_over_foot(shift_widths: np.ndarray) -> dict[str, float]:
    """The lateral shift over the stance foot during a phase: its peak (+ the pelvis on the
    stance side of the foot), its range, and how far it moved from the phase's start (+ toward
    the stance side), in pelvis widths. The peak is that of the shift's running median over
    ``PEAK_SHIFT_FRAMES`` frames, not of single frames: "the pelvis passes over the stance
    foot" must not rest on one frame's pose noise (on the Tasks pose a frame or two of the
    balance clip had put it 0.2 widths past the foot, which the 3D pelvis never reaches)."""
    finite = shift_widths[np.isfinite(shift_widths)]
    if finite.size == 0:
        nan = float("nan")
        return {
            "peak_lateral_shift_widths": nan,
            "lateral_shift_range_widths": nan,
            "lateral_shift_travel_widths": nan,
        }
    extreme = finite[np.argmax(np.abs(finite - finite[0]))]
    return {
        "peak_lateral_shift_widths": float(
            pd.Series(finite).rolling(PEAK_SHIFT_FRAMES, center=True, min_periods=1).median().max()
        ),
        "lateral_shift_range_widths": float(finite.max() - finite.min()),
        "lateral_shift_travel_widths": float(extreme - finite[0]),
    }


def _travel_from_standing_widths(
    part: pd.DataFrame, baseline: Baseline | None, sign: float
) -> float:
    """The pelvis centre's largest travel toward the stance side from where it stood in quiet
    standing in this clip, in pelvis widths; NaN without such a baseline (a separate baseline
    clip's image position says nothing about this clip's)."""
    if baseline is None or baseline.pelvis_x_px is None:
        return float("nan")
    width = float(np.nanmedian(part["hip_width_px"]))
    travel = (part["pelvis_left_px"].to_numpy() - baseline.pelvis_x_px) * sign / width
    return float(np.nanmax(travel)) if np.isfinite(travel).any() else float("nan")


def _in_cm(widths: dict[str, float], pelvis_width_cm: float | None) -> dict[str, float]:
    """Each ``*_widths`` value as its ``*_cm`` twin (NaN without a body height)."""
    return {
        f"{name.removesuffix('_widths')}_cm": (
            value * pelvis_width_cm if pelvis_width_cm else float("nan")
        )
        for name, value in widths.items()
    }


def _pelvis_width_cm(part: pd.DataFrame, px_per_cm: float) -> float:
    """The pelvis width in centimetres: its image length, unforeshortened by the turn."""
    turn = np.radians(part["off_axis_deg"].to_numpy(dtype=float))
    true_px = part["hip_width_px"].to_numpy(dtype=float) / np.cos(turn)
    return float(np.nanmedian(true_px) / px_per_cm)


#: How much of each end of a stance phase its drop metrics leave out, in seconds: the stance
#: boundaries' own timing error (90th percentile 50-54 ms against lab-labelled foot events,
#: ``validate-mocap``), so that a frame whose stance is in doubt does not set the peak. A wider
#: margin would skip real single-leg support: on the multicam balance trial the 3D pelvis is
#: least hiked in the phase's first frames, and a 0.1 s margin put the peak drop 3.8° off it.
PHASE_EDGE_S = 0.05


def phase_core(
    time_s: np.ndarray, start_frame: int, end_frame: int, edge_s: float = PHASE_EDGE_S
) -> np.ndarray:
    """Over frames ``start_frame``..``end_frame - 1``: True where the drop metrics look, the
    phase less its first and last ``edge_s``."""
    elapsed = time_s[start_frame:end_frame] - time_s[start_frame]
    duration_s = end_time_s(time_s, end_frame) - time_s[start_frame]
    # A microsecond of slack: at 60 fps 0.05 s is exactly 3 frames, and rounding must not
    # make it 3 in one phase and 4 in the next.
    return (elapsed >= edge_s - 1e-6) & (elapsed < duration_s - edge_s - 1e-6)


def phase_metrics(
    frames: pd.DataFrame,
    phases: pd.DataFrame,
    baseline: Baseline | None,
    thresholds: TaskThresholds,
    px_per_cm: float | None = None,
    edge_s: float = PHASE_EDGE_S,
) -> pd.DataFrame:
    """One row per stance phase: peak/mean drop, hike, lateral shift, trunk lean, hold time.

    The first and last ``edge_s`` of a phase are left out of the drop metrics (see
    ``PHASE_EDGE_S``). The lateral shift over the stance foot is measured over the whole phase.
    """
    rows = []
    lean_offset = baseline.trunk_lean_deg if baseline else 0.0
    time_s = frames["time_s"].to_numpy()
    for phase in phases.itertuples():
        part = frames.iloc[phase.start_frame : phase.end_frame]
        core = phase_core(time_s, phase.start_frame, phase.end_frame, edge_s)
        drop = np.where(core, part["drop_deg"].to_numpy(), np.nan)
        sign = stance_sign(phase.stance_leg)
        row = phase._asdict()
        row.pop("Index")
        if not np.isfinite(drop).any():
            rows.append(row)
            continue
        peak_at = int(np.nanargmax(drop))
        # The whole phase: the shift over the foot happens as the weight goes onto it.
        over_foot = _shift_over_foot(part["lateral_shift_widths"].to_numpy())
        over_foot["travel_from_standing_widths"] = _travel_from_standing_widths(
            part, baseline, sign
        )
        hold_s, fell = _hold_time_s(part["time_s"].to_numpy(), drop, thresholds.fall_deg)
        row.update(
            peak_drop_deg=float(drop[peak_at]),
            peak_drop_frame=int(part["frame"].iloc[peak_at]),
            peak_drop_s=float(part["time_s"].iloc[peak_at]),
            mean_drop_deg=float(np.nanmean(drop)),
            peak_hike_deg=float(max(0.0, np.nanmax(-drop))),
            **over_foot,
            **_in_cm(over_foot, _pelvis_width_cm(part, px_per_cm) if px_per_cm else None),
            trunk_lean_at_peak_deg=float(
                (part["trunk_lean_deg"].iloc[peak_at] - lean_offset) * sign
            ),
            hold_s=hold_s,
            pelvis_fell=fell,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def side_summary(
    phase_table: pd.DataFrame,
    thresholds: TaskThresholds,
    uncertainty_by_side_deg: dict[str, float],
) -> dict[str, dict]:
    """Per STANCE leg: the worst phase's numbers, totals, and the classification."""
    sides: dict[str, dict] = {}
    for side in SIDES:
        uncertainty_deg = uncertainty_by_side_deg[side]
        mine = phase_table[phase_table["stance_leg"] == side] if len(phase_table) else phase_table
        if "peak_drop_deg" in mine:
            mine = mine[np.isfinite(mine["peak_drop_deg"].astype(float))]
        if mine.empty:
            sides[side] = {
                "n_phases": 0,
                "peak_drop_deg": None,
                "uncertainty_deg": uncertainty_deg,
                "classification": thresholds.classify(None),
                "note": f"no usable {side} single-leg stance was found",
            }
            continue
        worst = mine.loc[mine["peak_drop_deg"].idxmax()]
        peak = float(worst["peak_drop_deg"])
        if "uncertainty_deg" in mine:
            uncertainty_deg = _worst_phase_uncertainty_deg(mine, peak, uncertainty_deg)
        weights = mine["duration_s"].to_numpy()
        sides[side] = {
            "n_phases": len(mine),
            "stance_s": float(weights.sum()),
            "peak_drop_deg": peak,
            "uncertainty_deg": uncertainty_deg,
            "mean_drop_deg": float(np.average(mine["mean_drop_deg"], weights=weights)),
            "peak_drop_frame": int(worst["peak_drop_frame"]),
            "peak_drop_s": float(worst["peak_drop_s"]),
            "peak_hike_deg": float(mine["peak_hike_deg"].max()),
            "hip_hike": bool(mine["peak_hike_deg"].max() >= thresholds.hike_threshold_deg),
            **_shift_summary(mine),
            "trunk_lean_at_peak_deg": float(worst["trunk_lean_at_peak_deg"]),
            "hold_s": float(mine["hold_s"].min()),
            "pelvis_fell": bool(mine["pelvis_fell"].any()),
            "classification": thresholds.classify(peak),
            "near_threshold": bool(
                abs(peak - thresholds.threshold_deg) <= max(uncertainty_deg, thresholds.sdd_deg / 2)
            ),
        }
    return sides


def _worst_phase_uncertainty_deg(phases: pd.DataFrame, peak_deg: float, fallback: float) -> float:
    """The side's peak is its worst phase's: its uncertainty reaches as high as any phase's
    peak plus that phase's uncertainty could, and as low as the worst phase's own."""
    uncertainty = phases["uncertainty_deg"].astype(float)
    if not np.isfinite(uncertainty).any():
        return fallback
    peaks = phases["peak_drop_deg"].astype(float)
    above = float(np.nanmax(peaks + uncertainty)) - peak_deg
    below = peak_deg - float(np.nanmax(peaks - uncertainty))
    return max(above, below)


def _spans_normal_and_excessive(
    thresholds: TaskThresholds, peak_deg: float, uncertainty_deg: float
) -> bool:
    """Does the reading's 95% range hold both a normal and an excessive value? Then it cannot
    tell one from the other."""
    return (
        thresholds.classify(peak_deg - uncertainty_deg) == "normal"
        and thresholds.classify(peak_deg + uncertainty_deg) == "excessive"
    )


#: Why a reading is too uncertain, and what to do, by the uncertainty's largest source
#: (``peak_trust.PeakUncertainty``).
UNCERTAINTY_CAUSES: dict[str, tuple[str, str]] = {
    "pose": (
        "pose was unsteady: see the excluded and relabelled frames",
        "film again in good light with the whole body in view",
    ),
    "timing": (
        "the pelvis moves fast where the stance starts or ends, so a few hundredths of a second "
        "in the stance's timing move the peak",
        "film again with the foot held off the floor for longer",
    ),
    "view": (
        "most of it is the view: the subject turned from a high or tilted camera cannot be "
        "undone exactly",
        "film from straight in front or behind with the camera level at hip height",
    ),
}


def refuse_uncertain_sides(
    sides: dict[str, dict],
    hip_width_px: float,
    thresholds: TaskThresholds,
    uncertainty_sources: dict[str, str] | None = None,
) -> list[str]:
    """Sides whose verdict cannot be trusted become insufficient data, as any refused side
    (angles dropped, counts kept, the reason in ``note``): a subject too small in the frame
    (``MIN_VERDICT_HIP_WIDTH_PX``), a gait side read from a single step (its uncertainty
    knows nothing of how steps differ: the walk with close-ups and black frames every 60
    kept one right step, 3.2° from the three the clean clip's mean is over, outside the ±2.2°
    it gave), or a reading whose uncertainty reaches from normal to excessive, its note naming
    the uncertainty's largest source (``uncertainty_sources``: per side 'pose', 'timing' or
    'view'; 'pose' where not given). Returns the reasons, for the warnings."""
    reasons = []
    for side, found in sides.items():
        uncertainty = found.get("uncertainty_deg")
        peak = found.get("peak_drop_deg")
        if peak is None:
            continue
        if hip_width_px < MIN_VERDICT_HIP_WIDTH_PX:
            note = (
                f"the subject is too small in the frame (hips {hip_width_px:.0f} px apart): a "
                "pixel of pose error tilts the hip line by several degrees, and the legs are "
                "easily mistaken; film closer"
            )
        elif found.get("n_steps") == 1:
            note = (
                f"only one usable {side} step: one step cannot show how much steps differ, "
                "and its own uncertainty leaves that out; film more steps (clinicians average "
                "at least 7 per side, Dingenen et al. 2018)"
            )
        elif uncertainty and _spans_normal_and_excessive(thresholds, peak, uncertainty):
            cause, advice = UNCERTAINTY_CAUSES[(uncertainty_sources or {}).get(side, "pose")]
            note = (
                f"the {side}-stance reading is uncertain by ±{uncertainty:.1f}°, too much to "
                f"tell normal from excessive ({cause}); {advice}"
            )
        else:
            continue
        counts = {key: value for key, value in found.items() if key.startswith("n_")}
        sides[side] = {
            **counts,
            "peak_drop_deg": None,
            "uncertainty_deg": uncertainty,
            "classification": "insufficient data",
            "note": note,
        }
        reasons.append(f"Insufficient data for {side} stance: {note}.")
    return reasons


def _shift_summary(phases: pd.DataFrame) -> dict[str, float | None]:
    """Per side: the highest peak and widest range of the shift over the stance foot, the
    travel of the phase that travelled furthest (widths, and cm where known), and the largest
    travel from quiet standing."""
    out: dict[str, float | None] = {
        "travel_from_standing_widths": _none_if_nan(phases["travel_from_standing_widths"].max())
    }
    for unit in ("widths", "cm"):
        travel = phases[f"lateral_shift_travel_{unit}"].astype(float)
        furthest = travel.abs().idxmax() if travel.notna().any() else None
        out[f"peak_lateral_shift_{unit}"] = _none_if_nan(phases[f"peak_lateral_shift_{unit}"].max())
        out[f"lateral_shift_range_{unit}"] = _none_if_nan(
            phases[f"lateral_shift_range_{unit}"].max()
        )
        out[f"lateral_shift_travel_{unit}"] = (
            None if furthest is None else _none_if_nan(travel[furthest])
        )
    return out


def _none_if_nan(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def asymmetry_deg(sides: dict[str, dict]) -> float | None:
    """Left-stance minus right-stance peak drop, when both sides have one."""
    left, right = sides["left"].get("peak_drop_deg"), sides["right"].get("peak_drop_deg")
    return None if left is None or right is None else float(left - right)
