"""Camera and body geometry: where "up" is in the image, how far the subject is turned, and
the pelvis's tilt in 3D recovered from the image angle of the hip line."""

from hipdrop.geometry.camera import CameraGeometry, camera_from_body, camera_from_vertical_lines
from hipdrop.geometry.frontal import FrontalGeometry, frontal_geometry

__all__ = [
    "CameraGeometry",
    "FrontalGeometry",
    "camera_from_body",
    "camera_from_vertical_lines",
    "frontal_geometry",
]
