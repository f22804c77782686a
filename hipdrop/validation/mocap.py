"""Validate hipdrop's video pipeline against marker-based motion capture: a virtual camera's
view of the trial (:mod:`hipdrop.geometry.virtual_camera`) goes through the same cleaning,
camera and frontal geometry, task choice and gait-event code as pose tracks from video, and is
compared with the lab's pelvic angles, events and force plates.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hipdrop.analysis.task import check_task
from hipdrop.io.marker_names import asis_obliquity_deg, is_asis, marker_map, read_marker_names
from hipdrop.io.mocap import MocapTrial, read_mocap
from hipdrop.validation.event_audit import (
    event_match_window,
    event_scores,
    plate_events,
    plate_scores,
)
from hipdrop.validation.steps import event_rows, events_for_task, landing_rows, steps_vs_reference
from hipdrop.validation.virtual_view import virtual_view

#: The reference of a trial that has ASIS markers but no pelvic angles.
ASIS_REFERENCE = "ASIS line"


def _with_asis_reference(trial: MocapTrial, markers: dict[str, str]) -> MocapTrial:
    """The trial compared with its 3D ASIS line where it has ASIS hips but no pelvic angles."""
    if trial.reference is not None or not is_asis(markers.get("left_hip", "")):
        return trial
    return replace(
        trial,
        obliquity_deg={**trial.obliquity_deg, ASIS_REFERENCE: asis_obliquity_deg(trial, markers)},
        reference=ASIS_REFERENCE,
    )


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
    check_task(task)
    trial = read_mocap(path, ik_path, grf_path)
    markers = marker_map(trial, read_marker_names(markers_path) if markers_path else None)
    trial = _with_asis_reference(trial, markers)
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
        **event_scores(trial, markers, events),
        **plate_scores(
            plate_events(trial, markers), events, trial.rate_hz, event_match_window(trial)
        ),
        **steps_vs_reference(
            view.event_tracks, view.obliquity_deg, events, trial.reference_obliquity_deg
        ),
    }
