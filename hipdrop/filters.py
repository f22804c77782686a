"""Butterworth low-pass design and zero-lag (forward-backward) filtering in plain numpy.

Why not ``scipy.signal``: importing it takes about 0.7 s (it pulls in ``scipy.stats`` and the
array-API machinery), more than the whole analysis of a minute of cached landmarks. The few
lines below give the same numbers as ``scipy.signal.butter`` + ``filtfilt`` with its defaults
(odd extension of ``3 * max(len(a), len(b))`` samples, steady-state initial conditions); the
tests check that against scipy.
"""

from __future__ import annotations

import functools

import numpy as np


def butter_lowpass(order: int, cutoff_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Digital Butterworth low-pass ``(b, a)``; ``cutoff_fraction`` of the Nyquist frequency.

    Analog prototype poles on the unit circle, scaled to the pre-warped cutoff, mapped to the
    z-plane by the bilinear transform (sample rate 2, so Nyquist is 1); all zeros at z = -1.
    """
    if order < 1 or not 0 < cutoff_fraction < 1:
        raise ValueError("need order >= 1 and 0 < cutoff_fraction < 1")
    k = np.arange(-order + 1, order, 2)
    prototype = -np.exp(1j * np.pi * k / (2 * order))
    warped = 4.0 * np.tan(np.pi * cutoff_fraction / 2.0)
    poles = warped * prototype
    poles_z = (4.0 + poles) / (4.0 - poles)
    gain = np.real(warped**order / np.prod(4.0 - poles))
    b = gain * np.real(np.poly(-np.ones(order)))
    a = np.real(np.poly(poles_z))
    return b, a


def _steady_state(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Filter state for a unit step input held forever (so a constant signal has no transient)."""
    n = len(a)
    companion = np.zeros((n - 1, n - 1))
    companion[0] = -a[1:]
    companion[1:, :-1] += np.eye(n - 2)
    rhs = b[1:] - a[1:] * b[0]
    return np.linalg.solve(np.eye(n - 1) - companion.T, rhs)


def _scalar_response(b: np.ndarray, a: np.ndarray, n: int, impulse: bool, state: list) -> list:
    """Direct form II transposed on one scalar sequence: a unit impulse (or silence) from
    ``state``. Plain floats: this runs once per filter, not per column."""
    order = len(a) - 1
    bs, as_ = [float(v) for v in b], [float(v) for v in a]
    z = [float(v) for v in state]
    out = []
    for i in range(n):
        xi = 1.0 if impulse and i == 0 else 0.0
        yi = bs[0] * xi + z[0]
        for j in range(order - 1):
            z[j] = bs[j + 1] * xi + z[j + 1] - as_[j + 1] * yi
        z[order - 1] = bs[order] * xi - as_[order] * yi
        out.append(yi)
    return out


@functools.lru_cache(maxsize=16)
def _responses(b: tuple, a: tuple, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Impulse response (n,) and decay of each unit initial state (n, order), for the filter.

    Cached, with lengths rounded up to a power of two: a clip's many runs of different
    lengths share one computation (a shorter run uses the start of the responses).
    """
    order = len(a) - 1
    impulse = np.array(_scalar_response(b, a, n_samples, True, [0.0] * order))
    decay = np.array([_scalar_response(b, a, n_samples, False, e) for e in np.eye(order)]).T
    return impulse, decay


def _iir(b: np.ndarray, a: np.ndarray, x: np.ndarray, state: np.ndarray) -> np.ndarray:
    """``lfilter`` along axis 0 for all columns at once, from initial ``state`` (order, columns).

    The filter is linear, so its output is the input convolved with the impulse response
    (done by FFT, exact to rounding) plus the decay of the initial state; both responses are
    as long as the input, so nothing is truncated.
    """
    n = len(x)
    impulse, decay = _responses(tuple(b), tuple(a), 1 << (n - 1).bit_length())
    size = 1 << (2 * n - 1).bit_length()
    columns = np.ascontiguousarray(x.T)  # FFTs along the last, contiguous axis are faster
    spectrum = np.fft.rfft(columns, size) * np.fft.rfft(impulse[:n], size)
    return np.fft.irfft(spectrum, size)[:, :n].T + decay[:n] @ state


def filtfilt(b: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Zero-phase filtering of every column of ``x`` (time on axis 0), like scipy's default.

    Needs more than ``3 * max(len(a), len(b))`` samples.
    """
    b = np.asarray(b, dtype=float) / a[0]
    a = np.asarray(a, dtype=float) / a[0]
    pad = 3 * max(len(a), len(b))
    x = np.asarray(x, dtype=float)
    if len(x) <= pad:
        raise ValueError(f"filtfilt needs more than {pad} samples, got {len(x)}")
    flat = x.reshape(len(x), -1)
    extended = np.concatenate(
        [2 * flat[:1] - flat[pad:0:-1], flat, 2 * flat[-1:] - flat[-2 : -pad - 2 : -1]]
    )
    zi = _steady_state(b, a)[:, None]
    forward = _iir(b, a, extended, zi * extended[0])
    backward = _iir(b, a, forward[::-1], zi * forward[-1])[::-1]
    return backward[pad:-pad].reshape(x.shape)
