"""Where the picture cuts to another scene: a tiny thumbnail per decoded frame, and the frames
that belong to shots of somewhere else.

Landmarks alone cannot tell a spliced-in second of another person, standing where the subject
stood and at his size, from the subject; the picture can. Pose decodes every frame anyway, so
each frame also gives a 16 x 9 grey thumbnail (from a sparse grid of its pixels: a fraction of
a millisecond). A hard cut changes the thumbnail from one frame to the next far more than the
clip's own motion does: the clip is split into shots there. The longest shot is the subject's
scene; shots whose mean thumbnail differs from it by as much as a cut show somewhere else, and
their frames are left out (``usability``: ``scene_cut``). Colour histograms were tried first
and missed the spliced clips filmed in the same hall (0.1 apart against 0.24 within a clip);
the thumbnails put such a splice 30 grey levels apart against at most 0.7 within a clip from a
fixed camera (18 with people crossing a moving picture).
"""

from __future__ import annotations

import cv2
import numpy as np

THUMBNAIL_SIZE = (16, 9)  # width, height
THUMBNAIL_VALUES = THUMBNAIL_SIZE[0] * THUMBNAIL_SIZE[1]
#: Only every 8th row and column of the frame is read before shrinking it.
GRID_STEP_PX = 8
#: A jump between consecutive thumbnails (mean absolute difference, grey levels) is a cut when
#: it is at least this large and ``CUT_TIMES_TYPICAL`` times the clip's median frame-to-frame
#: change (a panning or crowded picture changes more from frame to frame than a fixed one).
CUT_MIN_LEVELS = 20.0
CUT_TIMES_TYPICAL = 6.0
#: A shot whose mean thumbnail differs from the main shot's by this much shows another scene.
OTHER_SCENE_LEVELS = 20.0


def frame_thumbnail(image_bgr: np.ndarray) -> np.ndarray:
    """The frame's green channel shrunk to ``THUMBNAIL_SIZE`` (flattened, uint8)."""
    grid = np.ascontiguousarray(image_bgr[::GRID_STEP_PX, ::GRID_STEP_PX, 1])
    return cv2.resize(grid, THUMBNAIL_SIZE, interpolation=cv2.INTER_AREA).ravel()


def _distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean absolute difference between thumbnails, row by row (grey levels)."""
    return np.abs(a.astype(np.float32) - b.astype(np.float32)).mean(axis=-1)


def other_scene_frames(thumbnails: np.ndarray, decoded: np.ndarray) -> np.ndarray:
    """Indices of frames in shots of another scene than the clip's longest shot.
    ``decoded``: per frame, whether it has a thumbnail; the others never split a shot."""
    frames = np.flatnonzero(decoded)
    if frames.size < 3:
        return np.array([], dtype=int)
    jumps = _distance(thumbnails[frames[1:]], thumbnails[frames[:-1]])
    limit = max(CUT_MIN_LEVELS, CUT_TIMES_TYPICAL * float(np.median(jumps)))
    shots = np.split(frames, np.flatnonzero(jumps > limit) + 1)
    main = max(shots, key=len)
    scene = thumbnails[main].astype(np.float32).mean(axis=0)
    other = [s for s in shots if _distance(thumbnails[s].mean(axis=0), scene) > OTHER_SCENE_LEVELS]
    return np.concatenate(other) if other else np.array([], dtype=int)
