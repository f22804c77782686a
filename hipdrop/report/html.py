"""Self-contained HTML: the report file and the short card shown in Jupyter."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from hipdrop.report.content import (
    DISCLAIMER,
    PHASE_REPORT_COLUMNS,
    STEP_REPORT_COLUMNS,
    evidence_caption,
    fmt,
    key_numbers,
    method_items,
    session_rows,
    stair_sections,
    steps_of,
    table,
    task_title,
)
from hipdrop.report.figures import FIGURE_NAMES, time_axes
from hipdrop.report.plots import CLASS_COLOURS, SIDE_COLOURS

if TYPE_CHECKING:
    from hipdrop.analysis.findings import Findings

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("hipdrop.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
)


_ENV.filters["fmt"] = fmt


def environment() -> jinja2.Environment:
    """The report templates (autoescaped: every value is shown as text)."""
    return _ENV


def _data_uri(path: Path) -> str | None:
    if not path.exists():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _context(analysis: Findings, figures_dir: Path | None, video: str | None = None) -> dict:
    summary = analysis.summary
    figures, chart_axes = {}, None
    if figures_dir is not None:
        for name in FIGURE_NAMES:
            figures[name] = _data_uri(figures_dir / f"{name}.png")
        chart_axes = time_axes(figures_dir / "obliquity.png")
    usable = summary["usable"]
    return {
        "s": summary,
        "title": task_title(summary.get("task")),
        "session": session_rows(summary),
        "key_numbers": {
            side: key_numbers(summary["sides"][side], summary) for side in ("left", "right")
        }
        if usable
        else {},
        "phase_table": table(analysis.phases, PHASE_REPORT_COLUMNS) if usable else ([], []),
        "step_table": table(steps_of(analysis), STEP_REPORT_COLUMNS) if usable else ([], []),
        "stairs": summary.get("stairs") if usable else None,
        "stair_sections": stair_sections(summary) if usable else [],
        "method": method_items(summary),
        "captions": {side: evidence_caption(side, summary) for side in ("left", "right")},
        "disclaimer": DISCLAIMER,
        "verdicts": dict(zip(("left", "right"), analysis.verdicts, strict=False))
        if summary["usable"]
        else {},
        "shifts": analysis.shift_sentences,
        "refusal": None if summary["usable"] else summary["reason"],
        "figures": figures,
        "video": video if summary["usable"] else None,
        "chart_axes": chart_axes,
        "side_colours": SIDE_COLOURS,
        "class_colours": CLASS_COLOURS,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "css": (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8"),
    }


def render_report(analysis: Findings, figures_dir: Path | None, video: str | None = None) -> str:
    """The full report with figures (PNG files in ``figures_dir``) embedded as data URIs.

    ``video``: the annotated clip's file name beside the report; the report then plays it,
    a click on the obliquity chart seeks it, and a cursor on the chart follows it.
    """
    context = _context(analysis, figures_dir, video)
    return _ENV.get_template("report.html").render(**context)


def summary_card_html(analysis: Findings) -> str:
    """A compact verdict card for Jupyter's rich display."""
    return _ENV.get_template("card.html").render(**_context(analysis, None))
