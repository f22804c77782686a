"""``hipdrop batch``: every clip in a folder, one output folder each and one table across
clips (see :mod:`hipdrop.batch`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hipdrop.batch import TABLE_NAME, analyse_folder
from hipdrop.cli.argtypes import add_analysis_options, analysis_options, positive_int


def _print_progress(done: int, total: int, row: dict) -> None:
    if row["error"]:
        outcome = f"FAILED: {row['error']}"
    elif not row["usable"]:
        outcome = f"refused: {row['reason']}"
    else:
        outcome = f"{row['view']} view"
    print(f"[{done}/{total}] {row['clip']} ({row['seconds']:.1f} s): {outcome}", flush=True)


def _run_batch(args: argparse.Namespace) -> int:
    table = analyse_folder(
        args.folder,
        args.out,
        scheduler=args.scheduler,
        workers=args.workers,
        force=args.force,
        progress=_print_progress,
        options=analysis_options(args),
    )
    failed = table.loc[table["error"].notna()].drop_duplicates("clip")
    n_clips = table["clip"].nunique()
    print(f"Table: {Path(args.out) / (TABLE_NAME + '.csv')} ({n_clips} clips)")
    if failed.empty:
        return 0
    print(f"{len(failed)} of {n_clips} clips failed:", file=sys.stderr)
    for row in failed.itertuples():
        print(f"  {row.clip}: {row.error}", file=sys.stderr)
    return 1


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``batch`` on the CLI's subcommands."""
    parser = subparsers.add_parser(
        "batch",
        help="analyse every clip in a folder into one table",
        description="Analyse every video in a folder: one output folder per clip and one "
        f"table across clips ({TABLE_NAME}.csv). A clip that fails is listed; the rest carry "
        "on. Exit code 1 when any clip failed.",
    )
    parser.add_argument("folder", type=Path, help="folder of video files")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--workers", type=positive_int, metavar="N", help="clips at once (default: cores)"
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask distributed cluster (e.g. tcp://host:8786) instead of locally",
    )
    add_analysis_options(parser, per_clip=" (the same for every clip)")
    parser.add_argument("--force", action="store_true", help="replace existing clip folders")
    parser.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=_run_batch)
    return parser
