"""Figures: one style, left and right in fixed colours, every function takes ``ax=``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

if TYPE_CHECKING:
    from hipdrop.analysis.findings import Findings
    from hipdrop.analysis.session_change import SessionComparison

#: Stance-leg colours used in every figure and the report.
SIDE_COLOURS = {"left": "#1f6fb4", "right": "#d9542b"}
CLASS_COLOURS = {
    "normal": "#2f9e44",
    "borderline": "#e8a200",
    "excessive": "#c92a2a",
    "insufficient data": "#868e96",
}
STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "legend.frameon": False,
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
}


def _axes(ax: Axes | None, size_in: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=size_in, layout="constrained")
    return fig, ax


def plot_obliquity(analysis: Findings, ax: Axes | None = None) -> Figure:
    """Baseline-corrected frontal obliquity over time beside the raw image angle, stance phases
    shaded, threshold lines."""
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax, (8.0, 3.4))
        frames, summary = analysis.frames, analysis.summary
        threshold = summary["thresholds"]["threshold_deg"]
        for phase in summary["phases"]:
            ax.axvspan(
                phase["start_s"],
                phase["end_s"],
                color=SIDE_COLOURS[phase["stance_leg"]],
                alpha=0.12,
                lw=0,
            )
        offset = (summary.get("baseline") or {}).get("obliquity_deg") or 0.0
        ax.plot(
            frames["time_s"],
            frames["pelvic_obliquity_deg"] - offset,
            color="#adb5bd",
            lw=1.0,
            ls=":",
        )
        ax.plot(frames["time_s"], frames["corrected_obliquity_deg"], color="#212529", lw=1.6)
        ax.axhline(0, color="#495057", lw=0.8)
        ax.axhline(threshold, color=SIDE_COLOURS["left"], ls="--", lw=1)
        ax.axhline(-threshold, color=SIDE_COLOURS["right"], ls="--", lw=1)
        for side, info in summary["sides"].items():
            if info.get("peak_drop_deg") is None:
                continue
            t = info["peak_drop_s"]
            y = np.interp(t, frames["time_s"], frames["corrected_obliquity_deg"])
            ax.plot([t], [y], "o", ms=7, mfc="white", mec=SIDE_COLOURS[side], mew=2, zorder=5)
        ax.set_xlabel("Time (s)")
        ax.set_ylabel("Pelvic obliquity (°)\n+ left hip higher")
        ax.set_title(
            "Pelvic obliquity over time"
            + ("" if summary.get("baseline") else " (not baseline-corrected)")
        )
        ax.legend(
            handles=[
                Patch(color=SIDE_COLOURS["left"], alpha=0.3, label="left-leg stance"),
                Patch(color=SIDE_COLOURS["right"], alpha=0.3, label="right-leg stance"),
                plt.Line2D([], [], color="#212529", lw=1.6, label="pelvis tilt (3D, view undone)"),
                plt.Line2D([], [], color="#adb5bd", ls=":", label="image angle (raw)"),
                plt.Line2D(
                    [], [], color="#6c757d", ls="--", label=f"±{threshold:g}° drop threshold"
                ),
                plt.Line2D(
                    [], [], marker="o", ls="", mfc="white", mec="#495057", label="peak drop"
                ),
            ],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=9,
        )
    return fig


def plot_sides(analysis: Findings, ax: Axes | None = None) -> Figure:
    """Peak drop per stance leg with its uncertainty, against the threshold and its band."""
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax, (4.6, 3.4))
        summary = analysis.summary
        thr = summary["thresholds"]
        band = thr["sdd_deg"] / 2
        ax.axhspan(
            thr["threshold_deg"] - band,
            thr["threshold_deg"] + band,
            color="#e8a200",
            alpha=0.15,
            lw=0,
            label="borderline band",
        )
        ax.axhline(
            thr["threshold_deg"],
            color="#495057",
            ls="--",
            lw=1,
            label=f"threshold {thr['threshold_deg']:g}°",
        )
        for i, side in enumerate(("left", "right")):
            info = summary["sides"][side]
            peak = info.get("peak_drop_deg")
            if peak is None:
                ax.text(i, 0.3, "no data", ha="center", va="bottom", color="#868e96")
                continue
            ax.bar(i, peak, width=0.55, color=SIDE_COLOURS[side], alpha=0.9)
            err = info.get("uncertainty_deg")
            if err is not None and np.isfinite(err):
                ax.errorbar(i, peak, yerr=err, color="#212529", capsize=6, lw=1.2)
            ax.text(
                i,
                max(peak, 0) + (err or 0) + 0.3,
                f"{peak:.1f}°",
                ha="center",
                va="bottom",
                fontweight="bold",
            )
        ax.axhline(0, color="#495057", lw=0.8)
        ax.set_xticks(
            [0, 1], ["Left stance\n(right side drops)", "Right stance\n(left side drops)"]
        )
        ax.set_ylabel("Peak pelvic drop (°)")
        ax.set_title("Peak drop by stance leg")
        ax.margins(y=0.25)
        ax.legend(loc="upper right", fontsize=8)
    return fig


def plot_progress(comparison: SessionComparison, ax: Axes | None = None) -> Figure:
    """Peak drop per stance leg across sessions (by date when all have one), with threshold."""
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax, (6.4, 3.4))
        table = comparison.table
        first = comparison.sessions[0].summary["thresholds"]
        threshold, band = first["threshold_deg"], first["sdd_deg"] / 2
        ax.axhspan(threshold - band, threshold + band, color="#e8a200", alpha=0.15, lw=0)
        ax.axhline(threshold, color="#495057", ls="--", lw=1)
        for offset, side in ((-0.06, "left"), (0.06, "right")):
            mine = table[table["stance_leg"] == side]
            mine = mine[mine["peak_drop_deg"].notna()]
            ax.errorbar(
                mine["order"] + offset,
                mine["peak_drop_deg"].astype(float),
                yerr=mine["uncertainty_deg"].astype(float),
                color=SIDE_COLOURS[side],
                marker="o",
                ms=7,
                lw=2,
                capsize=4,
                label=f"{side} stance ({'right' if side == 'left' else 'left'} side drops)",
            )
        ax.axhline(0, color="#495057", lw=0.8)
        labels = [s.label for s in comparison.sessions]
        ax.set_xticks(range(len(labels)), labels, rotation=20 if len(labels) > 4 else 0)
        ax.set_xlim(-0.4, len(labels) - 0.6)
        ax.set_xlabel("Session" + (" date" if comparison.by_date else " (order given)"))
        ax.set_ylabel("Peak pelvic drop (°)")
        ax.set_title("Peak drop across sessions")
        handles, names = ax.get_legend_handles_labels()
        handles += [
            plt.Line2D([], [], color="#495057", ls="--"),
            Patch(color="#e8a200", alpha=0.3),
        ]
        names += [f"threshold {threshold:g}°", f"borderline band ±{band:g}°"]
        ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
        ax.margins(y=0.2)
    return fig


def plot_gait_cycle(analysis: Findings, ax: Axes | None = None) -> Figure | None:
    """Obliquity over 0-100% of the gait cycle: mean ± SD per side over the normal band.

    None when the clip has no complete stride (single-leg tasks, short clips).
    """
    from hipdrop.analysis.gait_cycle import cycle_curves, foot_off_percent, normal_band

    if analysis.steps.empty or not analysis.summary["usable"]:
        return None
    curves = cycle_curves(analysis.frames, analysis.steps)
    if not any(len(c) for c in curves.values()):
        return None
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax, (7.0, 3.8))
        percent = np.linspace(0, 100, next(c.shape[1] for c in curves.values()))
        mean, sd = normal_band(percent)
        ax.fill_between(percent, mean - sd, mean + sd, color="#adb5bd", alpha=0.35, lw=0)
        ax.plot(percent, mean, color="#868e96", lw=1, ls=":")
        handles = [Patch(color="#adb5bd", alpha=0.5, label="normal (Schwartz 2008) ± SD")]
        offs = foot_off_percent(analysis.steps)
        for side, cycles in curves.items():
            if not len(cycles):
                continue
            colour = SIDE_COLOURS[side]
            centre, spread = cycles.mean(axis=0), cycles.std(axis=0)
            ax.fill_between(percent, centre - spread, centre + spread, color=colour, alpha=0.2)
            ax.plot(percent, centre, color=colour, lw=2)
            if offs[side] is not None:
                ax.axvline(offs[side], color=colour, ls="--", lw=1)
            handles.append(
                plt.Line2D([], [], color=colour, lw=2, label=f"{side} ({len(cycles)} cycles)")
            )
        ax.axhline(0, color="#495057", lw=0.8)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Gait cycle (%) from foot strike; dashed: foot off")
        ax.set_ylabel("Pelvic obliquity (°)\n+ this side's hip higher")
        ax.set_title("Pelvic obliquity over the gait cycle")
        ax.legend(handles=handles, loc="lower left", fontsize=8, ncol=3)
        ax.margins(y=0.3)
    return fig
