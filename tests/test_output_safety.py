"""Outputs: never outside --out, never over existing output without --force, nothing
half-written on Ctrl-C, every text escaped in the report, input files parsed as data, and the
same input giving the same summary.json."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli
from videotools import read_frames, write_video

from hipdrop.analysis.session import SessionDetails
from hipdrop.analysis.thresholds import DEFAULT_THRESHOLDS_FILE, load_thresholds
from hipdrop.errors import HipdropError
from hipdrop.io.landmarks import load_tracks
from hipdrop.pipeline import analyse_tracks
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def synthetic():
    return synthetic_single_leg(SyntheticTrial(noise_px=0.4))


def test_outputs_stay_inside_out_and_texts_are_escaped(tmp_path: Path, synthetic) -> None:
    tracks = replace(synthetic, meta={**synthetic.meta, "video_name": HOSTILE})
    analysis = analyse_tracks(
        tracks,
        source={"name": f"../../{HOSTILE}.mp4"},
        session=SessionDetails(notes=HOSTILE, patient_name=HOSTILE),
    )
    analysis.summary["warnings"].append(HOSTILE)
    before = set(tmp_path.parent.iterdir())
    out = tmp_path / "out"
    analysis.save(out)
    assert set(tmp_path.parent.iterdir()) == before  # nothing beside tmp_path appeared
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_existing_output_is_kept_without_force(tmp_path: Path, synthetic) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("the user's own file")
    result = run_cli("analyse", str(tmp_path / "any.mp4"), "--out", str(out))
    assert result.returncode == 1 and "--force" in result.stderr
    assert _tree(out) == {"mine.txt": hashlib.sha256(b"the user's own file").hexdigest()}
    with pytest.raises(HipdropError, match="--force"):
        analyse_tracks(synthetic).save(out)
    analyse_tracks(synthetic).save(out, force=True)
    assert "summary.json" in _tree(out) and "mine.txt" not in _tree(out)


def test_threshold_and_landmark_files_are_data(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    profile = DEFAULT_THRESHOLDS_FILE.read_text(encoding="utf-8").replace(
        'threshold_source = "',
        f"threshold_source = \"__import__('os').system('touch {marker}') ",
        1,
    )
    (tmp_path / "p.toml").write_text(profile, encoding="utf-8")
    loaded = load_thresholds("single-leg", tmp_path / "p.toml")
    assert "__import__" in loaded.threshold_source and not marker.exists()

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    arrays = {"format_version": np.asarray(1), "time_s": np.array([Exploit()], dtype=object)}
    with open(tmp_path / "tracks.npz", "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.raises(HipdropError):
        load_tracks(tmp_path / "tracks.npz")
    assert not marker.exists()


@pytest.fixture(scope="module")
def short_clip(video, tmp_path_factory) -> Path:
    """The first 50 frames of the balance clip at half size: a real person, little pose time."""
    frames, fps = read_frames(video("anterior_single-leg-balance_pose2sim.mp4"))
    half = [f[::2, ::2].copy() for f in frames[:50]]
    return write_video(tmp_path_factory.mktemp("short") / "short.mp4", half, fps)


@pytest.mark.realdata
def test_same_input_same_summary(tmp_path: Path, short_clip: Path) -> None:
    """Two runs, each with its own empty pose cache: identical apart from provenance."""
    summaries, tables = [], []
    for run in ("a", "b"):
        out = tmp_path / run
        result = run_cli(
            "analyse", str(short_clip), "--out", str(out), "--no-mirror-pass",
            env={"HIPDROP_CACHE_DIR": str(tmp_path / f"cache-{run}")},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        summary = json.loads((out / "summary.json").read_text())
        assert "provenance" in summary
        summaries.append({k: v for k, v in summary.items() if k != "provenance"})
        tables.append((out / "frames.csv").read_bytes())
    assert summaries[0] == summaries[1]
    assert tables[0] == tables[1]


@pytest.mark.realdata
def test_ctrl_c_during_pose_leaves_nothing(tmp_path: Path, video) -> None:
    clip = video("anterior_single-leg-hops_vaila.mp4")
    out, cache = tmp_path / "out", tmp_path / "cache"
    process = subprocess.Popen(
        [sys.executable, "-m", "hipdrop.cli", "analyse", str(clip), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HIPDROP_CACHE_DIR": str(cache)},
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    time.sleep(6.0)  # imports, probing and the start of pose
    assert process.poll() is None, "finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines == ["hipdrop: interrupted; nothing was written"]
    assert sorted(p.name for p in tmp_path.iterdir()) in (["cache"], [])
    # No pose result was stored, and nothing half-written is left in the cache.
    assert not list((cache / "pose").glob("*"))
    assert not [p for p in cache.rglob("*") if p.suffix == ".tmp" or ".partial" in p.name]
    # No pose worker left running (multiprocessing's helper may take a moment to exit).
    for _ in range(50):
        group = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
        if not group.stdout.strip():
            break
        time.sleep(0.2)
    assert group.stdout.strip() == ""
