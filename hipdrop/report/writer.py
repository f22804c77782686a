"""The output folder of one analysis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hipdrop.io.outputs import atomic_output_dir, write_json
from hipdrop.io.pose_files import POSE_EXPORTS, write_movement, write_trc
from hipdrop.report.figures import write_figures
from hipdrop.report.html import render_report

if TYPE_CHECKING:
    from hipdrop.analysis.findings import Findings

#: ``--export-pose`` kinds and their writers.
POSE_WRITERS = {"trc": write_trc, "movement": write_movement}
#: The annotated clip, beside report.html (which plays it).
VIDEO_NAME = "annotated.mp4"
FRAME_COLUMNS = [
    "frame",
    "time_s",
    "pelvic_obliquity_deg",
    "frontal_obliquity_deg",
    "subject_yaw_deg",
    "off_axis_deg",
    "geometry_sd_deg",
    "camera_roll_deg",
    "stance_leg",
    "corrected_obliquity_deg",
    "drop_deg",
    "trunk_lean_deg",
    "lateral_shift_widths",
    "hip_width_px",
    "pelvis_left_px",
]


def write_outputs(
    analysis: Findings,
    out_dir: Path,
    force: bool = False,
    pdf: bool = False,
    video: bool = False,
    blur_faces: bool = False,
    export_pose: tuple[str, ...] = (),
) -> Path:
    """frames.csv, phases.csv, summary.json, PNG figures and report.html, all or nothing.

    ``pdf`` adds report.pdf; ``video`` adds annotated.mp4 (``blur_faces`` blurs the face);
    ``export_pose`` the pose landmarks (as estimated, before cleaning) as ``trc`` and/or
    ``movement`` files (names in ``POSE_EXPORTS``).
    """
    with atomic_output_dir(out_dir, force=force) as staging:
        write_json(analysis.summary, staging / "summary.json")
        if analysis.summary["usable"]:
            analysis.frames[FRAME_COLUMNS].to_csv(
                staging / "frames.csv", index=False, float_format="%.4f"
            )
            analysis.phases.to_csv(staging / "phases.csv", index=False, float_format="%.4f")
            steps = getattr(analysis, "steps", None)
            if steps is not None and not steps.empty:
                steps.to_csv(staging / "steps.csv", index=False, float_format="%.4f")
        write_figures(analysis, staging)
        clip = VIDEO_NAME if video and analysis.summary["usable"] else None
        html = render_report(analysis, staging, video=clip)
        (staging / "report.html").write_text(html, encoding="utf-8")
        if pdf:
            from hipdrop.report.pdf import write_pdf

            write_pdf(analysis, staging / "report.pdf", staging)
        if video:
            from hipdrop.report.video import write_annotated_video

            write_annotated_video(analysis, staging / VIDEO_NAME, blur_faces=blur_faces)
        for kind in export_pose:
            POSE_WRITERS[kind](analysis.raw_tracks, staging / POSE_EXPORTS[kind])
    return out_dir
