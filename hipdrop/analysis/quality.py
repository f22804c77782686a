"""How far to trust a clip's angles: landmark jitter, subject size, and the noise budget."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from hipdrop.analysis.usability import FrameUsability
from hipdrop.conventions import landmark
from hipdrop.tracks import LandmarkTracks
from hipdrop.tracks.signal import CleanedTracks, CleaningParams

#: Below this hip-to-hip distance the angle noise rivals the detectable difference (CLINICAL.md).
MIN_HIP_WIDTH_PX = 40.0
#: Hips closer than this in the image: with 2 px of landmark error (CLINICAL.md) the hip
#: line's angle noise is about 8°, three times the detectable difference, and pose mistakes
#: the legs (on the hops clip at 480p, hips 19 px apart, a stance appeared on the lifted leg).
MIN_VERDICT_HIP_WIDTH_PX = 20.0


@dataclass(frozen=True)
class ClipQuality:
    frame_rate_hz: float
    n_frames: int
    usable_fraction: float  # frames not excluded (see hipdrop.analysis.usability)
    excluded_frames: dict[str, int]  # per exclusion reason
    hip_width_px: float
    subject_height_px: float
    jitter_px: float  # RMS high-frequency landmark noise at the hips
    uncertainty_deg: float  # noise budget of one obliquity sample

    def as_dict(self) -> dict:
        return {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


#: A landmark cannot be placed better than about half a pixel of the image it was found in
#: (pixel quantisation and compression); added in quadrature to the measured jitter.
PIXEL_FLOOR_PX = 0.5
#: Landmark jitter, as a fraction of the subject's height, assumed where it cannot be measured
#: (too few frames, or a frame rate too low for the low-pass filter to separate noise from
#: motion): hips of anterior_single-leg-balance_pose2sim.mp4 jitter by 2.5 px for a
#: 630 px tall subject.
DEFAULT_JITTER_FRACTION = 0.004


#: Two-sided 95% quantile of the normal distribution. The verdict's uncertainties
#: (``uncertainty_deg`` of a side or a step) are 95% half-widths, like the clinical smallest
#: detectable difference they are compared with (CLINICAL.md); one frame's noise is 1 SD.
Z_95 = 1.959964


def obliquity_noise_deg(jitter_px: float, hip_width_px: float) -> float:
    """Angle noise of the hip line: sqrt(2) x jitter / hip width, in degrees (CLINICAL.md),
    with the jitter never taken below ``PIXEL_FLOOR_PX``."""
    if not hip_width_px > 0:
        return float("nan")
    noise_px = np.hypot(jitter_px, PIXEL_FLOOR_PX)
    return float(np.degrees(np.sqrt(2.0) * noise_px / hip_width_px))


#: Residuals beyond this many robust standard deviations are not jitter but a jump (a cut, a
#: subject leaving the picture) and the low-pass filter's ringing around it: left out.
JUMP_SIGMAS = 6.0


def residual_share(cleaning: CleaningParams, rate_hz: float) -> float:
    """The share of white noise's power left in the residual of the tracks' zero-lag low-pass
    (``signal.lowpass`` with ``cleaning``'s cutoff and order): the rest passes the filter and
    stays in the tracks. The jitter measured from the residual alone is that much too small
    (at 6 Hz, order 2: 0.52 of the power at 30 fps, 0.74 at 60 fps)."""
    if not (rate_hz > 0) or cleaning.cutoff_hz >= 0.5 * rate_hz:
        return 1.0
    from scipy.signal import butter, freqz  # imported here: only the noise model needs it

    b, a = butter(cleaning.filter_order, cleaning.cutoff_hz / (0.5 * rate_hz))
    _, response = freqz(b, a, worN=2048)
    passed = np.abs(response) ** 2  # forward and backward: the magnitude applied twice
    return float(np.mean((1.0 - passed) ** 2))


def hip_jitter_px(
    unfiltered_xy_px: np.ndarray, cleaned: LandmarkTracks, cleaning: CleaningParams
) -> float:
    """Per coordinate, the hips' frame-to-frame noise: the RMS difference between repaired and
    low-passed hip positions, jumps left out (``JUMP_SIGMAS`` times the residuals' median
    absolute deviation, as SD), scaled up by the part of the noise the filter lets through
    (``residual_share``)."""
    hips = [landmark("left", "hip"), landmark("right", "hip")]
    residual = unfiltered_xy_px[:, hips] - cleaned.xy_px[:, hips]
    residual = residual[np.isfinite(residual)]
    if not residual.size:
        return float("nan")
    robust_sd = 1.4826 * float(np.median(np.abs(residual - np.median(residual))))
    if robust_sd > 0:
        residual = residual[np.abs(residual) <= JUMP_SIGMAS * robust_sd]
    share = residual_share(cleaning, cleaned.frame_rate_hz)
    return float(np.sqrt(np.mean(residual**2) / share))


def assess_quality(
    cleaned: CleanedTracks,
    hip_width_px: float,
    height_px: float,
    frames: FrameUsability,
    cleaning: CleaningParams,
) -> ClipQuality:
    tracks = cleaned.tracks
    jitter = hip_jitter_px(cleaned.unfiltered_xy_px, tracks, cleaning)
    if not (jitter > 0):  # nothing was filtered out, so the noise could not be measured
        jitter = DEFAULT_JITTER_FRACTION * height_px
    return ClipQuality(
        frame_rate_hz=tracks.frame_rate_hz,
        n_frames=tracks.n_frames,
        usable_fraction=float(frames.usable.mean()) if tracks.n_frames else 0.0,
        excluded_frames=frames.counts(),
        hip_width_px=hip_width_px,
        subject_height_px=height_px,
        jitter_px=jitter,
        uncertainty_deg=obliquity_noise_deg(jitter, hip_width_px),
    )
