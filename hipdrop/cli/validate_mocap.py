"""``hipdrop validate-mocap``: the video pipeline on a virtual camera's view of a mocap trial,
compared with the lab's own angles and events, as readable lines or JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from hipdrop.errors import HipdropError
from hipdrop.geometry.virtual_camera import (
    MAX_CAMERA_PITCH_DEG,
    MAX_CAMERA_ROLL_DEG,
    MAX_CAMERA_YAW_DEG,
    check_camera_angles,
)
from hipdrop.io.mocap import FOOT_STRIKE
from hipdrop.validation.event_audit import TOLERANCE_FRAMES
from hipdrop.validation.mocap import validate_mocap


def _summary(result: dict) -> str:
    """A few readable lines from a ``validate_mocap`` result."""
    lines = [
        f"{result['file']}: {result['n_frames']} frames at {result['rate_hz']:g} Hz, "
        f"{result['camera']} camera, jitter {result['jitter_px']:g} px"
    ]
    lines.append(
        f"  view: camera yaw {result['camera_yaw_deg']:g}°, "
        f"pitch {result['camera_pitch_deg']:g}°, roll {result['camera_roll_deg']:g}°; "
        f"estimated roll {result['estimated_roll_deg']:+.1f}°, "
        f"pitch {result['estimated_pitch_deg']:+.1f}°; obliquity given in "
        f"{result['obliquity_given_fraction']:.0%} of frames"
        + ("" if result["verdict_given"] else " (too few: no verdict)")
    )
    if result["reference"] is None:
        lines.append("  pelvic obliquity: no reference in this trial")
    else:
        for prefix, name in (("obliquity", "pelvic obliquity"), ("image_angle", "raw image angle")):
            if result[f"{prefix}_rmse_deg"] is None:
                lines.append(f"  {name} vs {result['reference']}: too few frames to compare")
                continue
            lines.append(
                f"  {name} vs {result['reference']}: "
                f"RMSE {result[f'{prefix}_rmse_deg']:.2f}°, "
                f"bias {result[f'{prefix}_bias_deg']:+.2f}°, r {result[f'{prefix}_r']:.3f}"
            )
    for label, name in (("foot_strikes", "foot strikes"), ("foot_offs", "foot offs")):
        count = result[f"{label}_reference"]
        if count:
            lines.append(
                f"  {name}: {result[f'{label}_within_{TOLERANCE_FRAMES}_frames']}/{count} within "
                f"{TOLERANCE_FRAMES} frames, {result[f'spurious_{label}']} spurious; "
                + _timing_text(result, label)
            )
        else:
            lines.append(f"  {name}: no reference events in this trial")
    lines.append(_plate_summary(result))
    lines.append(_label_audit_summary(result))
    lines += _task_summary(result)
    return "\n".join(lines)


def _task_summary(result: dict) -> list[str]:
    """Lines: the task used and why, the step contacts found, and per-step peak drop against
    the lab's over the same stance windows."""
    contacts = [
        f"{e['side'][0].upper()}{e['frame']}" for e in result["events"] if e["kind"] == FOOT_STRIKE
    ]
    lines = [
        f"  task: {result['task']} ({result['task_reason']})",
        f"  contacts found (frame): {', '.join(contacts) if contacts else 'none'}",
    ]
    rows = [r for r in result["steps_vs_reference"] if r["included"] and r["error_deg"] is not None]
    worst = result["step_peak_drop_max_abs_error_deg"]
    if worst is None:
        lines.append("  per-step peak drop vs the lab: no step to compare")
    else:
        lines.append(
            f"  per-step peak drop vs {result['reference']}: {len(rows)} steps, largest "
            f"difference {worst:.2f}°"
        )
    return lines


def _label_audit_summary(result: dict) -> str:
    """One line: how the labels themselves sit on the markers' motion (the scoring's floor)."""
    parts = []
    if result["marker_contact_vs_reference_strikes_median_abs_error_ms"] is not None:
        parts.append(
            "the 3D heel's own contact scores "
            + _timing_text(result, "marker_contact_vs_reference_strikes")
            + " against the strike labels"
        )
    rises = [r for r in result["reference_off_toe_rise_mm"] if r is not None]
    if rises:
        parts.append(f"the toe is {min(rises):.0f}-{max(rises):.0f} mm up at the off labels")
    return "  labels vs markers: " + ("; ".join(parts) if parts else "no labels to check")


def _timing_text(result: dict, label: str) -> str:
    """'timing error median X ms, 90th percentile Y ms' (or that none was found)."""
    median = result[f"{label}_median_abs_error_ms"]
    if median is None:
        return "none found"
    return (
        f"timing error median {median:.0f} ms, 90th percentile "
        f"{result[f'{label}_p90_abs_error_ms']:.0f} ms"
    )


def _plate_summary(result: dict) -> str:
    """One line: detected events against the force-plate contacts."""
    if result["force_plate_events"] is None:
        return "  force plates: none in this file"
    if not result["force_plate_events"]:
        return "  force plates: no clean contact (loaded at either end, or foot off the plate)"
    parts = []
    for label, name in (("foot_strikes", "strikes"), ("foot_offs", "offs")):
        count = result[f"{label}_force_plate"]
        if count:
            hits = result[f"{label}_force_plate_within_{TOLERANCE_FRAMES}_frames"]
            parts.append(f"{name} {hits}/{count}")
    return f"  force plates: {', '.join(parts)} within {TOLERANCE_FRAMES} frames of plate contact"


def _run_validate_mocap(args: argparse.Namespace) -> int:
    """CLI handler: validate one trial and print JSON or a summary."""
    if args.jitter_px < 0:
        raise HipdropError("--jitter-px must not be negative")
    check_camera_angles(args.camera_yaw_deg, args.camera_pitch_deg, args.camera_roll_deg)
    result = validate_mocap(
        args.file,
        args.ik,
        args.grf,
        camera=args.camera,
        jitter_px=args.jitter_px,
        seed=args.seed,
        yaw_deg=args.camera_yaw_deg,
        pitch_deg=args.camera_pitch_deg,
        roll_deg=args.camera_roll_deg,
        markers_path=args.markers,
        task=args.task,
    )
    print(json.dumps(result, indent=2) if args.json else _summary(result))
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``validate-mocap`` on the CLI's subcommands."""
    parser = subparsers.add_parser(
        "validate-mocap",
        help="check obliquity and gait events against a marker-based recording",
        description=(
            "Project a motion-capture trial (C3D, or OpenSim TRC) into a virtual phone camera, "
            "run hipdrop's video analysis on it and compare with the lab's pelvic obliquity "
            "and gait events."
        ),
    )
    parser.add_argument("file", type=Path, help="C3D or TRC motion-capture file")
    parser.add_argument("--ik", type=Path, help="OpenSim IK .mot with pelvis_list (reference)")
    parser.add_argument("--grf", type=Path, help="OpenSim ground-force .mot (foot contacts)")
    parser.add_argument(
        "--markers",
        type=Path,
        metavar="TOML",
        help='marker labels the built-in names miss, e.g. left_hip = "LASI" (one per line)',
    )
    parser.add_argument("--camera", choices=("anterior", "posterior"), default="anterior")
    parser.add_argument(
        "--task",
        choices=("auto", "walk", "run", "stairs"),
        default="auto",
        help="which event detector, as for video (default auto: read from the motion)",
    )
    parser.add_argument(
        "--jitter-px", type=float, default=0.0, help="Gaussian landmark noise in pixels (default 0)"
    )
    parser.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    for name, limit, what in (
        ("yaw", MAX_CAMERA_YAW_DEG, "turn about the vertical through the path centre"),
        ("pitch", MAX_CAMERA_PITCH_DEG, "look down at the pelvis by this angle"),
        ("roll", MAX_CAMERA_ROLL_DEG, "roll about the optical axis, + vertical leans right"),
    ):
        parser.add_argument(
            f"--camera-{name}-deg",
            type=float,
            default=0.0,
            help=f"virtual camera {name}: {what} (degrees, within ±{limit:g}; default 0)",
        )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=_run_validate_mocap)
    return parser
