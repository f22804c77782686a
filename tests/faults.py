"""Fault injection: damaged copies of a real clip, made reproducibly, and the rule a verdict on
such a copy must keep against the clean clip's (issue 16: never a wrong verdict).

Each :class:`Fault` makes one damaged copy of a clip in a folder: frames blacked out, frozen or
replaced by a close-up; frames dropped (variable frame rate); a low-bitrate H.264 re-encode;
480p; half the frame rate; a second of another clip spliced in. ``jitter`` is not a video: 2 px
of seeded noise on the clean clip's landmark tracks. ``FAULTS`` holds every fault in two or
more patterns (period, position, length). Used by tests/test_fault_injection.py (a few) and
benchmarks/fault_injection.py (all of them, on every clip).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from videotools import (
    mirror,
    read_frames,
    rotate_ccw,
    set_frame_durations,
    transform_video,
    write_video,
)

#: The smallest detectable difference of 2D contralateral pelvic drop (Dingenen et al. 2018,
#: Phys Ther Sport 33:40-47): peaks closer than this are the same measurement.
SDD_DEG = 2.8
REFUSED = "insufficient data"

Frames = list[np.ndarray]


@dataclass(frozen=True)
class Fault:
    """A named damage: ``make(frames, fps, other_frames)`` -> (frames, fps, frame-duration
    factors or None), or ``jitter_px`` for noise on the landmark tracks instead of the video."""

    name: str
    make: Callable[[Frames, float, Frames], tuple[Frames, float, list[float] | None]] | None
    jitter_px: float = 0.0
    seed: int = 0
    encode_kbps: int | None = None  # written as H.264 at this bitrate (a messaging app's copy)

    def write(self, clip: Path, other: Path, folder: Path) -> Path:
        """The damaged copy of ``clip`` (``other``: the clip a splice takes frames from)."""
        target = folder / f"{clip.stem}__{self.name}.mp4"
        if target.exists():
            return target
        frames, fps = read_frames(clip)
        other_frames = read_frames(other)[0] if other != clip else frames
        made, made_fps, durations = self.make(frames, fps, other_frames)
        if self.encode_kbps is not None:
            return _h264(made, made_fps, target, self.encode_kbps)
        write_video(target, made, made_fps)
        return set_frame_durations(target, durations) if durations else target


def _every(frames: Frames, period: int, length: int, offset: int, fill) -> Frames:
    """Frames ``offset + k * period .. + length`` replaced by ``fill(frames, i)``."""
    out = list(frames)
    for start in range(offset, len(frames), period):
        for i in range(start, min(start + length, len(frames))):
            out[i] = fill(frames, i)
    return out


def black(period: int, length: int, offset: int):
    return lambda f, fps, _: (_every(f, period, length, offset, lambda s, i: 0 * s[i]), fps, None)


def frozen(period: int, length: int, offset: int):
    def make(frames, fps, _):
        held = _every(frames, period, length, offset, lambda s, i: None)
        for i, frame in enumerate(held):  # a frozen frame repeats the last real one
            held[i] = held[i - 1] if frame is None else frame
        return held, fps, None

    return make


def cuts(period: int, close_ups: int, blacks: int, offset: int):
    """A close-up then black frames, every ``period`` frames: an edited clip's cuts."""
    shot, dark = close_up(period, close_ups, offset), black(period, blacks, offset + close_ups)

    def make(frames, fps, other):
        return dark(shot(frames, fps, other)[0], fps, other)

    return make


def close_up(period: int, length: int, offset: int):
    """A zoom on the shins, as a phone's autofocus hunt or a cut to a detail shot gives."""

    def shins(source: Frames, i: int) -> np.ndarray:
        height, width = source[i].shape[:2]
        crop = source[i][
            int(0.55 * height) : int(0.8 * height), int(0.3 * width) : int(0.7 * width)
        ]
        return cv2.resize(crop, (width, height))

    return lambda f, fps, _: (_every(f, period, length, offset, shins), fps, None)


def dropped(period: int, offset: int):
    """Every ``period``-th frame dropped and the frame before it lasting twice as long: the
    variable frame rate of a phone that skips frames under load."""

    def make(frames, fps, _):
        keep = [i for i in range(len(frames)) if i < offset or (i - offset) % period]
        durations = [2.0 if (i + 1) not in keep and i + 1 < len(frames) else 1.0 for i in keep]
        return [frames[i] for i in keep], fps, durations

    return make


def unchanged(frames, fps, _):
    """The frames as they are: for a fault that is all in the encoding (``encode_kbps``)."""
    return frames, fps, None


def downscaled(short_side_px: int):
    def make(frames, fps, _):
        height, width = frames[0].shape[:2]
        scale = short_side_px / min(height, width)
        size = (round(width * scale / 2) * 2, round(height * scale / 2) * 2)
        return [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames], fps, None

    return make


def reduced_rate(step: int, offset: int):
    """Every ``step``-th frame from ``offset``, at 1/``step`` of the frame rate."""
    return lambda f, fps, _: (f[offset::step], fps / step, None)


def spliced(at_fraction: float, seconds: float = 1.0):
    """``seconds`` of another clip (resized to this one's frame) in place of this clip's."""

    def make(frames, fps, other):
        height, width = frames[0].shape[:2]
        n = min(round(seconds * fps), len(other), len(frames) // 3)
        start = int(at_fraction * (len(frames) - n))
        out = list(frames)
        for k in range(n):
            out[start + k] = cv2.resize(other[(k + len(other) // 3) % len(other)], (width, height))
        return out, fps, None

    return make


def _h264(frames: Frames, fps: float, target: Path, kbps: int) -> Path:
    """Frames encoded as H.264 at ``kbps`` (heavy blocking on 1080p, as a messaging app does)."""
    from fractions import Fraction

    import av

    height, width = frames[0].shape[:2]
    with av.open(str(target), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = kbps * 1000
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return target


FAULTS: tuple[Fault, ...] = (
    Fault("black-3-every-40", black(40, 3, 20)),
    Fault("black-10-once", black(10_000, 10, 35)),
    Fault("frozen-4-every-30", frozen(30, 4, 12)),
    Fault("frozen-15-once", frozen(10_000, 15, 40)),
    Fault("close-up-6-every-40", close_up(40, 6, 25)),
    Fault("close-up-12-once", close_up(10_000, 12, 15)),
    Fault("cuts-6-close-3-black-every-40", cuts(40, 6, 3, 10)),
    Fault("cuts-6-close-3-black-every-40-b", cuts(40, 6, 3, 30)),
    Fault("dropped-every-7th", dropped(7, 3)),
    Fault("dropped-every-3rd", dropped(3, 1)),
    Fault("low-bitrate-250k", unchanged, encode_kbps=250),
    Fault("downscaled-480p", downscaled(480)),
    Fault("half-rate-even", reduced_rate(2, 0)),
    Fault("half-rate-odd", reduced_rate(2, 1)),
    Fault("spliced-1s-early", spliced(0.15)),
    Fault("spliced-1s-late", spliced(0.8)),
    Fault("jitter-2px-a", None, jitter_px=2.0, seed=1),
    Fault("jitter-2px-b", None, jitter_px=2.0, seed=2),
)

#: Other patterns of the same faults, never used while the fixes were made: a check that the
#: fixes hold for damage they were not tuned on, as on clips not given to us.
HOLDOUT_FAULTS: tuple[Fault, ...] = (
    Fault("black-5-every-25", black(25, 5, 7)),
    Fault("black-20-once", black(10_000, 20, 60)),
    Fault("frozen-8-every-50", frozen(50, 8, 30)),
    Fault("frozen-30-once", frozen(10_000, 30, 70)),
    Fault("close-up-3-every-20", close_up(20, 3, 5)),
    Fault("close-up-20-once", close_up(10_000, 20, 55)),
    Fault("cuts-4-close-5-black-every-60", cuts(60, 4, 5, 45)),
    Fault("dropped-every-5th", dropped(5, 2)),
    Fault("dropped-every-4th", dropped(4, 0)),
    Fault("low-bitrate-150k", unchanged, encode_kbps=150),
    Fault("low-bitrate-400k", unchanged, encode_kbps=400),
    Fault("downscaled-360p", downscaled(360)),
    Fault("third-rate", reduced_rate(3, 1)),
    Fault("spliced-half-second-middle", spliced(0.5, 0.5)),
    Fault("spliced-2s-at-40-percent", spliced(0.4, 2.0)),
    Fault("jitter-2px-c", None, jitter_px=2.0, seed=3),
    Fault("jitter-3px", None, jitter_px=3.0, seed=4),
)


def jittered(tracks, fault: Fault):
    """The landmark tracks with ``fault.jitter_px`` of seeded Gaussian noise on x and y."""
    rng = np.random.default_rng(fault.seed)
    return replace(
        tracks, xy_px=tracks.xy_px + rng.normal(0.0, fault.jitter_px, tracks.xy_px.shape)
    )


def damaged_summary(clean, clip: Path, other: Path, fault: Fault, folder: Path) -> dict:
    """The summary of ``clip`` with ``fault`` (``clean``: the clean clip's Analysis, whose
    tracks jitter starts from; ``other``: the clip a splice takes its second from)."""
    from hipdrop.errors import HipdropError
    from hipdrop.io.scene_lines import scene_lines
    from hipdrop.pipeline import analyse, analyse_tracks
    from hipdrop.pose.cache import scene_lines_dir

    if fault.make is None:
        raw = jittered(clean.raw_tracks, fault)
        sha = raw.meta.get("video_sha256")
        scene = scene_lines(clip, raw.xy_px, raw.time_s, sha, scene_lines_dir())
        return analyse_tracks(raw, source={"name": clip.name}, scene=scene).summary
    try:
        return analyse(fault.write(clip, other, folder)).summary
    except HipdropError as error:  # refused outright, with its message
        return refused_summary(str(error))


def refused_summary(message: str) -> dict:
    """What a copy hipdrop refuses outright (no person, unreadable) counts as: every side
    insufficient data, the message its reason."""
    side = {"classification": REFUSED, "peak_drop_deg": None, "note": message}
    return {
        "sides": {"left": side, "right": dict(side)},
        "phases": [],
        "warnings": [message],
        "usable": False,
    }


@dataclass(frozen=True)
class Outcome:
    """How one stance leg's verdict on a damaged copy compares with the clean clip's."""

    side: str
    clean: str
    damaged: str
    kind: str  # kept | refused | changed
    why: str = ""


def _peak(side: dict) -> float | None:
    return side.get("peak_drop_deg")


def compare_verdicts(clean: dict, damaged: dict) -> list[Outcome]:
    """Each stance leg of the damaged copy's summary against the clean one's: kept (the same
    class, or borderline beside it with peaks within the SDD; the peak within the SDD or its
    reported uncertainty), refused (insufficient data, with a reason), or changed."""
    outcomes = []
    for side in ("left", "right"):
        ours, theirs = damaged["sides"][side], clean["sides"][side]
        mine, reference = ours["classification"], theirs["classification"]
        if mine == REFUSED:
            has_reason = (
                bool(ours.get("note"))
                or any("nsufficient" in w or "too few" in w for w in damaged["warnings"])
                or not damaged["usable"]
                or _peak(ours) is None
            )
            kind = "refused" if has_reason else "changed"
            outcomes.append(Outcome(side, reference, mine, kind, "" if has_reason else "no reason"))
            continue
        if reference == REFUSED:
            outcomes.append(
                Outcome(side, reference, mine, "changed", "a verdict where the clean clip has none")
            )
            continue
        difference = abs(_peak(ours) - _peak(theirs))
        same_class = mine == reference or (
            "borderline" in (mine, reference) and difference < SDD_DEG
        )
        covered = difference <= max(SDD_DEG, float(ours.get("uncertainty_deg") or 0.0))
        why = "" if same_class and covered else f"peak {_peak(ours):.1f} vs {_peak(theirs):.1f}"
        outcomes.append(Outcome(side, reference, mine, "kept" if not why else "changed", why))
    return outcomes


def _zoomed_out(scale: float) -> Callable[[np.ndarray], np.ndarray]:
    """The picture shrunk to ``scale`` on a grey canvas of the same size: a farther subject."""

    def apply(frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        size = (int(width * scale), int(height * scale))
        small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        canvas = np.full_like(frame, 110)
        top, left = (height - size[1]) // 2, (width - size[0]) // 2
        canvas[top : top + size[1], left : left + size[0]] = small
        return canvas

    return apply


def _zoomed_in(scale: float) -> Callable[[np.ndarray], np.ndarray]:
    """The picture's centre, 1/``scale`` of it, enlarged to the frame: a closer subject."""

    def apply(frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        crop_h, crop_w = int(height / scale), int(width / scale)
        top, left = (height - crop_h) // 2, (width - crop_w) // 2
        return cv2.resize(frame[top : top + crop_h, left : left + crop_w], (width, height))

    return apply


def _mirrored_darker(frame: np.ndarray) -> np.ndarray:
    """Mirrored and at 55% of the brightness: another walker, in a dimmer room."""
    return cv2.convertScaleAbs(mirror(frame), alpha=0.55, beta=0)


@dataclass(frozen=True)
class Variant:
    """Another clip made from a given one (camera rolled, subject farther or closer, mirrored,
    darker): a stand-in for the clips not given to us, which the fault suite runs on as on
    the given ones."""

    name: str
    source: str  # a clip in the shared video folder
    transform: Callable[[np.ndarray], np.ndarray]

    def write(self, videos: Path, folder: Path) -> Path:
        target = folder / f"{self.name}.mp4"
        if target.exists():
            return target
        return transform_video(videos / self.source, target, self.transform)


VARIANTS: tuple[Variant, ...] = (
    Variant("balance-rolled-4deg", "anterior_single-leg-balance_pose2sim.mp4", rotate_ccw(4.0)),
    Variant("balance-farther-70", "anterior_single-leg-balance_pose2sim.mp4", _zoomed_out(0.7)),
    Variant("bystander-mirrored", "anterior_single-leg-balance_bystander_pose2sim.mp4", mirror),
    Variant("hops-closer-130", "anterior_single-leg-hops_vaila.mp4", _zoomed_in(1.3)),
    Variant("walk-mirrored-darker", "anterior_walk-toward-camera_vaila.mp4", _mirrored_darker),
)
