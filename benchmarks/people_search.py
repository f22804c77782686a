"""Cost of the people search (hipdrop.pose.subject) beside the pose pass it rides on.

Runs pose passes over each clip in this process - a warm-up, two without and one with the
sampled people search - and prints the times side by side (best of the plain ones). Usage:
    python3.11 -m benchmarks.people_search CLIP [CLIP ...]   (from the repository root)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hipdrop.io.video import probe_video
from hipdrop.pose.backend import PoseSettings
from hipdrop.pose.runner import _run_segment, _Segment
from hipdrop.pose.subject import plan_subject, sample_frame_indices


def timed_pass(path: Path, samples: frozenset[int]) -> tuple[float, dict]:
    start = time.perf_counter()
    result = _run_segment(
        path, PoseSettings(), _Segment(0, None, 0), lambda: None, sample_frames=samples
    )
    return time.perf_counter() - start, result.people


def main(paths: list[str]) -> None:
    print(f"{'clip':52} {'frames':>6} {'samples':>7} {'people':>6} {'pose s':>7} "
          f"{'+search s':>9} {'extra':>6}")  # fmt: skip
    for name in paths:
        path = Path(name)
        info = probe_video(path)
        samples = sample_frame_indices(info)
        timed_pass(path, frozenset())  # warm-up: model load, file cache
        plain = min(timed_pass(path, frozenset())[0] for _ in range(2))
        searched, people = timed_pass(path, samples)
        plan = plan_subject(people, (info.width_px, info.height_px), "auto")
        found = len(plan.others) + (plan.subject is not None)
        print(
            f"{path.name:52} {info.frame_count:6d} {len(samples):7d} {found:6d} {plain:7.2f} "
            f"{searched:9.2f} {searched / plain - 1:6.0%}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
