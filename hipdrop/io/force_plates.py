"""Force plates in C3D files and the foot contacts their vertical force shows.

The plates are read with numpy from the FORCE_PLATFORM parameters (TYPE, CHANNEL, CORNERS,
CAL_MATRIX) and the analog channels as ezc3d returns them (already scaled by ANALOG SCALE,
GEN_SCALE and OFFSET). A plate whose parameters are missing, inconsistent or of a type not
handled here is left out, never the trial: no plates is a valid outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hipdrop.io.c3d_contents import parameter_value

#: Vertical force above which a foot counts as on the ground (heuristic, common in gait labs).
CONTACT_THRESHOLD_N = 20.0
#: Stretches above the threshold shorter than this are noise, not contacts: near the threshold
#: the force flickers across it for a few milliseconds as a foot lifts off (seen in the
#: walk_pig C3D plates), while a stance lasts a tenth of a second or more.
MIN_CONTACT_S = 0.03
#: Analog channels per plate type whose vertical force is read: Fz is channel 3 of types 1, 2
#: and 4 (4 after its calibration matrix), the sum of channels 5-8 in type 3 (Kistler).
_CHANNELS_PER_TYPE = {1: 6, 2: 6, 3: 8, 4: 6}
#: A plate's normal must be within this angle of vertical: only floor plates show foot contacts.
_MAX_TILT_DEG = 10.0


@dataclass(frozen=True)
class ForcePlate:
    """One plate: ``outline_m`` its four corners in lab coordinates (metres), and the force
    normal to its surface per analog sample (magnitude in newtons; makers and labs differ in
    the sign)."""

    index: int
    outline_m: np.ndarray
    vertical_force_n: np.ndarray
    rate_hz: float


@dataclass(frozen=True)
class PlateContact:
    """A complete contact on plate ``plate``: onset and release in (fractional) marker frames
    from the first stored frame."""

    plate: int
    outline_m: np.ndarray
    onset_frame: float
    release_frame: float


def contact_intervals(
    force_n: np.ndarray,
    rate_hz: float,
    threshold_n: float = CONTACT_THRESHOLD_N,
    min_contact_s: float = MIN_CONTACT_S,
) -> list[tuple[int | None, int | None]]:
    """Sample indices of each contact's onset (first sample above ``threshold_n``) and release
    (first sample back below it).

    The onset is None where a contact is already under way at the first sample, the release
    None where it still is at the last. Stretches shorter than ``min_contact_s`` are ignored.
    """
    loaded = np.asarray(force_n, dtype=float) > threshold_n
    edges = np.flatnonzero(np.diff(np.concatenate([[0], loaded.astype(np.int8), [0]])))
    intervals = []
    for start, stop in zip(edges[0::2], edges[1::2], strict=True):
        if stop - start >= min_contact_s * rate_hz:
            intervals.append(
                (int(start) if start > 0 else None, int(stop) if stop < len(loaded) else None)
            )
    return intervals


def plate_contacts(plates: list[ForcePlate], point_rate_hz: float) -> list[PlateContact]:
    """Contacts with both ends recorded on every plate, sorted by onset.

    A contact under way when the recording starts or still under way when it ends has an
    unknown onset or release and is no clean reference, so it is left out.
    """
    contacts = []
    for plate in plates:
        frames_per_sample = point_rate_hz / plate.rate_hz
        for onset, release in contact_intervals(plate.vertical_force_n, plate.rate_hz):
            if onset is not None and release is not None:
                contacts.append(
                    PlateContact(
                        plate.index,
                        plate.outline_m,
                        onset * frames_per_sample,
                        release * frames_per_sample,
                    )
                )
    return sorted(contacts, key=lambda c: (c.onset_frame, c.plate))


def _value(group: dict, name: str) -> np.ndarray:
    """A parameter every plate needs: missing, it leaves the plate out (KeyError)."""
    value = parameter_value(group, name)
    if value is None:
        raise KeyError(name)
    return np.asarray(value)


def _normal_force_n(group: dict, index: int, plate_type: int, signals: np.ndarray) -> np.ndarray:
    """Force normal to the plate, per sample, from the plate's channels."""
    if plate_type == 3:
        return signals[4:8].sum(axis=0)
    if plate_type == 4:
        calibration = _value(group, "CAL_MATRIX").astype(float)
        if calibration.shape[:2] != (6, 6) or calibration.ndim != 3:
            raise ValueError("CAL_MATRIX is not 6 x 6 per plate")
        return calibration[2, :, index] @ signals  # row 3 of the channel-to-load matrix
    return signals[2]


def _channel_units_are_newtons(parameters: dict, channels: np.ndarray) -> bool:
    """True unless ANALOG:UNITS names a unit other than N for one of ``channels`` (1-based)."""
    units = (parameters.get("ANALOG") or {}).get("UNITS")
    if not isinstance(units, dict):
        return True
    names = [str(unit).strip().lower() for unit in np.ravel(units.get("value", []))]
    return all(names[c - 1] in ("", "n") for c in channels if c - 1 < len(names))


def _read_plate(
    parameters: dict,
    index: int,
    analogs: np.ndarray,
    rate_hz: float,
    metres_per_unit: float,
    vertical_axis: int,
) -> ForcePlate | None:
    """Plate ``index`` (0-based), or None where it cannot be read; raises on malformed values."""
    group = parameters["FORCE_PLATFORM"]
    plate_type = int(np.ravel(_value(group, "TYPE"))[index])
    n_channels = _CHANNELS_PER_TYPE.get(plate_type)
    channel_table = _value(group, "CHANNEL")
    if n_channels is None or channel_table.ndim != 2 or channel_table.shape[0] < n_channels:
        return None
    channels = channel_table[:n_channels, index].astype(float)
    in_range = np.all((channels >= 1) & (channels <= analogs.shape[0]))
    if not (in_range and np.all(channels == np.round(channels))):
        return None
    channels = channels.astype(int)
    force_channels = channels[4:8] if plate_type == 3 else channels[2:3]
    if plate_type != 4 and not _channel_units_are_newtons(parameters, force_channels):
        return None
    corners = _value(group, "CORNERS").astype(float)
    if corners.ndim != 3 or corners.shape[:2] != (3, 4):
        return None
    outline_m = corners[:, :, index].T * metres_per_unit
    if not np.isfinite(outline_m).all():
        return None
    normal = np.cross(outline_m[0] - outline_m[1], outline_m[0] - outline_m[3])
    length = np.linalg.norm(normal)
    if not (np.isfinite(length) and length > 0):
        return None
    if abs(normal[vertical_axis]) / length < np.cos(np.radians(_MAX_TILT_DEG)):
        return None
    force_n = _normal_force_n(group, index, plate_type, analogs[channels - 1].astype(float))
    return ForcePlate(index, outline_m, np.abs(force_n), rate_hz)


def read_force_plates(
    parameters: dict,
    analogs: np.ndarray,
    rate_hz: float,
    metres_per_unit: float,
    vertical_axis: int = 2,
) -> list[ForcePlate]:
    """The floor force plates of a C3D file that can be read; [] where none can.

    ``analogs`` is (channels, samples) at ``rate_hz``; CORNERS are in the marker unit,
    ``metres_per_unit`` converts them. A plate with a malformed parameter is skipped.
    """
    group = parameters.get("FORCE_PLATFORM")
    analogs = np.asarray(analogs)
    if not isinstance(group, dict) or analogs.ndim != 2 or analogs.shape[1] == 0:
        return []
    if not (np.isfinite(rate_hz) and rate_hz > 0):
        return []
    try:
        used = int(np.ravel(_value(group, "USED"))[0])
    except (KeyError, IndexError, TypeError, ValueError, OverflowError):
        return []
    plates = []
    for index in range(max(0, min(used, 64))):  # C3D files hold a handful of plates at most
        try:
            plate = _read_plate(parameters, index, analogs, rate_hz, metres_per_unit, vertical_axis)
        except (KeyError, IndexError, TypeError, ValueError, OverflowError):
            plate = None
        if plate is not None:
            plates.append(plate)
    return plates
