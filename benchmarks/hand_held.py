"""Hand-held phones (issue 25): do clips filmed by a swaying phone read as the steady ones?

    python3.11 benchmarks/hand_held.py                  # the balance and hops clips, ±4° and ±10°
    python3.11 benchmarks/hand_held.py --controls --clips \\
        multicam/posterior-rolled_single-leg-balance_cam04_pose2sim.mp4  # a clip, with controls

Each clip in ../shared/data/video (or $HIPDROP_DATA_DIR/video) is analysed as it is and as
hand-held copies (tests/videotools.py ``hand_held_copy``: the picture turned by ``D·sin(2π t /
2 s)``, shifted by 2% of the frame along sines of 3.1 s and 2.3 s, and zoomed so that no border
shows). Per copy and stance leg: the verdict, the peak drop and its uncertainty beside the
steady clip's, and how far ``frames.csv`` ``camera_roll_deg`` is from the applied sway (RMSE,
each less its median). A copy passes when every leg keeps the steady clip's classification, the
peak is within ``PEAK_TOLERANCE_DEG`` and the uncertainty within ``UNCERTAINTY_RATIO`` of the
steady clip's, and the roll within ``ROLL_RMSE_DEG``. The exit code is 1 when any copy fails.
``--controls`` adds, per copy, a still copy with the same zoom: a copy zoomed past a padded
picture's edge is a longer lens with its picture's centre unseen, which moves the camera's
assumed focal length and principal point whether or not the camera moves.
Copies and pose results are kept in --workdir and reused.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # videotools.py
sys.path.insert(0, str(REPO))

from run_benchmarks import data_dir  # noqa: E402  (this folder: the shared data's place)
from videotools import hand_held_copy, roll_rmse_deg  # noqa: E402

CLIPS = ["anterior_single-leg-balance_pose2sim.mp4", "anterior_single-leg-hops_vaila.mp4"]
PEAK_TOLERANCE_DEG = 1.5
UNCERTAINTY_RATIO = 1.5
ROLL_RMSE_DEG = 1.5


def _legs(summary: dict) -> dict[str, tuple[str, float | None, float]]:
    return {
        leg: (info["classification"], info.get("peak_drop_deg"), info["uncertainty_deg"])
        for leg, info in summary["sides"].items()
    }


def _row(clip: str, sway: str, steady: dict, copy: dict, rmse: float | None) -> tuple[str, bool]:
    cells, passed = [], True
    for leg, (verdict, peak, spread) in _legs(copy.summary).items():
        base_verdict, base_peak, base_spread = _legs(steady.summary)[leg]
        same = verdict == base_verdict
        if peak is not None and base_peak is not None:
            same &= abs(peak - base_peak) <= PEAK_TOLERANCE_DEG
            same &= spread <= UNCERTAINTY_RATIO * base_spread
        passed &= same
        shown = f"{peak:+.1f}° ± {spread:.1f}" if peak is not None else "–"
        cells.append(f"{leg}: {verdict}, {shown}")
    roll = f"{rmse:.2f}°" if rmse is not None else "–"
    passed &= rmse is None or rmse <= ROLL_RMSE_DEG
    verdict = "ok" if passed else "FAIL"
    return f"| {clip} | {sway} | {'; '.join(cells)} | {roll} | {verdict} |", passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--clips", nargs="*", default=CLIPS, help="clip names in video/, or paths in the data"
    )
    parser.add_argument("--sways", nargs="*", type=float, default=[4.0, 10.0])
    parser.add_argument(
        "--controls",
        action="store_true",
        help="also each copy's zoom alone, the camera still (what the zoom does by itself)",
    )
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "hand-held")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HIPDROP_CACHE_DIR", str(args.workdir / "cache"))
    import hipdrop

    print("| clip | sway | per leg: verdict, peak drop ± 95% | camera roll RMSE | |")
    print("|---|---|---|---|---|")
    failed = 0
    for name in args.clips:
        source = data_dir() / (name if "/" in name else f"video/{name}")
        steady = hipdrop.analyse(source)
        frames = steady.frames
        still = float(frames["camera_roll_deg"].max() - frames["camera_roll_deg"].min())
        row, _ = _row(name, "steady", steady, steady, None)
        print(row.replace("| – |", f"| range {still:.2f}° |"))
        for sway in args.sways:
            copy_path = args.workdir / f"{Path(name).stem}__sway{sway:g}.mp4"
            if not copy_path.exists():
                hand_held_copy(source, copy_path, sway)
            copy = hipdrop.analyse(copy_path)
            rmse = roll_rmse_deg(
                copy.frames["time_s"].to_numpy(), copy.frames["camera_roll_deg"].to_numpy(), sway
            )
            row, passed = _row(name, f"±{sway:g}°", steady, copy, rmse)
            failed += not passed
            print(row, flush=True)
            if args.controls:
                still_path = args.workdir / f"{Path(name).stem}__zoom{sway:g}.mp4"
                if not still_path.exists():
                    hand_held_copy(source, still_path, sway, moving=False)
                still = hipdrop.analyse(still_path)
                print(_row(name, f"zoom of ±{sway:g}°, still", steady, still, None)[0])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
