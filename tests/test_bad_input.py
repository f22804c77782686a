"""Bad input on the command line: exit 1, one clear line, no traceback, no output folder."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import cv2
import numpy as np
import pytest


def _write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.mp4"
    path.write_bytes(b"")
    return path


def _text(tmp: Path) -> Path:
    path = tmp / "notes.mp4"
    path.write_text("this is not a video\n" * 50)
    return path


def _random_bytes(tmp: Path) -> Path:
    path = tmp / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    return path


def _still_image(tmp: Path) -> Path:
    path = tmp / "photo.png"
    cv2.imwrite(str(path), np.full((240, 320, 3), 128, np.uint8))
    renamed = tmp / "photo.mp4"
    renamed.write_bytes(path.read_bytes())
    return renamed


def _one_frame(tmp: Path) -> Path:
    return _write_video(tmp / "one.mp4", [np.full((240, 320, 3), 90, np.uint8)])


def _truncated(tmp: Path) -> Path:
    full = _write_video(
        tmp / "full.mp4",
        [np.full((240, 320, 3), i, np.uint8) for i in range(0, 250, 5)],
    )
    path = tmp / "truncated.mp4"
    path.write_bytes(full.read_bytes()[:2000])
    return path


def _no_person(tmp: Path) -> Path:
    rng = np.random.default_rng(1)
    frames = [
        cv2.GaussianBlur(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), (31, 31), 0)
        for _ in range(30)
    ]
    return _write_video(tmp / "empty_room.mp4", frames)


def _audio_only(tmp: Path) -> Path:
    """A sound file (one second of a 440 Hz tone) with a video file name."""
    samples = (8000 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)).astype("<i2")
    path = tmp / "voice_memo.mp4"
    with wave.open(str(path), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(16000)
        sound.writeframes(samples.tobytes())
    return path


def _huge_empty_room(tmp: Path) -> Path:
    """8K frames (7680 x 4320) with nobody in them: must neither hang nor exhaust memory."""
    rng = np.random.default_rng(2)
    base = cv2.resize(rng.integers(0, 255, (54, 96, 3), dtype=np.uint8), (7680, 4320))
    return _write_video(tmp / "huge.mp4", [np.roll(base, 8 * i, axis=1) for i in range(8)])


MAKERS = [
    _empty,
    _text,
    _random_bytes,
    _still_image,
    _one_frame,
    _truncated,
    _no_person,
    _audio_only,
    _huge_empty_room,
]


#: ``python -c`` this with the CLI's arguments: runs the command line and writes the process's
#: own peak memory (``VmHWM``, KiB) to ``$HIPDROP_TEST_PEAK_FILE``. Not ``ru_maxrss``: Linux
#: carries the parent's peak across fork and exec, so a test process grown large by earlier
#: tests would be measured instead of the command.
_MEASURED_CLI = """
import os, runpy
try:
    runpy.run_module("hipdrop.cli", run_name="__main__", alter_sys=True)
finally:
    status = open("/proc/self/status").read().splitlines()
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    open(os.environ["HIPDROP_TEST_PEAK_FILE"], "w").write(peak)
"""


def _run_measured(args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess, int]:
    """The command line run with ``args``, and its peak memory in KiB."""
    peak_file = tmp_path / "peak_kib.txt"
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED_CLI, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HIPDROP_TEST_PEAK_FILE": str(peak_file)},
    )
    return result, int(peak_file.read_text())


@pytest.mark.parametrize("make", MAKERS, ids=[m.__name__.strip("_") for m in MAKERS])
def test_bad_input_gives_one_clear_line(tmp_path: Path, make) -> None:
    clip = make(tmp_path)
    before = clip.read_bytes()
    out = tmp_path / "out"
    result, peak_kib = _run_measured(["analyse", str(clip), "--out", str(out)], tmp_path)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hipdrop: error:")
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
    assert clip.read_bytes() == before
    # Peak memory of the analysis: decoding is bounded by frame size.
    assert peak_kib < 3 * 2**20  # KiB: 3 GiB


def test_usage_error_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hipdrop.cli", "analyse"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2


@pytest.mark.parametrize(("value", "code"), [("3", 1), ("900", 1), ("-26", 2), ("wide", 2)])
def test_an_implausible_focal_length_is_refused_before_any_work(tmp_path: Path, value, code):
    """1-3 mm or 900 mm is no phone lens: one line, exit 1; not a number: a usage error."""
    out = tmp_path / "out"
    clip = _text(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "hipdrop.cli", "analyse", str(clip), "--out", str(out),
         "--focal-length-mm", value],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == code, result.stderr
    if code == 1:
        assert "--focal-length-mm" in result.stderr and "plausible" in result.stderr
    assert not out.exists()
