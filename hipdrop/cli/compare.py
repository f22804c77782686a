"""``hipdrop compare``: change per side across sessions, printed as a table or JSON, and
optionally written as an output folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hipdrop.analysis.session_change import SIDES
from hipdrop.compare import Comparison, compare


def _run_compare(args: argparse.Namespace) -> int:
    comparison = compare(*args.sessions)
    if args.json:
        print(json.dumps(comparison.as_dict(), indent=2, ensure_ascii=False, default=_plain))
    else:
        print(_text_table(comparison))
        for line in comparison.verdicts:
            print(line)
    if args.out is not None:
        comparison.save(args.out, force=args.force)
        print(f"Comparison: {args.out / 'comparison.html'}", file=sys.stderr)
    return 0


def _plain(value):
    return value.item() if hasattr(value, "item") else str(value)


def _text_table(comparison: Comparison) -> str:
    import pandas as pd

    table = comparison.table.pivot(
        index=["order", "session"], columns="stance_leg", values="peak_drop_deg"
    )
    lines = [f"{'session':<24}{'left stance':>14}{'right stance':>14}   peak drop (°)"]
    for (_, label), row in table.iterrows():
        cells = ["–" if pd.isna(row[s]) else f"{row[s]:.1f}" for s in SIDES]
        lines.append(f"{label[:24]:<24}{cells[0]:>14}{cells[1]:>14}")
    return "\n".join(lines)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``compare`` on the CLI's subcommands."""
    parser = subparsers.add_parser(
        "compare",
        help="compare sessions: change per side, real only beyond the detectable difference",
        description=(
            "Compare analysed sessions of one patient. A change counts as real only beyond the "
            "smallest detectable difference of 2D pelvic drop."
        ),
    )
    parser.add_argument(
        "sessions", nargs="+", type=Path, metavar="OUT", help="output folders or summary.json files"
    )
    parser.add_argument(
        "--out", type=Path, help="write comparison.html, progress.png, comparison.json here"
    )
    parser.add_argument("--force", action="store_true", help="replace an existing --out folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=_run_compare)
    return parser
