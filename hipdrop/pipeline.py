"""``analyse()``: video or landmark tracks in, an :class:`Analysis` out. Only strings steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from hipdrop import __version__
from hipdrop.baseline import Baseline, baseline_from_clip, find_quiet_standing
from hipdrop.conventions import GAIT_TASKS, pair
from hipdrop.errors import HipdropError, NoPersonError, NoUsableFramesError
from hipdrop.events.gait import detect_gait_events
from hipdrop.events.single_leg import (
    SingleLegParams,
    detect_single_leg_stance,
    gravity_lift_legs,
)
from hipdrop.geometry import CameraGeometry, FrontalGeometry, frontal_geometry
from hipdrop.geometry.camera import level_xy
from hipdrop.geometry.camera_motion import (
    CameraMotion,
    motion_summary,
    motion_warnings,
    moving,
    segments_to_reference,
    steadied,
    with_camera_roll,
)
from hipdrop.geometry.frontal import EXACT_WORLD
from hipdrop.geometry.frontal_plane import frontal_trunk_lean_deg, stance_shift_widths
from hipdrop.geometry.upright import quarter_turns_to_upright, turn_scene, turn_tracks
from hipdrop.geometry.view_checks import (
    camera_summary,
    estimate_camera,
    refuse_oblique_phases,
    side_uncertainty_deg,
)
from hipdrop.io.camera_motion import follow_camera
from hipdrop.io.scene_lines import SceneLines, pooled_scene, scene_lines
from hipdrop.io.video import probe_video
from hipdrop.kinematics import (
    SubjectTravel,
    detect_view,
    hip_width_px,
    pelvic_obliquity_deg,
    stature_px,
    subject_left_sign,
    subject_travel,
)
from hipdrop.metrics import (
    add_drop_columns,
    asymmetry_deg,
    phase_metrics,
    refuse_uncertain_sides,
    side_summary,
)
from hipdrop.peak_trust import phase_peak_uncertainty_deg, refuse_unseen_boundaries
from hipdrop.pose import PoseSettings, estimate_pose
from hipdrop.pose.cache import camera_motion_dir, scene_lines_dir, sha256_memo_dir
from hipdrop.pose.mirror_pass import mirror_averaged
from hipdrop.pose.runner import estimate_pose_and_mirror, later_pass, pose_processes
from hipdrop.pose.subject import check_person_hint
from hipdrop.pose_input import input_format, load_pose_file
from hipdrop.quality import MIN_HIP_WIDTH_PX, Z_95, assess_quality
from hipdrop.result import Analysis
from hipdrop.session import session_fields
from hipdrop.signal import CleanedTracks, CleaningParams, clean_tracks, rolling_outliers
from hipdrop.stair_steps import stair_warnings, stairs_summary, with_stair_columns
from hipdrop.stairs import stair_analysis
from hipdrop.steps import (
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
from hipdrop.summary_schema import SUMMARY_SCHEMA_VERSION
from hipdrop.task import check_task, choose_task
from hipdrop.thresholds import TaskThresholds, load_thresholds
from hipdrop.tracks import LandmarkTracks
from hipdrop.usability import (
    FrameUsability,
    assess_frames,
    blank_unusable,
    clip_warnings,
    enough_usable,
    exclusion_warning,
)

#: A baseline clip whose resting tilt is uncertain by more than this (1 SD, from its view's
#: geometry) is not subtracted: at 95% (±6°) it is wider than a resting pelvis's usual
#: asymmetry and twice the smallest detectable difference (2.7-2.8°, Dingenen et al. 2018).
#: The multicam static clips: 2.1° in front (used), 4.1-4.2° from the high oblique cameras.
MAX_BASELINE_GEOMETRY_SD_DEG = 3.0
#: A clip where pose finds the hips in fewer frames than this is "no person".
MIN_POSE_FRACTION = 0.3

#: Obliquity samples this far from the median of a window this long are discarded.
OUTLIER_WINDOW_S = 0.5
OUTLIER_DEG = 10.0

#: Heuristic bound on a real pelvis's frontal tilt, measured once the camera's view is undone:
#: a deliberate hip hike on one leg reaches 35° (the multicam balance trial's 3D reference),
#: walking stays within about ±6° (Schwartz et al. 2008). Beyond 45° the hip points followed
#: something else (thighs, trunk, another person).
PLAUSIBLE_PELVIC_TILT_DEG = 45.0

ProgressCallback = Callable[[int, int], None]


def frame_table(
    tracks: LandmarkTracks,
    level: LandmarkTracks,
    labels: np.ndarray,
    camera: CameraGeometry,
    view: FrontalGeometry,
) -> pd.DataFrame:
    """Per-frame kinematics of cleaned tracks (the body of ``frames.csv``).

    ``pelvic_obliquity_deg`` is the raw image angle of the hip line; ``frontal_obliquity_deg``
    the pelvis's tilt in 3D with the camera's roll and pitch and the subject's turn undone
    (blank where the view is too oblique to undo). Everything after uses the latter. Trunk
    lean and the lateral shift over the stance foot are measured in the subject's frontal
    plane (see geometry/frontal_plane.py); the pelvis's sideways position in the image comes
    from ``level``, the tracks turned so that gravity is image-down.
    """
    left_sign = subject_left_sign(level)
    obliquity = pelvic_obliquity_deg(tracks)
    # Tracker start-up and one-off pose failures tilt the hip line by tens of degrees for a
    # frame or two; such samples are not pelvic motion.
    outliers = rolling_outliers(obliquity, tracks.time_s, OUTLIER_WINDOW_S, OUTLIER_DEG)
    obliquity[outliers] = np.nan
    frontal = np.where(outliers, np.nan, view.frontal_obliquity_deg)
    # Where the view is too oblique for the pelvis's tilt, it is for the trunk and shift too.
    too_oblique = ~np.isfinite(view.frontal_obliquity_deg)
    lean = frontal_trunk_lean_deg(tracks.xy_px, tracks.world_m, camera, view)
    shift = stance_shift_widths(tracks.xy_px, labels, camera, view)
    pelvis_x = 0.5 * (level.point("left", "hip")[:, 0] + level.point("right", "hip")[:, 0])
    return pd.DataFrame(
        {
            "frame": np.arange(tracks.n_frames),
            "time_s": tracks.time_s,
            "pelvic_obliquity_deg": obliquity,
            "frontal_obliquity_deg": frontal,
            "subject_yaw_deg": view.subject_yaw_deg,
            "off_axis_deg": view.off_axis_deg,
            "geometry_sd_deg": view.geometry_sd_deg,
            "stance_leg": labels,
            "trunk_lean_deg": np.where(too_oblique, np.nan, lean),
            "lateral_shift_widths": np.where(too_oblique, np.nan, shift),
            "hip_width_px": hip_width_px(tracks),
            "pelvis_left_px": pelvis_x * left_sign,
        }
    )


#: Heuristic: hip joint centres are 13-18 cm apart in the shared recordings (Plug-in Gait 12.6
#: cm, CGM2.4 16.1 cm, the multicam 3D hips 18 cm); a --height-cm scale implying a pelvis far
#: outside that comes from a body not seen upright and whole (a steep camera, a crouch).
PLAUSIBLE_PELVIS_WIDTH_CM = (10.0, 30.0)


def _centimetre_scale(
    height_px: float, height_cm: float | None, frames: pd.DataFrame
) -> tuple[float | None, str | None]:
    """Pixels per centimetre from the body height, and a warning where it is not usable."""
    if not height_cm or not np.isfinite(height_px) or height_px <= 0:
        return None, None
    px_per_cm = height_px / height_cm
    turn = np.radians(frames["off_axis_deg"].to_numpy(dtype=float))
    pelvis_cm = np.nanmedian(frames["hip_width_px"].to_numpy(dtype=float) / np.cos(turn))
    pelvis_cm /= px_per_cm
    low, high = PLAUSIBLE_PELVIS_WIDTH_CM
    if low <= pelvis_cm <= high:
        return px_per_cm, None
    return None, (
        f"--height-cm {height_cm:g} would make the pelvis {pelvis_cm:.0f} cm wide (hip joints "
        f"are {low:g}-{high:g} cm apart): the body is not seen upright and whole here (a steep "
        "camera?), so lateral shift is given in pelvis widths only."
    )


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
    labels, phases = detect_single_leg_stance(level, stance, world_lift)
    events = detect_gait_events(level.with_xy(level_xy(cleaned.unfiltered_xy_px, camera)))
    return camera, level, labels, phases, events


def _subject_height_px(stature: np.ndarray, labels: np.ndarray) -> float:
    """Median stature on both feet, else over all frames; NaN when never measured."""
    standing = stature[(labels == "both") & np.isfinite(stature)]
    measured = standing if standing.size else stature[np.isfinite(stature)]
    return float(np.median(measured)) if measured.size else float("nan")


def implausible_tilt_warnings(sides: dict[str, dict]) -> list[str]:
    """A warning per stance side whose drop or hike exceeds what a pelvis plausibly does."""
    warnings = []
    for side, info in sides.items():
        tilt = max(abs(info.get("peak_drop_deg") or 0.0), info.get("peak_hike_deg") or 0.0)
        if tilt > PLAUSIBLE_PELVIC_TILT_DEG:
            warnings.append(
                f"During {side} stance the hip line tilts up to {tilt:.1f}°, beyond the "
                f"{PLAUSIBLE_PELVIC_TILT_DEG:g}° a pelvis plausibly tilts in the frontal plane: "
                "the pose model's hip points probably followed the thighs or trunk (large leg "
                "or trunk movement, a turned body). Check the evidence frame before using it."
            )
    return warnings


def _track_clip(
    path: Path,
    settings: PoseSettings,
    jobs: int | None,
    progress: ProgressCallback | None,
    mirror_pass: bool,
    cleaning: CleaningParams,
    in_process: bool = False,
) -> LandmarkTracks:
    """Pose for one clip: a normal pass, and - if asked for and the clip shows a person from
    the front or behind - a mirrored pass, following the subject the first pass chose, averaged
    with it (see pose/mirror_pass.py).

    With two or more worker processes the two passes run side by side (the mirrored one is
    then spent even on a clip that is refused); with one, the mirrored pass runs only once the
    normal one shows it is worth it."""
    info = probe_video(path, sha256_memo_dir())
    side_by_side = mirror_pass and not in_process and pose_processes(jobs) >= 2
    if side_by_side:
        tracks, flipped = estimate_pose_and_mirror(
            path, settings, jobs=jobs, progress=progress, info=info
        )
    else:
        tracks = estimate_pose(
            path, settings, jobs=jobs, progress=progress, info=info, in_process=in_process
        )
    if mirror_pass and _worth_a_mirror_pass(tracks, cleaning):
        if not side_by_side:
            flipped = estimate_pose(
                path,
                replace(settings, flip_input=True),
                jobs=jobs,
                progress=later_pass(progress) if progress else None,
                info=info,
                in_process=in_process,
                subject=tracks.meta["subject"],
            )
        tracks = mirror_averaged(tracks, flipped)
    tracks.meta.update(video_sha256=info.sha256, video_name=path.name)
    return tracks


def _worth_a_mirror_pass(tracks: LandmarkTracks, cleaning: CleaningParams) -> bool:
    """False when the first pass already shows the clip will be refused (no person, side view)."""
    if _hips_found_fraction(tracks) < MIN_POSE_FRACTION:
        return False
    upright, _ = _upright(tracks, None)
    return detect_view(clean_tracks(upright, cleaning).tracks).view != "side"


def _hips_found_fraction(tracks: LandmarkTracks) -> float:
    return float(np.isfinite(tracks.xy_px[:, pair("hip"), 0]).all(axis=1).mean())


def _check_person(tracks: LandmarkTracks, name: str) -> None:
    found = _hips_found_fraction(tracks)
    if found < MIN_POSE_FRACTION:
        raise NoPersonError(
            f"{name}: no person was found in enough frames "
            f"({round(found * tracks.n_frames)} of {tracks.n_frames} frames show a body)"
        )


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


def _upright(
    tracks: LandmarkTracks, scene: SceneLines | None
) -> tuple[LandmarkTracks, SceneLines | None]:
    """The tracks and the scene's edges on the picture turned so that the body stands upright
    (a clip filmed on its side or upside down; see geometry/upright.py)."""
    turns = quarter_turns_to_upright(tracks.xy_px)
    return turn_tracks(tracks, turns), turn_scene(scene, tracks.image_size_px, turns)


def _travel(tracks: LandmarkTracks, frame_use: FrameUsability) -> SubjectTravel:
    """The subject's travel through the picture, over every frame that shows the subject's
    torso: also those left out of the metrics for hidden feet or an unclear facing (a walker's
    feet are often out of view), not those showing someone or somewhere else."""
    shown = np.isin(frame_use.reason, ["", "feet_not_visible", "facing_unknown"])
    return subject_travel(
        replace(tracks, xy_px=np.where(shown[:, None, None], tracks.xy_px, np.nan))
    )


def _scene_of(path: Path, tracks: LandmarkTracks, motion: CameraMotion | None) -> SceneLines:
    """The clip's straight edges, kept in the pose cache's folder beside its landmarks; where
    the camera moved, in the picture the landmarks are steadied to."""
    return scene_lines(
        path,
        tracks.xy_px,
        tracks.time_s,
        tracks.meta.get("video_sha256"),
        scene_lines_dir(),
        partial(segments_to_reference, motion) if moving(motion) else None,
        motion.reference_frame if motion is not None else 0,
    )


def _input_tracks(
    path: Path,
    kind: str,
    settings: PoseSettings,
    jobs: int | None,
    progress: ProgressCallback | None,
    mirror_pass: bool,
    cleaning: CleaningParams,
    in_process: bool,
    pose_file: dict,
) -> tuple[LandmarkTracks, SceneLines | None, CameraGeometry | None, CameraMotion | None]:
    """Tracks of a video (pose, cached) with its scene's straight edges and the camera's
    motion (cached), or of a pose file (``pose_file``: keywords of :func:`load_pose_file`)
    with the camera that saw it, where that is known exactly (3D keypoints)."""
    if kind != "video":
        pose = load_pose_file(path, kind, **pose_file)
        return pose.tracks, None, pose.camera, None
    tracks = _track_clip(
        path, settings, jobs, progress, mirror_pass, cleaning, in_process=in_process
    )
    tracks.meta["pose_source"] = {
        "kind": "video",
        "file": path.name,
        "keypoints": "MediaPipe BlazePose",
        "landmarks_used": int((tracks.visibility > 0).any(axis=0).sum()),
    }
    motion = follow_camera(path, tracks.xy_px, tracks.meta.get("video_sha256"), camera_motion_dir())
    return tracks, _scene_of(path, tracks, motion), None, motion


def _view_geometry(tracks: LandmarkTracks, camera: CameraGeometry) -> FrontalGeometry:
    """The frontal geometry of cleaned tracks; exact 3D keypoints give the turn exactly."""
    exact = EXACT_WORLD if tracks.meta.get("world_exact") else {}
    return frontal_geometry(tracks.xy_px, tracks.world_m, tracks.time_s, camera, **exact)


def _clip_baseline(
    path: Path,
    settings: PoseSettings,
    cleaning: CleaningParams,
    stance: SingleLegParams,
    mirror_pass: bool,
    focal_length_mm: float | None,
    pose_file: dict,
    clip_scene: SceneLines | None,
) -> tuple[Baseline | None, CameraGeometry | None, str | None, SceneLines | None]:
    """Quiet standing in a separate clip (or pose file) from the same camera: its frontal
    obliquity (the view undone, so the way the subject faced does not matter), the camera's
    geometry (none for 3D keypoints: their virtual camera filmed nothing), why it gave no
    baseline (if so), and its scene's edges. The camera is read from both clips' edges
    (``clip_scene``: those of the clip it serves), as the clip's own will be.

    A clip whose subject is too oblique to read still gives the camera's geometry: it returns
    no baseline and says why. ``pose_file``: ``fps`` and ``image_size_px`` for a pose file.
    """
    tracks, own_scene, exact, motion = _input_tracks(
        path, input_format(path), settings, None, None, mirror_pass, cleaning, False, pose_file
    )
    _check_person(tracks, path.name)
    tracks, scene = _upright(steadied(tracks, motion), pooled_scene(own_scene, clip_scene))
    cleaned = clean_tracks(tracks, cleaning).tracks
    labels, _ = detect_single_leg_stance(cleaned, stance)
    camera = exact or estimate_camera(cleaned, labels == "both", scene, None, focal_length_mm)
    view = _view_geometry(cleaned, camera)
    lean = frontal_trunk_lean_deg(cleaned.xy_px, cleaned.world_m, camera, view)
    camera = None if exact else camera  # a virtual camera is not the one that filmed the clip
    unsure = _baseline_geometry_sd(view, camera) if not exact else None
    if unsure is not None:
        return None, camera, unsure.replace("{name}", path.name), own_scene
    baseline = baseline_from_clip(labels, view.frontal_obliquity_deg, lean, path.name, camera)
    if baseline is not None:
        return baseline, camera, None, own_scene
    turn = float(np.nanmedian(view.off_axis_deg)) if np.isfinite(view.off_axis_deg).any() else 0
    return (
        None,
        camera,
        f"The baseline clip {path.name} shows the subject turned about {turn:.0f}° from the "
        "camera, too oblique to measure their resting pelvic tilt: only its camera geometry "
        "was used. Film the baseline facing the camera (or with the back to it).",
        own_scene,
    )


def _baseline_geometry_sd(view: FrontalGeometry, camera: CameraGeometry) -> str | None:
    """Why a baseline clip's resting tilt is not worth subtracting, or None if it is.

    A baseline filmed by the same camera cancels the subject's resting asymmetry and the camera
    roll's error; it also brings its own view's error (its subject's turn and the camera's
    pitch, ``geometry_sd_deg``). Beyond ``MAX_BASELINE_GEOMETRY_SD_DEG`` subtracting it adds
    more error than it removes: on the multicam rear camera (1.9 m high, the subject turned
    about 20° in the static clip, ±4.2°) the level pelvis read as 5° tilted, and the left
    stance's peak drop moved 5° away from the 3D's."""
    readable = np.isfinite(view.frontal_obliquity_deg)
    if not readable.any():
        return None  # too oblique to read at all: said elsewhere
    spread = float(np.median(view.geometry_sd_deg[readable]))
    if spread <= MAX_BASELINE_GEOMETRY_SD_DEG:
        return None
    return (
        f"The baseline clip {{name}} was not used: the subject's turn in it (about "
        f"{float(np.median(view.off_axis_deg[readable])):.0f}° from the camera) makes its resting "
        f"pelvic tilt uncertain by ±{Z_95 * spread:.0f}°, more than it could correct. Film the "
        "baseline with the subject facing the camera squarely (or with the back to it)."
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
    phase_table["uncertainty_deg"] = [
        phase_peak_uncertainty_deg(frames, row, noise_deg, cleaning)
        for _, row in phase_table.iterrows()
    ]
    fallback = side_uncertainty_deg(frames, phases, noise_deg)
    sides = side_summary(phase_table, thresholds, fallback)
    return phase_table, sides, {**unseen, **refusals}, frames


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


def analyse_tracks(
    tracks: LandmarkTracks,
    *,
    baseline: Baseline | None = None,
    thresholds_path: Path | str | None = None,
    height_cm: float | None = None,
    cleaning: CleaningParams | None = None,
    stance: SingleLegParams | None = None,
    source: dict | None = None,
    task: str = "auto",
    patient_name: str | None = None,
    session_date: str | None = None,
    notes: str | None = None,
    scene: SceneLines | None = None,
    focal_length_mm: float | None = None,
    camera: CameraGeometry | None = None,
    baseline_problem: str | None = None,
    motion: CameraMotion | None = None,
) -> Analysis:
    """Everything after pose: cleaning, view, task, stance or steps, camera geometry, baseline,
    metrics, classification. ``task``: ``single-leg``, ``walk``, ``run``, ``stairs`` or
    ``auto``. ``scene``: the clip's straight edges, for the camera's roll and pitch (without
    them, the baseline clip's camera or the standing body gives them); ``focal_length_mm``:
    the lens's 35-mm-equivalent focal length, if known. ``camera``: a geometry found
    elsewhere (a baseline clip from the same camera, the virtual camera of 3D keypoints), used
    where the clip's own scene gives none; ``baseline_problem``: why a baseline clip gave no
    baseline, shown as a warning. ``motion``: the camera's own motion through the clip (a
    hand-held phone; io/camera_motion.py), by which every frame is steadied to one picture
    (``scene`` must be in that picture too). Warnings the tracks carry (``meta["warnings"]``,
    from a pose file's reader) are passed on.

    ``patient_name``, ``session_date`` (YYYY-MM-DD) and ``notes`` are carried into
    summary.json and the report as plain text.
    """
    session = session_fields(patient_name, session_date, notes)
    cleaning = cleaning or CleaningParams()
    stance = stance or SingleLegParams()
    name = (source or {}).get("name", "tracks")
    _check_person(tracks, name)
    tracks, scene = _upright(steadied(tracks, motion), scene)
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
    warnings += tracks.meta.get("warnings", []) + motion_warnings(motion)
    camera, level, labels, phases, events = _camera_and_events(
        cleaned,
        stance,
        scene,
        baseline.camera if baseline is not None and baseline.camera else camera,
        focal_length_mm,
    )
    stair_events, landings, stairs = stair_analysis(
        level.with_xy(level_xy(cleaned.unfiltered_xy_px, camera)), camera
    )
    choice = choose_task(
        task,
        events,
        labels,
        tracks.frame_rate_hz,
        stairs=stairs,
        travel=_travel(tracks, frame_use),
    )
    events = stair_events if choice.task == "stairs" else events
    warnings += stair_warnings(choice.task, task, stairs)
    thresholds = load_thresholds(choice.task, thresholds_path)
    gait = choice.task in GAIT_TASKS
    if gait:
        labels = gait_labels(events, tracks.n_frames)
    if not enough_usable(frame_use, tracks.frame_rate_hz):
        phases, events = phases.iloc[0:0], events.iloc[0:0]
        warnings.append(
            f"Insufficient data: only {int(frame_use.usable.sum())} of {tracks.n_frames} frames "
            "are usable, too few for a verdict."
        )
    if baseline_problem:
        warnings.append(baseline_problem)
    view_geometry = _view_geometry(cleaned.tracks, camera)
    if tracks.world_m is None or not np.isfinite(tracks.world_m).any():
        warnings.append(
            "No 3D landmarks came with these keypoints: the subject's turn from the camera "
            f"could not be estimated and is taken as none (± {view_geometry.yaw_sd_deg:g}°), so "
            "a turn away from the camera is read as part of the tilt. Film straight in front or "
            "behind."
        )
    frames = with_camera_roll(
        frame_table(cleaned.tracks, level, labels, camera, view_geometry), motion, camera.roll_deg
    )
    if gait and baseline is None:
        baseline = stride_reference(frames, events)
    if baseline is None:
        baseline = find_quiet_standing(
            labels,
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
        frames["geometry_sd_deg"] = np.hypot(frames["geometry_sd_deg"], view_geometry.roll_sd_deg)
    frames = add_drop_columns(frames, baseline)
    frames["excluded"] = frame_use.reason  # why a frame was left out; empty when used
    height_px = _subject_height_px(stature_px(level), labels)
    width = float(np.nanmedian(frames["hip_width_px"]))
    px_per_cm, scale_warning = _centimetre_scale(height_px, height_cm, frames)
    warnings += [scale_warning] if scale_warning else []
    quality = assess_quality(cleaned, width, height_px, frame_use, cleaning)
    usable = view.view != "side"
    if not usable:
        phases = phases.iloc[0:0]
        events = events.iloc[0:0]
    steps = step_table(frames, events, level, baseline) if gait else None
    if choice.task == "stairs":
        steps = with_stair_columns(steps, landings, stairs)
    refusals: dict[str, str] = {}
    if gait:
        phase_table = step_phases(steps)
        sides = gait_side_summary(steps, thresholds, quality.uncertainty_deg, px_per_cm)
        warnings += gait_warnings(steps) if usable else []
    else:
        phase_table, sides, refusals, frames = _single_leg_sides(
            frames, phases, baseline, thresholds, px_per_cm, quality.uncertainty_deg, cleaning
        )
    for side, reason in refusals.items():
        if sides[side].get("peak_drop_deg") is None:
            sides[side]["note"] = reason
            warnings.append(f"Insufficient data for {side} stance: {reason}.")
    warnings += refuse_uncertain_sides(sides, width, thresholds)
    if view.view == "oblique":
        turn = float(np.nanmedian(view_geometry.off_axis_deg))
        warnings.append(
            f"Oblique view: the subject is turned about {turn:.0f}° from the camera (median). "
            f"The turn is undone, frames past {view_geometry.max_off_axis_deg:g}° are left out, "
            "and the rest carry the geometry's uncertainty; straight in front or behind is "
            "still best."
        )
    if width < MIN_HIP_WIDTH_PX:
        warnings.append(
            f"The subject is small in the frame (hips {width:.0f} px apart): expect about "
            f"±{quality.uncertainty_deg:.1f}° of noise. Film closer."
        )
    if cleaned.pelvis_relabelled.any() or cleaned.legs_relabelled.any():
        warnings.append(
            f"Pose estimation mixed up left and right in {int(cleaned.pelvis_relabelled.sum())} "
            f"frame(s) (pelvis) and {int(cleaned.legs_relabelled.sum())} frame(s) (legs); "
            "these were relabelled from their position in the image."
        )
    if usable and not gait and phases.empty and not refusals:
        warnings.append("No single-leg stance phase was found in the clip.")
    warnings += implausible_tilt_warnings(sides)
    summary = {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "task": choice.task,
        "task_reason": choice.reason,
        "view": view.view,
        "view_reason": view.reason,
        "camera": camera_summary(
            camera, frames, view_geometry, tracks.meta.get("picture_quarter_turns_cw", 0)
        )
        | {"motion": motion_summary(motion, camera.roll_deg)},
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
            for row in phase_table.to_dict("records")
        ],
        "sides": sides,
        "steps": [
            {**step, "uncertainty_deg": Z_95 * quality.uncertainty_deg}
            for step in (steps_for_summary(steps) if gait else [])
        ],
        **({"gait": gait_overview(steps, events, tracks.time_s)} if gait else {}),
        **(
            {"stairs": stairs_summary(steps, stairs, landings, thresholds, quality.uncertainty_deg)}
            if choice.task == "stairs"
            else {}
        ),
        "asymmetry_deg": asymmetry_deg(sides),
        "baseline": baseline.as_dict() if baseline else None,
        "thresholds": asdict(thresholds),
        "quality": {
            **quality.as_dict(),
            "pose_mirror_disagreement_deg": tracks.meta.get("mirror_disagreement_deg"),
        },
        "height_cm": height_cm,
        "warnings": warnings,
        "session": session,
        "provenance": {
            "hipdrop_version": __version__,
            "pose": tracks.meta.get("pose"),
            "pose_source": tracks.meta.get("pose_source"),
            "mirror_pass": bool(tracks.meta.get("mirror_pass", False)),
            "input_sha256": tracks.meta.get("input_sha256", tracks.meta.get("video_sha256")),
            "input_name": name,
            "parameters": {
                "task_requested": task,
                "cleaning": asdict(cleaning),
                "stance": asdict(stance),
            },
        },
    }
    return Analysis(
        summary=summary,
        frames=frames,
        phases=phase_table,
        steps=steps if gait else empty_steps(),
        events=events,
        tracks=cleaned.tracks,
        raw_tracks=tracks,
        video_path=(source or {}).get("path"),
        camera_motion=motion if moving(motion) else None,
    )


def analyse(
    path: Path | str,
    *,
    baseline: Path | str | None = None,
    thresholds: Path | str | None = None,
    height_cm: float | None = None,
    jobs: int | None = None,
    pose: PoseSettings | None = None,
    cleaning: CleaningParams | None = None,
    stance: SingleLegParams | None = None,
    progress: ProgressCallback | None = None,
    person: str | None = None,
    patient_name: str | None = None,
    session_date: str | None = None,
    notes: str | None = None,
    mirror_pass: bool = True,
    task: str = "auto",
    pose_in_process: bool = False,
    focal_length_mm: float | None = None,
    pose_format: str = "auto",
    fps: float | None = None,
    image_size_px: tuple[int, int] | None = None,
) -> Analysis:
    """Analyse one clip: pose (cached), then :func:`analyse_tracks`.

    ``baseline`` is an optional clip of quiet standing on both feet, filmed with the same
    camera; without it a still, double-leg stretch of the clip itself is used if there is one.
    ``mirror_pass`` also runs pose on the mirrored frames and averages the two passes, which
    cancels the model's left/right bias at twice the pose cost (see pose/mirror_pass.py).
    ``focal_length_mm`` (35-mm equivalent) sharpens the camera-pitch estimate when known.

    ``path`` (and ``baseline``) may also be a pose file instead of a video: an OpenPose/Pose2Sim
    JSON folder, a 2D or 3D TRC file or a ``movement`` netCDF dataset (``pose_format``:
    ``auto`` tells them by content; see :mod:`hipdrop.pose_input`). ``fps`` and
    ``image_size_px`` (width, height) stand in for what such a file does not say.
    """
    path = Path(path)
    session_fields(patient_name, session_date, notes)  # bad input fails before pose runs
    check_task(task)
    settings = pose or PoseSettings()
    if person is not None:  # which person is the subject: auto | left | right | center
        settings = replace(settings, person=check_person_hint(person))
    if height_cm is not None and not 50 <= height_cm <= 250:
        raise HipdropError(f"--height-cm {height_cm:g} is not a plausible body height (50-250)")
    if focal_length_mm is not None and not 8 <= focal_length_mm <= 300:
        raise HipdropError(
            f"--focal-length-mm {focal_length_mm:g} is not a plausible 35-mm-equivalent focal "
            "length (8-300)"
        )
    kind = input_format(path, pose_format)
    if kind != "video" and settings.person != "auto":
        raise HipdropError(f"--person picks among people in a video; {path.name} is a pose file")
    cleaning = cleaning or CleaningParams()
    pose_file = {"fps": fps, "image_size_px": image_size_px}
    tracks, scene, exact, motion = _input_tracks(
        path, kind, settings, jobs, progress, mirror_pass, cleaning, pose_in_process, pose_file
    )
    reference, baseline_camera, baseline_problem = None, None, None
    if baseline is not None:
        reference, baseline_camera, baseline_problem, baseline_scene = _clip_baseline(
            Path(baseline),
            settings,
            cleaning,
            stance or SingleLegParams(),
            mirror_pass,
            focal_length_mm,
            pose_file,
            scene,
        )
        scene = pooled_scene(scene, baseline_scene)
    if exact is not None and reference is not None:  # 3D keypoints keep their own camera
        reference = replace(reference, camera=None)
    return analyse_tracks(
        tracks,
        baseline=reference,
        thresholds_path=thresholds,
        height_cm=height_cm,
        cleaning=cleaning,
        stance=stance,
        source={"name": path.name, "path": path if kind == "video" else None},
        patient_name=patient_name,
        session_date=session_date,
        notes=notes,
        task=task,
        scene=scene,
        focal_length_mm=focal_length_mm,
        camera=exact or baseline_camera,
        baseline_problem=baseline_problem,
        motion=motion,
    )
