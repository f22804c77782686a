"""Axes, sign conventions, landmark names and units shared by every module.

Image coordinates are PIXELS with x to the right and y DOWN (OpenCV / MediaPipe order).
MediaPipe's normalised coordinates are scaled by different image sides, so every angle is
computed after converting to pixels.

Landmark "left" and "right" are the subject's anatomical sides (MediaPipe's LEFT_HIP is the
subject's left hip whichever way they face the camera).

Signs used throughout hipdrop:

- ``pelvic_obliquity_deg``: angle of the hip line against the image horizontal, POSITIVE when
  the subject's LEFT hip is higher in the image. Independent of whether the subject faces the
  camera or turns their back to it.
- ``drop_deg``: contralateral pelvic drop attributed to the STANCE leg, POSITIVE when the swing
  side is lower than the stance side. Negative values are hip hike.
- ``trunk_lean_deg``: trunk axis (mid-hip to mid-shoulder) against the image vertical, positive
  toward the subject's LEFT; per stance phase it is re-signed positive toward the stance side.
- ``lateral_shift_widths`` (frames): during single-leg stance, the pelvis centre's offset from
  the stance ankle along the subject's left-right axis, in pelvis widths, POSITIVE when the
  pelvis is on the stance side of the foot (the hip pushed out over it). Per side:
  ``lateral_shift_travel_widths`` is how far it moves during the phase (+ toward the stance
  side), ``peak_lateral_shift_widths`` its most stance-side value, ``travel_from_standing_widths``
  the pelvis's largest travel toward the stance side from quiet standing in the same clip. Gait
  steps keep their own per-step ``lateral_shift_widths`` (pelvis against the walking path) and
  its ``max_lateral_shift_widths``.
"""

from __future__ import annotations

from typing import Final, Literal

Side = Literal["left", "right"]
StanceLabel = Literal["left", "right", "both", "none"]
View = Literal["anterior", "posterior", "oblique", "side", "unknown"]

SIDES: Final[tuple[Side, Side]] = ("left", "right")

#: What a clip can show (``--task``) and the gait tasks among them; "auto" reads it from motion.
TASKS: Final[tuple[str, ...]] = ("single-leg", "walk", "run", "stairs")
GAIT_TASKS: Final[tuple[str, ...]] = ("walk", "run", "stairs")
TASK_CHOICES: Final[tuple[str, ...]] = (*TASKS, "auto")

#: ``--person``: which of several people in view is the subject.
PERSON_HINTS: Final[tuple[str, ...]] = ("auto", "left", "right", "center")

#: BlazePose's 33 landmarks, in model output order.
LANDMARK_NAMES: Final[tuple[str, ...]] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip
N_LANDMARKS: Final[int] = len(LANDMARK_NAMES)
LANDMARK_INDEX: Final[dict[str, int]] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

#: Landmarks of one leg below the hip, in order down the limb. MediaPipe swaps these as a
#: block when it confuses the legs, so swaps are detected and undone per leg.
LEG_SEGMENT: Final[tuple[str, ...]] = ("knee", "ankle", "heel", "foot_index")


def landmark(side: Side, part: str) -> int:
    """Index of ``"{side}_{part}"``, e.g. ``landmark("left", "hip")``."""
    return LANDMARK_INDEX[f"{side}_{part}"]


def pair(part: str) -> list[int]:
    """Indices of the left and right landmark of a part, e.g. ``pair("hip")``."""
    return [landmark(side, part) for side in SIDES]


def other_side(side: Side) -> Side:
    """The contralateral side."""
    return "right" if side == "left" else "left"


def mirrored_index() -> list[int]:
    """Index permutation that swaps every left landmark with its right partner."""
    order = []
    for name in LANDMARK_NAMES:
        if name.startswith("left_"):
            order.append(LANDMARK_INDEX["right_" + name[5:]])
        elif name.startswith("right_"):
            order.append(LANDMARK_INDEX["left_" + name[6:]])
        else:
            order.append(LANDMARK_INDEX[name])
    return order
