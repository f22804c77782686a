"""A clip's landmark tracks: pose on a video (cached, with the mirrored pass) and its scene's
straight edges, or a pose file with the camera that saw it; turned upright; refused when no
person is in enough frames."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from hipdrop.analysis.pose_input import PoseFileHints, load_pose_file
from hipdrop.conventions import pair
from hipdrop.errors import NoPersonError
from hipdrop.geometry import CameraGeometry
from hipdrop.geometry.camera_motion import moving, segments_to_reference
from hipdrop.geometry.upright import quarter_turns_to_upright, turn_scene, turn_tracks
from hipdrop.io.camera_motion import CameraMotion, follow_camera
from hipdrop.io.scene_lines import SceneLines, scene_lines
from hipdrop.io.video import VideoInfo, probe_video
from hipdrop.pose import PoseSettings, estimate_pose
from hipdrop.pose.cache import camera_motion_dir, scene_lines_dir, sha256_memo_dir
from hipdrop.pose.mirror_pass import mirror_averaged
from hipdrop.pose.runner import estimate_pose_and_mirror, later_pass, pose_processes
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.kinematics import detect_view
from hipdrop.tracks.signal import CleaningParams, clean_tracks

#: A clip where pose finds the hips in fewer frames than this is "no person".
MIN_POSE_FRACTION = 0.3
ProgressCallback = Callable[[int, int], None]


def _track_clip(
    path: Path,
    settings: PoseSettings,
    jobs: int | None,
    progress: ProgressCallback | None,
    mirror_pass: bool,
    cleaning: CleaningParams,
    in_process: bool = False,
) -> LandmarkTracks:
    """Pose for one clip (:func:`_posed`); a clip filmed on its side or upside down is posed
    again with each frame shown to the model upright.

    Why again. BlazePose finds a body in any orientation, but not quite the same body: on the
    balance clip turned 90°, 180° and 270° (H.264 copies) its hip landmarks lay 17-23 px from
    a plain re-encode's at the 90th percentile, and 7-19 px when it was shown the frames
    upright - the re-encode's own spread (12 px from the original). The first pass says which
    way is up (geometry/upright.py); the second shows the model the frames turned that way and
    maps its landmarks back onto the stored picture, so everything after pose sees the same
    picture either way. It costs a second pose pass, only on such clips."""
    info = probe_video(path, sha256_memo_dir())
    run = partial(_posed, path, info, jobs=jobs, mirror_pass=mirror_pass, cleaning=cleaning)
    tracks = run(settings, progress=progress, in_process=in_process)
    turns = quarter_turns_to_upright(tracks.xy_px)
    if turns and not settings.quarter_turns_cw:
        again = later_pass(progress) if progress else None  # on the same bar, after the first
        tracks = run(
            replace(settings, quarter_turns_cw=turns), progress=again, in_process=in_process
        )
    tracks.meta.update(video_sha256=info.sha256, video_name=path.name)
    return tracks


def _posed(
    path: Path,
    info: VideoInfo,
    settings: PoseSettings,
    jobs: int | None,
    progress: ProgressCallback | None,
    mirror_pass: bool,
    cleaning: CleaningParams,
    in_process: bool,
) -> LandmarkTracks:
    """A normal pose pass, and - if asked for and the clip shows a person from the front or
    behind - a mirrored pass, following the subject the first pass chose, averaged with it
    (see pose/mirror_pass.py).

    With two or more worker processes the two passes run side by side (the mirrored one is
    then spent even on a clip that is refused); with one, the mirrored pass runs only once the
    normal one shows it is worth it."""
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
    return tracks


def _worth_a_mirror_pass(tracks: LandmarkTracks, cleaning: CleaningParams) -> bool:
    """False when the first pass already shows the clip will be refused (no person, side view)."""
    if _hips_found_fraction(tracks) < MIN_POSE_FRACTION:
        return False
    turned, _ = upright(tracks, None)
    return detect_view(clean_tracks(turned, cleaning).tracks).view != "side"


def _hips_found_fraction(tracks: LandmarkTracks) -> float:
    return float(np.isfinite(tracks.xy_px[:, pair("hip"), 0]).all(axis=1).mean())


def check_person(tracks: LandmarkTracks, name: str) -> None:
    found = _hips_found_fraction(tracks)
    if found < MIN_POSE_FRACTION:
        raise NoPersonError(
            f"{name}: no person was found in enough frames "
            f"({round(found * tracks.n_frames)} of {tracks.n_frames} frames show a body)"
        )


def upright(
    tracks: LandmarkTracks, scene: SceneLines | None
) -> tuple[LandmarkTracks, SceneLines | None]:
    """The tracks and the scene's edges on the picture turned so that the body stands upright
    (a clip filmed on its side or upside down; see geometry/upright.py)."""
    turns = quarter_turns_to_upright(tracks.xy_px)
    return turn_tracks(tracks, turns), turn_scene(scene, tracks.image_size_px, turns)


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


def input_tracks(
    path: Path,
    kind: str,
    settings: PoseSettings,
    jobs: int | None,
    progress: ProgressCallback | None,
    mirror_pass: bool,
    cleaning: CleaningParams,
    in_process: bool,
    pose_file: PoseFileHints,
) -> tuple[LandmarkTracks, SceneLines | None, CameraGeometry | None, CameraMotion | None]:
    """Tracks of a video (pose, cached) with its scene's straight edges and the camera's own
    motion (cached; a hand-held phone), or of a pose file (``pose_file``: what it may not say)
    with the camera that saw it, where that is known exactly (3D keypoints)."""
    if kind != "video":
        pose = load_pose_file(path, kind, fps=pose_file.fps, image_size_px=pose_file.image_size_px)
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
