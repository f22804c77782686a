"""The numpy Butterworth/filtfilt and peak finder give scipy.signal's answers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from hipdrop.filters import butter_lowpass, filtfilt
from hipdrop.peaks import find_peaks


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("cutoff_fraction", [0.02, 0.2, 0.4, 0.9])
def test_butterworth_design_matches_scipy(order: int, cutoff_fraction: float) -> None:
    b, a = butter_lowpass(order, cutoff_fraction)
    b_ref, a_ref = scipy.signal.butter(order, cutoff_fraction)
    np.testing.assert_allclose(b, b_ref, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(a, a_ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("n", "order", "cutoff_fraction"), [(13, 1, 0.5), (400, 2, 0.4), (900, 4, 0.05), (5000, 2, 0.1)]
)
def test_filtfilt_matches_scipy_on_every_column(n: int, order: int, cutoff_fraction: float) -> None:
    x = np.random.default_rng(n).normal(size=(n, 3, 2)).cumsum(axis=0) * 50
    b, a = butter_lowpass(order, cutoff_fraction)
    reference = scipy.signal.filtfilt(b, a, x, axis=0)
    np.testing.assert_allclose(filtfilt(b, a, x), reference, atol=1e-9 * np.abs(reference).max())


def test_filtfilt_keeps_a_constant_and_refuses_a_short_signal() -> None:
    b, a = butter_lowpass(2, 0.3)
    np.testing.assert_allclose(filtfilt(b, a, np.full(50, 7.5)), 7.5)
    with pytest.raises(ValueError):
        filtfilt(b, a, np.ones(9))


def test_find_peaks_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    for trial in range(500):
        x = rng.normal(size=rng.integers(1, 200)).cumsum()
        if trial % 3 == 0:
            x = np.round(x)  # flat tops
        prominence, distance = rng.uniform(0, 3), rng.uniform(1, 15)
        peaks, props = find_peaks(x, prominence=prominence, distance=distance)
        ref, ref_props = scipy.signal.find_peaks(x, prominence=prominence, distance=distance)
        np.testing.assert_array_equal(peaks, ref)
        np.testing.assert_allclose(props["prominences"], ref_props["prominences"])
        np.testing.assert_array_equal(find_peaks(x)[0], scipy.signal.find_peaks(x)[0])
