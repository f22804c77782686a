"""Other pose estimators' keypoints as MediaPipe landmarks: names and skeleton orders.

OpenPose, Pose2Sim and Sports2D name keypoints ``LHip``, ``RBigToe``; COCO-style tools (MMPose,
movement) ``left_hip``; hipdrop writes MediaPipe's own names. Only the joints hipdrop reads are
mapped (the big toe stands for MediaPipe's foot index, the tip of the foot); the rest (neck,
mid-hip, small toes, ...) are ignored.
"""

from __future__ import annotations

from typing import Final

from hipdrop.conventions import LANDMARK_NAMES

#: Keypoint order of the 2D skeletons an OpenPose-style JSON file may hold (by keypoint count).
#: Only the first 23 of COCO_133 (COCO-WholeBody: body, then feet) are body keypoints.
_COCO = (
    "Nose", "LEye", "REye", "LEar", "REar", "LShoulder", "RShoulder", "LElbow", "RElbow",
    "LWrist", "RWrist", "LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle",
)  # fmt: skip
SKELETONS: Final[dict[str, tuple[str, ...]]] = {
    "BODY_25": (
        "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
        "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar",
        "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
    ),
    "BODY_25B": (
        *_COCO, "Neck", "Head", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel",
    ),
    "HALPE_26": (
        *_COCO, "Head", "Neck", "Hip", "LBigToe", "RBigToe", "LSmallToe", "RSmallToe", "LHeel",
        "RHeel",
    ),
    "COCO_17": _COCO,
    "COCO_133": (*_COCO, "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel"),
}  # fmt: skip
#: How many keypoints per person each skeleton writes (COCO_133's face and hands included).
SKELETON_SIZES: Final[dict[str, int]] = {
    **{name: len(order) for name, order in SKELETONS.items()},
    "COCO_133": 133,
}

#: OpenPose spelling of a part -> MediaPipe's, where they differ.
_PARTS = {"BigToe": "foot_index"}


def _key(name: str) -> str:
    return name.replace("_", "").replace(" ", "").replace(".", "").lower()


def _spellings() -> dict[str, str]:
    """Every accepted spelling (normalised) -> MediaPipe landmark name."""
    out = {_key(name): name for name in LANDMARK_NAMES}
    for part in ("Eye", "Ear", "Shoulder", "Elbow", "Wrist", "Hip", "Knee", "Ankle", "Heel"):
        for code, side in (("L", "left"), ("R", "right")):
            out[_key(code + part)] = f"{side}_{part.lower()}"
    for code, side in (("L", "left"), ("R", "right")):
        for part, landmark in _PARTS.items():
            out[_key(code + part)] = f"{side}_{landmark}"
            out[_key(f"{side}_{part}")] = f"{side}_{landmark}"
    return out


_SPELLINGS: Final[dict[str, str]] = _spellings()


def landmark_of(name: str) -> str | None:
    """The MediaPipe landmark a keypoint name stands for (``LHip``, ``left_hip``, ``RBigToe``),
    case and underscores ignored; None for keypoints hipdrop does not read."""
    return _SPELLINGS.get(_key(name.rsplit(":", 1)[-1]))


def landmark_columns(names: list[str]) -> dict[str, int]:
    """MediaPipe landmark -> index in ``names`` of the first keypoint that stands for it."""
    found: dict[str, int] = {}
    for index, name in enumerate(names):
        landmark = landmark_of(name)
        if landmark is not None:
            found.setdefault(landmark, index)
    return found
