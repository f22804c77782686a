"""Pose estimation: a small backend protocol, the MediaPipe backend, a cached parallel runner."""

from hipdrop.pose.backend import PoseBackend, PoseSettings
from hipdrop.pose.runner import estimate_pose

__all__ = ["PoseBackend", "PoseSettings", "estimate_pose"]
