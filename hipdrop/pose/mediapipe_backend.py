"""MediaPipe BlazePose (full model, tracking mode), running offline from the model in the wheel."""

from __future__ import annotations

import cv2
import numpy as np

from hipdrop.conventions import N_LANDMARKS
from hipdrop.pose.backend import PoseEstimate, PoseSettings


class MediaPipePose:
    """``mp.solutions.pose.Pose`` in video (tracking) mode; pixel landmarks out."""

    def __init__(self, settings: PoseSettings) -> None:
        if settings.model_complexity != 1:
            raise ValueError(
                "only model_complexity=1 (BlazePose full) ships inside mediapipe 0.10.21; "
                "the other models would need a download"
            )
        import mediapipe as mp

        self._flip_input = settings.flip_input
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=False,
            model_complexity=settings.model_complexity,
            smooth_landmarks=settings.smooth_landmarks,
            enable_segmentation=False,
            min_detection_confidence=settings.min_detection_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )

    def estimate(self, image_bgr: np.ndarray) -> PoseEstimate | None:
        height, width = image_bgr.shape[:2]
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        if self._flip_input:
            rgb = cv2.flip(rgb, 1)
        rgb.flags.writeable = False
        result = self._pose.process(rgb)
        if result.pose_landmarks is None:
            return None
        image_lm = np.array(
            [(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark], dtype=np.float64
        )
        world = np.full((N_LANDMARKS, 3), np.nan)
        if result.pose_world_landmarks is not None:
            world = np.array(
                [(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark], dtype=np.float64
            )
        xy_px = image_lm[:, :2] * np.array([width, height], dtype=np.float64)
        estimate = PoseEstimate(xy_px=xy_px, visibility=image_lm[:, 2], world_m=world)
        return estimate.unmirrored(width) if self._flip_input else estimate

    def close(self) -> None:
        self._pose.close()
