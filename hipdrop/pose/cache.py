"""On-disk cache of pose results keyed by clip content and backend settings."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

import platformdirs

from hipdrop.errors import HipdropError
from hipdrop.io.landmarks import load_tracks, save_tracks
from hipdrop.pose.backend import PoseSettings
from hipdrop.tracks import LandmarkTracks

#: Bump when the pose stage's output changes meaning, so that old entries are not reused.
#: 6: the Tasks API's PoseLandmarker (mediapipe >= 1.2) replaced the classic ``mp.solutions.pose``.
POSE_CACHE_VERSION = 6


def cache_dir() -> Path:
    """``$HIPDROP_CACHE_DIR`` if set, else the user's cache directory."""
    configured = os.environ.get("HIPDROP_CACHE_DIR")
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("hipdrop"))


def sha256_memo_dir() -> Path:
    """Where clip hashes are remembered by file identity (see :mod:`hipdrop.io.content_hash`)."""
    return cache_dir() / "sha256"


def scene_lines_dir() -> Path:
    """Where each clip's scene edges are kept (see :mod:`hipdrop.io.scene_lines`)."""
    return cache_dir() / "scene-lines"


def camera_motion_dir() -> Path:
    """Where each clip's camera motion is kept (see :mod:`hipdrop.io.camera_motion`)."""
    return cache_dir() / "camera-motion"


def cache_key(video_sha256: str, settings: PoseSettings) -> str:
    payload = json.dumps(
        {"video": video_sha256, "pose": settings.cache_identity(), "version": POSE_CACHE_VERSION},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def cache_path(video_sha256: str, settings: PoseSettings) -> Path:
    return cache_dir() / "pose" / f"{cache_key(video_sha256, settings)}.npz"


def load_cached(video_sha256: str, settings: PoseSettings) -> LandmarkTracks | None:
    """The cached tracks, or None when absent or unreadable (a damaged entry is ignored)."""
    path = cache_path(video_sha256, settings)
    if not path.exists():
        return None
    try:
        return load_tracks(path)
    except HipdropError:
        return None


def store(video_sha256: str, settings: PoseSettings, tracks: LandmarkTracks) -> None:
    """Save tracks; a cache that cannot be written only costs speed, never the analysis."""
    with contextlib.suppress(OSError):
        save_tracks(tracks, cache_path(video_sha256, settings))
