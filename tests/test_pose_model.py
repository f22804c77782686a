"""The pose model hipdrop ships and the Tasks API backend: the file is inside the package and is
the one its README names, a damaged or foreign file stops with a clear error (never other
landmarks), ``--pose-model`` names its model in the provenance, and pose is deterministic."""

from __future__ import annotations

import hashlib
import importlib.metadata
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli

from hipdrop.cli.argtypes import pose_settings
from hipdrop.errors import HipdropError
from hipdrop.pose import cache
from hipdrop.pose.backend import PoseSettings
from hipdrop.pose.model import (
    BLAZEPOSE_MEMBERS,
    SHIPPED_MODEL_PATH,
    SHIPPED_MODEL_SHA256,
    load_model_bytes,
    with_model,
)
from hipdrop.pose.runner import create_backend


def _damaged_copy(folder: Path) -> Path:
    """The shipped model with one byte of its landmark network changed (still a valid zip
    name list: only the hash can tell)."""
    content = bytearray(SHIPPED_MODEL_PATH.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path = folder / "pose_landmarker_full.task"
    path.write_bytes(bytes(content))
    return path


def test_the_shipped_model_is_the_one_its_readme_names() -> None:
    content = SHIPPED_MODEL_PATH.read_bytes()
    assert hashlib.sha256(content).hexdigest() == SHIPPED_MODEL_SHA256
    readme = (SHIPPED_MODEL_PATH.parent / "README.md").read_text()
    assert SHIPPED_MODEL_SHA256 in readme
    assert "Apache" in (SHIPPED_MODEL_PATH.parent / "NOTICE").read_text()
    assert set(zipfile.ZipFile(SHIPPED_MODEL_PATH).namelist()) == BLAZEPOSE_MEMBERS


def test_the_installed_environment_is_the_maintained_mediapipe() -> None:
    mediapipe = tuple(int(p) for p in importlib.metadata.version("mediapipe").split(".")[:2])
    assert mediapipe >= (1, 2)
    assert int(np.__version__.split(".")[0]) >= 2
    # The model travels as package data: a wheel or an editable install both carry it.
    import hipdrop

    assert SHIPPED_MODEL_PATH.is_relative_to(Path(hipdrop.__file__).parent)


def test_a_damaged_shipped_model_stops_with_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("hipdrop.pose.model.SHIPPED_MODEL_PATH", _damaged_copy(tmp_path))
    with pytest.raises(HipdropError, match=r"sha256 .* expected .*installation is damaged"):
        load_model_bytes(PoseSettings())
    with pytest.raises(HipdropError, match="damaged"):
        create_backend(PoseSettings())  # before MediaPipe sees the file


def test_a_missing_shipped_model_stops_with_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("hipdrop.pose.model.SHIPPED_MODEL_PATH", tmp_path / "gone.task")
    with pytest.raises(HipdropError, match="not found"):
        load_model_bytes(PoseSettings())


def test_a_user_model_is_named_by_its_hash(tmp_path) -> None:
    copy = tmp_path / "my_blazepose.task"
    shutil.copy(SHIPPED_MODEL_PATH, copy)
    settings = with_model(PoseSettings(), copy)
    assert settings.model == "my_blazepose"
    assert settings.model_sha256 == SHIPPED_MODEL_SHA256
    assert settings.model_path == str(copy.resolve())
    # Where the file lies does not matter to the cache: the same model, the same entry.
    (tmp_path / "elsewhere").mkdir()
    moved = with_model(PoseSettings(), shutil.copy(copy, tmp_path / "elsewhere"))
    assert moved.model_path != settings.model_path
    assert cache.cache_key("abc", moved) == cache.cache_key("abc", settings)
    other = replace(settings, model_sha256="0" * 64)
    assert cache.cache_key("abc", other) != cache.cache_key("abc", settings)
    assert load_model_bytes(settings) == SHIPPED_MODEL_PATH.read_bytes()


def test_a_user_model_changed_after_it_was_chosen_is_refused(tmp_path) -> None:
    copy = tmp_path / "model.task"
    shutil.copy(SHIPPED_MODEL_PATH, copy)
    settings = with_model(PoseSettings(), copy)
    _damaged_copy(tmp_path).rename(copy)
    with pytest.raises(HipdropError, match="changed since it was chosen"):
        load_model_bytes(settings)


@pytest.mark.parametrize("kind", ["not a zip", "another task"])
def test_a_file_that_is_not_a_blazepose_bundle_is_refused(tmp_path, kind: str) -> None:
    path = tmp_path / "model.task"
    if kind == "not a zip":
        path.write_bytes(b"<html>404 not found</html>")
    else:
        with zipfile.ZipFile(path, "w") as bundle:
            bundle.writestr("hand_detector.tflite", b"\0" * 16)
    with pytest.raises(HipdropError, match="not a"):
        with_model(PoseSettings(), path)
    assert pose_settings(None) is None


def test_pose_model_option_fails_before_pose_without_a_traceback(tmp_path) -> None:
    missing = tmp_path / "heavy.task"
    result = run_cli("analyse", str(tmp_path / "clip.mp4"), "--pose-model", str(missing))
    assert result.returncode == 1
    assert "not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_video_mode_takes_frames_whose_times_repeat_or_are_missing() -> None:
    """VIDEO mode wants strictly increasing whole milliseconds; a variable-rate clip may give
    two frames within one millisecond, or none at all. Neither may stop pose."""
    backend = create_backend(PoseSettings())
    blank = np.full((96, 128, 3), 127, dtype=np.uint8)
    try:
        for time_s in (0.0, 0.0002, 0.0004, float("nan"), None, 0.01):
            assert backend.estimate(blank, time_s) is None  # nobody there, and no error
    finally:
        backend.close()


@pytest.mark.realdata
@pytest.mark.slow
def test_two_analyses_of_the_balance_clip_give_the_same_frames(tmp_path, video) -> None:
    """Pose, both passes, each run with its own empty cache: byte-identical frames.csv."""
    clip = video("anterior_single-leg-balance_pose2sim.mp4")
    tables, poses = [], []
    for run in ("a", "b"):
        out = tmp_path / run
        result = run_cli(
            "analyse", str(clip), "--out", str(out),
            env={"HIPDROP_CACHE_DIR": str(tmp_path / f"cache-{run}")},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        tables.append((out / "frames.csv").read_bytes())
        import json

        poses.append(json.loads((out / "summary.json").read_text())["provenance"]["pose"])
    assert tables[0] == tables[1]
    assert poses[0]["model"] == "pose_landmarker_full"
    assert poses[0]["model_sha256"] == SHIPPED_MODEL_SHA256
