"""Shared fixtures: where the real recordings are, and a private pose cache per test run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """``$HIPDROP_DATA_DIR`` if set, else ``../shared/data`` beside the repository."""
    configured = os.environ.get("HIPDROP_DATA_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"


def run_cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """``python -m hipdrop.cli ARGS`` in a fresh process (as a user runs it), output captured."""
    return subprocess.run(
        [sys.executable, "-m", "hipdrop.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def require_data(relative: str) -> Path:
    """Path to a shared recording. Missing data fails under CI and skips elsewhere."""
    path = shared_data_dir() / relative
    if not path.exists():
        message = f"test data {path} not found (set HIPDROP_DATA_DIR to the shared data folder)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session", autouse=True)
def _private_pose_cache(tmp_path_factory: pytest.TempPathFactory):
    """Tests never read or fill the user's own pose cache."""
    previous = os.environ.get("HIPDROP_CACHE_DIR")
    os.environ["HIPDROP_CACHE_DIR"] = str(tmp_path_factory.mktemp("pose-cache"))
    yield
    if previous is None:
        os.environ.pop("HIPDROP_CACHE_DIR", None)
    else:
        os.environ["HIPDROP_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def video():
    """``video("anterior_...mp4")`` -> path in the shared data folder."""
    return lambda name: require_data(f"video/{name}")


@pytest.fixture(autouse=True)
def _every_summary_follows_the_schema(monkeypatch: pytest.MonkeyPatch):
    """Every analysis a test makes has its summary (as JSON would carry it) validated against
    the published schema, hipdrop/data/summary.schema.json."""
    import json

    import jsonschema

    from hipdrop import pipeline
    from hipdrop.result import Analysis
    from hipdrop.summary_schema import summary_schema

    validator = jsonschema.Draft202012Validator(summary_schema())

    def validated(**fields) -> Analysis:
        validator.validate(json.loads(json.dumps(fields["summary"])))
        return Analysis(**fields)

    monkeypatch.setattr(pipeline, "Analysis", validated)
