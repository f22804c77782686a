"""The report's PNG figures, drawn once into a folder and shared by the HTML and the PDF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

from hipdrop.report.evidence import peak_evidence_figure
from hipdrop.report.plots import plot_gait_cycle, plot_obliquity, plot_sides

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hipdrop.analysis.findings import Findings

#: Every figure a report may embed, in reading order (file name without ``.png``).
FIGURE_NAMES = ("evidence_left", "evidence_right", "obliquity", "sides", "gait_cycle")


#: PNG text key holding where a time chart's axes lie, so the report can map a click on the
#: picture to a moment of the clip: {"x0", "x1": fractions of the width, "t0", "t1": seconds}.
TIME_AXES_KEY = "hipdrop:time-axes"


def _save(fig: Figure | None, path: Path, time_axes: bool = False) -> Path | None:
    if fig is None:
        return None
    metadata = None
    if time_axes:
        fig.canvas.draw()  # lays the figure out, so the axes sit where the PNG will show them
        box, (t0, t1) = fig.axes[0].get_position(), fig.axes[0].get_xlim()
        where = {"x0": box.x0, "x1": box.x1, "t0": t0, "t1": t1}
        metadata = {TIME_AXES_KEY: json.dumps(where)}
    fig.savefig(path, metadata=metadata)
    plt.close(fig)
    return path


def write_figures(analysis: Findings, folder: Path) -> dict[str, Path]:
    """Draw the figures this analysis has into ``folder``; returns name -> PNG path."""
    if not analysis.summary["usable"]:
        return {}
    drawn = {
        "obliquity": _save(plot_obliquity(analysis), folder / "obliquity.png", time_axes=True),
        "sides": _save(plot_sides(analysis), folder / "sides.png"),
    }
    for side in ("left", "right"):
        drawn[f"evidence_{side}"] = _save(
            peak_evidence_figure(analysis, side), folder / f"evidence_{side}.png"
        )
    drawn["gait_cycle"] = _save(plot_gait_cycle(analysis), folder / "gait_cycle.png")
    return {name: path for name, path in drawn.items() if path is not None}


def time_axes(png: Path) -> dict | None:
    """Where a chart saved with ``time_axes`` has its time axis (see ``TIME_AXES_KEY``)."""
    from PIL import Image

    if not png.exists():
        return None
    with Image.open(png) as image:
        text = image.text.get(TIME_AXES_KEY)
    return json.loads(text) if text else None
