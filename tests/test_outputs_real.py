"""Clinician outputs on real clips: PDF and annotated video from the CLI, session comparison."""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable

import cv2
import numpy as np
import pytest
from videotools import identity, mirror, transform_video

from hipdrop.cli import main
from hipdrop.compare import compare

BALANCE = "anterior_single-leg-balance_pose2sim.mp4"

pytestmark = pytest.mark.realdata


def _decoded_frames(path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        frames.append(image[::8, ::8].copy())  # thumbnails: enough to compare, little memory
    cap.release()
    return frames


@pytest.fixture(scope="module")
def balance_out(video, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "balance"
    code = main(
        [
            "analyse",
            str(video(BALANCE)),
            "--out",
            str(out),
            "--pdf",
            "--blur-faces",
            "--patient-name",
            "<script>alert(1)</script>",
            "--session-date",
            "2026-11-24",
        ]
    )
    assert code == 0
    return out


def test_cli_pdf_and_session_fields(balance_out) -> None:
    summary = json.loads((balance_out / "summary.json").read_text(encoding="utf-8"))
    assert summary["session"]["patient_name"] == "<script>alert(1)</script>"
    assert summary["session"]["session_date"] == "2026-11-24"
    assert (balance_out / "report.pdf").read_bytes().startswith(b"%PDF")
    html = (balance_out / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert not list(balance_out.parent.glob(".*partial*"))  # nothing half-written left over


def test_annotated_video_has_every_frame(balance_out, video) -> None:
    source = _decoded_frames(video(BALANCE))
    annotated = _decoded_frames(balance_out / "annotated.mp4")
    assert len(source) == 100
    assert len(annotated) == len(source)
    assert annotated[0].shape == source[0].shape
    # Drawn on, not a plain copy: every frame differs visibly from the source somewhere.
    differs = [
        np.abs(a.astype(int) - s.astype(int)).max() > 60
        for a, s in zip(annotated, source, strict=True)
    ]
    assert all(differs)


def test_annotated_video_is_h264_and_plays_in_a_browser(balance_out, tmp_path) -> None:
    """H.264 (yuv420p) is what Chrome and Firefox play; OpenCV's mp4v is not. A headless
    Chromium plays it to the end and reports its size."""
    import av

    with av.open(str(balance_out / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
    page = balance_out / "play.html"
    page.write_text(
        '<title>not played</title><video id="v" src="annotated.mp4" muted autoplay></video><script>'
        'const v = document.getElementById("v");'
        'v.ontimeupdate = () => { document.title = "played " + v.currentTime.toFixed(2) +'
        ' " s at " + v.videoWidth + "x" + v.videoHeight; };'
        'v.onerror = () => { document.title = "error " + v.error.code; };</script>'
    )
    try:
        title, _ = _title_after_loading(_browser(), page, tmp_path, lambda t: t != "not played")
    finally:
        page.unlink()
    played = re.fullmatch(r"played ([\d.]+) s at 1080x1920", title)
    assert played and float(played.group(1)) > 0.1, title  # it advanced: it plays


#: Run inside a copy of the report: clicks the chart at 1.0 s, then plays from 0.2 s, and puts
#: what happened in the page title (the headless browser prints the page afterwards).
PROBE = """<script>
(function () {
  var clip = document.getElementById("clip"), chart = document.getElementById("chart");
  var image = chart.querySelector("img"), cursor = document.getElementById("cursor");
  var d = chart.dataset, x0 = +d.x0, x1 = +d.x1, t0 = +d.t0, t1 = +d.t1, out = {};
  function report() { document.title = JSON.stringify(out); }
  window.addEventListener("error", function (e) { out.error = String(e.message); report(); });
  clip.addEventListener("loadedmetadata", function () {
    var box = image.getBoundingClientRect();
    var x = box.left + (x0 + (1.0 - t0) / (t1 - t0) * (x1 - x0)) * box.width;
    chart.dispatchEvent(new MouseEvent("click", {clientX: x, clientY: box.top + box.height / 2,
                                                 bubbles: true}));
    out.seeked_to = clip.currentTime;
    clip.currentTime = 0.2;
    clip.play();
  });
  clip.addEventListener("timeupdate", function () {
    if (clip.currentTime <= 0.3) return;
    out.played_to = clip.currentTime;
    out.cursor_px = parseFloat(cursor.style.left);
    out.expected_px = image.offsetLeft + (x0 + (clip.currentTime - t0) / (t1 - t0) * (x1 - x0))
                      * image.clientWidth;
    report();
  });
})();
</script>"""


def test_report_plays_the_clip_and_ties_it_to_the_chart(balance_out, tmp_path) -> None:
    """In a real headless browser: the report's video plays, a click on the obliquity chart
    seeks it to that moment, the cursor on the chart follows it, and no script error."""
    browser = _browser()
    html = (balance_out / "report.html").read_text(encoding="utf-8")
    assert '<video id="clip" src="annotated.mp4"' in html
    probe = balance_out / "probe.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    try:  # the probe reports in the title, as JSON, once the clip has played
        title, log = _title_after_loading(browser, probe, tmp_path, lambda t: t.startswith("{"))
    finally:
        probe.unlink()
    seen = json.loads(title)
    assert "error" not in seen, seen
    assert seen["seeked_to"] == pytest.approx(1.0, abs=0.05)
    assert seen["played_to"] > 0.3
    assert seen["cursor_px"] == pytest.approx(seen["expected_px"], abs=2)
    assert "Uncaught" not in log


def _browser() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        message = "no chromium to open the report in (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return browser


def _title_after_loading(
    browser: str, page, profile, ready: Callable[[str], bool] = lambda title: True
) -> tuple[str, str]:
    """The page's title once a headless Chromium has run it for 10 s of page time, and its
    console log. A browser starting cold, or on a loaded machine, may not have played the clip
    within the page time: until ``ready(title)``, up to three tries, each in a fresh profile."""
    for attempt in range(3):
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             f"--user-data-dir={profile}/{attempt}", "--autoplay-policy=no-user-gesture-required",
             "--virtual-time-budget=10000", "--enable-logging=stderr", "--v=0", "--dump-dom",
             page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        title = re.search(r"<title>(.*?)</title>", result.stdout, re.S)
        assert title, result.stderr[-500:]
        if ready(html_lib.unescape(title.group(1))):
            break
    return html_lib.unescape(title.group(1)), result.stderr


def test_face_is_blurred_in_annotated_video(balance_out, video) -> None:
    """Above the nose the face box loses its detail (Laplacian energy) against the original."""
    from hipdrop.pipeline import analyse
    from hipdrop.report.video import face_boxes

    analysis = analyse(video(BALANCE))
    boxes = face_boxes(analysis)
    nose = analysis.raw_tracks.xy_px[:, 0]
    source = cv2.VideoCapture(str(video(BALANCE)))
    annotated = cv2.VideoCapture(str(balance_out / "annotated.mp4"))
    ratios = []
    for index in range(100):
        _, original = source.read()
        _, drawn = annotated.read()
        if index % 10:
            continue
        x0, y0, x1, _ = (int(v) for v in boxes[index])
        assert x0 < nose[index, 0] < x1  # the box is on the face
        # Skeleton lines stay below the nose, so this region holds only the (blurred) face.
        region = np.s_[max(0, y0) : int(nose[index, 1]), max(0, x0) : x1]

        def detail(image, region=region):
            grey = cv2.cvtColor(image[region], cv2.COLOR_BGR2GRAY)
            return float(cv2.Laplacian(grey, cv2.CV_64F).var())

        ratios.append(detail(drawn) / detail(original))
    source.release()
    annotated.release()
    assert len(ratios) == 10
    assert np.median(ratios) < 0.4


@pytest.fixture(scope="module")
def compared(video, tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    outs = {}
    clips = {
        "balance": video(BALANCE),
        "balance_copy": transform_video(video(BALANCE), folder / "b_copy.mp4", identity),
        "balance_mirror": transform_video(video(BALANCE), folder / "b_mirror.mp4", mirror),
    }
    for name, clip in clips.items():
        outs[name] = folder / name
        assert main(["analyse", str(clip), "--out", str(outs[name])]) == 0
    return outs


def test_compare_reencoded_clip_no_real_change(compared, capsys) -> None:
    assert main(["compare", str(compared["balance"]), str(compared["balance_copy"])]) == 0
    printed = capsys.readouterr().out
    assert "balance → balance_copy: no real change." in printed
    assert "swapped" not in printed


def test_compare_mirrored_clip_sides_swapped(compared, capsys) -> None:
    result = compare(compared["balance"], compared["balance_mirror"] / "summary.json")
    (pair,) = result.pairs
    assert pair.swapped
    assert not any(c.real for c in pair.crossed.values())
    assert main(["compare", str(compared["balance"]), str(compared["balance_mirror"])]) == 0
    assert "sides swapped" in capsys.readouterr().out


def test_walking_report_has_steps_and_gait_cycle(video, tmp_path) -> None:
    """Gait tasks add the per-step table and the gait-cycle curves to the HTML and the PDF."""
    from hipdrop.pipeline import analyse
    from hipdrop.report.pdf import write_pdf

    analysis = analyse(video("anterior_walk-toward-camera_vaila.mp4"))
    assert analysis.summary["task"] == "walk"
    out = analysis.save(tmp_path / "walk")
    html = (out / "report.html").read_text(encoding="utf-8")
    steps_section = html[html.index("<h2>Steps</h2>") : html.index("<h2>Stance phases</h2>")]
    assert steps_section.count("<tr>") == len(analysis.steps) + 1  # heading row + one per step
    assert 'alt="pelvic obliquity over the gait cycle"' in html
    layout = write_pdf(analysis, tmp_path / "walk.pdf", out)
    assert layout.sections["detail"] == 2
    assert (
        layout.sections["gait_cycle"] >= 2
        and layout.sections["steps"] >= layout.sections["gait_cycle"]
    )
