"""``LandmarkTracks``: pose landmarks over time, the hand-off between pose and analysis.

The package also holds what works on tracks alone, below geometry, events and analysis, which
all use it: cleaning (``signal``), body measures such as torso length or which way the subject
faces (``kinematics``), left and right kept apart by their place in the image (``sides``), and
runs of flagged frames (``runs``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from hipdrop.conventions import N_LANDMARKS, Side, landmark, mirrored_index


@dataclass(frozen=True)
class LandmarkTracks:
    """Per-frame landmarks of one subject.

    ``xy_px`` holds image positions in pixels (x right, y down), NaN where no pose was found;
    ``visibility`` is MediaPipe's 0-1 score (0 where no pose); ``world_m`` holds MediaPipe's
    metric world landmarks (hip-centred, metres), NaN where absent. ``time_s`` are the decoder's
    frame times, which need not be evenly spaced.
    """

    time_s: np.ndarray  # (n,)
    xy_px: np.ndarray  # (n, 33, 2)
    visibility: np.ndarray  # (n, 33)
    image_size_px: tuple[int, int]  # (width, height)
    world_m: np.ndarray | None = None  # (n, 33, 3)
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.time_s)
        if self.xy_px.shape != (n, N_LANDMARKS, 2):
            raise ValueError(
                f"xy_px must have shape ({n}, {N_LANDMARKS}, 2), got {self.xy_px.shape}"
            )
        if self.visibility.shape != (n, N_LANDMARKS):
            raise ValueError("visibility must have shape (n, 33)")
        if self.world_m is not None and self.world_m.shape != (n, N_LANDMARKS, 3):
            raise ValueError("world_m must have shape (n, 33, 3)")

    @property
    def n_frames(self) -> int:
        return len(self.time_s)

    @property
    def frame_rate_hz(self) -> float:
        """Median frame rate from the real frame times."""
        if self.n_frames < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.time_s)))

    def point(self, side: Side, part: str) -> np.ndarray:
        """(n, 2) pixel track of one landmark, e.g. ``point("left", "hip")``."""
        return self.xy_px[:, landmark(side, part)]

    def with_xy(self, xy_px: np.ndarray) -> LandmarkTracks:
        """Copy with new pixel positions (same times, visibility and metadata)."""
        return replace(self, xy_px=xy_px)

    def mirrored(self) -> LandmarkTracks:
        """The tracks a left-right mirrored video would give (x flipped, sides swapped).

        Pixel positions are continuous (MediaPipe's normalised x times the width), so the
        mirror of x is ``width - x``.
        """
        order = mirrored_index()
        width = self.image_size_px[0]
        xy = self.xy_px[:, order].copy()
        xy[..., 0] = width - xy[..., 0]
        world = None
        if self.world_m is not None:
            world = self.world_m[:, order].copy()
            world[..., 0] *= -1
        return replace(self, xy_px=xy, visibility=self.visibility[:, order], world_m=world)
