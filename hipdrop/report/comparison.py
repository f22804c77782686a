"""Output of ``hipdrop compare``: JSON, progress plot and a small self-contained HTML page."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

from hipdrop.io.outputs import atomic_output_dir, write_json
from hipdrop.report.content import fmt
from hipdrop.report.html import environment
from hipdrop.report.plots import CLASS_COLOURS, SIDE_COLOURS

if TYPE_CHECKING:
    from hipdrop.analysis.session_change import SessionComparison


def comparison_html(comparison: SessionComparison, progress_png: Path | None) -> str:
    """The comparison page; the progress plot is embedded when its PNG is given."""
    image = None
    if progress_png is not None:
        image = "data:image/png;base64," + base64.b64encode(progress_png.read_bytes()).decode()
    rows = [
        {
            "label": s.label,
            "source": s.source,
            "cells": [
                (fmt(s.peak(side)), s.summary.get("sides", {}).get(side, {}).get("classification"))
                for side in ("left", "right")
            ],
        }
        for s in comparison.sessions
    ]
    return (
        environment()
        .get_template("comparison.html")
        .render(
            rows=rows,
            verdicts=comparison.verdicts,
            swapped=any(p.swapped for p in comparison.pairs),
            real_change=any(p.real_change for p in comparison.pairs),
            image=image,
            side_colours=SIDE_COLOURS,
            class_colours=CLASS_COLOURS,
            css=(Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8"),
        )
    )


def write_comparison(comparison: SessionComparison, out_dir: Path, force: bool = False) -> Path:
    """comparison.json, progress.png, comparison.html - all or nothing."""
    with atomic_output_dir(out_dir, force=force) as staging:
        write_json(comparison.as_dict(), staging / "comparison.json")
        fig = comparison.plot_progress()
        fig.savefig(staging / "progress.png")
        plt.close(fig)
        (staging / "comparison.html").write_text(
            comparison_html(comparison, staging / "progress.png"), encoding="utf-8"
        )
    return out_dir
