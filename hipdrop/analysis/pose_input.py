"""Pose files as analysis input: any estimator's keypoints instead of a video.

``load_pose_file`` reads an OpenPose/Pose2Sim JSON folder, a TRC file or a ``movement``
dataset into ``LandmarkTracks`` (see :mod:`hipdrop.io.pose_files`). A 3D TRC file (Pose2Sim's
triangulated keypoints) is seen through a virtual camera straight in front of the subject, at
hip height and level (:mod:`hipdrop.validation`'s machinery), with exact world coordinates: the
analysis then undoes an exactly known view, so its frontal obliquity is the 3D hip line's tilt.
``tracks.meta["pose_source"]`` says what was read, for the summary and the report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from hipdrop.errors import HipdropError
from hipdrop.geometry.camera import CameraGeometry
from hipdrop.geometry.virtual_camera import place_camera, project_trial
from hipdrop.io.content_hash import file_sha256
from hipdrop.io.keypoint_names import landmark_columns
from hipdrop.io.mocap import TrcTable, read_trc_table, trc_trial
from hipdrop.io.pose_files import (
    POSE_FORMATS,
    detect_pose_format,
    is_planar,
    planar_trc_tracks,
    read_movement,
    read_openpose_json,
)
from hipdrop.tracks import LandmarkTracks


@dataclass(frozen=True)
class PoseFile:
    """Tracks read from a pose file, and the camera that saw them where it is known exactly."""

    tracks: LandmarkTracks
    camera: CameraGeometry | None = None


@dataclass(frozen=True)
class PoseFileHints:
    """What a pose file (instead of a video) is and what it may not say: its format (``auto``
    tells it by content), its frame rate and the image size in pixels (width, height)."""

    pose_format: str = "auto"
    fps: float | None = None
    image_size_px: tuple[int, int] | None = None


def input_format(path: Path, pose_format: str = "auto") -> str:
    """``video``, ``openpose-json``, ``trc`` or ``movement``: as asked, or told by content."""
    if pose_format not in POSE_FORMATS:
        raise HipdropError(f"unknown pose format {pose_format!r}; use {', '.join(POSE_FORMATS)}")
    return detect_pose_format(path) if pose_format == "auto" else pose_format


def _sha256(path: Path) -> str:
    """The file's SHA-256; for a folder, of its JSON files' names and hashes in order."""
    if not path.is_dir():
        return file_sha256(path)
    digest = hashlib.sha256()
    for file in sorted(path.glob("*.json")):
        digest.update(f"{file.name}\0{file_sha256(file)}\n".encode())
    return digest.hexdigest()


def _virtual_view(table: TrcTable) -> tuple[LandmarkTracks, CameraGeometry]:
    """3D keypoints seen by a level virtual camera straight in front of the subject."""
    trial = trc_trial(table)
    names = list(trial.markers_m)
    markers = {landmark: names[i] for landmark, i in landmark_columns(names).items()}
    if not {"left_hip", "right_hip"} <= set(markers):
        raise HipdropError(
            f"{table.source}: no left and right hip among its markers ({', '.join(names[:30])})"
        )
    camera = place_camera(trial, markers, "anterior")
    tracks = project_trial(trial, camera, markers)
    tracks.meta["world_exact"] = True  # the turn is the hip line's; labels are not repaired
    width, height = camera.image_size_px
    geometry = CameraGeometry(
        roll_deg=0.0,
        pitch_deg=0.0,
        roll_sd_deg=0.0,
        pitch_sd_deg=0.0,
        focal_px=camera.focal_px,
        principal_px=((width - 1) / 2, (height - 1) / 2),
        method="virtual camera, level and straight in front of the 3D keypoints (exact)",
        focal_assumed=False,
    )
    return tracks, geometry


def load_pose_file(
    path: Path | str,
    pose_format: str = "auto",
    fps: float | None = None,
    image_size_px: tuple[int, int] | None = None,
) -> PoseFile:
    """Read a pose file (``openpose-json``, ``trc`` or ``movement``; ``auto``: by content).

    ``fps`` and ``image_size_px`` stand in for what the file does not say (OpenPose JSON has
    neither, a TRC no image size); without them, 30 frames/s and the smallest common video frame
    holding every keypoint are assumed, with a warning.
    """
    path = Path(path)
    if not path.exists():
        raise HipdropError(f"no such file or folder: {path}")
    kind = input_format(path, pose_format)
    camera = None
    if kind == "openpose-json":
        tracks = read_openpose_json(path, fps, image_size_px)
        keypoints = tracks.meta["skeleton"]
    elif kind == "trc":
        table = read_trc_table(path)
        if is_planar(table):
            kind, tracks = "trc-2d", planar_trc_tracks(table, image_size_px)
        else:
            kind = "trc-3d"
            tracks, camera = _virtual_view(table)
        keypoints = "matched by name"
    elif kind == "movement":
        tracks, keypoints = read_movement(path, fps, image_size_px), "matched by name"
    else:
        raise HipdropError(f"{path.name} is a video, not a pose file")
    used = int((tracks.visibility > 0).any(axis=0).sum())
    tracks.meta.update(
        input_sha256=_sha256(path),
        pose_source={
            "kind": kind,
            "file": path.name,
            "keypoints": keypoints,
            "landmarks_used": used,
        },
    )
    return PoseFile(tracks, camera)
