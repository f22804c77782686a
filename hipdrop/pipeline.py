"""``analyse()``: video or landmark tracks in, an :class:`Analysis` out. It only strings the
stages of :mod:`hipdrop.analysis` together, in the order the data flows:

input tracks -> prepared (upright, usable frames, cleaned, view) -> camera, events and task ->
frame table and baseline -> per-side metrics -> warnings -> summary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from hipdrop.analysis.baseline import Baseline, find_quiet_standing
from hipdrop.analysis.clip_baseline import clip_baseline
from hipdrop.analysis.clip_input import ProgressCallback, check_person, input_tracks, upright
from hipdrop.analysis.clip_warnings import (
    implausible_tilt_warnings,
    no_3d_warning,
    no_phase_warning,
    oblique_view_warning,
    relabelled_warning,
    small_subject_warning,
)
from hipdrop.analysis.frame_table import (
    centimetre_scale,
    frame_table,
    subject_height_px,
    view_geometry,
)
from hipdrop.analysis.metrics import (
    add_drop_columns,
    asymmetry_deg,
    phase_metrics,
    refuse_uncertain_sides,
    side_summary,
)
from hipdrop.analysis.peak_trust import phase_peak_uncertainty, refuse_unseen_boundaries
from hipdrop.analysis.pose_input import input_format
from hipdrop.analysis.quality import MIN_HIP_WIDTH_PX, Z_95, ClipQuality, assess_quality
from hipdrop.analysis.session import SessionDetails
from hipdrop.analysis.stair_steps import stair_warnings, stairs_summary, with_stair_columns
from hipdrop.analysis.stairs import StairsEvidence, stair_analysis
from hipdrop.analysis.steps import (
    empty_steps,
    gait_labels,
    gait_overview,
    gait_side_summary,
    gait_warnings,
    step_phases,
    step_table,
    steps_for_summary,
    stride_reference,
)
from hipdrop.analysis.task import TaskChoice, choose_task
from hipdrop.analysis.thresholds import TaskThresholds, load_thresholds
from hipdrop.analysis.usability import (
    FrameUsability,
    assess_frames,
    blank_unusable,
    clip_warnings,
    enough_usable,
    exclusion_warning,
)
from hipdrop.analysis.view_checks import (
    camera_summary,
    estimate_camera,
    refuse_oblique_phases,
    side_uncertainty_deg,
)
from hipdrop.conventions import GAIT_TASKS
from hipdrop.errors import HipdropError, NoUsableFramesError
from hipdrop.events.gait import detect_gait_events
from hipdrop.events.single_leg import (
    SingleLegParams,
    detect_single_leg_stance,
    gravity_lift_legs,
    stagger_rise_legs,
)
from hipdrop.geometry import CameraGeometry, FrontalGeometry
from hipdrop.geometry.camera import level_xy
from hipdrop.geometry.camera_motion import (
    motion_summary,
    motion_warnings,
    moving,
    steadied,
    with_camera_roll,
)
from hipdrop.io.camera_motion import CameraMotion
from hipdrop.io.scene_lines import SceneLines, pooled_scene
from hipdrop.options import AnalysisOptions
from hipdrop.result import Analysis
from hipdrop.summary_schema import SUMMARY_SCHEMA_VERSION
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import (
    SubjectTravel,
    ViewEstimate,
    detect_view,
    stature_px,
    subject_travel,
)
from hipdrop.tracks.signal import CleanedTracks, CleaningParams, clean_tracks
from hipdrop.version import __version__


@dataclass
class PreparedClip:
    """Stage 1: the tracks steadied against the camera's own motion and turned upright with
    their scene, which frames can be used, the cleaned tracks, the camera view, and the
    warnings so far (later stages add to them)."""

    tracks: LandmarkTracks
    scene: SceneLines | None
    frame_use: FrameUsability
    cleaned: CleanedTracks
    view: ViewEstimate
    warnings: list[str]
    camera_motion: CameraMotion | None = None


@dataclass
class Motion:
    """Stage 2: the camera's geometry, the tracks levelled by its roll, the task, and the
    stance labels, phases and events it found (stairs: the stair events and landings)."""

    camera: CameraGeometry
    level: LandmarkTracks
    choice: TaskChoice
    labels: np.ndarray
    phases: pd.DataFrame
    events: pd.DataFrame
    landings: pd.DataFrame
    stairs: StairsEvidence

    @property
    def gait(self) -> bool:
        return self.choice.task in GAIT_TASKS


@dataclass
class Measured:
    """Stage 4: per-frame table, phase table, per-side summary, steps (gait tasks) and the
    events kept, with the clip's noise and the reason per side a phase was dropped."""

    frames: pd.DataFrame
    phase_table: pd.DataFrame
    sides: dict[str, dict]
    steps: pd.DataFrame | None
    events: pd.DataFrame
    quality: ClipQuality
    hip_width_px: float
    refusals: dict[str, str]
    no_phase_found: bool


def _camera_and_events(
    cleaned: CleanedTracks,
    stance: SingleLegParams,
    scene: SceneLines | None,
    camera_hint: CameraGeometry | None,
    focal_length_mm: float | None,
) -> tuple[CameraGeometry, LandmarkTracks, np.ndarray, pd.DataFrame, pd.DataFrame]:
    """The camera's geometry, the tracks levelled by its roll, and stance and gait events found
    on the levelled tracks. Returns (camera, level, labels, phases, events).

    The body-based camera needs standing frames: a first stance pass on the image as filmed
    finds them (only the scene-less fallback uses it).
    """
    provisional, _ = detect_single_leg_stance(cleaned.tracks, stance)
    camera = estimate_camera(
        cleaned.tracks, provisional == "both", scene, camera_hint, focal_length_mm
    )
    level = cleaned.tracks.with_xy(level_xy(cleaned.tracks.xy_px, camera))
    world_lift = gravity_lift_legs(cleaned.tracks, camera.up_vector())
    stagger = stagger_rise_legs(cleaned.tracks, camera, stance)
    labels, phases = detect_single_leg_stance(level, stance, world_lift, stagger)
    events = detect_gait_events(level.with_xy(level_xy(cleaned.unfiltered_xy_px, camera)))
    return camera, level, labels, phases, events


def _check_usable(frame_use: FrameUsability, name: str, note: str | None) -> None:
    """Refuse a clip of which no frame can be analysed, saying why."""
    if not frame_use.usable.any():
        counts = ", ".join(
            f"{count} {reason.replace('_', ' ')}"
            for reason, count in frame_use.counts().items()
            if count
        )
        raise NoUsableFramesError(
            f"{name}: no frame can be analysed ({counts})" + (f". {note}" if note else "")
        )


def _travel(tracks: LandmarkTracks, frame_use: FrameUsability) -> SubjectTravel:
    """The subject's travel through the picture, over every frame that shows the subject's
    torso: also those left out of the metrics for hidden feet or an unclear facing (a walker's
    feet are often out of view), not those showing someone or somewhere else."""
    shown = np.isin(frame_use.reason, ["", "feet_not_visible", "facing_unknown"])
    return subject_travel(
        replace(tracks, xy_px=np.where(shown[:, None, None], tracks.xy_px, np.nan))
    )


def _single_leg_sides(
    frames: pd.DataFrame,
    phases: pd.DataFrame,
    baseline: Baseline | None,
    thresholds: TaskThresholds,
    px_per_cm: float | None,
    noise_deg: float,
    cleaning: CleaningParams,
) -> tuple[pd.DataFrame, dict[str, dict], dict[str, str], pd.DataFrame]:
    """Single-leg stance: the phases a peak can be read from (not too oblique, start and end
    seen), their metrics and 95% uncertainty, each side's summary, per side the reason a
    phase was dropped, and the frames with the stance leg of too oblique phases unnamed."""
    phases, refusals, unnamed = refuse_oblique_phases(frames, phases)
    frames = frames.assign(stance_leg=np.where(unnamed, "none", frames["stance_leg"]))
    phases, unseen = refuse_unseen_boundaries(frames, phases)
    phase_table = phase_metrics(frames, phases, baseline, thresholds, px_per_cm)
    uncertainty = [
        phase_peak_uncertainty(frames, row, noise_deg, cleaning)
        for _, row in phase_table.iterrows()
    ]
    phase_table["uncertainty_deg"] = [u.total_deg for u in uncertainty]
    phase_table["uncertainty_mostly_from"] = [u.largest_source for u in uncertainty]
    fallback = side_uncertainty_deg(frames, phases, noise_deg)
    sides = side_summary(phase_table, thresholds, fallback)
    return phase_table, sides, {**unseen, **refusals}, frames


def _uncertainty_sources(phase_table: pd.DataFrame) -> dict[str, str]:
    """Per stance side, the largest source of its most uncertain phase's uncertainty (single-leg
    phases carry it; steps do not)."""
    if "uncertainty_mostly_from" not in phase_table or phase_table.empty:
        return {}
    ordered = phase_table.sort_values("uncertainty_deg", na_position="first")
    return dict(zip(ordered["stance_leg"], ordered["uncertainty_mostly_from"], strict=True))


def _facing_unknown_left_out(
    frame_use: FrameUsability, cleaned: CleanedTracks
) -> tuple[FrameUsability, CleanedTracks, str | None]:
    """The frames whose front or back view cleaning could not tell, left out (read the wrong
    way round, their left and right would be exchanged), and a note saying so."""
    unknown = cleaned.facing_unknown & frame_use.usable
    if not unknown.any():
        return frame_use, cleaned, None
    frame_use = frame_use.with_reason("facing_unknown", unknown)
    unfiltered = cleaned.unfiltered_xy_px.copy()
    unfiltered[unknown] = np.nan
    cleaned = replace(
        cleaned, tracks=blank_unusable(cleaned.tracks, frame_use), unfiltered_xy_px=unfiltered
    )
    note = (
        f"In {int(unknown.sum())} frame(s) it is unclear whether the subject faces the camera "
        "or has their back to it (pose's left and right labels and the direction the feet "
        "point disagree, or are split): they are left out, because read the wrong way round "
        "every left and right in them would be exchanged."
    )
    return frame_use, cleaned, note


def prepare_clip(
    tracks: LandmarkTracks,
    scene: SceneLines | None,
    cleaning: CleaningParams,
    name: str,
    camera_motion: CameraMotion | None = None,
) -> PreparedClip:
    """Stage 1: refuse a clip without a person, steady it against the camera's own motion
    (``scene`` is already in the steadied picture), turn it upright, leave out the frames that
    cannot be used (facing unknown too, outside a side view; the camera's motion not followed),
    clean the rest, read the view."""
    check_person(tracks, name)
    tracks, scene = upright(steadied(tracks, camera_motion), scene)
    frame_use = assess_frames(tracks, cleaning.min_visibility)
    cleaned = clean_tracks(blank_unusable(tracks, frame_use), cleaning)
    # Gap filling must not invent data where frames were excluded (a still, fake stretch).
    cleaned = replace(cleaned, tracks=blank_unusable(cleaned.tracks, frame_use))
    view = detect_view(cleaned.tracks)
    facing_note = None
    if view.view != "side":  # a side view is refused for that, whichever way it faces
        frame_use, cleaned, facing_note = _facing_unknown_left_out(frame_use, cleaned)
        _check_usable(frame_use, name, facing_note)
    warnings = clip_warnings(tracks) + [w for w in [exclusion_warning(frame_use)] if w]
    warnings += [facing_note] if facing_note else []
    warnings += tracks.meta.get("warnings", []) + motion_warnings(camera_motion)
    return PreparedClip(tracks, scene, frame_use, cleaned, view, warnings, camera_motion)


def find_motion(
    clip: PreparedClip, options: AnalysisOptions, camera_hint: CameraGeometry | None
) -> Motion:
    """Stage 2: the camera, stance and gait (or stair) events, and the task they show."""
    camera, level, labels, phases, events = _camera_and_events(
        clip.cleaned, options.stance, clip.scene, camera_hint, options.focal_length_mm
    )
    stair_events, landings, stairs = stair_analysis(
        level.with_xy(level_xy(clip.cleaned.unfiltered_xy_px, camera)), camera
    )
    tracks = clip.tracks
    choice = choose_task(
        options.task,
        events,
        labels,
        tracks.frame_rate_hz,
        stairs=stairs,
        travel=_travel(tracks, clip.frame_use),
    )
    events = stair_events if choice.task == "stairs" else events
    clip.warnings.extend(stair_warnings(choice.task, options.task, stairs))
    return Motion(camera, level, choice, labels, phases, events, landings, stairs)


def keep_enough_data(clip: PreparedClip, motion: Motion) -> Motion:
    """Gait tasks label stance from the steps; too few usable frames keep no phase or event."""
    tracks = clip.tracks
    if motion.gait:
        motion = replace(motion, labels=gait_labels(motion.events, tracks.n_frames))
    if not enough_usable(clip.frame_use, tracks.frame_rate_hz):
        motion = replace(motion, phases=motion.phases.iloc[0:0], events=motion.events.iloc[0:0])
        clip.warnings.append(
            f"Insufficient data: only {int(clip.frame_use.usable.sum())} of {tracks.n_frames} "
            "frames are usable, too few for a verdict."
        )
    return motion


def frames_and_baseline(
    clip: PreparedClip, motion: Motion, baseline: Baseline | None
) -> tuple[pd.DataFrame, Baseline | None, FrontalGeometry]:
    """Stage 3: the per-frame table, the baseline drop is measured against (the given one, the
    strides' mean, or quiet standing in the clip) and the frontal geometry of the view."""
    tracks, warnings = clip.tracks, clip.warnings
    geometry = view_geometry(clip.cleaned.tracks, motion.camera)
    if tracks.world_m is None or not np.isfinite(tracks.world_m).any():
        warnings.append(no_3d_warning(geometry.yaw_sd_deg))
    frames = frame_table(clip.cleaned.tracks, motion.level, motion.labels, motion.camera, geometry)
    frames = with_camera_roll(frames, clip.camera_motion, motion.camera.roll_deg)
    if motion.gait and baseline is None:
        baseline = stride_reference(frames, motion.events)
    if baseline is None:
        baseline = find_quiet_standing(
            motion.labels,
            tracks.time_s,
            frames["frontal_obliquity_deg"].to_numpy(),
            frames["trunk_lean_deg"].to_numpy(),
            frames["pelvis_left_px"].to_numpy(),
            frames["hip_width_px"].to_numpy(),
        )
        if baseline is None:
            warnings.append(
                "No quiet standing on both feet was found and no --baseline clip was used: "
                "drop is measured against the horizontal found from the camera's geometry, so "
                "the subject's resting asymmetry (and any error in the camera's roll) is "
                "included."
            )
    if baseline is None:  # nothing cancels the camera roll's error
        frames["geometry_sd_deg"] = np.hypot(frames["geometry_sd_deg"], geometry.roll_sd_deg)
    frames = add_drop_columns(frames, baseline)
    frames["excluded"] = clip.frame_use.reason  # why a frame was left out; empty when used
    return frames, baseline, geometry


def measure_sides(
    clip: PreparedClip,
    motion: Motion,
    frames: pd.DataFrame,
    baseline: Baseline | None,
    thresholds: TaskThresholds,
    options: AnalysisOptions,
) -> Measured:
    """Stage 4: the body's scale and the clip's noise, then per step (gait tasks) or per
    single-leg phase the drop, and each stance side's summary and classification."""
    warnings = clip.warnings
    height_px = subject_height_px(stature_px(motion.level), motion.labels)
    width = float(np.nanmedian(frames["hip_width_px"]))
    px_per_cm, scale_warning = centimetre_scale(height_px, options.height_cm, frames)
    warnings += [scale_warning] if scale_warning else []
    quality = assess_quality(clip.cleaned, width, height_px, clip.frame_use, options.cleaning)
    usable = clip.view.view != "side"
    phases, events = motion.phases, motion.events
    if not usable:
        phases = phases.iloc[0:0]
        events = events.iloc[0:0]
    steps = step_table(frames, events, motion.level, baseline) if motion.gait else None
    if motion.choice.task == "stairs":
        steps = with_stair_columns(steps, motion.landings, motion.stairs)
    refusals: dict[str, str] = {}
    if motion.gait:
        phase_table = step_phases(steps)
        sides = gait_side_summary(steps, thresholds, quality.uncertainty_deg, px_per_cm)
        warnings += gait_warnings(steps) if usable else []
    else:
        phase_table, sides, refusals, frames = _single_leg_sides(
            frames,
            phases,
            baseline,
            thresholds,
            px_per_cm,
            quality.uncertainty_deg,
            options.cleaning,
        )
    for side, reason in refusals.items():
        if sides[side].get("peak_drop_deg") is None:
            sides[side]["note"] = reason
            warnings.append(f"Insufficient data for {side} stance: {reason}.")
    warnings += refuse_uncertain_sides(sides, width, thresholds, _uncertainty_sources(phase_table))
    no_phase_found = usable and not motion.gait and phases.empty and not refusals
    return Measured(
        frames, phase_table, sides, steps, events, quality, width, refusals, no_phase_found
    )


def add_closing_warnings(clip: PreparedClip, measured: Measured, geometry: FrontalGeometry) -> None:
    """Stage 5: the warnings about the clip as a whole, after its metrics."""
    warnings = clip.warnings
    if clip.view.view == "oblique":
        warnings.append(oblique_view_warning(geometry))
    if measured.hip_width_px < MIN_HIP_WIDTH_PX:
        warnings.append(
            small_subject_warning(measured.hip_width_px, measured.quality.uncertainty_deg)
        )
    relabelled = relabelled_warning(clip.cleaned)
    warnings += [relabelled] if relabelled else []
    if measured.no_phase_found:
        warnings.append(no_phase_warning(measured.frames))
    warnings += implausible_tilt_warnings(measured.sides)


def clip_summary(
    clip: PreparedClip,
    motion: Motion,
    measured: Measured,
    geometry: FrontalGeometry,
    context: dict,
) -> dict:
    """Stage 6: summary.json. ``context``: the baseline, thresholds, options, session block and
    input name the stages worked with."""
    tracks, view, quality = clip.tracks, clip.view, measured.quality
    baseline, thresholds, options = context["baseline"], context["thresholds"], context["options"]
    usable, gait, steps = view.view != "side", motion.gait, measured.steps
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "task": motion.choice.task,
        "task_reason": motion.choice.reason,
        "view": view.view,
        "view_reason": view.reason,
        "camera": camera_summary(
            motion.camera,
            measured.frames,
            geometry,
            tracks.meta.get("picture_quarter_turns_cw", 0),
        )
        | {"motion": motion_summary(clip.camera_motion, motion.camera.roll_deg)},
        "usable": usable,
        **(
            {}
            if usable
            else {
                "reason": f"Side view: {view.reason}. Frontal-plane hip drop "
                "needs a camera in front of or behind the subject."
            }
        ),
        "phases": [
            {k: row[k] for k in ("stance_leg", "start_frame", "end_frame", "start_s", "end_s")}
            for row in measured.phase_table.to_dict("records")
        ],
        "sides": measured.sides,
        "steps": [
            {**step, "uncertainty_deg": Z_95 * quality.uncertainty_deg}
            for step in (steps_for_summary(steps) if gait else [])
        ],
        **({"gait": gait_overview(steps, measured.events, tracks.time_s)} if gait else {}),
        **(
            {
                "stairs": stairs_summary(
                    steps, motion.stairs, motion.landings, thresholds, quality.uncertainty_deg
                )
            }
            if motion.choice.task == "stairs"
            else {}
        ),
        "asymmetry_deg": asymmetry_deg(measured.sides),
        "baseline": baseline.as_dict() if baseline else None,
        "thresholds": asdict(thresholds),
        "quality": {
            **quality.as_dict(),
            "pose_mirror_disagreement_deg": tracks.meta.get("mirror_disagreement_deg"),
        },
        "height_cm": options.height_cm,
        "warnings": clip.warnings,
        "session": context["session"],
        "provenance": _provenance(tracks, options, context["name"]),
    }


def _provenance(tracks: LandmarkTracks, options: AnalysisOptions, name: str) -> dict:
    """Where the result came from: hipdrop's version, pose, input and parameters."""
    return {
        "hipdrop_version": __version__,
        "pose": tracks.meta.get("pose"),
        "pose_source": tracks.meta.get("pose_source"),
        "mirror_pass": bool(tracks.meta.get("mirror_pass", False)),
        "input_sha256": tracks.meta.get("input_sha256", tracks.meta.get("video_sha256")),
        "input_name": name,
        "parameters": {
            "task_requested": options.task,
            "cleaning": asdict(options.cleaning),
            "stance": asdict(options.stance),
        },
    }


def analyse_tracks(
    tracks: LandmarkTracks,
    options: AnalysisOptions | None = None,
    *,
    baseline: Baseline | None = None,
    source: dict | None = None,
    session: SessionDetails | None = None,
    scene: SceneLines | None = None,
    camera: CameraGeometry | None = None,
    baseline_problem: str | None = None,
    camera_motion: CameraMotion | None = None,
) -> Analysis:
    """Everything after pose, stage by stage (see the module's docstring).

    ``scene``: the clip's straight edges, for the camera's roll and pitch (without them, the
    baseline clip's camera or the standing body gives them). ``camera``: a geometry found
    elsewhere (a baseline clip from the same camera, the virtual camera of 3D keypoints), used
    where the clip's own scene gives none; ``baseline_problem``: why a baseline clip gave no
    baseline, shown as a warning. Warnings the tracks carry (``meta["warnings"]``, from a pose
    file's reader) are passed on. ``session``: patient and session fields, carried into
    summary.json and the report as plain text. ``camera_motion``: the camera's own motion
    through a video (a hand-held phone; io/camera_motion.py), by which every frame is steadied
    to one picture (``scene`` must be in that picture already).
    """
    options = options or AnalysisOptions()
    session_block = (session or SessionDetails()).as_dict()
    name = (source or {}).get("name", "tracks")
    clip = prepare_clip(tracks, scene, options.cleaning, name, camera_motion)
    camera_hint = baseline.camera if baseline is not None and baseline.camera else camera
    motion = find_motion(clip, options, camera_hint)
    thresholds = load_thresholds(motion.choice.task, options.thresholds_path)
    motion = keep_enough_data(clip, motion)
    if baseline_problem:
        clip.warnings.append(baseline_problem)
    frames, baseline, geometry = frames_and_baseline(clip, motion, baseline)
    measured = measure_sides(clip, motion, frames, baseline, thresholds, options)
    add_closing_warnings(clip, measured, geometry)
    context = dict(
        baseline=baseline, thresholds=thresholds, options=options, session=session_block, name=name
    )
    return Analysis(
        summary=clip_summary(clip, motion, measured, geometry, context),
        frames=measured.frames,
        phases=measured.phase_table,
        steps=measured.steps if motion.gait else empty_steps(),
        events=measured.events,
        tracks=clip.cleaned.tracks,
        raw_tracks=clip.tracks,
        video_path=(source or {}).get("path"),
        camera_motion=camera_motion if moving(camera_motion) else None,
    )


def analyse(
    path: Path | str,
    options: AnalysisOptions | None = None,
    *,
    baseline: Path | str | None = None,
    session: SessionDetails | None = None,
    progress: ProgressCallback | None = None,
) -> Analysis:
    """Analyse one clip: pose (cached), then :func:`analyse_tracks`.

    ``options``: every analysis setting (:class:`~hipdrop.options.AnalysisOptions`; default
    the standard analysis). ``baseline`` is an optional clip of quiet standing on both feet,
    filmed with the same camera; without it a still, double-leg stretch of the clip itself is
    used if there is one. ``session``: patient name, session date and notes for the report.
    ``progress(done, total)`` is called as pose runs.

    ``path`` (and ``baseline``) may also be a pose file instead of a video: an OpenPose/Pose2Sim
    JSON folder, a 2D or 3D TRC file or a ``movement`` netCDF dataset (``options.pose_file``
    says which and what the file does not say; see :mod:`hipdrop.analysis.pose_input`).
    """
    path = Path(path)
    options = options or AnalysisOptions()
    session = session or SessionDetails()
    session.as_dict()  # bad input fails before pose runs
    options.check()
    settings = options.pose.resolved_settings()
    kind = input_format(path, options.pose_file.pose_format)
    if kind != "video" and settings.person != "auto":
        raise HipdropError(f"--person picks among people in a video; {path.name} is a pose file")
    pose = options.pose
    tracks, scene, exact, camera_motion = input_tracks(
        path,
        kind,
        settings,
        pose.jobs,
        progress,
        pose.mirror_pass,
        options.cleaning,
        pose.in_process,
        options.pose_file,
    )
    reference, baseline_camera, baseline_problem = None, None, None
    if baseline is not None:
        reference, baseline_camera, baseline_problem, baseline_scene = clip_baseline(
            Path(baseline),
            settings,
            options.cleaning,
            options.stance,
            pose.mirror_pass,
            options.focal_length_mm,
            options.pose_file,
            scene,
        )
        scene = pooled_scene(scene, baseline_scene)
    if exact is not None and reference is not None:  # 3D keypoints keep their own camera
        reference = replace(reference, camera=None)
    return analyse_tracks(
        tracks,
        options,
        baseline=reference,
        source={"name": path.name, "path": path if kind == "video" else None},
        session=session,
        scene=scene,
        camera=exact or baseline_camera,
        baseline_problem=baseline_problem,
        camera_motion=camera_motion,
    )
