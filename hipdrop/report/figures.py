"""The report's PNG figures, drawn once into a folder and shared by the HTML and the PDF."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hipdrop.result import Analysis

#: Every figure a report may embed, in reading order (file name without ``.png``).
FIGURE_NAMES = ("evidence_left", "evidence_right", "obliquity", "sides", "gait_cycle")


def _save(fig: Figure | None, path: Path) -> Path | None:
    if fig is None:
        return None
    fig.savefig(path)
    plt.close(fig)
    return path


def write_figures(analysis: Analysis, folder: Path) -> dict[str, Path]:
    """Draw the figures this analysis has into ``folder``; returns name -> PNG path."""
    if not analysis.summary["usable"]:
        return {}
    drawn = {
        "obliquity": _save(analysis.plot_obliquity(), folder / "obliquity.png"),
        "sides": _save(analysis.plot_sides(), folder / "sides.png"),
    }
    for side in ("left", "right"):
        drawn[f"evidence_{side}"] = _save(
            analysis.plot_evidence(side), folder / f"evidence_{side}.png"
        )
    gait_cycle = getattr(analysis, "plot_gait_cycle", None)
    if gait_cycle is not None:
        drawn["gait_cycle"] = _save(gait_cycle(), folder / "gait_cycle.png")
    return {name: path for name, path in drawn.items() if path is not None}
