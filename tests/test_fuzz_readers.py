"""Every file reader, fed any bytes: a result or a HipdropError, never another exception.

Each reader gets random bytes and damaged copies of a valid file (truncated, bytes
overwritten), which reach much deeper into a parser than noise does.
"""

from __future__ import annotations

import math
import struct
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from videotools import write_video

from hipdrop.analysis.thresholds import DEFAULT_THRESHOLDS_FILE, load_thresholds
from hipdrop.cli import main
from hipdrop.errors import HipdropError
from hipdrop.io.c3d_contents import read_c3d_contents
from hipdrop.io.force_plates import ForcePlate, plate_contacts, read_force_plates
from hipdrop.io.landmarks import load_tracks, save_tracks
from hipdrop.io.mocap import read_c3d, read_mot, read_trc
from hipdrop.io.video import iter_frames, probe_video
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: a CI failure can be replayed
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def damaged(draw, valid: bytes) -> bytes:
    """``valid`` cut short and/or with a few bytes overwritten."""
    data = bytearray(valid)
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def _inputs(valid: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=2048), damaged(valid))


def _check(reader, path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        reader(path)
    except HipdropError as error:
        assert str(error).strip() and "\n" not in str(error).strip()


def _tiny_clip(folder: Path) -> bytes:
    frames = [np.full((48, 64, 3), 20 * i, np.uint8) for i in range(8)]
    return write_video(folder / "tiny.mp4", frames, fps=10).read_bytes()


def _tiny_tracks(folder: Path) -> bytes:
    tracks = synthetic_single_leg(SyntheticTrial(duration_s=0.5, left_stance_s=(0.1, 0.2)))
    save_tracks(tracks, folder / "tiny.npz")
    return (folder / "tiny.npz").read_bytes()


TRC = (
    b"PathFileType\t4\t(X/Y/Z)\ttiny.trc\n"
    b"DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\t"
    b"OrigNumFrames\n"
    b"100.00\t100.00\t3\t2\tmm\t100.00\t1\t3\n"
    b"Frame#\tTime\tLASI\t\t\tRASI\n"
    b"\t\tX1\tY1\tZ1\tX2\tY2\tZ2\n"
    b"1\t0.00\t100.0\t900.0\t-120.0\t100.0\t905.0\t120.0\n"
    b"2\t0.01\t101.0\t901.0\t-120.0\t101.0\t904.0\t120.0\n"
    b"3\t0.02\t102.0\t902.0\t-120.0\t102.0\t903.0\t120.0\n"
)

MOT = (
    b"Coordinates\nversion=1\nnRows=3\nnColumns=3\ninDegrees=yes\nendheader\n"
    b"time\tpelvis_list\tpelvis_tilt\n0.00\t1.0\t2.0\n0.01\t1.5\t2.1\n0.02\t2.0\t2.2\n"
)


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("valid")
    return {
        "video": _tiny_clip(folder),
        "tracks": _tiny_tracks(folder),
        "toml": DEFAULT_THRESHOLDS_FILE.read_bytes(),
    }


def _probe_and_decode(path: Path) -> None:
    probe_video(path)
    for _ in iter_frames(path):
        pass


@FUZZ
@given(data=st.data())
def test_video_reader(tmp_path: Path, valid_files, data) -> None:
    _check(_probe_and_decode, tmp_path / "clip.mp4", data.draw(_inputs(valid_files["video"])))


@FUZZ
@given(data=st.data())
def test_landmark_reader(tmp_path: Path, valid_files, data) -> None:
    _check(load_tracks, tmp_path / "tracks.npz", data.draw(_inputs(valid_files["tracks"])))


@FUZZ
@given(data=st.data())
def test_thresholds_reader(tmp_path: Path, valid_files, data) -> None:
    _check(
        lambda p: load_thresholds("single-leg", p),
        tmp_path / "profile.toml",
        data.draw(_inputs(valid_files["toml"])),
    )


@FUZZ
@given(data=st.data())
def test_trc_reader(tmp_path: Path, data) -> None:
    _check(read_trc, tmp_path / "trial.trc", data.draw(_inputs(TRC)))


@FUZZ
@given(data=st.data())
def test_mot_reader(tmp_path: Path, data) -> None:
    _check(read_mot, tmp_path / "trial.mot", data.draw(_inputs(MOT)))


@pytest.fixture(scope="module")
def valid_c3d(tmp_path_factory) -> bytes:
    """Two markers and one loaded force plate, so damage reaches the plate parameters too."""
    ezc3d = pytest.importorskip("ezc3d")
    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [100]
    c3d["parameters"]["POINT"]["LABELS"]["value"] = ("LASI", "RASI")
    c3d["data"]["points"] = np.random.default_rng(0).normal(500, 50, (4, 2, 10))
    c3d["parameters"]["ANALOG"]["RATE"]["value"] = [200]
    c3d["parameters"]["ANALOG"]["LABELS"]["value"] = tuple(f"ch{i}" for i in range(6))
    c3d["parameters"]["ANALOG"]["UNITS"]["value"] = ("N",) * 6
    analogs = np.zeros((1, 6, 20))
    analogs[0, 2, 5:15] = -300.0
    c3d["data"]["analogs"] = analogs
    plate = c3d["parameters"]["FORCE_PLATFORM"]
    plate["USED"]["value"] = [1]
    plate["TYPE"]["value"] = [2]
    plate["CHANNEL"]["value"] = np.arange(1, 7).reshape(6, 1)
    plate["CORNERS"]["value"] = np.array(
        [[[500.0], [0], [0], [500]], [[400], [400], [0], [0]], [[0], [0], [0], [0]]]
    )
    path = tmp_path_factory.mktemp("c3d") / "tiny.c3d"
    c3d.write(str(path))
    return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_c3d_reader(tmp_path: Path, valid_c3d, data) -> None:
    _check(read_c3d, tmp_path / "trial.c3d", data.draw(_inputs(valid_c3d)))


def _with_parameter_byte(valid: bytes, name: bytes, field: str, value: int) -> bytes:
    """``valid`` with one byte of the first parameter called ``name`` set to ``value``:
    ``field`` is its number of dimensions ("ndim") or its description length ("desc")."""
    start = valid.index(name, 512)  # the parameter section follows the 512-byte header
    (name_length,) = struct.unpack("b", valid[start - 2 : start - 1])  # < 0: locked
    assert abs(name_length) == len(name)  # a parameter's name, not a value
    ndim_at = start + len(name) + 3  # after the offset to the next entry and the data type
    (data_type,) = struct.unpack("b", valid[ndim_at - 1 : ndim_at])
    dims = valid[ndim_at + 1 : ndim_at + 1 + valid[ndim_at]]
    at = ndim_at if field == "ndim" else ndim_at + 1 + len(dims) + abs(data_type) * math.prod(dims)
    damaged = bytearray(valid)
    damaged[at] = value
    return bytes(damaged)


#: Damage that fuzzing found to take ezc3d 1.7.2 down in-process: a negative number of
#: dimensions crashes it (SIGSEGV); a description running past its entry makes it allocate
#: about 12 GB for 20-30 s before it gives up.
_EZC3D_KILLERS = {
    "negative_dimensions": (b"LABELS", "ndim", 0x81),
    "description_too_long": (b"USED", "desc", 200),
}


@pytest.mark.parametrize("damage", sorted(_EZC3D_KILLERS))
def test_c3d_that_crashes_or_floods_ezc3d_is_one_line_error(
    tmp_path: Path, valid_c3d, damage: str, capfd
) -> None:
    path = tmp_path / "trial.c3d"
    path.write_bytes(_with_parameter_byte(valid_c3d, *_EZC3D_KILLERS[damage]))
    start = time.monotonic()
    with pytest.raises(HipdropError, match=r"cannot read trial\.c3d as C3D") as error:
        read_c3d(path)
    assert "\n" not in str(error.value)
    if sys.platform == "linux":  # the address-space cap stops the flood, not the time limit
        assert "no result" not in str(error.value) and time.monotonic() - start < 10
    assert main(["validate-mocap", str(path)]) == 1
    out, err = capfd.readouterr()
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "trial.c3d" in err and not out


def _with_byte(valid: bytes, at: int, value: int) -> bytes:
    return valid[:at] + bytes([value]) + valid[at + 1 :]


#: Header damage caught before ezc3d runs: byte 0 points at the parameter block, byte 1 is
#: the C3D key 0x50, the parameter block starts with its block count and processor type.
_HEADER_DAMAGE = {
    "key_byte": (lambda valid: _with_byte(valid, 1, 0x51), "no C3D header"),
    "pointer_to_header": (lambda valid: _with_byte(valid, 0, 1), "no parameter section"),
    "pointer_past_end": (lambda valid: _with_byte(valid, 0, 250), "no parameter section"),
    "processor": (lambda valid: _with_byte(valid, 512 + 3, 7), "unknown processor type 7"),
    "truncated": (lambda valid: valid[:1100], "the parameter section is cut off"),
    "block_count": (
        lambda valid: _with_byte(valid, 512 + 2, 200),
        "the parameter section is cut off",
    ),
}


@pytest.mark.parametrize("damage", sorted(_HEADER_DAMAGE))
def test_c3d_header_damage_is_named(tmp_path: Path, valid_c3d, damage: str) -> None:
    path = tmp_path / "trial.c3d"
    make, reason = _HEADER_DAMAGE[damage]
    path.write_bytes(make(valid_c3d))
    with pytest.raises(HipdropError) as error:
        read_c3d(path)
    assert str(error.value) == f"cannot read trial.c3d as C3D: {reason}"


def _child_pids() -> set[int]:
    tasks = Path("/proc/self/task")
    return {int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_c3d_parse_past_its_time_limit_is_killed(tmp_path: Path, valid_c3d) -> None:
    path = tmp_path / "trial.c3d"
    path.write_bytes(valid_c3d)
    before = _child_pids()
    with pytest.raises(HipdropError, match=r"no result in 0\.01 s"):
        read_c3d_contents(path, limit_s=0.01)
    assert _child_pids() <= before  # killed and reaped, not left running
    assert read_c3d_contents(path).points.shape == (4, 2, 10)


#: Values a damaged FORCE_PLATFORM or ANALOG parameter may hold: absent, empty, text, any
#: number (NaN, inf, huge, negative) in any small shape.
_PARAMETER_VALUES = st.one_of(
    st.none(),
    st.just(np.array([])),
    st.lists(st.text(max_size=3), max_size=8).map(np.array),
    st.builds(
        lambda shape, fill: np.resize(np.array(fill, dtype=float), shape),
        st.lists(st.integers(0, 8), min_size=1, max_size=3).map(tuple),
        st.lists(
            st.one_of(st.integers(-3, 70), st.floats(allow_nan=True, allow_infinity=True)),
            min_size=1,
            max_size=12,
        ),
    ),
)
_DAMAGEABLE = ("USED", "TYPE", "CHANNEL", "CORNERS", "CAL_MATRIX", "UNITS", "analogs", "rate")


@st.composite
def _plate_inputs(draw) -> tuple[dict, np.ndarray, float]:
    """``read_force_plates`` arguments for one readable plate with up to three entries
    damaged (missing or garbage), so most examples get past the first checks."""
    inputs = {
        "USED": np.array([1]),
        "TYPE": np.array([draw(st.sampled_from([1, 2, 3, 4]))]),
        "CHANNEL": np.arange(1, 9).reshape(8, 1),
        "CORNERS": np.array([[[500.0], [0], [0], [500]], [[400], [400], [0], [0]], [[0]] * 4]),
        "CAL_MATRIX": np.eye(6)[:, :, None],
        "UNITS": np.array(["N"] * 8),
        "analogs": np.tile([0.0, -300.0, 0.0], (8, 10)),  # loaded mid-recording
        "rate": 100.0,
    }
    for name in draw(st.sets(st.sampled_from(_DAMAGEABLE), max_size=3)):
        if name == "rate":
            inputs[name] = draw(st.floats(allow_nan=True, allow_infinity=True))
        else:
            inputs[name] = draw(_PARAMETER_VALUES)
    group = {name: {"value": inputs[name]} for name in _DAMAGEABLE[:5] if inputs[name] is not None}
    units = {} if inputs["UNITS"] is None else {"UNITS": {"value": inputs["UNITS"]}}
    analogs = np.array([]) if inputs["analogs"] is None else inputs["analogs"]
    return {"FORCE_PLATFORM": group, "ANALOG": units}, analogs, inputs["rate"]


@FUZZ
@given(inputs=_plate_inputs())
def test_malformed_force_plate_parameters_mean_no_plate(inputs) -> None:
    plates = read_force_plates(*inputs, metres_per_unit=1e-3)
    assert all(isinstance(plate, ForcePlate) for plate in plates)
    plate_contacts(plates, 100.0)


@pytest.mark.parametrize(
    "text",
    [
        TRC.replace(b"1\t0.00\t100.0", b"\t0.00\t100.0"),  # no frame number
        TRC.replace(b"1\t0.00\t100.0", b"1e400\t0.00\t100.0"),  # infinite frame number
        TRC.replace(b"100.00\t100.00\t3", b"nan\t100.00\t3"),  # no frame rate
        TRC.replace(b"100.00\t100.00\t3", b"-5\t100.00\t3"),
    ],
)
def test_trc_damage_found_by_hand(tmp_path: Path, text: bytes) -> None:
    path = tmp_path / "trial.trc"
    path.write_bytes(text)
    with pytest.raises(HipdropError):
        read_trc(path)
