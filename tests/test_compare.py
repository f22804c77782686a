"""Session comparison: real change only beyond the detectable difference; mirrored = swapped."""

from __future__ import annotations

import json

import pytest

from hipdrop.analysis.session import SessionDetails
from hipdrop.cli import main
from hipdrop.compare import compare
from hipdrop.pipeline import analyse_tracks
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg


def _session(left: float, right: float, date: str | None = None, mirrored: bool = False):
    tracks = synthetic_single_leg(SyntheticTrial(left_drop_deg=left, right_drop_deg=right))
    return analyse_tracks(
        tracks.mirrored() if mirrored else tracks, session=SessionDetails(session_date=date)
    )


def test_change_beyond_sdd_is_real_and_below_is_not() -> None:
    # Default profile: SDD 2.8 deg. Left stance 8 -> 4 (real), right stance 2 -> 3 (not).
    result = compare(_session(8.0, 2.0), _session(4.0, 3.0))
    (pair,) = result.pairs
    assert pair.changes["left"].change_deg == pytest.approx(-4.0, abs=0.1)
    assert pair.changes["left"].real
    assert pair.changes["right"].change_deg == pytest.approx(1.0, abs=0.1)
    assert not pair.changes["right"].real
    assert not pair.swapped
    assert "real change" in result.verdicts[0] and "no real change" not in result.verdicts[0]


def test_same_numbers_no_real_change() -> None:
    result = compare(_session(7.0, 2.0), _session(7.0, 2.0))
    assert result.verdicts[0].endswith("no real change.")
    assert not result.pairs[0].swapped


def test_mirrored_session_reported_as_swapped() -> None:
    result = compare(_session(7.0, 2.0), _session(7.0, 2.0, mirrored=True))
    (pair,) = result.pairs
    assert pair.swapped
    assert "sides swapped" in result.verdicts[0]
    # Compared crosswise the mirror is the same patient: no real change on either pairing.
    assert not any(change.real for change in pair.crossed.values())


def test_symmetric_patient_mirrored_is_not_called_swapped() -> None:
    """Left and right alike: a mirror cannot be told apart, so no swap is claimed."""
    result = compare(_session(5.0, 5.0), _session(5.0, 5.0, mirrored=True))
    assert not result.pairs[0].swapped


def test_sessions_ordered_by_date_when_all_have_one() -> None:
    late, early = _session(4.0, 2.0, "2026-11-01"), _session(9.0, 2.0, "2026-09-01")
    result = compare(late, early)
    assert [s.label for s in result.sessions] == ["2026-09-01", "2026-11-01"]
    assert result.pairs[0].changes["left"].change_deg == pytest.approx(-5.0, abs=0.1)
    table = result.table
    assert list(table.columns[:5]) == ["order", "session", "session_date", "source", "stance_leg"]
    assert len(table) == 4


def test_cli_compare_folders_writes_outputs(tmp_path, capsys) -> None:
    folders = []
    for i, (left, date) in enumerate(
        ((8.0, "2026-09-01"), (7.5, "2026-10-01"), (3.0, "2026-11-01"))
    ):
        folders.append(_session(left, 2.0, date).save(tmp_path / f"s{i}"))
    out = tmp_path / "cmp"
    assert main(["compare", *map(str, folders), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2026-09-01 → 2026-10-01: no real change." in printed
    assert "2026-10-01 → 2026-11-01: real change." in printed
    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert data["ordered_by"] == "session date"
    assert data["real_change"] is True
    assert (out / "progress.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "data:image/png;base64," in (out / "comparison.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["only_one"], "at least two sessions"),
        (["nowhere_a", "nowhere_b"], "not an output folder or summary.json"),
    ],
)
def test_cli_compare_bad_input_one_line(tmp_path, capsys, args, message) -> None:
    assert main(["compare", *(str(tmp_path / a) for a in args)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_top_level_compare_sessions_survives_submodule_import() -> None:
    import hipdrop
    import hipdrop.compare  # binds the submodule on the package

    result = hipdrop.compare_sessions(_session(6.0, 2.0), _session(6.0, 2.0))
    assert result.verdicts[0].endswith("no real change.")


def _reject_constant(name: str):
    raise ValueError(f"not JSON: {name}")


def test_cli_json_is_strict_json_with_nulls(tmp_path, capsys) -> None:
    """A side without a measurement is null, never NaN (which JSON does not have)."""
    a = _session(7.0, 2.0).summary
    b = {**a, "usable": False, "reason": "Side view: no frontal plane."}
    paths = []
    for name, summary in (("a", a), ("b", b)):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(summary, default=str), encoding="utf-8")
        paths.append(str(path))
    assert main(["compare", *paths, "--json"]) == 0
    data = json.loads(capsys.readouterr().out, parse_constant=_reject_constant)
    later = [row for row in data["sessions"] if row["order"] == 1]
    assert [row["peak_drop_deg"] for row in later] == [None, None]
    assert "nothing to compare" in data["verdicts"][0]
    assert any("no numbers" in note for note in data["notes"])


def test_repeated_labels_are_numbered() -> None:
    result = compare(_session(7.0, 2.0, "2026-11-24"), _session(7.0, 2.0, "2026-11-24"))
    assert [s.label for s in result.sessions] == ["2026-11-24", "2026-11-24 (2)"]
