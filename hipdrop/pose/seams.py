"""Joining pose segments without a seam: a stream hands over only once the next one agrees.

A segment's tracker starts cold at its warm-up frame. Usually a second of warm-up is enough,
but not always: on the hops clip a tracker started at frame 98 latched onto a wrong pose and
stayed 40-270 px off the single stream's hips and legs until frame 187. So a segment does not
stop at its planned end. It keeps going, comparing each frame with what the next segment found
there, and hands over only after ``SEAM_AGREE_FRAMES`` consecutive frames in which both put the
hips, knees and ankles at the same place (within landmark noise), or both found nobody. If the
next segment never agrees, this one carries on to the end of the clip: slower, never wrong.
"""

from __future__ import annotations

import numpy as np

from hipdrop.conventions import landmark

#: Consecutive agreeing frames after which the next segment's stream takes over.
SEAM_AGREE_FRAMES = 5
#: Two streams agree when every seam point is within this many pixels ...
SEAM_TOLERANCE_PX = 3.0
#: ... or within this fraction of the hip width, whichever is larger (noise scales with size).
SEAM_TOLERANCE_HIP_FRACTION = 0.05
#: Hips, knees and ankles: what the analysis measures.
SEAM_POINTS = [landmark(s, p) for s in ("left", "right") for p in ("hip", "knee", "ankle")]
END_OF_STREAM = "end"


def seam_points(xy_px: np.ndarray | None) -> np.ndarray | None:
    """The (6, 2) pixel positions compared at a seam, or None when no person was found."""
    return None if xy_px is None else np.asarray(xy_px)[SEAM_POINTS]


def streams_agree(ours: np.ndarray | None, theirs: np.ndarray | None) -> bool:
    """Both found nobody, or both put every seam point at the same place within noise."""
    if ours is None or theirs is None:
        return ours is None and theirs is None
    hip_width = float(np.linalg.norm(ours[0] - ours[3]))
    tolerance = max(SEAM_TOLERANCE_PX, SEAM_TOLERANCE_HIP_FRACTION * hip_width)
    return bool(np.all(np.linalg.norm(ours - theirs, axis=1) <= tolerance))


class SuccessorStream:
    """The next segment's seam points, frame by frame, read from a queue as they arrive."""

    def __init__(self, chunks) -> None:
        self._chunks = chunks
        self._pending: dict[int, np.ndarray | None] = {}
        self.ended = False

    def points(self, index: int) -> tuple[bool, np.ndarray | None]:
        """(whether the next segment produced this frame, its seam points)."""
        while index not in self._pending and not self.ended:
            chunk = self._chunks.get()
            if chunk == END_OF_STREAM:
                self.ended = True
            else:
                self._pending.update(chunk)
        if index in self._pending:
            return True, self._pending.pop(index)
        return False, None


class HandoverWatch:
    """Counts agreeing frames past a segment's planned end; says when to hand over."""

    def __init__(self, successor: SuccessorStream | None, planned_stop: int | None) -> None:
        self.successor, self.planned_stop, self.agreeing = successor, planned_stop, 0

    def done_after(self, index: int, xy_px: np.ndarray | None) -> bool:
        """True when the next segment takes over after frame ``index``."""
        if self.successor is None or self.planned_stop is None or index < self.planned_stop:
            return False
        available, theirs = self.successor.points(index)
        if not available:
            return False
        agree = streams_agree(seam_points(xy_px), theirs)
        self.agreeing = self.agreeing + 1 if agree else 0
        return self.agreeing >= SEAM_AGREE_FRAMES


def joined_ranges(starts: list[int], counts: list[int]) -> list[tuple[int, int]]:
    """Which of each segment's frames to keep, as (offset, count) into its own frames.

    Segment k covers frames ``starts[k] .. starts[k] + counts[k]``; each covers up to where the
    next took over, or further. A segment wholly covered by the one before it is skipped.
    """
    ranges, position = [], 0
    for start, count in zip(starts, counts, strict=True):
        end = start + count
        if count == 0 or end <= position:
            ranges.append((0, 0))
            continue
        if start > position:
            raise ValueError(f"frames {position}-{start - 1} were decoded by no segment")
        ranges.append((position - start, end - position))
        position = end
    return ranges
