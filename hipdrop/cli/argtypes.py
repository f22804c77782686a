"""Command-line argument types and options shared by the subcommands (clear messages, exit
code 2)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from hipdrop.conventions import PERSON_HINTS, TASK_CHOICES
from hipdrop.io.pose_files import POSE_EXPORTS

if TYPE_CHECKING:
    from hipdrop.options import AnalysisOptions
    from hipdrop.pose.backend import PoseSettings


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def image_size(text: str) -> tuple[int, int]:
    """``WIDTHxHEIGHT`` in pixels, e.g. ``1080x1920``."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not WIDTHxHEIGHT in pixels: {text!r}") from None
    if width < 1 or height < 1:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return width, height


def pose_exports(text: str) -> tuple[str, ...]:
    """A comma-separated list of pose file kinds to write: ``trc``, ``movement``."""
    kinds = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [kind for kind in kinds if kind not in POSE_EXPORTS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"{text!r}: choose from {', '.join(POSE_EXPORTS)}, separated by commas"
        )
    return kinds


def add_analysis_options(parser: argparse.ArgumentParser, *, per_clip: str = "") -> None:
    """The analysis settings ``analyse`` and ``batch`` share; ``per_clip`` is appended to the
    help of settings that ``batch`` applies to every clip alike."""
    parser.add_argument(
        "--task",
        choices=TASK_CHOICES,
        default="auto",
        help="what the clip shows (default: auto, read from the motion)",
    )
    parser.add_argument(
        "--thresholds",
        type=Path,
        metavar="FILE",
        help=f"threshold profile (TOML) instead of the default{per_clip}",
    )
    parser.add_argument(
        "--height-cm",
        type=positive_float,
        metavar="N",
        help=f"body height, to report lateral shift in cm{per_clip}",
    )
    parser.add_argument(
        "--focal-length-mm",
        type=positive_float,
        metavar="MM",
        help="the lens's 35-mm-equivalent focal length, if known (sharpens the camera's "
        f"pitch; default: a typical phone lens){per_clip}",
    )
    parser.add_argument(
        "--person",
        choices=PERSON_HINTS,
        default="auto",
        help="with several people in view, which one is the subject (default: auto - the one "
        "seen longest, largest and most central)",
    )
    parser.add_argument(
        "--pose-model",
        type=Path,
        metavar="FILE.task",
        help="another BlazePose model bundle (e.g. Google's pose_landmarker_heavy.task) "
        "instead of the full model hipdrop ships; its name and sha256 go into the summary",
    )
    parser.add_argument(
        "--no-mirror-pass",
        action="store_true",
        help="run pose once instead of also on the mirrored video: twice as fast, but keeps "
        "the pose model's left/right bias (several degrees on some clips)",
    )


def analysis_options(args: argparse.Namespace) -> AnalysisOptions:
    """The analysis options :func:`add_analysis_options` set, as one object."""
    from hipdrop.options import AnalysisOptions, PoseOptions

    pose = PoseOptions(person=args.person, mirror_pass=not args.no_mirror_pass)
    settings = pose_settings(args.pose_model)
    if settings is not None:
        pose = replace(pose, settings=settings)
    return AnalysisOptions(
        task=args.task,
        thresholds_path=args.thresholds,
        height_cm=args.height_cm,
        focal_length_mm=args.focal_length_mm,
        pose=pose,
    )


def pose_settings(model: Path | None) -> PoseSettings | None:
    """Pose settings for ``--pose-model`` (checked now: a wrong file fails before any pose
    runs), or None for the defaults."""
    if model is None:
        return None
    from hipdrop.pose.backend import PoseSettings
    from hipdrop.pose.model import with_model

    return with_model(PoseSettings(), model)
