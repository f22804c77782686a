"""Follow the camera's motion through a clip from the scene behind the subject.

How. Each frame is decoded, turned grey and shrunk to ``WORKING_LONG_SIDE_PX``. Corners of the
scene (the subject's landmark box, grown generously, masked out) are found in a keyframe and
followed frame to frame with pyramidal Lucas-Kanade, each checked by following it back; the
transform from the keyframe to the frame is fitted to the survivors with RANSAC
(``estimateAffinePartial2D``: turn, zoom, shift), so within a keyframe's span nothing is
chained. When too few corners survive (they left the picture or went behind the subject) the
frame becomes the next keyframe, and its transform is measured once more straight against the
reference frame (Lucas-Kanade started from the chained guess): a chain of keyframes does not
drift while the reference's scene is still in view. A frame that cannot be followed (no
texture, motion blur of a whip pan, a cut) is left NaN; the next frames are found again by
matching ORB features against the last frame followed.

Decoding dominates the cost (the tracking itself is a few milliseconds a frame), so the
result is cached beside the pose, keyed by the clip's content, the subject's boxes and
``CAMERA_MOTION_VERSION``: re-running an analysis neither runs pose nor decodes again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hipdrop.io.npz_cache import keep_npz
from hipdrop.io.video import iter_frames_threaded

#: Bump when the transforms found change meaning, so that cached ones are not reused.
CAMERA_MOTION_VERSION = 1
WORKING_LONG_SIDE_PX = 480
#: The subject's landmark box is grown by this share of its height on every side (loose
#: clothing, hair, arms between landmarks, and the shadow), before its corners are ignored.
SUBJECT_MARGIN = 0.25
MAX_CORNERS = 400
CORNER_QUALITY = 0.01
CORNER_SPACING_PX = 8
#: A corner followed forward and back must come home within this (working pixels).
ROUND_TRIP_PX = 0.7
#: RANSAC's inlier distance (working pixels).
RANSAC_PX = 1.0
#: A frame is followed only with at least this many corners agreeing on one transform, and
#: a share of at least ``MIN_INLIER_SHARE`` of those followed.
MIN_INLIERS = 15
MIN_INLIER_SHARE = 0.5
#: A new keyframe when fewer than this share of the keyframe's corners are still followed.
KEYFRAME_SURVIVORS = 0.5
#: The straight check against the reference replaces the chained transform when it agrees
#: within these (a failed check is not used).
REFERENCE_AGREEMENT_DEG = 1.0
REFERENCE_AGREEMENT_PX = 3.0
#: 1-SD floor of a frame's roll (the residuals understate the corners' own wander).
MIN_ROLL_SD_DEG = 0.05

_LK = {
    "winSize": (21, 21),
    "maxLevel": 3,
    "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01),
}


@dataclass(frozen=True)
class CameraMotion:
    """Per frame, the similarity taking the reference frame's pixels to that frame's
    (``matrix[i] @ [x, y, 1]``), NaN where the motion could not be followed; ``roll_sd_deg``
    is the 1-SD error of each frame's turn against the reference (from the scene points'
    residuals)."""

    matrix: np.ndarray  # (n, 2, 3)
    roll_sd_deg: np.ndarray  # (n,)
    reference_frame: int
    image_size_px: tuple[int, int]  # (width, height)

    @property
    def followed(self) -> np.ndarray:
        return np.isfinite(self.matrix).all(axis=(1, 2))

    @property
    def roll_deg(self) -> np.ndarray:
        """The camera's roll against the reference frame's (hipdrop's sign: + when the world's
        up leans to image right). The picture turning counter-clockwise is a negative roll."""
        return roll_of(self.matrix)

    @property
    def zoom(self) -> np.ndarray:
        return np.hypot(self.matrix[:, 0, 0], self.matrix[:, 0, 1])


def held_matrices(motion: CameraMotion) -> np.ndarray:
    """The transforms with each frame not followed given its nearest followed frame's."""
    followed = np.flatnonzero(motion.followed)
    if not followed.size:
        return np.broadcast_to(np.eye(2, 3), motion.matrix.shape).copy()
    return motion.matrix[_nearest(followed, len(motion.matrix))]


def _nearest(found: np.ndarray, n: int) -> np.ndarray:
    """For each of ``n`` frames, the nearest of the frames ``found`` (sorted, not empty; the
    earlier on a tie). A search, not an n-by-found table: a ten-minute clip has 36000 frames."""
    frames = np.arange(n)
    after = np.searchsorted(found, frames).clip(max=len(found) - 1)
    before = (after - 1).clip(min=0)
    earlier = np.abs(frames - found[before]) <= np.abs(found[after] - frames)
    return found[np.where(earlier, before, after)]


def roll_of(matrices: np.ndarray) -> np.ndarray:
    """The camera roll (hipdrop's sign) of similarity transforms ``(n, 2, 3)`` taking the
    reference frame's pixels to each frame's."""
    return -np.degrees(np.arctan2(matrices[:, 0, 1], matrices[:, 0, 0]))


def subject_boxes_px(subject_xy_px: np.ndarray) -> np.ndarray:
    """Per frame, the subject's landmark box (x0, y0, x1, y1) grown by ``SUBJECT_MARGIN``;
    frames without landmarks take the nearest frame's box; NaN when never seen."""
    n = len(subject_xy_px)
    boxes = np.full((n, 4), np.nan)
    seen = np.isfinite(subject_xy_px).all(axis=2).any(axis=1)
    for i in np.flatnonzero(seen):
        points = subject_xy_px[i][np.isfinite(subject_xy_px[i]).all(axis=1)]
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        grow = SUBJECT_MARGIN * max(y1 - y0, x1 - x0)
        boxes[i] = (x0 - grow, y0 - grow, x1 + grow, y1 + grow)
    found = np.flatnonzero(seen)
    return boxes[_nearest(found, n)] if found.size else boxes


def follow_camera(
    path: Path,
    subject_xy_px: np.ndarray,
    video_sha256: str | None = None,
    cache: Path | None = None,
) -> CameraMotion | None:
    """The camera's motion through the clip at ``path`` (see the module notes), the subject's
    landmarks ``(n_frames, k, 2)`` (full-resolution pixels) masked out; None when no frame
    decodes."""
    boxes = subject_boxes_px(subject_xy_px)
    file = _cache_file(cache, video_sha256, boxes)
    motion = _load(file) if file is not None else None
    if motion is None:
        motion = _follow(path, boxes, len(subject_xy_px))
        if motion is not None and file is not None:
            _keep(motion, file)
    return motion


class _Follower:
    """The state of one pass through the clip, in working pixels."""

    def __init__(self, scale: float) -> None:
        self.scale = scale
        self.reference: tuple[np.ndarray, np.ndarray] | None = None  # image, corners
        self.key_corners = np.zeros((0, 2), np.float32)  # in the keyframe
        self.corners = np.zeros((0, 2), np.float32)  # the same, in the previous frame
        self.key_from_reference = np.eye(3)
        self.key_count = 0
        self.previous: np.ndarray | None = None
        self.last_followed: tuple[np.ndarray, np.ndarray] | None = None  # image, transform

    def step(self, image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, float] | None:
        """This frame's transform from the reference (3x3, working pixels) and its roll SD."""
        found = None
        if self.reference is None:
            found = self._start(image, mask, np.eye(3))
        elif self.previous is not None and len(self.corners):
            found = self._track(image, mask)
        if found is None and self.last_followed is not None:
            found = self._relocate(image, mask)
        self.previous = image
        if found is None:
            self.corners = np.zeros((0, 2), np.float32)
            return None
        self.last_followed = (image, found[0])
        return found

    def _start(
        self, image: np.ndarray, mask: np.ndarray, from_reference: np.ndarray
    ) -> tuple[np.ndarray, float] | None:
        """Make ``image`` a keyframe (the reference, if there is none yet)."""
        corners = _corners(image, mask)
        if len(corners) < MIN_INLIERS:
            return None
        if self.reference is None:
            self.reference = (image, corners)
        self.key_corners, self.corners = corners, corners.copy()
        self.key_count = len(corners)
        self.key_from_reference = from_reference
        return from_reference, MIN_ROLL_SD_DEG

    def _track(self, image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, float] | None:
        """Follow the corners from the previous frame; a new keyframe when few are left."""
        moved, ok = _lucas_kanade(self.previous, image, self.corners)
        ok &= ~_inside(moved, mask)
        fit = _fit(self.key_corners[ok], moved[ok])
        if fit is None:
            return None
        key_to_frame, inliers, roll_sd = fit
        keep = np.flatnonzero(ok)[inliers]
        self.key_corners, self.corners = self.key_corners[keep], moved[keep]
        from_reference = key_to_frame @ self.key_from_reference
        if len(keep) < max(KEYFRAME_SURVIVORS * self.key_count, 2 * MIN_INLIERS):
            from_reference = self._against_reference(image, mask, from_reference)
            self._start(image, mask, from_reference)
        return from_reference, roll_sd

    def _against_reference(
        self, image: np.ndarray, mask: np.ndarray, chained: np.ndarray
    ) -> np.ndarray:
        """The transform measured straight against the reference frame, where it agrees with
        the chained one; otherwise the chained one."""
        reference, corners = self.reference
        guess = _apply(chained, corners).astype(np.float32)
        moved, ok = _lucas_kanade(reference, image, corners, guess)
        ok &= ~_inside(moved, mask)
        fit = _fit(corners[ok], moved[ok])
        if fit is None:
            return chained
        direct = fit[0]
        turn = abs(roll_of(direct[None, :2])[0] - roll_of(chained[None, :2])[0])
        shift = np.abs(_apply(direct, corners) - _apply(chained, corners)).max()
        agree = turn < REFERENCE_AGREEMENT_DEG and shift < REFERENCE_AGREEMENT_PX
        return direct if agree else chained

    def _relocate(self, image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, float] | None:
        """Find the frame again after a loss: ORB features matched to the last frame followed."""
        last, last_from_reference = self.last_followed
        orb = cv2.ORB_create(1000)
        ka, da = orb.detectAndCompute(last, None)
        kb, db = orb.detectAndCompute(image, mask)
        if da is None or db is None or len(ka) < MIN_INLIERS or len(kb) < MIN_INLIERS:
            return None
        matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(da, db)
        if len(matches) < MIN_INLIERS:
            return None
        a = np.float32([ka[m.queryIdx].pt for m in matches])
        b = np.float32([kb[m.trainIdx].pt for m in matches])
        fit = _fit(a, b, share=0.0)
        if fit is None:
            return None
        found = self._start(image, mask, fit[0] @ last_from_reference)
        return None if found is None else (found[0], fit[2])


def _follow(path: Path, boxes: np.ndarray, n_frames: int) -> CameraMotion | None:
    matrices = np.full((n_frames, 2, 3), np.nan)
    roll_sd = np.full(n_frames, np.nan)
    follower, size = None, None
    for frame in iter_frames_threaded(path, stop=n_frames):
        grey = cv2.cvtColor(frame.image_bgr, cv2.COLOR_BGR2GRAY)
        if follower is None:
            height, width = grey.shape
            size = (width, height)
            follower = _Follower(min(1.0, WORKING_LONG_SIDE_PX / max(width, height)))
        small = cv2.resize(grey, None, fx=follower.scale, fy=follower.scale,
                           interpolation=cv2.INTER_AREA)  # fmt: skip
        found = follower.step(small, _mask(small.shape, boxes[frame.index] * follower.scale))
        if found is not None:
            to_full = np.diag([1 / follower.scale, 1 / follower.scale, 1.0])
            full = to_full @ found[0] @ np.linalg.inv(to_full)
            matrices[frame.index], roll_sd[frame.index] = full[:2], found[1]
    if follower is None or follower.reference is None:
        return None if follower is None else CameraMotion(matrices, roll_sd, 0, size)
    reference = int(np.flatnonzero(np.isfinite(roll_sd))[0])
    return CameraMotion(matrices, roll_sd, reference, size)


def _mask(shape: tuple[int, int], box: np.ndarray) -> np.ndarray:
    """255 where corners may be taken: everywhere but the subject's grown box."""
    mask = np.full(shape, 255, np.uint8)
    if np.isfinite(box).all():
        x0, y0, x1, y1 = np.round(box).astype(int)
        mask[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = 0
    return mask


def _corners(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    found = cv2.goodFeaturesToTrack(
        image, MAX_CORNERS, CORNER_QUALITY, CORNER_SPACING_PX, mask=mask, blockSize=7
    )
    return np.zeros((0, 2), np.float32) if found is None else found.reshape(-1, 2)


def _inside(points: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Points on the subject (masked out) or outside the picture."""
    height, width = mask.shape
    x, y = np.round(points).astype(int).T if len(points) else (np.zeros(0, int),) * 2
    within = (x >= 0) & (x < width) & (y >= 0) & (y < height)
    out = ~within
    out[within] = mask[y[within], x[within]] == 0
    return out


def _lucas_kanade(
    before: np.ndarray, after: np.ndarray, points: np.ndarray, guess: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Where ``points`` went, and which were followed there and back again."""
    if not len(points):
        return points, np.zeros(0, bool)
    flags = cv2.OPTFLOW_USE_INITIAL_FLOW if guess is not None else 0
    start = guess.copy() if guess is not None else None
    moved, ok, _ = cv2.calcOpticalFlowPyrLK(before, after, points, start, flags=flags, **_LK)
    back, ok_back, _ = cv2.calcOpticalFlowPyrLK(after, before, moved, None, **_LK)
    home = np.linalg.norm(back - points, axis=1) < ROUND_TRIP_PX
    return moved.reshape(-1, 2), ok.ravel().astype(bool) & ok_back.ravel().astype(bool) & home


def _fit(
    a: np.ndarray, b: np.ndarray, share: float = MIN_INLIER_SHARE
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The similarity taking ``a`` to ``b`` (3x3), its inliers and its roll's 1-SD error."""
    if len(a) < MIN_INLIERS:
        return None
    matrix, inliers = cv2.estimateAffinePartial2D(
        a, b, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX, refineIters=20
    )
    if matrix is None:
        return None
    inliers = inliers.ravel().astype(bool)
    if inliers.sum() < max(MIN_INLIERS, share * len(a)):
        return None
    full = np.vstack([matrix, [0.0, 0.0, 1.0]])
    residual = _apply(full, a[inliers]) - b[inliers]
    spread = a[inliers] - a[inliers].mean(axis=0)
    sd = np.sqrt(np.mean(residual**2) / max(np.sum(spread**2), 1e-9))
    return full, inliers, float(max(np.degrees(sd), MIN_ROLL_SD_DEG))


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:2, :2].T + matrix[:2, 2]


def _cache_file(cache: Path | None, video_sha256: str | None, boxes: np.ndarray) -> Path | None:
    if cache is None or video_sha256 is None:
        return None
    digest = hashlib.sha256(f"{video_sha256}:{CAMERA_MOTION_VERSION}:".encode())
    digest.update(np.nan_to_num(np.round(boxes), nan=-1).astype(np.int64).tobytes())
    return cache / f"{digest.hexdigest()[:32]}.npz"


def _load(file: Path) -> CameraMotion | None:
    try:
        with np.load(file) as stored:
            return CameraMotion(
                stored["matrix"],
                stored["roll_sd_deg"],
                int(stored["reference_frame"]),
                tuple(int(v) for v in stored["image_size_px"]),
            )
    except (OSError, KeyError, ValueError):
        return None  # not cached yet (or unreadable): follow afresh


def _keep(motion: CameraMotion, file: Path) -> None:
    keep_npz(
        file,
        matrix=motion.matrix,
        roll_sd_deg=motion.roll_sd_deg,
        reference_frame=np.int64(motion.reference_frame),
        image_size_px=np.asarray(motion.image_size_px, dtype=np.int64),
    )
