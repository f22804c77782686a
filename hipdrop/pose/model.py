"""The pose model file: the BlazePose bundle shipped in the package, or one the user names.

mediapipe 1.x wheels ship no model, so hipdrop carries ``pose_landmarker_full.task`` itself
(``hipdrop/pose/models/``, provenance and licence in the README and NOTICE there). A model file
is read whole and its SHA-256 compared with the one the settings name before MediaPipe sees a
byte of it: a truncated download or a damaged install then stops with a clear message, where
MediaPipe would either crash in C++ or, worse, run a different network and give other
landmarks. The hash is part of :class:`~hipdrop.pose.backend.PoseSettings`, so the pose cache
and the summary's provenance both name the exact model.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import replace
from pathlib import Path

from hipdrop.errors import HipdropError
from hipdrop.pose.backend import SHIPPED_MODEL_NAME, SHIPPED_MODEL_SHA256, PoseSettings

MODELS_DIR = Path(__file__).resolve().parent / "models"
SHIPPED_MODEL_PATH = MODELS_DIR / f"{SHIPPED_MODEL_NAME}.task"
#: What makes a ``.task`` bundle a BlazePose one: the person detector and the landmark network.
BLAZEPOSE_MEMBERS = frozenset({"pose_detector.tflite", "pose_landmarks_detector.tflite"})


def model_file(settings: PoseSettings) -> Path:
    """Where the settings' model lives: the user's file, else the shipped one."""
    return Path(settings.model_path) if settings.model_path else SHIPPED_MODEL_PATH


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise HipdropError(f"pose model {path} not found") from None
    except OSError as exc:
        raise HipdropError(f"pose model {path} cannot be read: {exc.strerror or exc}") from None


def _check_blazepose_bundle(path: Path, content: bytes) -> None:
    """Refuse a file that is not a zip holding BlazePose's two networks."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    except zipfile.BadZipFile:
        raise HipdropError(
            f"pose model {path} is not a MediaPipe .task bundle (not a zip archive)"
        ) from None
    missing = sorted(BLAZEPOSE_MEMBERS - names)
    if missing:
        raise HipdropError(
            f"pose model {path} is not a BlazePose pose landmarker bundle (it lacks "
            f"{', '.join(missing)}); use Google's pose_landmarker_lite/full/heavy.task"
        )


def load_model_bytes(settings: PoseSettings) -> bytes:
    """The model file's content, after checking it is the file the settings name by hash.

    Raises :class:`HipdropError` when the file is missing, unreadable or has another hash (for
    the shipped model: the installation is damaged; reinstall hipdrop)."""
    path = model_file(settings)
    content = _read(path)
    found = hashlib.sha256(content).hexdigest()
    if found != settings.model_sha256:
        advice = (
            "the hipdrop installation is damaged; reinstall hipdrop"
            if settings.model_path is None
            else "the file changed since it was chosen; run the analysis again"
        )
        raise HipdropError(
            f"pose model {path} has sha256 {found[:16]}..., expected "
            f"{settings.model_sha256[:16]}...: {advice}"
        )
    return content


def with_model(settings: PoseSettings, path: Path | str | None) -> PoseSettings:
    """``settings`` set to run the BlazePose ``.task`` bundle at ``path`` (``None``: the
    shipped model). The file is checked now, so a wrong path fails before any pose runs; its
    name and hash become part of the settings (cache key and provenance)."""
    if path is None:
        return replace(
            settings, model=SHIPPED_MODEL_NAME, model_sha256=SHIPPED_MODEL_SHA256, model_path=None
        )
    path = Path(path).expanduser().resolve()
    content = _read(path)
    _check_blazepose_bundle(path, content)
    return replace(
        settings,
        model=path.stem,
        model_sha256=hashlib.sha256(content).hexdigest(),
        model_path=str(path),
    )
