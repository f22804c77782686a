"""Which person is the subject when a clip shows several, and pose that follows only them.

MediaPipe's pose landmarker, in tracking (VIDEO) mode, follows one person and keeps whichever
person it found first - often a bystander standing nearer the camera. While the ordinary pose
pass decodes the clip, a handful of frames spread over it are kept, and searched for people
once the pass is done (:class:`PeopleSampler`): still-image (IMAGE mode) pose finds one person,
that person is painted out and pose looks again, up to ``MAX_PEOPLE`` times. (IMAGE mode can
return several people from one call, ``num_poses``, but on the bystander clip it found the
second person in only 3 of the 7 sampled frames where painting out found both, and in two of
those put that person's hips 150-220 px from where painting out did.) Detections are
linked across the sampled frames into candidates and one is chosen for the whole clip
(:func:`plan_subject`: tracked longest, largest and most central, or the one a
``--person left|right|center`` hint names).

This costs ``n_samples x (people + 1)`` still-image pose calls (about 0.03 s each), a JPEG round
trip per sampled frame and no extra decoding. The tracking pass's own pose is deliberately not
reused as a detection: it would favour whoever the tracker locked onto, the very bias the search
is there to undo. Only when the ordinary pass followed someone other than the chosen subject
does pose run a second time, seeing only the subject: a fixed crop around their path with
everyone else painted out (:class:`SubjectView`). The mirrored pass
(:mod:`hipdrop.pose.mirror_pass`) follows the plan of the ordinary pass and searches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from hipdrop.conventions import PERSON_HINTS, pair
from hipdrop.errors import HipdropError
from hipdrop.io.video import VideoInfo
from hipdrop.pose.backend import PoseBackend, PoseEstimate, PoseSettings

MAX_PEOPLE = 3
#: Sampled frames: one per ``SAMPLE_INTERVAL_S``, at least ``MIN_SAMPLES``, at most ``MAX_SAMPLES``.
SAMPLE_INTERVAL_S = 0.5
MIN_SAMPLES = 6
MAX_SAMPLES = 24
#: Sampled frames wait to be searched as JPEG of this quality, at most this large (pixels).
SAMPLE_LONG_SIDE_PX = 1920
SAMPLE_JPEG_QUALITY = 95
#: A person box smaller than this fraction of the image height is not a candidate subject.
MIN_PERSON_HEIGHT_FRACTION = 0.08
#: Others much smaller than the subject (far behind them) cannot take over the tracker.
MIN_OTHER_HEIGHT_RATIO = 0.4
#: Detections in two sampled frames belong to one candidate if their hip centres are closer
#: than this many of the candidate's box heights.
LINK_DISTANCE_HEIGHTS = 0.6
#: A second find whose box overlaps someone's already found in the frame by this fraction of the
#: smaller box is that person again; people side by side barely overlap.
SAME_PERSON_OVERLAP = 0.4
#: Others are painted out over their box grown by this fraction of its size on each side,
#: except where the subject's box, grown alike, overlaps it.
PAINT_PAD = 0.1
#: Margin added around the subject's path for the pose crop, in box heights.
CROP_MARGIN_HEIGHTS = 0.15
_HIPS = pair("hip")


@dataclass(frozen=True)
class PersonBox:
    """One person found in one sampled frame: landmark bounding box and hip centre, pixels."""

    frame: int
    box_px: tuple[float, float, float, float]  # x0, y0, x1, y1
    hip_px: tuple[float, float]

    @property
    def height_px(self) -> float:
        return self.box_px[3] - self.box_px[1]

    def scaled(self, factor: float) -> PersonBox:
        """The same person in an image ``factor`` times the size."""
        x0, y0, x1, y1 = (factor * v for v in self.box_px)
        return PersonBox(
            self.frame, (x0, y0, x1, y1), (factor * self.hip_px[0], factor * self.hip_px[1])
        )


@dataclass
class Candidate:
    """One person linked across sampled frames."""

    boxes: list[PersonBox] = field(default_factory=list)

    def median_hip(self) -> np.ndarray:
        return np.median([b.hip_px for b in self.boxes], axis=0)

    def median_height(self) -> float:
        return float(np.median([b.height_px for b in self.boxes]))


@dataclass(frozen=True)
class SubjectPlan:
    """The outcome of the people search: who is the subject, and where pose should look."""

    hint: str
    n_samples: int
    subject: Candidate | None
    others: tuple[Candidate, ...]
    crop_px: tuple[int, int, int, int] | None  # x0, y0, x1, y1; None: the whole frame

    @property
    def several_people(self) -> bool:
        return bool(self.others)

    def describe(self) -> dict:
        """What ended up in ``tracks.meta['subject']`` (JSON-safe)."""

        def where(c: Candidate) -> dict:
            return {
                "frames": [b.frame for b in c.boxes],
                "hip_px": [[round(float(v), 1) for v in b.hip_px] for b in c.boxes],
                "height_px": [round(b.height_px, 1) for b in c.boxes],
                "box_px": [[round(float(v), 1) for v in b.box_px] for b in c.boxes],
            }

        return {
            "hint": self.hint,
            "n_samples": self.n_samples,
            "people_found": len(self.others) + (self.subject is not None),
            "subject": where(self.subject) if self.subject else None,
            "others": [where(c) for c in self.others],
            "crop_px": list(self.crop_px) if self.crop_px else None,
        }


def check_person_hint(hint: str) -> str:
    if hint not in PERSON_HINTS:
        raise HipdropError(f"--person must be one of {', '.join(PERSON_HINTS)}, not {hint!r}")
    return hint


def sample_frame_indices(info: VideoInfo) -> frozenset[int]:
    """Evenly spread frames to search for people, by the container's frame count."""
    fps = info.nominal_fps if info.nominal_fps > 0 else 30.0
    wanted = round(info.frame_count / fps / SAMPLE_INTERVAL_S)
    n = int(np.clip(wanted, MIN_SAMPLES, MAX_SAMPLES))
    n = min(n, info.frame_count)
    return frozenset(int(i) for i in np.linspace(0, info.frame_count - 1, n).round())


def _person_box(estimate: PoseEstimate, min_visibility: float = 0.5) -> PersonBox | None:
    seen = estimate.visibility >= min_visibility
    if seen.sum() < 5 or not (estimate.visibility[_HIPS] >= min_visibility).all():
        return None
    xy = estimate.xy_px[seen]
    x0, y0 = xy.min(axis=0)
    x1, y1 = xy.max(axis=0)
    hip = estimate.xy_px[_HIPS].mean(axis=0)
    return PersonBox(-1, (float(x0), float(y0), float(x1), float(y1)), (hip[0], hip[1]))


def _found_already(box: PersonBox, people: list[PersonBox]) -> bool:
    """Whether ``box`` is one of ``people`` found again (a part of them the paint-out missed):
    the two boxes overlap by ``SAME_PERSON_OVERLAP`` of the smaller one or more."""

    def area(x0: float, y0: float, x1: float, y1: float) -> float:
        return max(0.0, x1 - x0) * max(0.0, y1 - y0)

    for person in people:
        a, b = box.box_px, person.box_px
        shared = area(max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
        if shared >= SAME_PERSON_OVERLAP * min(area(*a), area(*b)):
            return True
    return False


def people_in_frame(image_bgr: np.ndarray, still_pose: PoseBackend, frame: int) -> list[PersonBox]:
    """Everyone still-image pose finds: find one, paint them out, look again."""
    height, width = image_bgr.shape[:2]
    masked = image_bgr.copy()
    painted = np.zeros((height, width), dtype=bool)
    people: list[PersonBox] = []
    for _ in range(MAX_PEOPLE):
        estimate = still_pose.estimate(masked)
        if estimate is None:
            break
        xy = estimate.xy_px[estimate.visibility >= 0.5]
        if len(xy) == 0:
            break
        box = _person_box(estimate)
        if box is not None:
            hip_x, hip_y = np.clip(np.asarray(box.hip_px, int), 0, [width - 1, height - 1])
            big_enough = box.height_px >= MIN_PERSON_HEIGHT_FRACTION * height
            if big_enough and not painted[hip_y, hip_x] and not _found_already(box, people):
                people.append(PersonBox(frame, box.box_px, box.hip_px))
        x0, y0 = np.clip(xy.min(axis=0), 0, [width, height])
        x1, y1 = np.clip(xy.max(axis=0), 0, [width, height])
        pad_x, pad_y = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
        area = (
            slice(int(max(0, y0 - pad_y)), int(y1 + pad_y) + 1),
            slice(int(max(0, x0 - pad_x)), int(x1 + pad_x) + 1),
        )
        masked[area] = 127
        painted[area] = True
    return people


def link_candidates(detections: list[list[PersonBox]]) -> list[Candidate]:
    """Greedy nearest-hip linking of per-frame detections into candidates."""
    candidates: list[Candidate] = []
    for people in detections:
        taken: set[int] = set()
        for person in sorted(people, key=lambda p: -p.height_px):
            best, best_distance = None, np.inf
            for k, cand in enumerate(candidates):
                if k in taken:
                    continue
                last = cand.boxes[-1]
                distance = np.hypot(*np.subtract(person.hip_px, last.hip_px)) / last.height_px
                if distance < LINK_DISTANCE_HEIGHTS and distance < best_distance:
                    best, best_distance = k, distance
            if best is None:
                candidates.append(Candidate([person]))
                taken.add(len(candidates) - 1)
            else:
                candidates[best].boxes.append(person)
                taken.add(best)
    return candidates


def choose_subject(
    candidates: list[Candidate], n_samples: int, image_size_px: tuple[int, int], hint: str
) -> Candidate | None:
    """The subject: with ``auto`` the best of presence x size x centrality; else by position.

    Hints choose among candidates seen in at least half as many samples as the most-seen one,
    so a passer-by glimpsed once is never the "leftmost person".
    """
    if not candidates:
        return None
    width, height = image_size_px
    most_seen = max(len(c.boxes) for c in candidates)
    steady = [c for c in candidates if len(c.boxes) >= 0.5 * most_seen]
    if hint == "left":
        return min(steady, key=lambda c: c.median_hip()[0])
    if hint == "right":
        return max(steady, key=lambda c: c.median_hip()[0])

    def centrality(c: Candidate) -> float:
        return max(0.05, 1.0 - 2.0 * abs(c.median_hip()[0] / width - 0.5))

    if hint == "center":
        return max(steady, key=centrality)

    def score(c: Candidate) -> float:
        return (len(c.boxes) / n_samples) * (c.median_height() / height) * centrality(c)

    return max(candidates, key=score)


def subject_crop(subject: Candidate, image_size_px: tuple[int, int]) -> tuple[int, int, int, int]:
    """A fixed crop holding the subject's whole path plus a margin, inside the image."""
    width, height = image_size_px
    boxes = np.array([b.box_px for b in subject.boxes])
    margin = CROP_MARGIN_HEIGHTS * subject.median_height()
    x0 = max(0, int(boxes[:, 0].min() - margin))
    y0 = max(0, int(boxes[:, 1].min() - margin))
    x1 = min(width, int(np.ceil(boxes[:, 2].max() + margin)))
    y1 = min(height, int(np.ceil(boxes[:, 3].max() + margin)))
    return x0, y0, x1, y1


class PeopleSampler:
    """Keeps the sampled frames of a pose pass and searches them for people once the pass is
    done, so that the still-image landmarker and the tracking one are never in a
    worker's memory at the same time. Frames wait as high-quality JPEG (about 0.4 MB for
    1080p), shrunk first when larger than ``SAMPLE_LONG_SIDE_PX``."""

    def __init__(self, settings: PoseSettings, sample_frames: frozenset[int]) -> None:
        # The search sees the frames as decoded, whichever pass keeps them: a mirrored pass's
        # share of the frames is searched exactly as the normal pass would search it.
        self._settings = replace(settings, flip_input=False)
        self._frames = sample_frames
        self._kept: dict[int, tuple[np.ndarray, float]] = {}  # index: (JPEG bytes, scale)

    def look(self, index: int, image_bgr: np.ndarray) -> None:
        """Keep frame ``index`` if it is one of the sampled frames."""
        if index not in self._frames:
            return
        scale = min(1.0, SAMPLE_LONG_SIDE_PX / max(image_bgr.shape[:2]))
        if scale < 1.0:
            size = (round(scale * image_bgr.shape[1]), round(scale * image_bgr.shape[0]))
            image_bgr = cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)
        quality = [cv2.IMWRITE_JPEG_QUALITY, SAMPLE_JPEG_QUALITY]
        self._kept[index] = (cv2.imencode(".jpg", image_bgr, quality)[1], scale)

    def search(self) -> dict[int, list[PersonBox]]:
        """Everyone found in each kept frame, in full-frame pixels; the kept frames are freed."""
        if not self._kept:
            return {}
        from hipdrop.pose.mediapipe_backend import MediaPipePose

        still = MediaPipePose(self._settings, still_image=True)
        found = {}
        try:
            while self._kept:
                index, (jpeg, scale) = self._kept.popitem()
                people = people_in_frame(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), still, index)
                found[index] = [person.scaled(1.0 / scale) for person in people]
        finally:
            still.close()
        return found


def plan_subject(
    detections: dict[int, list[PersonBox]], image_size_px: tuple[int, int], hint: str
) -> SubjectPlan:
    """Link the sampled detections into candidates and decide whom pose should follow.

    Others are candidates seen in the same sampled frame as the subject at least once: a
    candidate never seen beside the subject is as likely the subject's own track broken by a
    missed or misplaced detection (a small subject in motion) as another person.
    """
    ordered = [detections[k] for k in sorted(detections)]
    candidates = link_candidates(ordered)
    subject = choose_subject(candidates, len(ordered), image_size_px, check_person_hint(hint))
    subject_frames = {b.frame for b in subject.boxes} if subject is not None else set()
    others = tuple(
        c
        for c in candidates
        if c is not subject
        and c.median_height() >= MIN_OTHER_HEIGHT_RATIO * subject.median_height()
        and any(b.frame in subject_frames for b in c.boxes)
    )
    crop = subject_crop(subject, image_size_px) if subject is not None else None
    return SubjectPlan(hint, len(ordered), subject, others, crop)


class SubjectView:
    """What pose sees when it must follow only the subject: a fixed crop around the subject's
    path (a fixed crop keeps MediaPipe's landmark smoothing, which works in crop coordinates,
    undisturbed) with everyone else the people search found painted out, where they do not
    overlap the subject. A bystander inside the crop can then no longer take the tracker.

    ``subject_meta`` is :meth:`SubjectPlan.describe`'s dict: plain data, sent to worker
    processes as it is. Whether a frame's pose is really the subject is judged later, from the
    tracks and the plan's candidate paths (:mod:`.identity`), so that it can be reported.
    """

    def __init__(self, subject_meta: dict) -> None:
        self._crop = tuple(int(v) for v in subject_meta["crop_px"])
        self._subject = _PathBoxes(subject_meta["subject"])
        self._others = [_PathBoxes(other) for other in subject_meta["others"]]

    def image(self, index: int, image_bgr: np.ndarray) -> np.ndarray:
        """Frame ``index`` as pose should see it."""
        x0, y0, x1, y1 = self._crop
        view = image_bgr[y0:y1, x0:x1]
        if not self._others:
            return view
        painted = view.copy()
        for other in self._others:
            painted[_area(other.box_at(index, pad=PAINT_PAD), x0, y0)] = 127
        subject = _area(self._subject.box_at(index, pad=PAINT_PAD), x0, y0)
        painted[subject] = view[subject]
        return painted

    def to_frame(self, estimate: PoseEstimate | None) -> PoseEstimate | None:
        """A pose found in :meth:`image`'s picture, in frame pixels."""
        if estimate is None:
            return None
        offset = np.array(self._crop[:2], dtype=np.float64)
        return PoseEstimate(estimate.xy_px + offset, estimate.visibility, estimate.world_m)


class _PathBoxes:
    """A candidate's box at any frame: their hip centre interpolated between the sampled frames
    (held beyond them) with the median reach of their sampled boxes around it - one box swollen
    by a poor detection does not stretch it. ``path`` is one candidate of
    :meth:`SubjectPlan.describe`."""

    def __init__(self, path: dict) -> None:
        self._frames = path["frames"]
        self._hips = np.asarray(path["hip_px"], dtype=float).reshape(-1, 2)
        boxes = np.asarray(path["box_px"], dtype=float).reshape(-1, 4)
        self._reach = np.median(
            np.hstack([self._hips - boxes[:, :2], boxes[:, 2:] - self._hips]), axis=0
        )

    def box_at(self, index: int, pad: float) -> np.ndarray:
        """(x0, y0, x1, y1) at frame ``index``, grown by ``pad`` of its size on every side."""
        hip = np.array([np.interp(index, self._frames, self._hips[:, k]) for k in (0, 1)])
        before, after = self._reach[:2], self._reach[2:]
        size = before + after
        return np.concatenate([hip - before - pad * size, hip + after + pad * size])


def _area(box: np.ndarray, x0: int, y0: int) -> tuple[slice, slice]:
    """Rows and columns of an image crop whose corner is at (x0, y0) covered by ``box``."""

    def span(start: float, stop: float) -> slice:
        return slice(max(0, int(start)), max(0, int(np.ceil(stop))))

    return span(box[1] - y0, box[3] - y0), span(box[0] - x0, box[2] - x0)
