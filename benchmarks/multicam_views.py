"""The four calibrated views of the multicam balance trial against its 3D reference.

For each camera, alone and with its same-camera static clip as the baseline, prints what
hipdrop found of the camera (against the calibration) and of the subject's turn (against the
3D), and how its per-frame numbers and verdict compare with the 3D pelvis over frames 20-70.
Run: ``python benchmarks/multicam_views.py [--json OUT]`` (pose is cached after the first run).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

#: camera -> (balance clip, static clip, reference file, calibrated roll, looks down)
VIEWS = {
    "cam_01": (
        "multicam/front-left-oblique_single-leg-balance_cam01_pose2sim.mp4",
        "multicam/static-standing_cam01_pose2sim.mp4",
        "multicam/reference_cam01_cam04.csv",
        13.4,
        22.5,
    ),
    "cam_02": (
        "video/anterior_single-leg-balance_pose2sim.mp4",
        "multicam/static-standing_cam02_pose2sim.mp4",
        "multicam/reference_cam02_cam03.csv",
        -2.6,
        18.2,
    ),
    "cam_03": (
        "video/posterior-oblique_single-leg-balance_pose2sim.mp4",
        "video/anterior_static-standing_pose2sim.mp4",
        "multicam/reference_cam02_cam03.csv",
        -2.8,
        24.9,
    ),
    "cam_04": (
        "multicam/posterior-rolled_single-leg-balance_cam04_pose2sim.mp4",
        "multicam/static-standing_cam04_pose2sim.mp4",
        "multicam/reference_cam01_cam04.csv",
        -26.1,
        21.8,
    ),
}
SCORED = np.arange(20, 71)
STANCE = np.arange(25, 71)


def data_dir() -> Path:
    here = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("HIPDROP_DATA_DIR", here.parent / "shared" / "data"))


def _rmse(a: np.ndarray, b: np.ndarray) -> float | None:
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.sqrt(np.mean((a[ok] - b[ok]) ** 2))) if ok.any() else None


def score_view(camera: str, with_baseline: bool) -> dict:
    """One analysis of one view, scored against the calibration and the 3D reference."""
    from hipdrop.pipeline import analyse

    clip, static, reference_file, roll, pitch = VIEWS[camera]
    root = data_dir()
    reference = pd.read_csv(root / reference_file).set_index("frame")
    analysis = analyse(root / clip, baseline=root / static if with_baseline else None)
    frames = analysis.frames.set_index("frame")
    found = analysis.summary["camera"]
    truth = reference.reindex(SCORED)
    mine = frames.reindex(SCORED)
    stance = frames["stance_leg"].reindex(STANCE).to_numpy()
    left = analysis.summary["sides"]["left"]
    phases = [p for p in analysis.summary["phases"] if p["stance_leg"] == "left"]
    reference_drop = reference_hike = None
    if phases:
        rows = np.concatenate([np.arange(p["start_frame"], p["end_frame"]) for p in phases])
        read = frames["frontal_obliquity_deg"].reindex(rows).notna().to_numpy()
        # Over the phase's frames that were read: a blank frame cannot hold the peak.
        tilt = reference["obliquity_3d_deg"].reindex(rows[read]).dropna()
        reference_drop, reference_hike = float(tilt.max()), float(-tilt.min())
    frontal = mine["frontal_obliquity_deg"].to_numpy(float)
    return {
        "camera": camera,
        "baseline": with_baseline,
        "roll_deg": found["roll_deg"],
        "roll_error_deg": found["roll_deg"] - roll,
        "pitch_deg": found["pitch_deg"],
        "pitch_error_deg": found["pitch_deg"] - pitch,
        "method": found["method"],
        "subject_yaw_abs_deg": abs(found["subject_yaw_deg"] or np.nan),
        "off_axis_3d_deg": float(np.median(truth[f"cam{camera[-2:]}_off_axis_deg"])),
        "frames_with_frontal": int(np.isfinite(frontal).sum()),
        "frontal_rmse_deg": _rmse(frontal, truth["obliquity_3d_deg"].to_numpy(float)),
        "image_rmse_deg": _rmse(
            mine["pelvic_obliquity_deg"].to_numpy(float),
            truth[f"cam{camera[-2:]}_projected_deg"].to_numpy(float),
        ),
        "left_stance_share": float(np.mean(stance == "left")),
        "right_stance_frames": int(np.sum(stance == "right")),
        "right_phases": sum(p["stance_leg"] == "right" for p in analysis.summary["phases"]),
        "shift_rmse_widths": _rmse(
            mine["lateral_shift_widths"].to_numpy(float),
            truth["lateral_shift_from_left_ankle_widths"].to_numpy(float),
        ),
        "lean_rmse_deg": _rmse(
            mine["trunk_lean_deg"].to_numpy(float), truth["trunk_lean_3d_deg"].to_numpy(float)
        ),
        "peak_drop_deg": left.get("peak_drop_deg"),
        "reference_drop_deg": reference_drop,
        "peak_hike_deg": left.get("peak_hike_deg"),
        "reference_hike_deg": reference_hike,
        "left": left["classification"],
        "right": analysis.summary["sides"]["right"]["classification"],
        "left_note": left.get("note"),
    }


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--cameras", nargs="*", default=list(VIEWS))
    args = parser.parse_args()
    rows = [score_view(c, b) for c in args.cameras for b in (False, True)]
    columns = [
        "camera",
        "baseline",
        "roll_deg",
        "roll_error_deg",
        "pitch_deg",
        "pitch_error_deg",
        "subject_yaw_abs_deg",
        "off_axis_3d_deg",
        "frames_with_frontal",
        "frontal_rmse_deg",
        "image_rmse_deg",
        "left_stance_share",
        "right_stance_frames",
        "shift_rmse_widths",
        "lean_rmse_deg",
        "peak_drop_deg",
        "reference_drop_deg",
        "peak_hike_deg",
        "reference_hike_deg",
        "left",
        "right",
    ]
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(_fmt(row[c]) for c in columns))
        print("    method:", row["method"], "| left note:", row["left_note"])
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
