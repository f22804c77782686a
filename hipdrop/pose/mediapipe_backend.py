"""MediaPipe BlazePose through the Tasks API (``PoseLandmarker``), offline, from the model
bundle hipdrop ships (or one the user names; :mod:`hipdrop.pose.model` checks its hash).

VIDEO mode tracks the person from frame to frame and needs each frame's timestamp in whole,
strictly increasing milliseconds: the decoder's real frame times are used (phones record at a
variable rate), nudged forward by a millisecond where rounding would repeat one. IMAGE mode
finds people afresh in every picture, up to ``num_poses`` at once (the people search).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from hipdrop.conventions import N_LANDMARKS
from hipdrop.io.video import turn_image
from hipdrop.pose.backend import PoseEstimate, PoseSettings
from hipdrop.pose.model import load_model_bytes

#: Frame step assumed when a frame carries no usable time (30 fps).
_FALLBACK_STEP_MS = 33


def _landmarker(settings: PoseSettings, still_image: bool, num_poses: int):
    """A ``PoseLandmarker`` for ``settings``' model, checked by hash before it loads."""
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import (
        VisionTaskRunningMode,
    )

    mode = VisionTaskRunningMode.IMAGE if still_image else VisionTaskRunningMode.VIDEO
    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_buffer=load_model_bytes(settings)),
        running_mode=mode,
        num_poses=num_poses,
        min_pose_detection_confidence=settings.min_detection_confidence,
        min_pose_presence_confidence=settings.min_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
        output_segmentation_masks=False,
    )
    return PoseLandmarker.create_from_options(options)


class MediaPipePose:
    """``PoseLandmarker`` in VIDEO (tracking) mode, or with ``still_image`` detecting afresh in
    every image (IMAGE mode, up to ``num_poses`` people); pixel landmarks out."""

    def __init__(
        self, settings: PoseSettings, still_image: bool = False, num_poses: int = 1
    ) -> None:
        import mediapipe as mp

        self._mp = mp
        self._flip_input = settings.flip_input
        self._turns = settings.quarter_turns_cw % 4
        self._still = still_image
        self._last_ms = -1
        self._landmarker = _landmarker(settings, still_image, num_poses)

    def _timestamp_ms(self, time_s: float | None) -> int:
        """The frame's time in whole milliseconds, strictly after the previous frame's."""
        if time_s is None or not math.isfinite(time_s):
            wanted = self._last_ms + _FALLBACK_STEP_MS
        else:
            wanted = round(1000.0 * time_s)
        self._last_ms = max(wanted, self._last_ms + 1)
        return self._last_ms

    def _detect(self, image_bgr: np.ndarray, time_s: float | None):
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        if self._flip_input:
            rgb = cv2.flip(rgb, 1)
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        if self._still:
            return self._landmarker.detect(image)
        return self._landmarker.detect_for_video(image, self._timestamp_ms(time_s))

    def estimate(self, image_bgr: np.ndarray, time_s: float | None = None) -> PoseEstimate | None:
        """The (first) person's landmarks in the next frame, or None when nobody is found."""
        found = self.estimate_all(image_bgr, time_s)
        return found[0] if found else None

    def estimate_all(
        self, image_bgr: np.ndarray, time_s: float | None = None
    ) -> list[PoseEstimate]:
        """Every person found in the frame (at most ``num_poses``), in the model's order."""
        seen = turn_image(image_bgr, self._turns)
        height, width = seen.shape[:2]
        result = self._detect(seen, time_s)
        worlds = result.pose_world_landmarks or []
        estimates = []
        for k, landmarks in enumerate(result.pose_landmarks or []):
            image_lm = np.array(
                [(p.x, p.y, _score(p.visibility)) for p in landmarks], dtype=np.float64
            )
            world = np.full((N_LANDMARKS, 3), np.nan)
            if k < len(worlds):
                world = np.array([(p.x, p.y, p.z) for p in worlds[k]], dtype=np.float64)
            xy_px = image_lm[:, :2] * np.array([width, height], dtype=np.float64)
            estimate = PoseEstimate(xy_px=xy_px, visibility=image_lm[:, 2], world_m=world)
            if self._flip_input:
                estimate = estimate.unmirrored(width)
            if self._turns:
                estimate = estimate.unturned(self._turns, (width, height))
            estimates.append(estimate)
        return estimates

    def close(self) -> None:
        self._landmarker.close()


def _score(value: float | None) -> float:
    """A landmark's visibility; the Tasks API leaves it ``None`` when the model gave none."""
    return 0.0 if value is None else float(value)
