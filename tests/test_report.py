"""Report content on synthetic tracks: escaping, session fields, PDF layout, figures."""

from __future__ import annotations

import dataclasses
import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from hipdrop.analysis.session import SessionDetails
from hipdrop.errors import HipdropError
from hipdrop.pipeline import analyse_tracks
from hipdrop.report.pdf import write_pdf
from hipdrop.report.plots import SIDE_COLOURS
from hipdrop.synthetic import SyntheticTrial, synthetic_single_leg

HOSTILE_NAME = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def analysis():
    return analyse_tracks(
        synthetic_single_leg(SyntheticTrial(left_drop_deg=7.0, right_drop_deg=1.0, noise_px=0.4)),
        source={"name": "synthetic"},
        session=SessionDetails(
            patient_name=HOSTILE_NAME,
            session_date="2026-11-24",
            notes="Week 6 after surgery.\nPain 2/10 & improving <b>",
        ),
    )


@pytest.fixture(scope="module")
def saved(analysis, tmp_path_factory):
    return analysis.save(tmp_path_factory.mktemp("report") / "out", pdf=True)


def test_patient_name_is_text_not_markup_in_html(saved) -> None:
    html = (saved / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()  # the report itself runs no script either
    assert "Pain 2/10 &amp; improving &lt;b&gt;" in html


def test_session_fields_in_summary_json(saved) -> None:
    summary = json.loads((saved / "summary.json").read_text(encoding="utf-8"))
    assert summary["session"] == {
        "patient_name": HOSTILE_NAME,
        "session_date": "2026-11-24",
        "notes": "Week 6 after surgery.\nPain 2/10 & improving <b>",
    }


@pytest.mark.parametrize("bad_date", ["24/11/2026", "2026-13-01", "yesterday"])
def test_session_date_must_be_iso(bad_date: str) -> None:
    with pytest.raises(HipdropError, match="YYYY-MM-DD"):
        analyse_tracks(synthetic_single_leg(), session=SessionDetails(session_date=bad_date))


def test_html_is_self_contained_with_every_figure(saved) -> None:
    html = (saved / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r'src="([^"]+)"', html)
    assert len(sources) == 4  # two evidence frames, obliquity over time, peak drop per side
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "http://" not in html and "https://" not in html
    # The verdict in words, with the number and the threshold, is on the page.
    assert "During left stance the right side drops 7." in html
    assert "above the 4° threshold" in html


def test_pdf_first_page_holds_the_verdict_and_fits_unshrunk(analysis, saved, tmp_path) -> None:
    layout = write_pdf(analysis, tmp_path / "r.pdf", saved)
    data = (tmp_path / "r.pdf").read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert layout.sections["first"] == 1
    assert layout.sections["detail"] == 2  # time series start the detail pages
    assert layout.first_page_shrink == pytest.approx(1.0)
    assert HOSTILE_NAME in layout.texts["session"]  # escaped for reportlab, printed verbatim
    assert "During left stance the right side drops 7." in layout.texts["verdicts"]
    assert "evidence" in layout.texts
    assert "warnings" not in layout.texts  # a clean synthetic trial has none
    assert layout.pages >= 2


def test_pdf_quality_warnings_on_page_one(analysis, saved, tmp_path) -> None:
    warned = dataclasses.replace(
        analysis, summary={**analysis.summary, "warnings": ["Film closer: hips 40 px apart."]}
    )
    layout = write_pdf(warned, tmp_path / "w.pdf", saved)
    assert layout.sections["first"] == 1 and layout.first_page_shrink == pytest.approx(1.0)
    assert "Film closer: hips 40 px apart." in layout.texts["warnings"]


def test_pdf_long_notes_still_fit_page_one(tmp_path) -> None:
    long_notes = "Gait retraining; hip abductor strengthening. " * 60
    result = analyse_tracks(synthetic_single_leg(), session=SessionDetails(notes=long_notes))
    (tmp_path / "figs").mkdir()
    from hipdrop.report.figures import write_figures

    write_figures(result, tmp_path / "figs")
    layout = write_pdf(result, tmp_path / "r.pdf", tmp_path / "figs")
    assert layout.sections["first"] == 1 and layout.sections["detail"] == 2
    assert layout.first_page_shrink > 1.0  # shrunk to fit rather than spilling over


def test_to_pdf_writes_one_file_and_no_scratch(analysis, tmp_path) -> None:
    path = analysis.to_pdf(tmp_path / "one.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.pdf"]


def test_side_colours_are_fixed_across_figures(analysis) -> None:
    """Left is always the same blue and right the same orange, in every figure."""
    want = {
        side: tuple(np.round(plt.matplotlib.colors.to_rgb(c), 3))
        for side, c in SIDE_COLOURS.items()
    }
    fig = analysis.plot_sides()
    bars = [p for p in fig.axes[0].patches if p.get_width() < 1]
    colours = [tuple(np.round(b.get_facecolor()[:3], 3)) for b in bars]
    assert colours == [want["left"], want["right"]]
    plt.close(fig)


def test_every_axis_is_labelled_with_units(analysis) -> None:
    for fig in (analysis.plot_obliquity(), analysis.plot_sides()):
        ax = fig.axes[0]
        assert "(°)" in ax.get_ylabel()
        assert ax.get_xlabel() == "" or "(s)" in ax.get_xlabel() or ax.get_xticklabels()
        plt.close(fig)


def test_cli_bad_session_date_is_one_line_before_any_work(tmp_path, capsys) -> None:
    from hipdrop.cli import main

    out = tmp_path / "out"
    # The clip does not exist either: the date is checked first, before any video is opened.
    code = main(
        ["analyse", str(tmp_path / "clip.mp4"), "--out", str(out), "--session-date", "24/11/2026"]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and "YYYY-MM-DD" in err[0]
    assert not out.exists()


@pytest.mark.parametrize("roll_deg", [0.0, 8.0])
def test_evidence_lines_show_the_reported_drop(roll_deg: float) -> None:
    """The angle between the drawn pelvis line and the drawn level line is the peak drop."""
    result = analyse_tracks(
        synthetic_single_leg(SyntheticTrial(roll_deg=roll_deg, left_drop_deg=7.0))
    )
    for side in ("left", "right"):
        fig = result.plot_evidence(side)
        lines = {line.get_label(): line for line in fig.axes[0].lines}
        assert "baseline level" in lines  # the synthetic trial stands still first: a baseline
        pelvis = np.array(lines["pelvis"].get_xydata())
        level = np.array(lines["baseline level"].get_xydata())
        stance_to_swing = pelvis[1] - pelvis[0]
        along_level = level[1] - level[0]
        cosine = along_level @ stance_to_swing / np.linalg.norm(along_level)
        angle = np.degrees(np.arccos(np.clip(cosine / np.linalg.norm(stance_to_swing), -1, 1)))
        # Image y points down: the swing hip below the level line is a positive drop.
        slope = along_level[1] / along_level[0]
        level_y_at_swing = pelvis[0][1] + slope * (pelvis[1][0] - pelvis[0][0])
        swing_lower = pelvis[1][1] > level_y_at_swing
        drop = result.summary["sides"][side]["peak_drop_deg"]
        assert angle == pytest.approx(abs(drop), abs=0.01)
        assert swing_lower == (drop > 0)
        plt.close(fig)


@pytest.mark.parametrize(
    ("has_world", "exact", "source", "said_rough"),
    [
        (True, False, "pose model depth", True),
        (True, True, "3D hip line", False),
        (False, False, "none, the subject taken to face the camera squarely", False),
    ],
)
def test_the_turn_says_where_it_came_from_and_how_far_to_trust_it(
    has_world, exact, source, said_rough, tmp_path
) -> None:
    """A turn read from MediaPipe's depth (12-30° off on the calibrated multicam views) is
    called rough in the report; one from exact 3D, or assumed for want of depth, is not."""
    tracks = synthetic_single_leg(SyntheticTrial(left_drop_deg=7.0, right_drop_deg=1.0))
    if not has_world:
        tracks = dataclasses.replace(tracks, world_m=None)
    if exact:
        tracks = dataclasses.replace(tracks, meta={**tracks.meta, "world_exact": True})
    analysis = analyse_tracks(tracks, source={"name": "synthetic"})
    assert analysis.summary["camera"]["subject_yaw_from"] == source
    html = (analysis.save(tmp_path / "out") / "report.html").read_text("utf-8")
    camera_text = html[html.index("Subject turned") :][:600]
    assert ("rough" in camera_text) == said_rough
    if not said_rough:
        assert f"source of the turn: {source}" in camera_text
    assert "-0°" not in camera_text
