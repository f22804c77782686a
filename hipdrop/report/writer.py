"""The output folder of one analysis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

from hipdrop.io.outputs import atomic_output_dir, write_json
from hipdrop.report.html import render_report

if TYPE_CHECKING:
    from hipdrop.result import Analysis

FRAME_COLUMNS = [
    "frame",
    "time_s",
    "pelvic_obliquity_deg",
    "stance_leg",
    "corrected_obliquity_deg",
    "drop_deg",
    "trunk_lean_deg",
    "hip_width_px",
    "pelvis_left_px",
]


def _save_figure(fig, path: Path) -> None:
    fig.savefig(path)
    plt.close(fig)


def write_outputs(analysis: Analysis, out_dir: Path, force: bool = False) -> Path:
    """frames.csv, phases.csv, summary.json, PNG figures and report.html, all or nothing."""
    with atomic_output_dir(out_dir, force=force) as staging:
        write_json(analysis.summary, staging / "summary.json")
        if analysis.summary["usable"]:
            analysis.frames[FRAME_COLUMNS].to_csv(
                staging / "frames.csv", index=False, float_format="%.4f"
            )
            analysis.phases.to_csv(staging / "phases.csv", index=False, float_format="%.4f")
            _save_figure(analysis.plot_obliquity(), staging / "obliquity.png")
            _save_figure(analysis.plot_sides(), staging / "sides.png")
            if not analysis.steps.empty:
                analysis.steps.to_csv(staging / "steps.csv", index=False, float_format="%.4f")
            gait_cycle = analysis.plot_gait_cycle()
            if gait_cycle is not None:
                _save_figure(gait_cycle, staging / "gait_cycle.png")
            for side in ("left", "right"):
                fig = analysis.plot_evidence(side)
                if fig is not None:
                    _save_figure(fig, staging / f"evidence_{side}.png")
        (staging / "report.html").write_text(render_report(analysis, staging), encoding="utf-8")
    return out_dir
