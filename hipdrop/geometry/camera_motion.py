"""The camera's own motion during a clip (a hand-held phone), and the landmarks steadied to one
reference frame.

Why this way. The camera's roll and pitch are found once per clip (geometry/camera.py); a phone
held in the hand rolls by a few degrees and drifts while it films, and every degree of roll
goes straight into the hip line's angle. The scene behind the subject shows that motion: per
frame, a similarity transform (turn, zoom, shift) takes the reference frame's pixels to that
frame's (io/camera_motion.py finds it, a :class:`~hipdrop.io.camera_motion.CameraMotion`).
Mapping each frame's landmarks back through it puts every frame in the reference frame's
picture, so the one camera geometry holds for all of them and nothing after this step needs to
know the camera moved. A pan that follows a walker is a shift of the picture and is undone the
same way.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from hipdrop.io.camera_motion import CameraMotion, held_matrices, roll_of
from hipdrop.tracks import LandmarkTracks

#: Below these the camera "did not move": a tripod clip's estimate wanders by a few hundredths
#: of a degree and a tenth of a pixel (compression noise); its landmarks are then left as they
#: are. Roll in degrees (5th to 95th percentile), drift in pixels of the frame's long side
#: (the view centre's largest displacement), zoom as a ratio.
STILL_ROLL_DEG = 0.3
STILL_DRIFT_SHARE = 0.003
STILL_ZOOM_RATIO = 0.003


def to_reference(motion: CameraMotion, xy_px: np.ndarray) -> np.ndarray:
    """Per-frame pixel positions ``(n, k, 2)`` mapped into the reference frame's picture."""
    matrices = held_matrices(motion)
    linear, shift = matrices[:, :, :2], matrices[:, :, 2]
    inverse = np.linalg.inv(linear)
    return np.einsum("nij,nkj->nki", inverse, xy_px - shift[:, None, :])


def segments_to_reference(motion: CameraMotion, frame: int, segments_px: np.ndarray) -> np.ndarray:
    """Line segments ``(m, 4)`` seen in ``frame``, mapped into the reference frame's picture."""
    ends = np.asarray(segments_px, dtype=float).reshape(1, -1, 2)
    one = replace(motion, matrix=held_matrices(motion)[frame : frame + 1])
    return to_reference(one, ends).reshape(-1, 4)


def drift_px(motion: CameraMotion) -> np.ndarray:
    """How far each frame's view centre is from the reference's, in reference pixels (NaN
    where not followed)."""
    centre = 0.5 * np.asarray(motion.image_size_px, dtype=float)
    seen = to_reference(motion, np.broadcast_to(centre, (len(motion.matrix), 1, 2)))[:, 0]
    return np.where(motion.followed, np.linalg.norm(seen - centre, axis=1), np.nan)


def moving(motion: CameraMotion | None) -> bool:
    """Whether there is a camera motion to undo: the camera rolled, drifted or zoomed beyond
    what a tripod clip's estimate shows."""
    if motion is None or not motion.followed.any():
        return False
    ok = motion.followed
    roll = np.percentile(motion.roll_deg[ok], [5, 95])
    zoom = motion.zoom[ok]
    return bool(
        roll[1] - roll[0] > STILL_ROLL_DEG
        or drift_px(motion)[ok].max() > STILL_DRIFT_SHARE * max(motion.image_size_px)
        or zoom.max() / zoom.min() - 1 > STILL_ZOOM_RATIO
    )


def steadied(tracks: LandmarkTracks, motion: CameraMotion | None) -> LandmarkTracks:
    """The tracks in the reference frame's picture where the camera moved (unchanged where it
    did not), with the frames whose motion could not be followed listed in
    ``meta["camera_moving_frames"]``: measured as if still, a moving camera's roll would be
    read as the pelvis's. The 3D world landmarks, whose axes follow the camera's view, are
    turned about the line of sight by the same roll (the subject's turn and lean come from
    them)."""
    if not moving(motion):
        return tracks
    meta = {**tracks.meta, "camera_moving_frames": np.flatnonzero(~motion.followed).tolist()}
    world = tracks.world_m
    if world is not None:
        turn = np.radians(held_roll_deg(motion))[:, None]
        x, y = world[..., 0], world[..., 1]
        # The picture turned counter-clockwise by -roll is turned back: image x right, y down.
        cos, sin = np.cos(turn), np.sin(turn)
        world = np.stack([x * cos + y * sin, -x * sin + y * cos, world[..., 2]], axis=-1)
    return replace(tracks, xy_px=to_reference(motion, tracks.xy_px), world_m=world, meta=meta)


def held_roll_deg(motion: CameraMotion) -> np.ndarray:
    """Each frame's roll against the reference, frames not followed given their nearest's."""
    return roll_of(held_matrices(motion))


def motion_warnings(motion: CameraMotion | None) -> list[str]:
    """A warning where a clip's camera motion could not be followed at all."""
    if motion is None or motion.followed.any():
        return []
    return [
        "The camera's own motion could not be followed (too little texture behind the "
        "subject): if the phone was hand-held, its sway is read as the pelvis's. Film with "
        "the phone held still or propped, in front of a textured background."
    ]


def with_camera_roll(
    frames: pd.DataFrame, motion: CameraMotion | None, roll_deg: float
) -> pd.DataFrame:
    """``frames`` with ``camera_roll_deg``: per frame, the camera's roll against gravity (the
    clip's roll, found in the reference frame's picture, plus the frame's own against the
    reference; NaN where not followed), and ``geometry_sd_deg`` widened by the motion
    estimate's own error."""
    if not moving(motion):
        return frames.assign(camera_roll_deg=roll_deg)
    motion_sd = np.nan_to_num(motion.roll_sd_deg, nan=0.0)
    return frames.assign(
        camera_roll_deg=roll_deg + motion.roll_deg,
        geometry_sd_deg=np.hypot(frames["geometry_sd_deg"].to_numpy(dtype=float), motion_sd),
    )


def motion_summary(motion: CameraMotion | None, roll_deg: float) -> dict | None:
    """``summary.json`` ``camera.motion``: whether the camera moved during the clip and by how
    much; None where there was no picture to follow (a pose file)."""
    if motion is None:
        return None
    ok = motion.followed
    moved = moving(motion)
    roll = roll_deg + motion.roll_deg[ok] if moved else np.full(1, roll_deg)
    long_side = float(max(motion.image_size_px))

    def span(values: np.ndarray) -> list[float | None]:
        return [float(values.min()), float(values.max())] if values.size else [None, None]

    drift = drift_px(motion)[ok]
    return {
        "moved": moved,
        "frames_followed": int(ok.sum()),
        "frames_not_followed": int((~ok).sum()),
        "reference_frame": int(motion.reference_frame),
        "roll_range_deg": span(roll),
        "roll_sd_deg": float(np.median(motion.roll_sd_deg[ok])) if ok.any() else None,
        "drift_max_share": float(drift.max() / long_side) if drift.size else None,
        "zoom_range": span(motion.zoom[ok]),
    }
