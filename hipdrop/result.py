"""``Analysis``: what ``analyse()`` returns - the findings with plots, report and Jupyter view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hipdrop.analysis.findings import Findings

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


@dataclass
class Analysis(Findings):
    """One clip's analysis: its :class:`~hipdrop.analysis.findings.Findings` (summary, tables,
    tracks, verdicts) with plot methods that accept an ``ax=``, ``save`` for the output folder,
    and an HTML view for Jupyter."""

    def plot_obliquity(self, ax: Axes | None = None) -> Figure:
        """Obliquity over time with stance phases shaded and threshold lines."""
        from hipdrop.report.plots import plot_obliquity

        return plot_obliquity(self, ax=ax)

    def plot_sides(self, ax: Axes | None = None) -> Figure:
        """Peak drop per stance leg against the threshold band."""
        from hipdrop.report.plots import plot_sides

        return plot_sides(self, ax=ax)

    def plot_gait_cycle(self, ax: Axes | None = None) -> Figure | None:
        """Obliquity over 0-100% of the gait cycle, mean ± SD per side, over the normal band;
        None when the clip has no complete gait cycle."""
        from hipdrop.report.plots import plot_gait_cycle

        return plot_gait_cycle(self, ax=ax)

    def plot_evidence(self, side: str) -> Figure | None:
        """The frame at this side's peak drop with the pelvis line; None without a peak."""
        from hipdrop.report.evidence import peak_evidence_figure

        return peak_evidence_figure(self, side)

    def save(
        self,
        out_dir: Path | str,
        force: bool = False,
        pdf: bool = False,
        video: bool = False,
        blur_faces: bool = False,
        export_pose: tuple[str, ...] = (),
    ) -> Path:
        """Write the output folder (tables, summary.json, figures, report.html) atomically.

        ``pdf`` adds report.pdf, ``video`` an annotated copy of the clip (annotated.mp4),
        with faces blurred when ``blur_faces``; ``export_pose`` the landmarks as pose files
        (``trc``: landmarks.trc, ``movement``: landmarks.nc).
        """
        from hipdrop.report.writer import write_outputs

        return write_outputs(
            self,
            Path(out_dir),
            force=force,
            pdf=pdf,
            video=video,
            blur_faces=blur_faces,
            export_pose=export_pose,
        )

    def to_pdf(self, path: Path | str) -> Path:
        """Write the report alone as an A4 PDF (written whole or not at all)."""
        from hipdrop.report.pdf import save_pdf

        return save_pdf(self, Path(path))

    def to_video(self, path: Path | str, blur_faces: bool = False) -> Path:
        """Write the clip annotated with skeleton, pelvis line, live angle and stance leg."""
        from hipdrop.report.video import save_annotated_video

        return save_annotated_video(self, Path(path), blur_faces=blur_faces)

    def _repr_html_(self) -> str:
        from hipdrop.report.html import summary_card_html

        return summary_card_html(self)
