"""Command line: a thin layer over the library. Exit codes: 0 done, 1 problem, 2 usage."""

from __future__ import annotations

import argparse
import sys
import traceback
from dataclasses import replace
from pathlib import Path

from hipdrop.cli.argtypes import (
    add_analysis_options,
    analysis_options,
    image_size,
    pose_exports,
    positive_float,
    positive_int,
)
from hipdrop.errors import HipdropError
from hipdrop.version import __version__


class _Progress:
    """A tqdm bar for pose estimation on an interactive stderr, created on the first update."""

    def __init__(self, label: str) -> None:
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(
                total=total,
                desc=self.label,
                unit="frame",
                file=sys.stderr,
                leave=False,
                mininterval=0.5,
                disable=not sys.stderr.isatty(),
                dynamic_ncols=True,
            )
        self.bar.total = max(total, done)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _report_done(analysis, out_dir: Path) -> None:
    print(f"Report: {out_dir / 'report.html'}")
    for line in analysis.verdicts:
        print(f"  {line}")
    for side, line in analysis.shift_sentences.items():
        if line:
            print(f"  {side.capitalize()} stance, lateral shift: {line}")
    for warning in analysis.summary["warnings"]:
        print(f"  note: {warning}")


def cmd_analyse(args: argparse.Namespace) -> int:
    from hipdrop.analysis.pose_input import PoseFileHints, input_format
    from hipdrop.analysis.session import SessionDetails
    from hipdrop.pipeline import analyse

    out_dir = args.out or Path(f"{args.clip.stem}_hipdrop")
    if out_dir.exists() and not args.force:
        raise HipdropError(f"{out_dir} already exists; use --force to replace it")
    if (args.video or args.blur_faces) and input_format(args.clip, args.pose_format) != "video":
        raise HipdropError(
            f"--video and --blur-faces draw on the clip's frames; {args.clip.name} is a pose file"
        )
    options = analysis_options(args)
    options = replace(
        options,
        pose=replace(options.pose, jobs=args.jobs),
        pose_file=PoseFileHints(args.pose_format, args.fps, args.image_size),
    )
    session = SessionDetails(args.patient_name, args.session_date, args.notes)
    progress = _Progress(f"pose {args.clip.name}")
    try:
        analysis = analyse(
            args.clip, options, baseline=args.baseline, session=session, progress=progress
        )
    finally:
        progress.close()
    analysis.save(
        out_dir,
        force=args.force,
        pdf=args.pdf,
        video=(args.video or args.blur_faces) and analysis.summary["usable"],
        blur_faces=args.blur_faces,
        export_pose=args.export_pose,
    )
    if not analysis.summary["usable"]:
        print(
            f"hipdrop: refused: {analysis.summary['reason']} (details in {out_dir})",
            file=sys.stderr,
        )
        return 1
    _report_done(analysis, out_dir)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from hipdrop.pipeline import analyse_tracks
    from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg

    trial = SyntheticTrial(noise_px=0.4)
    print("Analysing a synthetic single-leg stance trial (built in, no video needed):")
    print(
        f"  true drop: {trial.left_drop_deg:g}° in left stance, {trial.right_drop_deg:g}° in "
        f"right stance, camera rolled {trial.roll_deg:g}°"
    )
    analysis = analyse_tracks(synthetic_single_leg(trial), source={"name": "synthetic demo"})
    out_dir = args.out
    analysis.save(out_dir, force=True, pdf=args.pdf)
    _report_done(analysis, out_dir)
    return 0


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    """Patient and session fields, and the opt-in outputs (PDF, annotated video)."""
    fields = parser.add_argument_group("patient and session (shown as plain text in the report)")
    fields.add_argument("--patient-name", metavar="TEXT", help="patient name or identifier")
    fields.add_argument("--session-date", metavar="YYYY-MM-DD", help="date of the recording")
    fields.add_argument("--notes", metavar="TEXT", help="free-text notes for the report")
    extra = parser.add_argument_group("extra outputs")
    extra.add_argument("--pdf", action="store_true", help="also write report.pdf (A4)")
    extra.add_argument(
        "--video",
        action="store_true",
        help="also write annotated.mp4: skeleton, pelvis line, live angle, stance leg",
    )
    extra.add_argument(
        "--blur-faces",
        action="store_true",
        help="blur faces in the annotated video (implies --video)",
    )


def _add_pose_file_options(parser: argparse.ArgumentParser) -> None:
    """Keypoints from another pose estimator in, hipdrop's landmarks out."""
    from hipdrop.io.pose_files import POSE_FORMATS

    group = parser.add_argument_group("pose files")
    group.add_argument(
        "--pose-format",
        choices=POSE_FORMATS,
        default="auto",
        help="what CLIP is (default: auto, told by its content)",
    )
    group.add_argument(
        "--fps",
        type=positive_float,
        metavar="N",
        help="frame rate of a pose file that does not give one (OpenPose JSON; default 30)",
    )
    group.add_argument(
        "--image-size",
        type=image_size,
        metavar="WxH",
        help="image size in pixels behind 2D keypoints, e.g. 1080x1920 (default: the smallest "
        "common video frame holding every keypoint)",
    )
    group.add_argument(
        "--export-pose",
        type=pose_exports,
        default=(),
        metavar="KINDS",
        help="also write the landmarks: trc (landmarks.trc, for OpenSim), movement "
        "(landmarks.nc); comma-separated",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hipdrop", description="Hip drop (contralateral pelvic drop) from video."
    )
    parser.add_argument("--version", action="version", version=f"hipdrop {__version__}")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyse = commands.add_parser("analyse", aliases=["analyze"], help="analyse one clip")
    analyse.add_argument(
        "clip",
        type=Path,
        help="video file (mp4, mov, avi, ...) or pose file: OpenPose/Pose2Sim JSON folder, "
        "2D or 3D .trc, movement .nc",
    )
    analyse.add_argument("--out", type=Path, help="output folder (default: CLIP_hipdrop)")
    analyse.add_argument(
        "--baseline",
        type=Path,
        metavar="CLIP",
        help="clip of quiet standing on both feet, same camera",
    )
    analyse.add_argument(
        "--jobs", type=positive_int, metavar="N", help="pose processes (default: number of cores)"
    )
    add_analysis_options(analyse)
    analyse.add_argument("--force", action="store_true", help="replace an existing --out folder")
    _add_report_options(analyse)
    _add_pose_file_options(analyse)
    analyse.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)
    analyse.set_defaults(func=cmd_analyse)

    demo = commands.add_parser("demo", help="run the whole analysis on built-in example data")
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("hipdrop_demo"),
        help="output folder (default: ./hipdrop_demo, replaced if present)",
    )
    demo.add_argument("--pdf", action="store_true", help="also write report.pdf (A4)")
    demo.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)
    demo.set_defaults(func=cmd_demo)

    from hipdrop.cli.batch import add_parser as add_batch
    from hipdrop.cli.compare import add_parser as add_compare

    add_batch(commands)
    add_compare(commands)
    try:
        from hipdrop.cli.validate_mocap import add_parser as add_validate_mocap
    except ImportError:
        pass
    else:
        add_validate_mocap(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HipdropError as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"hipdrop: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hipdrop: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # an unexpected failure still gets one line without --verbose
        if args.verbose:
            traceback.print_exc()
        print(
            f"hipdrop: error: {type(exc).__name__}: {exc} (run with --verbose for details)",
            file=sys.stderr,
        )
        return 1
