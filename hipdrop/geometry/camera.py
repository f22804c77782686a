"""The camera's roll and pitch against gravity, from the scene's vertical lines or the body.

Why these cues. A phone clip has no calibration, but most rooms are full of vertical edges (door
and window frames, wall corners, shelves): under perspective they all meet at one vanishing
point, whose direction from the image centre is the camera's roll and whose distance is its
pitch (given the focal length). On the four multicam cameras this gives roll within 0.9° and
pitch within 2.6° of the calibration (with the assumed focal length; see
``camera_from_vertical_lines`` for how the vertical set is chosen and the pitch checked).
Where the scene has too few vertical edges (outdoors, a plain wall), the standing body is the
vertical: its image axis gives the roll, and MediaPipe's world landmarks - metric 3D in the
camera's orientation - give the pitch from how far the standing body leans toward the camera
(18.7° against 18.2° on cam_02, but walking adds its forward lean). Both are worse than the
scene, and their uncertainties say so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from hipdrop.geometry.vanishing import VanishingPoint, steep_segments, vanishing_points
from hipdrop.tracks.kinematics import body_axis, mid_points

#: With no focal length given, a phone's main camera: about 0.8 of the long image side
#: (a 26-33 mm equivalent lens; the multicam cameras have 0.87). A 20% error moves the pitch
#: by a few degrees, which the pitch uncertainty carries.
DEFAULT_FOCAL_LONG_SIDE = 0.8
FOCAL_RELATIVE_SD = 0.2
#: The chosen vertical set must hold at least this share of the steep edges' length.
MIN_VERTICAL_SHARE = 0.1
#: The scene's own pitch error, beyond the focal length's: on the multicam cameras, with their
#: calibrated focal length, 6° (cam_02, 12.3° against 18.2°) and 0.5° (cam_03).
SCENE_PITCH_SD_DEG = 4.0
#: Beyond these the estimate is not a plausible handheld or shelf camera: not used. (A clip
#: on its side or upside down is turned upright from the body before this step.)
MAX_ROLL_DEG = 45.0
MAX_PITCH_DEG = 60.0
#: The standing body's image axis and the room's vertical agree within this: the body sways
#: and leans (the balance trial's trunk leans 8-12° from the room's vertical on all four
#: multicam cameras), a wrong set of edges is off by far more (55° on the rear camera). A set
#: within the axis's own spread over the frames (10th to 90th percentile) agrees as well: the
#: frames taken as standing may be single-leg ones, leaning (the balance clip rolled 4° with
#: close-ups of the shins: its axis read 14.6°, spread -6° to 27°, and the room's true -7.5°
#: was rejected; the body's own roll then levelled his feet into a RIGHT stance).
BODY_ROLL_AGREEMENT_DEG = 20.0
#: A camera above the floor sees the subject's feet below the horizon; this much above it is
#: allowed for pose noise and a camera at floor height. A set of edges that would put the feet
#: higher (the camera looking up steeply at a person whose feet are in view) is not vertical.
FEET_ABOVE_HORIZON_DEG = 5.0
#: A second set of edges lies on the horizon (floor lines, a treadmill's sides, table edges)
#: when the pitch that makes it horizontal is within this of the vertical set's.
HORIZON_AGREEMENT_DEG = 15.0


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
    #: How the cues were checked against each other, in words (a rejected set of edges, a
    #: disagreement that widened the uncertainty).
    checks: tuple[str, ...] = field(default=())

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

    def rays(self, points_px: np.ndarray) -> np.ndarray:
        """Camera-coordinate rays (z = 1) through pixel points (..., 2) -> (..., 3)."""
        homogeneous = np.concatenate([points_px, np.ones((*points_px.shape[:-1], 1))], axis=-1)
        return homogeneous @ np.linalg.inv(self.intrinsics()).T

    def elevation_deg(self, points_px: np.ndarray) -> np.ndarray:
        """How far above the horizon the line of sight through each pixel point (..., 2)
        points; negative below it."""
        sight = self.rays(points_px)
        with np.errstate(invalid="ignore"):
            sine = (sight @ self.up_vector()) / np.linalg.norm(sight, axis=-1)
        return np.degrees(np.arcsin(np.clip(sine, -1.0, 1.0)))

    def as_dict(self) -> dict:
        out = asdict(self)
        out["principal_px"] = list(self.principal_px)
        out["checks"] = list(self.checks)
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


@dataclass(frozen=True)
class BodyCue:
    """What the standing body says about the camera, to check the scene's lines against.

    ``roll_deg``: the image angle of the body's axis (feet to shoulders), + leaning right at the
    top; ``feet_px``: where the feet are in the image (median over the clip);
    ``roll_range_deg``: the axis's 10th to 90th percentile over those frames.
    """

    roll_deg: float
    feet_px: tuple[float, float]
    roll_range_deg: tuple[float, float] | None = None


def body_cue(xy_px: np.ndarray, standing: np.ndarray) -> BodyCue | None:
    """The body's image axis over the standing frames (all frames when fewer than 5) and the
    feet's median position; None without a body."""
    use = standing if standing.sum() >= 5 else np.ones(len(xy_px), bool)
    axis = body_axis(xy_px)[use]
    with np.errstate(invalid="ignore"):
        angles = np.degrees(np.arctan2(axis[:, 0], -axis[:, 1]))
    feet_px = np.concatenate([mid_points(xy_px, "heel"), mid_points(xy_px, "ankle")])
    feet = np.nanmedian(feet_px, axis=0) if np.isfinite(xy_px).any() else np.full(2, np.nan)
    angles = angles[np.isfinite(angles)]
    if not angles.size or not np.isfinite(feet).all():
        return None
    low, high = np.percentile(angles, [10, 90])
    return BodyCue(
        float(np.median(angles)), (float(feet[0]), float(feet[1])), (float(low), float(high))
    )


def _feet_elevation_deg(
    body: BodyCue, roll_deg: float, pitch_deg: float, focal_px: float, centre: np.ndarray
) -> float:
    """How far above the horizon the feet would be seen for this roll and pitch."""
    camera = CameraGeometry(roll_deg, pitch_deg, 0, 0, focal_px, (centre[0], centre[1]), "")
    return float(camera.elevation_deg(np.array(body.feet_px, dtype=float)))


def _as_vertical(
    point: VanishingPoint, body: BodyCue | None, focal_px: float, centre: np.ndarray
) -> str | None:
    """Why ``point`` cannot be the room's vertical, in words; None if it can."""
    roll, pitch = point.roll_pitch_if_vertical()
    if abs(roll) > MAX_ROLL_DEG or abs(pitch) > MAX_PITCH_DEG:
        return f"would mean a camera rolled {roll:.0f}° and pitched {pitch:.0f}°"
    if body is None:
        return None
    low, high = body.roll_range_deg or (body.roll_deg, body.roll_deg)
    if abs(roll - body.roll_deg) > BODY_ROLL_AGREEMENT_DEG and not low <= roll <= high:
        return (
            f"would put the room's vertical {abs(roll - body.roll_deg):.0f}° from the standing "
            "body's"
        )
    feet = _feet_elevation_deg(body, roll, pitch, focal_px, centre)
    if feet > FEET_ABOVE_HORIZON_DEG:
        return (
            f"would mean a camera looking {'up' if pitch < 0 else 'down'} {abs(pitch):.0f}° "
            f"that sees the subject's feet {feet:.0f}° above the horizon"
        )
    return None


def _horizon_pitch(
    points: list[VanishingPoint], vertical: VanishingPoint, roll_deg: float, pitch_deg: float
) -> tuple[float, VanishingPoint] | None:
    """The pitch from the strongest other set of edges that lies on the horizon for this roll
    (within ``HORIZON_AGREEMENT_DEG`` of the vertical set's pitch), with that set."""
    for point in points:
        if point is vertical:
            continue
        pitch = point.pitch_if_horizontal(roll_deg)
        if abs(pitch - pitch_deg) <= HORIZON_AGREEMENT_DEG:
            return pitch, point
    return None


def camera_from_vertical_lines(
    segments_px: np.ndarray,
    content_box_px: tuple[float, float, float, float],
    focal_px: float,
    focal_assumed: bool = True,
    body: BodyCue | None = None,
) -> CameraGeometry | None:
    """Roll and pitch from the scene's vanishing points, checked against the standing body.

    ``segments_px``: (n, 4) x1, y1, x2, y2 of straight edges away from the subject;
    ``content_box_px``: the picture inside any black padding (x0, y0, x1, y1), whose centre is
    taken as the principal point; ``body``: the standing body, if seen.

    Why this way. Several sets of parallel edges meet in a room; the vertical one is the
    strongest set that the body agrees with: its image axis within ``BODY_ROLL_AGREEMENT_DEG``
    of the set's roll, and its feet below the horizon the set implies. A second set lying on
    that horizon (floor lines, a treadmill's sides) gives the pitch a second time; the two err
    in opposite directions when the assumed focal length is wrong (a longer lens moves the
    vertical point away and the horizon toward the image centre), so their mean is the pitch
    and half their difference widens its uncertainty. None when no set qualifies.
    """
    x0, y0, x1, y1 = content_box_px
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    points = vanishing_points(segments_px, content_box_px, focal_px)
    steep = steep_segments(np.asarray(segments_px, float).reshape(-1, 4), max(x1 - x0, y1 - y0))
    steep_length = float(np.hypot(*(steep[:, 2:] - steep[:, :2]).T).sum()) if len(steep) else 0
    checks: list[str] = []
    vertical = None
    for point in points:
        why_not = _as_vertical(point, body, focal_px, centre)
        if why_not is None and point.length_px >= MIN_VERTICAL_SHARE * steep_length:
            vertical = point
            break
        if why_not is not None and point is points[0]:
            checks.append(
                f"the scene's strongest set of lines ({point.edges} edges) {why_not}: taken "
                "as not vertical"
            )
    if vertical is None:
        return None
    roll, pitch = vertical.roll_pitch_if_vertical()
    pitch_alt = _pitch_with_longer_lens(vertical, 1 + FOCAL_RELATIVE_SD)
    focal_sd = abs(pitch_alt - pitch) if focal_assumed else 0.0
    pitch_sd = float(np.hypot(SCENE_PITCH_SD_DEG, focal_sd))
    method = f"scene vertical lines ({vertical.edges} edges meet at one vanishing point)"
    horizon = _horizon_pitch(points, vertical, roll, pitch)
    if horizon is not None:
        horizon_pitch, level = horizon
        pitch_sd = float(np.hypot(SCENE_PITCH_SD_DEG / 2, (pitch - horizon_pitch) / 2))
        checks.append(
            f"{level.edges} level edges on the horizon give a pitch of {horizon_pitch:.0f}°, "
            f"the vertical edges {pitch:.0f}°: their mean is used"
        )
        pitch = 0.5 * (pitch + horizon_pitch)
        method += f" and the horizon ({level.edges} level edges)"
    return CameraGeometry(
        roll_deg=roll,
        pitch_deg=pitch,
        roll_sd_deg=1.5,
        pitch_sd_deg=pitch_sd,
        focal_px=focal_px,
        principal_px=(float(centre[0]), float(centre[1])),
        method=method,
        focal_assumed=focal_assumed,
        checks=tuple(checks),
    )


def _pitch_with_longer_lens(point: VanishingPoint, factor: float) -> float:
    """The vertical set's pitch had the focal length been ``factor`` times the assumed one
    (its image position held)."""
    scaled = VanishingPoint(point.direction * np.array([1.0, 1.0, factor]), 0, 0.0)
    return scaled.roll_pitch_if_vertical()[1]


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
    axis = body_axis(xy_px)
    with np.errstate(invalid="ignore"):
        angles = np.arctan2(axis[use, 0], -axis[use, 1])
    angles = angles[np.isfinite(angles)]
    roll = float(np.degrees(np.median(angles))) if angles.size else float("nan")
    pitch, pitch_sd = 0.0, 20.0
    if world_m is not None and np.isfinite(world_m).any():
        body = body_axis(world_m)
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
