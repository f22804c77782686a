"""``compare()``: several analysed sessions of one patient in order, with the change per side
(see :mod:`hipdrop.analysis.session_change`), a progress plot, an output folder and a Jupyter
view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hipdrop.analysis.session_change import SessionComparison

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from hipdrop.analysis.findings import Findings


@dataclass
class Comparison(SessionComparison):
    """Several sessions in order: tidy table, change per consecutive pair, progress plot."""

    def plot_progress(self, ax: Axes | None = None) -> Figure:
        """Peak drop per side across sessions, against the threshold and its band."""
        from hipdrop.report.plots import plot_progress

        return plot_progress(self, ax=ax)

    def save(self, out_dir: Path | str, force: bool = False) -> Path:
        """comparison.json, progress.png and comparison.html in one folder, all or nothing."""
        from hipdrop.report.comparison import write_comparison

        return write_comparison(self, Path(out_dir), force=force)

    def _repr_html_(self) -> str:
        from hipdrop.report.comparison import comparison_html

        return comparison_html(self, None)


def compare(*sources: Path | str | dict | Findings) -> Comparison:
    """Compare analysed sessions (output folders, summary.json files or analyses).

    Sessions are put in date order when every one has a session date, else kept in the order
    given.
    """
    return Comparison.from_sources(*sources)
