"""Motion-capture files as labs write them: other naming styles, prefixes and case, a
``--markers`` file for the rest, and OpenSim storage files with blank lines."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import require_data

from hipdrop.cli import main
from hipdrop.errors import HipdropError
from hipdrop.io.marker_names import marker_map, read_marker_names
from hipdrop.io.mocap import read_c3d, read_mot
from hipdrop.validation.mocap import validate_mocap

pytestmark = pytest.mark.realdata

FULLBODY = "mocap/walk_pig-fullbody_btkdata.c3d"
#: Plug-in Gait marker -> ISB-style anatomical name, as a lab using ISB labels would write it.
ISB = {"LASI": "L_IAS", "RASI": "R_IAS", "LHEE": "L_FCC", "RHEE": "R_FCC", "LTOE": "L_FM2",
       "RTOE": "R_FM2", "LKNE": "L_FLE", "RKNE": "R_FLE", "LANK": "L_FAL", "RANK": "R_FAL",
       "LSHO": "L_SAE", "RSHO": "R_SAE"}  # fmt: skip
LANDMARK_OF = {"LASI": "left_hip", "RASI": "right_hip", "LHEE": "left_heel", "RHEE": "right_heel",
               "LTOE": "left_foot_index", "RTOE": "right_foot_index", "LKNE": "left_knee",
               "RKNE": "right_knee", "LANK": "left_ankle", "RANK": "right_ankle",
               "LSHO": "left_shoulder", "RSHO": "right_shoulder"}  # fmt: skip


@pytest.fixture(scope="module")
def markers_only():
    """The full-body trial with only its skin markers (no model outputs), under PiG names."""
    trial = read_c3d(require_data(FULLBODY))
    return replace(trial, markers_m={name: trial.markers_m[name] for name in ISB})


def _renamed(trial, rename):
    return replace(trial, markers_m={rename(k): v for k, v in trial.markers_m.items()})


@pytest.mark.parametrize(
    "rename",
    [lambda k: ISB[k], lambda k: f"A22:{k}", lambda k: k.lower(), lambda k: f"subj:{ISB[k]}"],
    ids=["ISB names", "subject prefix", "lower case", "prefixed ISB"],
)
def test_every_naming_style_finds_the_same_markers(markers_only, rename) -> None:
    expected = marker_map(markers_only)
    assert expected == {LANDMARK_OF[k]: k for k in ISB}
    found = marker_map(_renamed(markers_only, rename))
    assert found == {landmark: rename(label) for landmark, label in expected.items()}


def test_a_markers_file_names_the_rest(markers_only, tmp_path) -> None:
    odd = _renamed(markers_only, lambda k: f"M{list(ISB).index(k):02d}")
    assert "left_hip" not in marker_map(odd)
    names = tmp_path / "markers.toml"
    names.write_text("\n".join(f'{LANDMARK_OF[k]} = "M{i:02d}"' for i, k in enumerate(ISB)) + "\n")
    assert marker_map(odd, read_marker_names(names)) == {
        LANDMARK_OF[k]: f"M{i:02d}" for i, k in enumerate(ISB)
    }
    names.write_text('left_hip = "NOPE"\n')
    with pytest.raises(HipdropError, match=r"no marker 'NOPE'.*the file has 12 markers: M00"):
        marker_map(odd, read_marker_names(names))
    names.write_text('pelvis = "M00"\n')
    with pytest.raises(HipdropError, match="unknown landmark"):
        read_marker_names(names)


def test_unknown_markers_give_one_line_naming_what_was_found(tmp_path, capsys) -> None:
    """A TRC whose markers match nothing: exit 1, one line listing them."""
    trc = tmp_path / "odd.trc"
    rows = "\n".join(f"{i + 1}\t{i / 100:.2f}\t0\t0\t0\t1\t1\t1" for i in range(20))
    trc.write_text(
        "PathFileType\t4\t(X/Y/Z)\todd.trc\n"
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\n100\t100\t20\t2\tmm\n"
        "Frame#\tTime\tFoo\t\t\tBar\t\t\n\t\tX1\tY1\tZ1\tX2\tY2\tZ2\n" + rows + "\n"
    )
    assert main(["validate-mocap", str(trc)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the file has 2 markers: Bar, Foo" in err[0]


def test_mot_with_a_blank_line_after_endheader(tmp_path) -> None:
    source = require_data("mocap/run_treadmill_hamner_ik.mot").read_text().splitlines()
    end = next(i for i, line in enumerate(source) if line.strip().lower() == "endheader")
    blank = tmp_path / "lab_export.mot"
    blank.write_text("\n".join([*source[: end + 1], "", *source[end + 1 :]]) + "\n")
    original, exported = (
        read_mot(require_data("mocap/run_treadmill_hamner_ik.mot")),
        read_mot(blank),
    )
    assert list(exported.columns) == list(original.columns)
    np.testing.assert_array_equal(exported.to_numpy(), original.to_numpy())


def test_a_trc_with_asis_and_no_ik_is_scored_against_the_asis_line() -> None:
    result = validate_mocap(require_data("mocap/run_treadmill_hamner.trc"))
    assert result["reference"] == "ASIS line"
    assert result["obliquity_rmse_deg"] is not None and result["obliquity_r"] > 0.8
