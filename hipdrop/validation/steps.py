"""validate-mocap's task choice and its per-step scoring against the lab.

The video path's own pieces on a virtual camera's tracks: the gait or stair events (``--task``,
or ``auto`` choosing as for video), the step table the report is built from, and per step the
lab's peak drop over the same stance window, from the lab's pelvic obliquity (a pelvic-angle
output, or the 3D ASIS line) measured against the same kind of level as hipdrop's (the mean
over whole strides).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hipdrop.analysis.metrics import stance_sign
from hipdrop.analysis.stairs import StairsEvidence, stair_analysis
from hipdrop.analysis.steps import step_table, stride_reference, stride_span
from hipdrop.analysis.task import TaskChoice, choose_task
from hipdrop.events.gait import detect_gait_events
from hipdrop.events.single_leg import detect_single_leg_stance
from hipdrop.geometry.camera import CameraGeometry
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import hip_width_px


def events_for_task(
    task: str, tracks: LandmarkTracks, camera: CameraGeometry
) -> tuple[TaskChoice, pd.DataFrame, pd.DataFrame, StairsEvidence]:
    """The task (as asked, or read from the motion for ``auto``), its events, the stair
    landings table and the stairs evidence. ``tracks``: unfiltered, levelled by the roll."""
    gait_events = detect_gait_events(tracks)
    stair_events, landings, evidence = stair_analysis(tracks, camera)
    labels, _ = detect_single_leg_stance(tracks)
    choice = choose_task(task, gait_events, labels, tracks.frame_rate_hz, stairs=evidence)
    events = stair_events if choice.task == "stairs" else gait_events
    return choice, events, landings, evidence


def _frames(tracks: LandmarkTracks, obliquity_deg: np.ndarray, level_deg: float) -> pd.DataFrame:
    """The per-frame columns ``step_table`` reads, from a virtual camera's tracks."""
    width = hip_width_px(tracks)
    pelvis_x = 0.5 * (tracks.point("left", "hip")[:, 0] + tracks.point("right", "hip")[:, 0])
    return pd.DataFrame(
        {
            "time_s": tracks.time_s,
            "frontal_obliquity_deg": obliquity_deg,
            "corrected_obliquity_deg": obliquity_deg - level_deg,
            "trunk_lean_deg": np.zeros(tracks.n_frames),
            "hip_width_px": width,
            "pelvis_left_px": pelvis_x,
        }
    )


def steps_vs_reference(
    tracks: LandmarkTracks,
    obliquity_deg: np.ndarray,
    events: pd.DataFrame,
    reference_deg: np.ndarray | None,
) -> dict:
    """Per step: the stance window hipdrop found, hipdrop's peak drop in it and the lab's over
    the same window (each against its own mean over whole strides), and the largest
    difference over the steps hipdrop trusts (``included``).

    ``tracks``: the virtual camera's tracks (for the step table's trust rules);
    ``obliquity_deg``: hipdrop's frontal obliquity per frame; ``reference_deg``: the lab's
    (None: no reference, no lab column).
    """
    rows: list[dict] = []
    empty = {"steps_vs_reference": rows, "step_peak_drop_max_abs_error_deg": None}
    span = stride_span(events)
    if span is None or not np.isfinite(obliquity_deg).any():
        return empty
    raw = _frames(tracks, obliquity_deg, 0.0)
    level = stride_reference(raw, events)
    level_deg = level.obliquity_deg if level is not None else float(np.nanmean(obliquity_deg))
    steps = step_table(_frames(tracks, obliquity_deg, level_deg), events, tracks, None)
    lab = None
    if reference_deg is not None:
        start, stop = span
        lab = reference_deg - np.nanmean(reference_deg[start:stop])
    errors = []
    steps["excluded_reason"] = steps["excluded_reason"].where(steps["excluded_reason"].notna(), "")
    for step in steps.itertuples():
        end = None if pd.isna(step.foot_off_frame) else int(step.foot_off_frame)
        lab_peak = None
        if lab is not None and end is not None:
            window = stance_sign(step.stance_leg) * lab[step.foot_strike_frame : end]
            lab_peak = float(np.nanmax(window)) if np.isfinite(window).any() else None
        ours = float(step.peak_drop_deg) if np.isfinite(step.peak_drop_deg) else None
        error = ours - lab_peak if ours is not None and lab_peak is not None else None
        if error is not None and step.included:
            errors.append(abs(error))
        rows.append(
            {
                "stance_leg": step.stance_leg,
                "start_frame": int(step.foot_strike_frame),
                "end_frame": end,
                "included": bool(step.included),
                "excluded_reason": step.excluded_reason if step.excluded_reason else None,
                "peak_drop_deg": None if ours is None else round(ours, 3),
                "reference_peak_drop_deg": None if lab_peak is None else round(lab_peak, 3),
                "error_deg": None if error is None else round(error, 3),
            }
        )
    return {
        "steps_vs_reference": rows,
        "step_peak_drop_max_abs_error_deg": round(max(errors), 3) if errors else None,
    }


def event_rows(events: pd.DataFrame) -> list[dict]:
    """The detected events as JSON rows: frame, side, kind."""
    return [
        {"frame": int(frame), "side": side, "kind": kind}
        for frame, side, kind in zip(events["frame"], events["side"], events["kind"], strict=True)
    ]


def landing_rows(landings: pd.DataFrame) -> list[dict]:
    """The stair landings as JSON rows: side, frame, height and rise (torso lengths), direction,
    whether the step leads."""
    out = []
    for row in landings.itertuples():
        out.append(
            {
                "side": row.side,
                "frame": int(row.frame),
                "height_torsos": _rounded(row.height_torsos),
                "rise_torsos": _rounded(row.rise_torsos),
                "direction": row.direction,
                "leads": bool(row.leads),
            }
        )
    return out


def _rounded(value: float) -> float | None:
    return round(float(value), 3) if np.isfinite(value) else None
