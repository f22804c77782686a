"""How far the pose model is from mirror-symmetric, and what the mirror pass buys.

    python3.11 benchmarks/mirror_asymmetry.py [--clips balance hops] [--workdir DIR]

For each clip: a mirrored copy and a plain re-encode (``tests/videotools.py``) are analysed
beside the original, once with one pose pass (``mirror_pass=False``) and once with the default
two. Printed per clip and mode: the SD and largest value, over the frames usable in both, of the
hip line's image angle (``frames.csv`` ``pelvic_obliquity_deg``) of the original minus that of
the copy mapped back (the mirrored copy's angle negated: the image is flipped); and the peak
drop per stance side, original against the mirrored copy's other side. A mirror-symmetric model
would give the mirrored copy the re-encode's figures; the mirror pass earns its place where it
brings the mirrored copy's figures down to the re-encode's. Runs whatever hipdrop is importable
(so the same script measures two releases side by side); pose cache in ``--workdir``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # videotools.py
sys.path.insert(0, str(Path(__file__).resolve().parent))

CLIPS = {
    "balance": "anterior_single-leg-balance_pose2sim.mp4",
    "hops": "anterior_single-leg-hops_vaila.mp4",
}


def _angle_gap(original, copy, sign: float) -> tuple[float, float, int]:
    """SD and largest |difference| (degrees) of the hip line's image angle over the frames
    usable in both analyses, and how many frames that is."""
    import numpy as np

    a = original.frames["pelvic_obliquity_deg"].to_numpy()
    b = sign * copy.frames["pelvic_obliquity_deg"].to_numpy()
    both = np.isfinite(a) & np.isfinite(b)
    if "excluded" in original.frames and "excluded" in copy.frames:
        both &= (original.frames["excluded"] == "").to_numpy()
        both &= (copy.frames["excluded"] == "").to_numpy()
    gap = a[both] - b[both]
    return float(np.std(gap)), float(np.max(np.abs(gap))), int(both.sum())


def _peaks(analysis, swapped: bool) -> list[float | None]:
    sides = ("right", "left") if swapped else ("left", "right")
    return [analysis.summary["sides"][s]["peak_drop_deg"] for s in sides]


def measure(clip: Path, work: Path) -> None:
    from videotools import identity, mirror, transform_video

    from hipdrop.options import AnalysisOptions, PoseOptions
    from hipdrop.pipeline import analyse

    copies = {
        "mirrored": transform_video(clip, work / f"{clip.stem}_mirror.mp4", mirror),
        "re-encoded": transform_video(clip, work / f"{clip.stem}_copy.mp4", identity),
    }
    for mirror_pass in (False, True):
        mode = "default, two passes" if mirror_pass else "one pass (--no-mirror-pass)"
        options = AnalysisOptions(pose=PoseOptions(mirror_pass=mirror_pass))
        original = analyse(clip, options)
        print(f"{clip.name}, {mode}:")
        print(f"  original peak drop L/R: {_fmt(_peaks(original, False))}")
        for name, path in copies.items():
            copy = analyse(path, options)
            flipped = name == "mirrored"
            sd, worst, n = _angle_gap(original, copy, -1.0 if flipped else 1.0)
            print(
                f"  {name:<10} hip-line angle gap: SD {sd:.2f} deg, max {worst:.2f} deg "
                f"({n} frames); peak drop L/R {_fmt(_peaks(copy, flipped))}",
                flush=True,
            )


def _fmt(values: list[float | None]) -> str:
    return " / ".join("-" if v is None else f"{v:.2f}" for v in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", nargs="*", default=list(CLIPS), choices=list(CLIPS))
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "hipdrop-mirror"
    )
    args = parser.parse_args()
    from run_benchmarks import data_dir

    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HIPDROP_CACHE_DIR", str(args.workdir / "cache"))
    import hipdrop

    print(f"hipdrop {hipdrop.__file__}")
    for name in args.clips:
        measure(data_dir() / "video" / CLIPS[name], args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
