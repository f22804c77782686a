"""Speed and memory of hipdrop against a bare decode-and-pose loop, side by side from one run.

    python3.11 benchmarks/run_benchmarks.py            # everything (about 20 min on 2 cores)
    python3.11 benchmarks/run_benchmarks.py --quick    # short clips once, 15 s clip, 2 batch clips
    python3.11 benchmarks/run_benchmarks.py --skip clip long jobs batch   # the short clips only

Measured, each in a fresh process with a fresh pose cache unless said otherwise:
- bare loop: decode every frame with OpenCV and run MediaPipe's ``PoseLandmarker`` (Tasks API,
  VIDEO mode, BlazePose full) on it, nothing else (the whole process, start to exit, and the
  loop alone);
- short clips as clinics film them (the 8.6 s hops clip and a 20 s loop): wall and CPU time of
  the default and of one pose pass against the bare loop's, medians of ``--repeats`` runs;
- ``hipdrop analyse`` end to end (report on, annotated video off), and its ratio to the bare loop;
- cached re-analysis: the same command again, pose from the cache; and the library call
  ``hipdrop.analyse()`` on the cached clip in a warm interpreter (its second call);
- peak memory of the whole process tree (RSS summed over processes every 50 ms, PSS every
  second) for a 1-minute and a 10-minute clip;
- ``hipdrop batch`` over 8 clips against ``hipdrop analyse`` run on them one after another.

The test clip is built from ../shared/data/video (or $HIPDROP_DATA_DIR): the 1920x1080 hops clip
played forwards and backwards (so the motion stays continuous) until it lasts long enough.
Built clips are kept in --workdir and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE_CLIP = "anterior_single-leg-hops_vaila.mp4"
ONE_PASS = "one pose pass (--no-mirror-pass)"
DEFAULT = "default (normal + mirrored pass)"
TARGETS = {
    # Wall time against the bare loop's, per pose mode and clip (issue 17); CPU where set.
    "ratio": {ONE_PASS: 0.55, DEFAULT: 1.0},
    "short_ratio": {ONE_PASS: 0.8, DEFAULT: 1.2},
    "short_cpu_ratio": {DEFAULT: 2.3},
    "cached_s": 3.0,
    "cached_library_s": 0.5,
    "peak_mb": 800.0,
    "long_growth": 0.10,
    "batch_speedup": 1.7,
}


def data_dir() -> Path:
    configured = os.environ.get("HIPDROP_DATA_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "data"


def make_clip(dest: Path, seconds: float, source: Path) -> Path:
    """A clip of ``seconds`` from ``source`` played back and forth (kept as JPEG in memory)."""
    import cv2

    if dest.exists():
        return dest
    cap = cv2.VideoCapture(str(source))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    encoded = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        encoded.append(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])[1])
    cap.release()
    height, width = cv2.imdecode(encoded[0], cv2.IMREAD_COLOR).shape[:2]
    order = list(range(len(encoded))) + list(range(len(encoded) - 2, 0, -1))
    n_frames = round(seconds * fps)
    partial = dest.with_suffix(".partial.mp4")
    writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for i in range(n_frames):
        writer.write(cv2.imdecode(encoded[order[i % len(order)]], cv2.IMREAD_COLOR))
    writer.release()
    partial.rename(dest)
    return dest


def library_call(clip: Path, mirror_pass: bool) -> None:
    """Print the seconds of a second ``hipdrop.analyse(clip)`` in this interpreter (the first
    imports everything and fills any cache)."""
    import hipdrop
    from hipdrop.options import AnalysisOptions, PoseOptions

    options = AnalysisOptions(pose=PoseOptions(mirror_pass=mirror_pass))
    hipdrop.analyse(clip, options)
    start = time.perf_counter()
    hipdrop.analyse(clip, options)
    print(f"{time.perf_counter() - start:.4f}")


def bare_loop(clip: Path) -> None:
    """Decode every frame and run MediaPipe's pose landmarker on it (Tasks API, VIDEO mode, the
    model hipdrop ships), nothing else; print the loop's seconds."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import (
        VisionTaskRunningMode,
    )

    from hipdrop.pose.model import SHIPPED_MODEL_PATH

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(SHIPPED_MODEL_PATH)),
        running_mode=VisionTaskRunningMode.VIDEO,
    )
    pose = PoseLandmarker.create_from_options(options)
    start = time.perf_counter()
    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = 0
    while True:
        ok, image = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        timestamp_ms = round(1000.0 * frames / fps)
        pose.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), timestamp_ms)
        frames += 1
    print(f"{time.perf_counter() - start:.3f} {frames}")
    pose.close()


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    peak_pss_mb: float
    returncode: int
    stdout: str


def _tree_memory_mb(root, with_pss: bool) -> tuple[float, float]:
    """RSS and (if ``with_pss``, else 0) PSS summed over a process and its descendants, MB."""
    import psutil

    rss = pss = 0.0
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:  # the command has just exited
        return 0.0, 0.0
    for proc in tree:
        try:
            rss += proc.memory_info().rss
            if with_pss:  # reads /proc/PID/smaps: milliseconds per MediaPipe process
                info = proc.memory_full_info()
                pss += getattr(info, "pss", info.rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return rss / 2**20, pss / 2**20


def run_measured(command: list[str], env: dict[str, str]) -> Run:
    """Run a command; wall time, CPU time and peak memory of its whole process tree.

    CPU seconds (user + system, all descendants) say what the work costs even when other
    programs share the cores and wall times are noisy."""
    import resource

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    root = psutil.Process(proc.pid)
    peaks = [0.0, 0.0]
    done = threading.Event()

    def sample() -> None:
        # RSS every 50 ms is cheap; PSS once a second, as reading it costs the measured
        # processes CPU time (every 50 ms it took a fifth of a core from two pose workers).
        count = 0
        while not done.is_set():
            rss, pss = _tree_memory_mb(root, with_pss=count % 20 == 0)
            peaks[0], peaks[1] = max(peaks[0], rss), max(peaks[1], pss)
            count += 1
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Run(wall, cpu, peaks[0], peaks[1], proc.returncode, stdout)


def fresh_dir(work: Path, prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=work))


def hipdrop_env(cache_dir: Path) -> dict[str, str]:
    env = dict(os.environ, HIPDROP_CACHE_DIR=str(cache_dir))
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def analyse_command(clip: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "hipdrop.cli", "analyse", str(clip), "--out", str(out), "--force"]


def check(run: Run, what: str) -> Run:
    if run.returncode not in (0, 1):
        raise SystemExit(f"{what} failed with exit code {run.returncode}")
    return run


def row(name: str, value: str, target: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"  {name:<44} {value:>18}  {target:<14}{verdict}", flush=True)


def analyse_summary(clip: Path, out: Path, cache: Path, *extra: str) -> tuple[Run, dict]:
    """``hipdrop analyse`` as a subprocess; its run and its summary.json."""
    shutil.rmtree(out, ignore_errors=True)
    run = check(run_measured([*analyse_command(clip, out), *extra], hipdrop_env(cache)), "analyse")
    summary_path = out / "summary.json"
    return run, json.loads(summary_path.read_text()) if summary_path.exists() else {}


def bench_single_clip(work: Path, seconds: float) -> dict:
    clip = make_clip(
        work / f"hops_loop_{seconds:g}s.mp4", seconds, data_dir() / "video" / SOURCE_CLIP
    )
    print(f"\nOne clip: {clip.name} ({seconds:g} s, 1920x1080)", flush=True)
    bare = check(
        run_measured([sys.executable, __file__, "--bare-loop", str(clip)], os.environ.copy()),
        "bare loop",
    )
    loop_s, frames = bare.stdout.split()
    row("bare loop, whole process (s)", f"{bare.wall_s:.1f}")
    row("bare loop, decode+pose loop only (s)", f"{float(loop_s):.1f}  ({frames} frames)")
    row("bare loop, CPU (s, user + system)", f"{bare.cpu_s:.1f}")
    row("peak memory, bare loop (MB, RSS sum)", f"{bare.peak_rss_mb:.0f}")
    runs = {}
    for label, extra in ((ONE_PASS, ["--no-mirror-pass"]), (DEFAULT, [])):
        cache = fresh_dir(work, "cache")
        first, summary = analyse_summary(clip, work / "out_first", cache, *extra)
        cached, _ = analyse_summary(clip, work / "out_cached", cache, *extra)
        runs[label] = (first, summary)
        ratio = first.wall_s / bare.wall_s
        print(f"  hipdrop analyse, {label}:")
        row("  end to end (s)", f"{first.wall_s:.1f}")
        row(
            "  ratio to bare loop (whole process)",
            f"{ratio:.2f}",
            f"<= {TARGETS['ratio'][label]}",
            ratio <= TARGETS["ratio"][label],
        )
        row("  ratio to bare loop (loop only)", f"{first.wall_s / float(loop_s):.2f}")
        row(
            "  CPU (s), and ratio to the bare loop's",
            f"{first.cpu_s:.1f}  {first.cpu_s / bare.cpu_s:.2f}",
        )
        row(
            "  cached re-analysis, whole command (s)",
            f"{cached.wall_s:.2f}",
            f"<= {TARGETS['cached_s']}",
            cached.wall_s <= TARGETS["cached_s"],
        )
        library = check(
            run_measured(
                [sys.executable, __file__, "--library-call", str(clip), *extra],
                hipdrop_env(cache),
            ),
            "library call",
        )
        library_s = float(library.stdout.split()[-1])
        row(
            "  cached, hipdrop.analyse() warm (s)",
            f"{library_s:.2f}",
            f"<= {TARGETS['cached_library_s']}",
            library_s <= TARGETS["cached_library_s"],
        )
        row(
            "  peak memory (MB, RSS sum / PSS sum)",
            f"{first.peak_rss_mb:.0f} / {first.peak_pss_mb:.0f}",
            f"<= {TARGETS['peak_mb']:.0f}",
            first.peak_rss_mb <= TARGETS["peak_mb"],
        )
        row("  peak memory, cached (MB, RSS sum)", f"{cached.peak_rss_mb:.0f}")
        shutil.rmtree(cache, ignore_errors=True)
    return {"clip": clip, "runs": runs}


def bench_short_clips(work: Path, repeats: int) -> None:
    """The clip lengths clinics film: the 8.6 s hops clip itself and a 20 s loop of it. Bare
    loop, one pass and default run in turn ``repeats`` times (each with a fresh cache);
    medians of wall and CPU time, and their ratios to the bare loop's from the same run."""
    source = data_dir() / "video" / SOURCE_CLIP
    for clip in (source, make_clip(work / "hops_loop_20s.mp4", 20.0, source)):
        print(f"\nShort clip: {clip.name}, medians of {repeats} runs", flush=True)
        runs: dict[str, list[Run]] = {"bare loop": [], ONE_PASS: [], DEFAULT: []}
        for _ in range(repeats):
            bare = [sys.executable, __file__, "--bare-loop", str(clip)]
            runs["bare loop"].append(check(run_measured(bare, os.environ.copy()), "bare loop"))
            for label, extra in ((ONE_PASS, ["--no-mirror-pass"]), (DEFAULT, [])):
                cache = fresh_dir(work, "cache")
                run, _ = analyse_summary(clip, work / "out_short", cache, *extra)
                runs[label].append(run)
                shutil.rmtree(cache, ignore_errors=True)
        wall = {label: statistics.median(r.wall_s for r in rs) for label, rs in runs.items()}
        cpu = {label: statistics.median(r.cpu_s for r in rs) for label, rs in runs.items()}
        row("bare loop: wall / CPU (s)", f"{wall['bare loop']:.1f} / {cpu['bare loop']:.1f}")
        short = clip == source
        for label in (ONE_PASS, DEFAULT):
            wall_ratio = wall[label] / wall["bare loop"]
            cpu_ratio = cpu[label] / cpu["bare loop"]
            print(f"  hipdrop analyse, {label}: wall {wall[label]:.1f} s, CPU {cpu[label]:.1f} s")
            wall_target = TARGETS["short_ratio"][label] if short else None
            row(
                "  wall ratio to the bare loop",
                f"{wall_ratio:.2f}",
                f"<= {wall_target}" if wall_target else "",
                wall_ratio <= wall_target if wall_target else None,
            )
            cpu_target = TARGETS["short_cpu_ratio"].get(label) if short else None
            row(
                "  CPU ratio to the bare loop",
                f"{cpu_ratio:.2f}",
                f"<= {cpu_target}" if cpu_target else "",
                cpu_ratio <= cpu_target if cpu_target else None,
            )


def bench_long_clip(work: Path, minutes: float, one_minute: Run) -> None:
    clip = make_clip(
        work / f"hops_loop_{minutes:g}min.mp4", 60 * minutes, data_dir() / "video" / SOURCE_CLIP
    )
    print(f"\nLong clip: {clip.name} ({minutes:g} min), one pose pass", flush=True)
    cache = fresh_dir(work, "cache")
    long, _ = analyse_summary(clip, work / "out_long", cache, "--no-mirror-pass")
    growth = long.peak_rss_mb / one_minute.peak_rss_mb - 1
    row("hipdrop analyse end to end (s)", f"{long.wall_s:.1f}")
    row(
        "peak memory (MB, RSS sum / PSS sum)",
        f"{long.peak_rss_mb:.0f} / {long.peak_pss_mb:.0f}",
        f"<= {TARGETS['peak_mb']:.0f}",
        long.peak_rss_mb <= TARGETS["peak_mb"],
    )
    row(
        "growth over the 1-minute clip (RSS sum)",
        f"{100 * growth:+.1f}%",
        f"<= {100 * TARGETS['long_growth']:.0f}%",
        growth <= TARGETS["long_growth"],
    )
    shutil.rmtree(cache, ignore_errors=True)


def bench_jobs_agree(work: Path, clips: list[Path], known: dict[Path, dict]) -> None:
    """Per-side peak drop with --jobs 2 against --jobs 1 (default settings, fresh caches)."""
    from hipdrop.io.video import probe_video
    from hipdrop.pose.runner import plan_segments

    print("\nResults unchanged: peak drop (deg) per stance side, --jobs 1 vs --jobs 2", flush=True)
    worst = 0.0
    for clip in clips:
        info = probe_video(clip)
        n_segments = len(plan_segments(info.frame_count, 2, round(info.nominal_fps or 30)))
        drops = []
        for jobs in ("1", "2"):
            if jobs == "2" and clip in known:
                summary = known[clip]
            else:
                cache = fresh_dir(work, "cache")
                _, summary = analyse_summary(clip, work / "out_jobs", cache, "--jobs", jobs)
                shutil.rmtree(cache, ignore_errors=True)
            sides = summary.get("sides", {})
            drops.append([sides.get(s, {}).get("peak_drop_deg") for s in ("left", "right")])
        diffs = [abs(a - b) for a, b in zip(*drops, strict=True) if a is not None and b is not None]
        same_missing = [a is None for a in drops[0]] == [b is None for b in drops[1]]
        worst = max([worst, *diffs]) if same_missing else float("inf")
        shown = " ".join("  -  " if v is None else f"{v:5.2f}" for v in drops[0] + drops[1])
        print(f"  {clip.name[:44]:<44} {n_segments} seg  j1 L R / j2 L R: {shown}", flush=True)
    row("largest |jobs 2 - jobs 1| over clips and sides", f"{worst:.3f}", "<= 0.3", worst <= 0.3)


def bench_batch(work: Path, n_clips: int) -> None:
    clips = sorted((data_dir() / "video").glob("*.mp4"))[:n_clips]
    folder = work / f"batch_{n_clips}"
    folder.mkdir(exist_ok=True)
    for clip in clips:
        if not (folder / clip.name).exists():
            (folder / clip.name).symlink_to(clip)
    print(f"\nBatch: {len(clips)} clips from {data_dir() / 'video'}", flush=True)
    cache = fresh_dir(work, "cache")
    start = time.perf_counter()
    serial_cpu_s = 0.0
    for clip in clips:
        command = analyse_command(folder / clip.name, work / "out_serial" / clip.stem)
        serial_cpu_s += check(run_measured(command, hipdrop_env(cache)), "serial").cpu_s
    serial_s = time.perf_counter() - start
    shutil.rmtree(cache, ignore_errors=True)
    cache = fresh_dir(work, "cache")
    batch = run_measured(
        [
            sys.executable,
            "-m",
            "hipdrop.cli",
            "batch",
            str(folder),
            "--out",
            str(work / "out_batch"),
            "--force",
        ],
        hipdrop_env(cache),
    )
    check(batch, "batch")
    speedup = serial_s / batch.wall_s
    row("one after another (hipdrop analyse each) (s)", f"{serial_s:.1f}")
    row("hipdrop batch (s)", f"{batch.wall_s:.1f}")
    row("CPU (s): one after another, batch", f"{serial_cpu_s:.1f}  {batch.cpu_s:.1f}")
    row(
        "throughput, batch / one after another",
        f"{speedup:.2f}x",
        f">= {TARGETS['batch_speedup']}x",
        speedup >= TARGETS["batch_speedup"],
    )
    row(
        "peak memory, batch (MB, RSS sum / PSS sum)",
        f"{batch.peak_rss_mb:.0f} / {batch.peak_pss_mb:.0f}",
    )
    shutil.rmtree(cache, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="15 s clip, 2 batch clips, no long clip"
    )
    parser.add_argument(
        "--seconds", type=float, help="length of the one-clip benchmark (default 60)"
    )
    parser.add_argument("--long-minutes", type=float, default=10.0, help="length of the long clip")
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["short", "clip", "long", "jobs", "batch"],
        help="parts to leave out",
    )
    parser.add_argument("--batch-clips", type=int, help="clips in the batch benchmark (default 8)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per command for the short clips (median)"
    )
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "hipdrop-bench"
    )
    parser.add_argument("--bare-loop", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--library-call", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-mirror-pass", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))  # this checkout's hipdrop, also in this process
    if args.library_call:
        library_call(args.library_call, mirror_pass=not args.no_mirror_pass)
        return 0
    if args.bare_loop:
        bare_loop(args.bare_loop)
        return 0
    seconds = args.seconds or (15.0 if args.quick else 60.0)
    skip = set(args.skip) | ({"long", "jobs"} if args.quick else set())
    n_batch = args.batch_clips or (2 if args.quick else 8)
    if not (data_dir() / "video" / SOURCE_CLIP).exists():
        raise SystemExit(f"{data_dir() / 'video' / SOURCE_CLIP} not found; set HIPDROP_DATA_DIR")
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"hipdrop benchmarks on {os.cpu_count()} cores; work folder {args.workdir}")
    one = None
    if "short" not in skip:
        bench_short_clips(args.workdir, 1 if args.quick else args.repeats)
    if "clip" not in skip:
        one = bench_single_clip(args.workdir, seconds)
    if "long" not in skip and one is not None:
        bench_long_clip(args.workdir, args.long_minutes, one["runs"][ONE_PASS][0])
    if "jobs" not in skip:
        clips = sorted((data_dir() / "video").glob("*.mp4"))
        known = {}
        if one is not None:
            clips.append(one["clip"])
            known[one["clip"]] = one["runs"][DEFAULT][1]
        bench_jobs_agree(args.workdir, clips, known)
    if "batch" not in skip:
        bench_batch(args.workdir, n_batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
