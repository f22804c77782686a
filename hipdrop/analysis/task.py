"""Which task a clip shows (single-leg stance, walking, running, stairs), and why.

``auto`` reads the motion:

- one foot held up (its ankle clearly above the other) for much of the clip, always the same
  foot: ``single-leg`` (this includes hopping on one leg, whose landings look like steps);
- alternating foot strikes of both feet: gait, ``run`` when each foot is on the ground for
  less than half of its stride (flight phases), else ``walk``;
- short single-leg phases that alternate between the feet, but too few foot strikes: ``walk``
  (its steps then need strikes that were not found, so its sides say "insufficient data"
  rather than measure steps against single-leg thresholds);
- a subject who travels through the picture (toward or away from the camera, or across it)
  without any of the above: ``walk``, whose steps could not be read, so its sides say
  "insufficient data" with the reason; a single-leg test keeps the subject in place;
- otherwise ``single-leg``, the task with no step structure.

- stairs: the feet come to rest one step higher (or lower) landing after landing, against
  the body's size (``analysis.stairs.stairs_evidence``); where the view cannot show that (too
  few landings seen, landings that rise and fall without a pattern), the walking reason says
  so, and ``--task stairs`` asks for stairs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hipdrop.conventions import SIDES, TASK_CHOICES
from hipdrop.errors import HipdropError
from hipdrop.events.gait import FOOT_OFF, FOOT_STRIKE
from hipdrop.tracks.kinematics import SubjectTravel

if TYPE_CHECKING:
    from hipdrop.analysis.stairs import StairsEvidence


@dataclass(frozen=True)
class TaskRules:
    min_strikes_per_side: int = 2
    min_alternation: float = 0.75  # of consecutive strikes from opposite feet
    running_duty_factor: float = 0.5  # stance shorter than this fraction of a stride: running
    min_lifted_fraction: float = 0.3  # one foot up this much of the clip ...
    min_one_side_fraction: float = 0.8  # ... nearly always the same foot: single-leg
    min_stepping_phases: int = 4  # single-leg phases alternating between the feet ...
    max_step_phase_s: float = 1.0  # ... each shorter than this: steps, not single-leg tests
    #: A subject whose image size changes by this factor, or whose pelvis moves this many torso
    #: lengths through the picture, travels: walking, not a single-leg test. Single-leg balance
    #: on the given clips: 1.16-1.25x and 0.4-1.0 torsos; walking toward the camera 2.6x.
    travel_size_ratio: float = 1.5
    travel_path_torsos: float = 2.0


@dataclass(frozen=True)
class TaskChoice:
    task: str
    reason: str


def check_task(task: str) -> str:
    """The task name, or a clear error for an unknown one."""
    if task not in TASK_CHOICES:
        raise HipdropError(f"unknown task {task!r}; choose one of {', '.join(TASK_CHOICES)}")
    return task


def alternation(events: pd.DataFrame) -> tuple[int, float]:
    """Number of foot strikes and the fraction of consecutive ones from opposite feet."""
    sides = events.loc[events["kind"] == FOOT_STRIKE].sort_values("frame")["side"].to_list()
    if len(sides) < 2:
        return len(sides), 0.0
    changes = [a != b for a, b in itertools.pairwise(sides)]
    return len(sides), float(np.mean(changes))


def duty_factor(events: pd.DataFrame) -> float:
    """Median stance time (strike to the same foot's off) over stride time (strike to strike)."""
    fractions = []
    for side in SIDES:
        own = events[events["side"] == side]
        strikes = np.sort(own.loc[own["kind"] == FOOT_STRIKE, "frame"].to_numpy())
        offs = np.sort(own.loc[own["kind"] == FOOT_OFF, "frame"].to_numpy())
        for start, stop in itertools.pairwise(strikes):
            inside = offs[(offs > start) & (offs < stop)]
            if len(inside):
                fractions.append((inside[0] - start) / (stop - start))
    return float(np.median(fractions)) if fractions else float("nan")


def _held_up(single_leg_labels: np.ndarray) -> tuple[float, str | None, float]:
    """Fraction of frames on one leg, the leg stood on most, and its share of those frames."""
    on_one = np.isin(single_leg_labels, SIDES)
    if not on_one.any():
        return 0.0, None, 0.0
    counts = {side: int((single_leg_labels == side).sum()) for side in SIDES}
    leg = max(counts, key=counts.get)
    return float(on_one.mean()), leg, counts[leg] / int(on_one.sum())


def _stepping_phases(labels: np.ndarray, frame_rate_hz: float, rules: TaskRules) -> int:
    """How many single-leg phases in a row alternate between the feet while each is shorter
    than a step (``max_step_phase_s``): the longest such run."""
    runs = [
        (side, sum(1 for _ in group)) for side, group in itertools.groupby(labels) if side in SIDES
    ]
    longest = current = 0
    previous = None
    for side, length in runs:
        short = length < rules.max_step_phase_s * frame_rate_hz
        current = (current + 1 if side != previous else 1) if short else 0
        previous = side if short else None
        longest = max(longest, current)
    return longest


def choose_task(
    requested: str,
    events: pd.DataFrame,
    single_leg_labels: np.ndarray,
    frame_rate_hz: float,
    rules: TaskRules | None = None,
    stairs: StairsEvidence | None = None,
    travel: SubjectTravel | None = None,
) -> TaskChoice:
    """The task to analyse: the requested one, or for ``auto`` one read from the motion.

    ``stairs``: whether the feet land step by step higher or lower (``stairs_evidence``);
    without it stairs are never chosen and the reasons do not speak of them. ``travel``: how
    far the subject moves through the picture, if known."""
    check_task(requested)
    if requested != "auto":
        return TaskChoice(requested, f"chosen by the user (task '{requested}')")
    rules = rules or TaskRules()
    choice = _choose_from_motion(events, single_leg_labels, frame_rate_hz, rules, travel)
    lifted, _, share = _held_up(single_leg_labels)
    held = lifted >= rules.min_lifted_fraction and share >= rules.min_one_side_fraction
    if stairs is not None and stairs.stairs and not held:
        return TaskChoice("stairs", stairs.reason)
    if stairs is None or choice.task != "walk":
        return choice
    if stairs.stairs is False:
        return TaskChoice(choice.task, f"{choice.reason}; {stairs.reason} (level ground)")
    return TaskChoice(
        choice.task, f"{choice.reason}; stairs could not be told from level ground: {stairs.reason}"
    )


def _choose_from_motion(
    events: pd.DataFrame,
    single_leg_labels: np.ndarray,
    frame_rate_hz: float,
    rules: TaskRules,
    travel: SubjectTravel | None,
) -> TaskChoice:
    """Single-leg, walking or running, read from the feet's motion (see the module notes)."""
    n_strikes, alternating = alternation(events)
    per_side = [int(((events["kind"] == FOOT_STRIKE) & (events["side"] == s)).sum()) for s in SIDES]
    gait = min(per_side) >= rules.min_strikes_per_side and alternating >= rules.min_alternation
    lifted, leg, share = _held_up(single_leg_labels)
    if lifted >= rules.min_lifted_fraction and share >= rules.min_one_side_fraction:
        other = "left" if leg == "right" else "right"
        return TaskChoice(
            "single-leg",
            f"the {other} foot is held up in {100 * lifted:.0f}% of frames, always the same "
            f"foot (standing or hopping on the {leg} leg)",
        )
    if gait:
        duty = duty_factor(events)
        steps = f"{n_strikes} foot strikes alternating between the feet ({100 * alternating:.0f}%)"
        if np.isfinite(duty) and duty < rules.running_duty_factor:
            return TaskChoice(
                "run",
                f"{steps}; each foot is down for {100 * duty:.0f}% of its stride "
                f"(below {100 * rules.running_duty_factor:.0f}%: flight phases, running)",
            )
        stance = f"{100 * duty:.0f}%" if np.isfinite(duty) else "an unknown share"
        return TaskChoice(
            "walk",
            f"{steps}; each foot is down for {stance} of its stride (no flight phase: walking)",
        )
    stepping = _stepping_phases(single_leg_labels, frame_rate_hz, rules)
    if stepping >= rules.min_stepping_phases:
        return TaskChoice(
            "walk",
            f"{stepping} short single-leg phases alternate between the feet, as in walking, "
            f"but only {n_strikes} foot strikes were found",
        )
    moved = _travelled(travel, rules)
    if moved:
        return TaskChoice(
            "walk",
            f"the subject {moved}, as in walking, but its steps could not be read "
            f"({n_strikes} foot strikes found)",
        )
    return TaskChoice(
        "single-leg",
        f"no alternating steps were found ({n_strikes} foot strikes); analysed as single-leg "
        "stance",
    )


def _travelled(travel: SubjectTravel | None, rules: TaskRules) -> str | None:
    """How the subject travelled through the picture, in words; None if they stayed."""
    if travel is None:
        return None
    if travel.size_ratio >= rules.travel_size_ratio:
        return (
            f"grows or shrinks {travel.size_ratio:.1f}-fold in the picture (moving toward or "
            "away from the camera)"
        )
    if travel.path_torsos >= rules.travel_path_torsos:
        return f"moves {travel.path_torsos:.1f} torso lengths through the picture"
    return None
