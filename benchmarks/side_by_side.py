"""Two hipdrop checkouts timed side by side on the same clips, with this checkout's bare loop.

    python3.11 benchmarks/side_by_side.py --rounds 3 \\
        --release old=/path/to/venv_old/bin/python:/path/to/old_checkout \\
        --release new=/path/to/venv_new/bin/python:/path/to/new_checkout  CLIP [CLIP ...]

Per clip and round: the bare loop (``run_benchmarks.py --bare-loop``: decode every frame and
run the Tasks API's pose landmarker, nothing else), then ``hipdrop analyse`` of each release
with the default two pose passes and with ``--no-mirror-pass``, each in a fresh process with an
empty pose cache, the releases' order alternating from round to round. Whole-process wall and
CPU (user + system, all descendants) seconds are printed per run, then medians and their ratios
to the bare loop's. CPU seconds stay steady when other programs share the cores; wall seconds
do not.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of a command and its descendants, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, done.returncode


def release(text: str) -> tuple[str, str, str]:
    """``NAME=PYTHON:CHECKOUT``."""
    name, _, rest = text.partition("=")
    python, _, checkout = rest.partition(":")
    if not (name and python and checkout):
        raise argparse.ArgumentTypeError(f"not NAME=PYTHON:CHECKOUT: {text!r}")
    return name, python, checkout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("clips", nargs="+", type=Path)
    parser.add_argument("--release", type=release, action="append", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    for clip in args.clips:
        for k in range(args.rounds):
            bare = [sys.executable, str(HERE / "run_benchmarks.py"), "--bare-loop", str(clip)]
            wall, cpu, _ = timed(bare, dict(os.environ))
            times.setdefault((clip.name, "bare loop", "-"), []).append((wall, cpu))
            print(f"{clip.name} bare loop: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
            releases = args.release if k % 2 == 0 else args.release[::-1]
            for mode, extra in (("default", []), ("one pass", ["--no-mirror-pass"])):
                for name, python, checkout in releases:
                    work = Path(tempfile.mkdtemp(prefix="side-by-side-"))
                    env = dict(os.environ, HIPDROP_CACHE_DIR=str(work / "cache"))
                    env["PYTHONPATH"] = checkout
                    command = [python, "-m", "hipdrop.cli", "analyse", str(clip)]
                    command += ["--out", str(work / "out"), "--force", *extra]
                    wall, cpu, code = timed(command, env)
                    shutil.rmtree(work, ignore_errors=True)
                    if code not in (0, 1):
                        raise SystemExit(f"{name} failed on {clip.name} (exit code {code})")
                    times.setdefault((clip.name, mode, name), []).append((wall, cpu))
                    print(f"{clip.name} {mode} {name}: {wall:.1f} s wall, {cpu:.1f} s CPU")
    print("\nMedians: wall s, CPU s; ratios to the bare loop's wall / CPU")
    for clip in args.clips:
        bare = times[(clip.name, "bare loop", "-")]
        bare_wall = statistics.median(w for w, _ in bare)
        bare_cpu = statistics.median(c for _, c in bare)
        for (name, mode, which), runs in times.items():
            if name != clip.name:
                continue
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            print(
                f"  {name} {mode} {which}: {wall:.1f} / {cpu:.1f}   "
                f"{wall / bare_wall:.2f}x / {cpu / bare_cpu:.2f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
