"""The pose-backend protocol and its settings; backends are imported lazily by name."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol

import numpy as np

from hipdrop.conventions import mirrored_index


@dataclass(frozen=True)
class PoseSettings:
    """Everything that changes pose output; part of the cache key and of provenance."""

    backend: str = "mediapipe"
    model: str = "blazepose_full"
    model_complexity: int = 1
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    smooth_landmarks: bool = True
    #: Run the model on the left-right mirrored frame and map the landmarks back. The model
    #: is not mirror-symmetric; averaging this pass with a normal one cancels its side bias.
    flip_input: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


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


class PoseBackend(Protocol):
    """Turns video frames, in order, into landmarks. Stateful: it may track across frames."""

    def estimate(self, image_bgr: np.ndarray) -> PoseEstimate | None:
        """Landmarks for the next frame of the stream, or None when no person is found."""

    def close(self) -> None:
        """Release the model."""


def create_backend(settings: PoseSettings) -> PoseBackend:
    """Instantiate the backend named in ``settings`` (imports its library only now)."""
    if settings.backend == "mediapipe":
        from hipdrop.pose.mediapipe_backend import MediaPipePose

        return MediaPipePose(settings)
    raise ValueError(f"unknown pose backend {settings.backend!r}")
