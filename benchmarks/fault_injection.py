"""Fault injection over every real clip: does any damage change a verdict? (issue 16)

    python3.11 benchmarks/fault_injection.py                       # every clip, every fault
    python3.11 benchmarks/fault_injection.py --clips anterior_single-leg-hops_vaila.mp4 \\
        --faults black-3-every-40 jitter-2px-a
    python3.11 benchmarks/fault_injection.py --holdout              # patterns never tuned on
    python3.11 benchmarks/fault_injection.py --variants [--holdout] # on clips made from them

Each clip in ../shared/data/video (or $HIPDROP_DATA_DIR/video) is analysed clean and as
damaged copies (tests/faults.py: black, frozen and close-up frames, dropped frames, a
low-bitrate re-encode, 480p, half the frame rate, a second of another clip spliced in, and 2 px
of landmark jitter), each fault in more than one pattern, seeded and reproducible. Every stance
leg's verdict on a copy is scored against the clean clip's: kept, refused (insufficient data,
with a reason) or changed. ``--holdout`` runs other patterns of the same faults instead
(tests/faults.py ``HOLDOUT_FAULTS``, splices from yet another clip), which no fix was tuned on;
``--variants`` runs on clips made from the given ones instead (``VARIANTS``: the camera rolled
4°, the subject farther or closer, mirrored, darker), stand-ins for clips not given to us.
The table is printed; the exit code is 1 when any verdict changed.
Copies and pose results are kept in --workdir and reused (a full run: about 25 min on 2 cores).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # faults.py and videotools.py
sys.path.insert(0, str(REPO))

from faults import (  # noqa: E402
    FAULTS,
    HOLDOUT_FAULTS,
    VARIANTS,
    Outcome,
    compare_verdicts,
    damaged_summary,
)
from run_benchmarks import data_dir  # noqa: E402  (this folder: the shared data's place)

#: The clip a splice takes its second from: another person, another room.
SPLICE_SOURCE = "anterior_walk-toward-camera_vaila.mp4"
#: ... in the holdout run: several people, seen from the side.
HOLDOUT_SPLICE_SOURCE = "side_multi-person_sports2d.mp4"
SPLICE_SOURCE_FOR_ITSELF = "anterior_single-leg-hops_vaila.mp4"


def splice_source(clip: Path, preferred: str) -> Path:
    """The clip ``clip``'s splice comes from: ``preferred``, unless that is ``clip`` itself."""
    name = SPLICE_SOURCE_FOR_ITSELF if clip.name == preferred else preferred
    return data_dir() / "video" / name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", nargs="*", help="clip names in the shared video folder")
    parser.add_argument("--faults", nargs="*", choices=[f.name for f in FAULTS + HOLDOUT_FAULTS])
    parser.add_argument("--holdout", action="store_true", help="the holdout patterns instead")
    parser.add_argument("--variants", action="store_true", help="on clips made from the given")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "hipdrop-faults"
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HIPDROP_CACHE_DIR", str(args.workdir / "cache"))
    from hipdrop.pipeline import analyse

    videos = data_dir() / "video"
    clips = [videos / name for name in args.clips] if args.clips else sorted(videos.glob("*.mp4"))
    if args.variants:
        (args.workdir / "variants").mkdir(exist_ok=True)
        clips = [v.write(videos, args.workdir / "variants") for v in VARIANTS]
    faults = [
        f
        for f in (HOLDOUT_FAULTS if args.holdout else FAULTS)
        if not args.faults or f.name in args.faults
    ]
    preferred_splice = HOLDOUT_SPLICE_SOURCE if args.holdout else SPLICE_SOURCE
    counts: collections.Counter[str] = collections.Counter()
    changed: list[tuple[str, str, Outcome]] = []
    print(f"{'clip':<48} {'fault':<32} {'left':<30} {'right':<30}", flush=True)
    for clip in clips:
        clean = analyse(clip)
        verdicts = {s: clean.summary["sides"][s]["classification"] for s in ("left", "right")}
        print(f"{clip.name:<48} {'(clean)':<32} {verdicts['left']:<30} {verdicts['right']:<30}")
        for fault in faults:
            damaged = damaged_summary(
                clean, clip, splice_source(clip, preferred_splice), fault, args.workdir
            )
            outcomes = compare_verdicts(clean.summary, damaged)
            cells = []
            for outcome in outcomes:
                counts[outcome.kind] += 1
                cells.append(f"{outcome.kind}: {outcome.damaged}"[:30])
                if outcome.kind == "changed":
                    changed.append((clip.name, fault.name, outcome))
            print(f"{'':<48} {fault.name:<32} {cells[0]:<30} {cells[1]:<30}", flush=True)
    total = sum(counts.values())
    print(
        f"\n{total} stance-leg verdicts on {len(clips)} clips x {len(faults)} faults: "
        f"{counts['kept']} kept, {counts['refused']} refused, {counts['changed']} changed"
    )
    for clip_name, fault_name, outcome in changed:
        print(
            f"  CHANGED {clip_name} {fault_name} {outcome.side}: {outcome.clean} -> "
            f"{outcome.damaged} ({outcome.why})"
        )
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
