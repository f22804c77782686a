"""Make transformed copies of real clips inside the tests (mirror, rotate, splice)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np


def transform_video(
    source: Path, target: Path, transform: Callable[[np.ndarray], np.ndarray]
) -> Path:
    """Re-encode ``source`` frame by frame through ``transform`` (same size and rate)."""
    cap = cv2.VideoCapture(str(source))
    fps = cap.get(cv2.CAP_PROP_FPS)
    writer = None
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frame = transform(frame)
        if writer is None:
            height, width = frame.shape[:2]
            writer = cv2.VideoWriter(
                str(target), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height)
            )
            writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 100)
        writer.write(frame)
    cap.release()
    writer.release()
    return target


def mirror(frame: np.ndarray) -> np.ndarray:
    return cv2.flip(frame, 1)


def rotate_ccw(angle_deg: float) -> Callable[[np.ndarray], np.ndarray]:
    """Rotate counter-clockwise on screen about the image centre, same canvas."""

    def apply(frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle_deg, 1.0)
        return cv2.warpAffine(frame, matrix, (width, height), flags=cv2.INTER_LINEAR)

    return apply


def identity(frame: np.ndarray) -> np.ndarray:
    return frame
