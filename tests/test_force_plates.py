"""Force-plate contacts from made-up force traces, tiny C3D files and marker layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hipdrop.io.force_plates import ForcePlate, PlateContact, contact_intervals, plate_contacts
from hipdrop.io.marker_names import marker_map
from hipdrop.io.mocap import FOOT_OFF, FOOT_STRIKE, MocapEvent, MocapTrial, read_c3d
from hipdrop.validation.event_audit import PLATE_MARGIN_M, plate_events

#: A 0.5 m x 0.4 m plate at the lab origin, corners in mm as C3D CORNERS (axis, corner, plate).
CORNERS_MM = np.array([[[500], [0], [0], [500]], [[400], [400], [0], [0]], [[0], [0], [0], [0]]])


def _loaded(n: int, *stretches: tuple[int, int], load_n: float = -300.0) -> np.ndarray:
    """Zero force with ``load_n`` in each [start, stop) stretch (plates often read negative)."""
    force = np.zeros(n)
    for start, stop in stretches:
        force[start:stop] = load_n
    return force


def test_contacts_in_a_made_up_force_trace() -> None:
    # 1 kHz: loaded at the first sample, a 2 ms blip, a contact whose release flickers across
    # the threshold for 2 ms, and a contact still under way at the last sample.
    force = np.abs(_loaded(1000, (0, 50), (70, 72), (100, 300), (301, 303), (900, 1000)))
    assert contact_intervals(force, 1000.0) == [(None, 50), (100, 300), (900, None)]
    assert contact_intervals(force, 1000.0, threshold_n=400.0) == []
    # Only the complete contact is a reference, in marker frames at 100 Hz.
    outline = np.zeros((4, 3))
    (contact,) = plate_contacts([ForcePlate(3, outline, force, 1000.0)], 100.0)
    assert (contact.plate, contact.onset_frame, contact.release_frame) == (3, 10.0, 30.0)


def _write_plate_c3d(
    path: Path,
    analogs: np.ndarray,
    plate_type: int = 2,
    units: tuple[str, ...] | None = None,
    corners_mm: np.ndarray = CORNERS_MM,
    cal_matrix: np.ndarray | None = None,
) -> Path:
    """A 10-frame, 100 Hz C3D with one plate on analog channels 1..n at 1 kHz."""
    ezc3d = pytest.importorskip("ezc3d")
    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [100]
    c3d["parameters"]["POINT"]["LABELS"]["value"] = ("LHEE", "RHEE")
    c3d["data"]["points"] = np.random.default_rng(0).normal(500, 50, (4, 2, 10))
    n_channels = analogs.shape[0]
    analog = c3d["parameters"]["ANALOG"]
    analog["RATE"]["value"] = [1000]
    analog["LABELS"]["value"] = tuple(f"ch{i + 1}" for i in range(n_channels))
    analog["UNITS"]["value"] = units or ("N",) * n_channels
    c3d["data"]["analogs"] = analogs[None]
    plate = c3d["parameters"]["FORCE_PLATFORM"]
    plate["USED"]["value"] = [1]
    plate["TYPE"]["value"] = [plate_type]
    plate["CHANNEL"]["value"] = np.arange(1, n_channels + 1).reshape(n_channels, 1)
    plate["CORNERS"]["value"] = corners_mm.astype(float)
    plate["ORIGIN"]["value"] = np.zeros((3, 1))
    if cal_matrix is not None:
        plate["CAL_MATRIX"]["value"] = cal_matrix[:, :, None]
    c3d.write(str(path))
    return path


def test_a_type_2_plate_read_back_from_c3d(tmp_path: Path) -> None:
    analogs = np.zeros((6, 100))
    analogs[2] = _loaded(100, (23, 71))
    trial = read_c3d(_write_plate_c3d(tmp_path / "plate.c3d", analogs))
    (contact,) = trial.plate_contacts
    assert contact.onset_frame == pytest.approx(2.3)
    assert contact.release_frame == pytest.approx(7.1)
    np.testing.assert_allclose(contact.outline_m[:, :2], [[0.5, 0.4], [0, 0.4], [0, 0], [0.5, 0]])


def test_type_3_and_type_4_vertical_force(tmp_path: Path) -> None:
    # Kistler (type 3): vertical force is the sum of channels 5-8, each under the threshold.
    kistler = np.zeros((8, 100))
    kistler[4:8] = _loaded(100, (40, 90), load_n=-15.0)
    (contact,) = read_c3d(_write_plate_c3d(tmp_path / "t3.c3d", kistler, 3)).plate_contacts
    assert (contact.onset_frame, contact.release_frame) == pytest.approx((4.0, 9.0))
    # Type 4: Fz is row 3 of the calibration matrix times the six raw channels.
    calibration = np.eye(6)
    calibration[2] = [0.0, 10.0, 0.0, 0.0, 0.0, 0.0]  # Fz from the second channel
    raw = np.zeros((6, 100))
    raw[1] = _loaded(100, (10, 60), load_n=-3.0)  # -30 N after calibration
    raw[2] = _loaded(100, (70, 95))  # loads channel 3, which this matrix ignores
    trial = read_c3d(
        _write_plate_c3d(tmp_path / "t4.c3d", raw, 4, ("V",) * 6, cal_matrix=calibration)
    )
    (contact,) = trial.plate_contacts
    assert (contact.onset_frame, contact.release_frame) == pytest.approx((1.0, 6.0))


def test_plates_that_cannot_be_read_are_left_out(tmp_path: Path) -> None:
    analogs = np.zeros((6, 100))
    analogs[2] = _loaded(100, (23, 71))
    volts = _write_plate_c3d(tmp_path / "volts.c3d", analogs, units=("V",) * 6)
    assert read_c3d(volts).plate_contacts is None  # a type 2 Fz not in newtons
    wall = CORNERS_MM[[0, 2, 1]]  # the plate stood upright: its normal is horizontal
    upright = _write_plate_c3d(tmp_path / "wall.c3d", analogs, corners_mm=wall)
    assert read_c3d(upright).plate_contacts is None
    unknown = _write_plate_c3d(tmp_path / "type6.c3d", analogs, plate_type=6)
    assert read_c3d(unknown).plate_contacts is None
    quiet = read_c3d(_write_plate_c3d(tmp_path / "quiet.c3d", np.zeros((6, 100))))
    assert quiet.plate_contacts == []  # a plate, but no contact on it


def _feet_trial(
    heels_m: dict[str, tuple[float, float]],
    toes_m: dict[str, tuple[float, float]],
    contacts: tuple[float, float] | None = (5.3, 14.8),
) -> list[MocapEvent] | None:
    """Plate events of 20 still frames with heel and toe markers at (x, y) on the floor
    around the 0.5 x 0.4 m plate, which has one contact (onset, release frame) or none."""
    markers = {}
    for side, code in (("left", "L"), ("right", "R")):
        markers[f"{code}HEE"] = np.tile([*heels_m[side], 0.03], (20, 1))
        markers[f"{code}TOE"] = np.tile([*toes_m[side], 0.03], (20, 1))
    outline = CORNERS_MM[:, :, 0].T / 1000
    found = [] if contacts is None else [PlateContact(0, outline, *contacts)]
    trial = MocapTrial(markers, 100.0, 1, 2, "feet", plate_contacts=found)
    return plate_events(trial, marker_map(trial))


def test_plate_contacts_go_to_the_foot_over_the_plate() -> None:
    away = (-1.0, 0.2)
    heels, toes = {"left": away, "right": (0.1, 0.2)}, {"left": away, "right": (0.3, 0.2)}
    assert _feet_trial(heels, toes) == [
        MocapEvent("right", FOOT_STRIKE, 5),
        MocapEvent("right", FOOT_OFF, 15),
    ]
    assert _feet_trial(heels, toes, contacts=None) == []
    # The heel a little behind the plate still counts (markers sit off the sole's edge) ...
    assert len(_feet_trial({**heels, "right": (-0.5 * PLATE_MARGIN_M, 0.2)}, toes)) == 2
    # ... but not a heel landing well behind it, nor a toe pushing off beyond it.
    assert _feet_trial({**heels, "right": (-2 * PLATE_MARGIN_M, 0.2)}, toes) == []
    assert _feet_trial(heels, {**toes, "right": (0.5 + 2 * PLATE_MARGIN_M, 0.2)}) == []
    # Both heels on the plate: whose contact it is cannot be told.
    assert _feet_trial({**heels, "left": (0.2, 0.3)}, toes) == []
