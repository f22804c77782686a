"""The camera's roll and pitch against gravity, from the scene's vertical lines or the body.

Why these cues. A phone clip has no calibration, but most rooms are full of vertical edges (door
and window frames, wall corners, shelves): under perspective they all meet at one vanishing
point, whose direction from the image centre is the camera's roll and whose distance is its
pitch (given the focal length). On the multicam trial this gives roll within 1.1° and pitch
within 7° of the calibration (with the assumed focal length). Where the scene has too few
vertical edges (outdoors, a plain wall), the standing body is the vertical: its image axis gives
the roll, and MediaPipe's world landmarks - metric 3D in the camera's orientation - give the
pitch from how far the standing body leans toward the camera (18.7° against 18.2° on cam_02,
but walking adds its forward lean). Both are worse than the scene, and their uncertainties say
so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from hipdrop.conventions import landmark

#: With no focal length given, a phone's main camera: about 0.8 of the long image side
#: (a 26-33 mm equivalent lens; the multicam cameras have 0.87). A 20% error moves the pitch
#: by a few degrees, which the pitch uncertainty carries.
DEFAULT_FOCAL_LONG_SIDE = 0.8
FOCAL_RELATIVE_SD = 0.2
#: Scene segments used: within this angle of the image vertical, at least this long.
MAX_SEGMENT_TILT_DEG = 40.0
MIN_SEGMENT_FRACTION = 0.03
#: A segment belongs to the vanishing point when it points at it within this angle.
INLIER_DEG = 1.0
#: Fewer inliers, or a smaller share of the vertical-ish line length, and the scene is not used.
MIN_INLIERS = 12
MIN_INLIER_SHARE = 0.3
#: The scene's own pitch error, beyond the focal length's: on the multicam cameras, with their
#: calibrated focal length, 6° (cam_02, 12.3° against 18.2°) and 0.5° (cam_03).
SCENE_PITCH_SD_DEG = 4.0
#: Beyond these the estimate is not a plausible handheld or shelf camera: not used.
MAX_ROLL_DEG = 45.0
MAX_PITCH_DEG = 60.0


@dataclass(frozen=True)
class CameraGeometry:
    """Camera orientation against gravity and its intrinsics (pinhole, pixels).

    ``roll_deg``: angle of the true vertical in the image, + when "up" leans to image right.
    ``pitch_deg``: + when the camera looks down.
    """

    roll_deg: float
    pitch_deg: float
    roll_sd_deg: float
    pitch_sd_deg: float
    focal_px: float
    principal_px: tuple[float, float]
    method: str
    focal_assumed: bool = True

    def up_vector(self, roll_deg: float | None = None, pitch_deg: float | None = None):
        """Gravity's up direction in camera coordinates (x right, y down, z forward)."""
        roll = np.radians(self.roll_deg if roll_deg is None else roll_deg)
        pitch = np.radians(self.pitch_deg if pitch_deg is None else pitch_deg)
        return np.array(
            [np.sin(roll) * np.cos(pitch), -np.cos(roll) * np.cos(pitch), -np.sin(pitch)]
        )

    def intrinsics(self) -> np.ndarray:
        cx, cy = self.principal_px
        return np.array([[self.focal_px, 0.0, cx], [0.0, self.focal_px, cy], [0.0, 0.0, 1.0]])

    def as_dict(self) -> dict:
        out = asdict(self)
        out["principal_px"] = list(self.principal_px)
        return out


def level_xy(xy_px: np.ndarray, camera: CameraGeometry) -> np.ndarray:
    """Pixel positions turned about the principal point so that gravity's "up" is image up.

    Stance and gait events compare heights in the image; on a rolled camera image "up" is not
    up, and a foot lifted sideways reads as one on the floor.
    """
    angle = np.radians(-camera.roll_deg)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = np.asarray(camera.principal_px)
    return (xy_px - centre) @ rotation.T + centre


def default_focal_px(image_size_px: tuple[int, int], focal_length_mm: float | None) -> float:
    """Focal length in pixels: from a 35-mm-equivalent focal length if given, else assumed."""
    width, height = image_size_px
    if focal_length_mm is not None:
        return float(focal_length_mm / 43.27 * np.hypot(width, height))  # 43.27 mm: 35-mm diag
    return float(DEFAULT_FOCAL_LONG_SIDE * max(width, height))


def _orientation(up: np.ndarray) -> tuple[float, float]:
    up = up / np.linalg.norm(up)
    if up[1] > 0:
        up = -up
    return float(np.degrees(np.arctan2(up[0], -up[1]))), float(np.degrees(np.arcsin(-up[2])))


def _vanishing_point(segments: np.ndarray, centre: np.ndarray, scale: float, seed: int = 0):
    """RANSAC over segment pairs, then a length-weighted least-squares refit of the inliers.

    Returns (v, inlier mask); v is homogeneous in centred, ``scale``-normalised coordinates.
    """
    p1 = np.c_[(segments[:, :2] - centre) / scale, np.ones(len(segments))]
    p2 = np.c_[(segments[:, 2:] - centre) / scale, np.ones(len(segments))]
    lines = np.cross(p1, p2)
    lines /= np.linalg.norm(lines[:, :2], axis=1, keepdims=True)
    mid = 0.5 * (p1 + p2)
    direction = (p2 - p1)[:, :2]
    length = np.linalg.norm(direction, axis=1)
    direction /= length[:, None]

    def misfit_deg(v: np.ndarray) -> np.ndarray:
        toward = v[None, :2] - mid[:, :2] * v[2]
        toward /= np.linalg.norm(toward, axis=1, keepdims=True) + 1e-12
        cross = np.abs(toward[:, 0] * direction[:, 1] - toward[:, 1] * direction[:, 0])
        return np.degrees(np.arcsin(np.clip(cross, 0.0, 1.0)))

    rng = np.random.default_rng(seed)
    weights = length / length.sum()
    best_score, best_inliers = -1.0, None
    for _ in range(400):
        i, j = rng.choice(len(segments), 2, replace=False, p=weights)
        v = np.cross(lines[i], lines[j])
        if np.linalg.norm(v) < 1e-12:
            continue
        inliers = misfit_deg(v / np.linalg.norm(v)) < INLIER_DEG
        score = length[inliers].sum()
        if score > best_score:
            best_score, best_inliers = score, inliers
    if best_inliers is None:
        return None, np.zeros(len(segments), bool)
    v = np.linalg.svd(lines[best_inliers] * length[best_inliers, None])[2][-1]
    return v, misfit_deg(v) < INLIER_DEG


def camera_from_vertical_lines(
    segments_px: np.ndarray,
    content_box_px: tuple[float, float, float, float],
    focal_px: float,
    focal_assumed: bool = True,
) -> CameraGeometry | None:
    """Roll and pitch from the vertical vanishing point of scene line segments.

    ``segments_px``: (n, 4) x1, y1, x2, y2 of straight edges away from the subject;
    ``content_box_px``: the picture inside any black padding (x0, y0, x1, y1), whose centre is
    taken as the principal point. None when the scene has too few consistent vertical edges.
    """
    if len(segments_px) < MIN_INLIERS:
        return None
    x0, y0, x1, y1 = content_box_px
    delta = segments_px[:, 2:] - segments_px[:, :2]
    length = np.hypot(delta[:, 0], delta[:, 1])
    tilt = np.degrees(np.arctan2(np.abs(delta[:, 0]), np.abs(delta[:, 1])))
    scale = max(x1 - x0, y1 - y0)
    upright = (tilt < MAX_SEGMENT_TILT_DEG) & (length > MIN_SEGMENT_FRACTION * scale)
    candidates = segments_px[upright]
    if len(candidates) < MIN_INLIERS:
        return None
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    v, inliers = _vanishing_point(candidates, centre, scale)
    cand_len = np.hypot(*(candidates[:, 2:] - candidates[:, :2]).T)
    share = cand_len[inliers].sum() / cand_len.sum()
    if v is None or inliers.sum() < MIN_INLIERS or share < MIN_INLIER_SHARE:
        return None
    roll, pitch = _orientation(np.array([v[0] * scale, v[1] * scale, v[2] * focal_px]))
    if abs(roll) > MAX_ROLL_DEG or abs(pitch) > MAX_PITCH_DEG:
        return None
    # Pitch error from the assumed focal length: d(pitch) for a relative focal error.
    pitch_alt = _orientation(
        np.array([v[0] * scale, v[1] * scale, v[2] * focal_px * (1 + FOCAL_RELATIVE_SD)])
    )[1]
    focal_sd = abs(pitch_alt - pitch) if focal_assumed else 0.0
    return CameraGeometry(
        roll_deg=roll,
        pitch_deg=pitch,
        roll_sd_deg=1.5,
        pitch_sd_deg=float(np.hypot(SCENE_PITCH_SD_DEG, focal_sd)),
        focal_px=focal_px,
        principal_px=(float(centre[0]), float(centre[1])),
        method=f"scene vertical lines ({int(inliers.sum())} edges meet at one vanishing point)",
        focal_assumed=focal_assumed,
    )


def _mid(points: np.ndarray, part: str) -> np.ndarray:
    return 0.5 * (points[:, landmark("left", part)] + points[:, landmark("right", part)])


def _body_axis(points: np.ndarray) -> np.ndarray:
    """Per frame, the longest vertical body line the landmarks offer: mid-ankle to
    mid-shoulder, else mid-ankle to mid-hip (lower-body marker sets), else mid-hip to
    mid-shoulder."""
    axis = _mid(points, "shoulder") - _mid(points, "ankle")
    for top, bottom in (("hip", "ankle"), ("shoulder", "hip")):
        missing = ~np.isfinite(axis).all(axis=-1)
        axis[missing] = (_mid(points, top) - _mid(points, bottom))[missing]
    return axis


def camera_from_body(
    xy_px: np.ndarray,
    world_m: np.ndarray | None,
    standing: np.ndarray,
    image_size_px: tuple[int, int],
    focal_px: float,
    focal_assumed: bool = True,
) -> CameraGeometry:
    """Roll from the standing body's image axis, pitch from its lean in MediaPipe's world.

    ``standing``: frames on both feet (all frames are used when there are fewer than 5).
    The body sways and leans, so the uncertainties are wide (4° roll, 8° pitch).
    """
    use = standing if standing.sum() >= 5 else np.ones(len(xy_px), bool)
    axis = _body_axis(xy_px)
    with np.errstate(invalid="ignore"):
        angles = np.arctan2(axis[use, 0], -axis[use, 1])
    angles = angles[np.isfinite(angles)]
    roll = float(np.degrees(np.median(angles))) if angles.size else float("nan")
    pitch, pitch_sd = 0.0, 20.0
    if world_m is not None and np.isfinite(world_m).any():
        body = _body_axis(world_m)
        body /= np.linalg.norm(body, axis=1, keepdims=True)
        lean = np.degrees(np.arcsin(np.clip(-body[use, 2], -1, 1)))
        lean = lean[np.isfinite(lean)]
        if lean.size:
            pitch, pitch_sd = float(np.median(lean)), 8.0
    width, height = image_size_px
    return CameraGeometry(
        roll_deg=roll if np.isfinite(roll) else 0.0,
        pitch_deg=pitch,
        roll_sd_deg=4.0 if np.isfinite(roll) else 10.0,
        pitch_sd_deg=pitch_sd,
        focal_px=focal_px,
        principal_px=(width / 2, height / 2),
        method="standing body (too few vertical edges in the scene)",
        focal_assumed=focal_assumed,
    )
