"""The pose-backend protocol and its settings; backends are imported lazily by name."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np

from hipdrop.conventions import mirrored_index
from hipdrop.io.video import turn_camera_axes, turn_points

#: The BlazePose model bundle hipdrop ships (pose/models/) and its sha256 (models/README.md
#: gives where it came from).
SHIPPED_MODEL_NAME = "pose_landmarker_full"
SHIPPED_MODEL_SHA256 = "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad"


@dataclass(frozen=True)
class PoseSettings:
    """Everything that changes pose output; part of the cache key and of provenance."""

    backend: str = "mediapipe-tasks"
    #: The model bundle's name and sha256 (the shipped BlazePose full unless ``model_path``
    #: names another ``.task`` file; see :func:`hipdrop.pose.model.with_model`).
    model: str = SHIPPED_MODEL_NAME
    model_sha256: str = SHIPPED_MODEL_SHA256
    model_path: str | None = None
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    person: str = "auto"  # which person is the subject: auto | left | right | center
    #: Run the model on the left-right mirrored frame and map the landmarks back. The model
    #: is not mirror-symmetric; averaging this pass with a normal one cancels its side bias.
    flip_input: bool = False
    #: Show the model each frame turned this many clockwise quarter turns, and map the
    #: landmarks back: a clip filmed on its side or upside down is shown to the model upright,
    #: as it was trained (BlazePose reads a turned picture a few pixels differently; see
    #: analysis/clip_input.py).
    quarter_turns_cw: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def cache_identity(self) -> dict:
        """What decides pose output: everything but where the model file lies (its hash
        names it), so one model copied elsewhere reuses the cache. A picture shown as stored
        (no quarter turns) keeps the key it had before that setting existed."""
        unused = {"model_path"} | ({"quarter_turns_cw"} if self.quarter_turns_cw == 0 else set())
        return {k: v for k, v in self.as_dict().items() if k not in unused}


@dataclass(frozen=True)
class PoseEstimate:
    """One frame's landmarks: pixels (33, 2), visibility (33,), world metres (33, 3)."""

    xy_px: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray

    def unmirrored(self, width_px: int) -> PoseEstimate:
        """This estimate of a mirrored frame, mapped back onto the original frame."""
        order = mirrored_index()
        xy = self.xy_px[order].copy()
        xy[:, 0] = width_px - xy[:, 0]
        world = self.world_m[order].copy()
        world[:, 0] *= -1
        return PoseEstimate(xy_px=xy, visibility=self.visibility[order], world_m=world)

    def unturned(self, quarter_turns_cw: int, seen_size_px: tuple[int, int]) -> PoseEstimate:
        """This estimate of a frame turned ``quarter_turns_cw`` clockwise (``seen_size_px``:
        the turned frame's width and height), mapped back onto the frame as stored."""
        back = (4 - quarter_turns_cw) % 4
        return PoseEstimate(
            xy_px=turn_points(self.xy_px, seen_size_px, back),
            visibility=self.visibility,
            world_m=turn_camera_axes(self.world_m, back),
        )


class PoseBackend(Protocol):
    """Turns video frames, in order, into landmarks. Stateful: it may track across frames."""

    def estimate(self, image_bgr: np.ndarray, time_s: float | None = None) -> PoseEstimate | None:
        """Landmarks for the next frame of the stream (shown at ``time_s`` seconds, which
        a tracking backend uses to smooth), or None when no person is found."""

    def close(self) -> None:
        """Release the model."""
