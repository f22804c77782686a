"""The A4 PDF report (reportlab): page 1 is the verdict, the pages after it the detail."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    KeepInFrame,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

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
from hipdrop.report.figures import FIGURE_NAMES, write_figures
from hipdrop.report.plots import CLASS_COLOURS, SIDE_COLOURS

if TYPE_CHECKING:
    from hipdrop.analysis.findings import Findings

MARGIN = 14 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
#: Height available to page 1 (the frame less the padding reportlab keeps inside it).
FIRST_PAGE_HEIGHT = A4[1] - 2 * MARGIN - 12 - 8 * mm
INK, MUTED, LINE = (
    colors.HexColor("#212529"),
    colors.HexColor("#6c757d"),
    colors.HexColor("#dee2e6"),
)


@cache
def _fonts() -> tuple[str, str]:
    """DejaVu Sans (shipped with matplotlib) so names in any European script print."""
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    try:
        pdfmetrics.registerFont(TTFont("HipdropSans", str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("HipdropSans-Bold", str(folder / "DejaVuSans-Bold.ttf")))
    except Exception:  # a trimmed matplotlib install: fall back to the built-in Helvetica
        return "Helvetica", "Helvetica-Bold"
    return "HipdropSans", "HipdropSans-Bold"


@cache
def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    base = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "body": base,
        "small": ParagraphStyle("small", base, fontSize=8, leading=10, textColor=MUTED),
        "muted": ParagraphStyle("muted", base, textColor=MUTED),
        "right": ParagraphStyle("right", base, fontSize=8.5, leading=11, textColor=MUTED,
                                alignment=TA_RIGHT),
        "title": ParagraphStyle("title", base, fontName=bold, fontSize=19, leading=23),
        "h2": ParagraphStyle("h2", base, fontName=bold, fontSize=12, leading=15, spaceBefore=8,
                             spaceAfter=4),
        "side": ParagraphStyle("side", base, fontName=bold, fontSize=10, leading=13),
        "big": ParagraphStyle("big", base, fontName=bold, fontSize=22, leading=26),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=10.5),
        "bold": ParagraphStyle("bold", base, fontName=bold),
    }  # fmt: skip


def _para(text: str, style: str = "body") -> Paragraph:
    """Plain text in a paragraph: markup characters are escaped, line breaks kept."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), _styles()[style])


def _image(path: Path, max_width: float, max_height: float) -> Image:
    """A PNG scaled to fit the box without changing its aspect ratio."""
    width, height = ImageReader(str(path)).getSize()
    scale = min(max_width / width, max_height / height)
    return Image(str(path), width=width * scale, height=height * scale)


def _tagged(flowable: Flowable, section: str) -> Flowable:
    flowable._hipdrop_section = section
    return flowable


def _grid(rows: list[list], widths: list[float] | None, style: list, header_rows: int = 0) -> Table:
    grid = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=header_rows)
    grid.setStyle(TableStyle(style))
    return grid


def _header(analysis: Findings) -> list[Flowable]:
    summary = analysis.summary
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    left = [
        _para("Hip drop assessment", "title"),
        _para(f"{task_title(summary.get('task'))} · frontal-plane pelvic drop", "muted"),
    ]
    right = _para(
        f"Clip: {summary['provenance']['input_name']}\nView: {summary['view']} · "
        f"Generated {generated}",
        "right",
    )
    flow: list[Flowable] = [
        _grid(
            [[left, right]],
            [CONTENT_WIDTH * 0.55, CONTENT_WIDTH * 0.45],
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (0, 0), (-1, 0), 2, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ],
        ),
        Spacer(1, 3 * mm),
    ]
    session = session_rows(summary)
    if session:
        rows = [[_para(label, "muted"), _para(value)] for label, value in session]
        flow.append(
            _tagged(
                _grid(
                    rows,
                    [28 * mm, CONTENT_WIDTH - 28 * mm],
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
                    ],
                ),
                "session",
            )
        )
        flow.append(Spacer(1, 3 * mm))
    return flow


def _side_card(analysis: Findings, side: str, verdict: str, width: float) -> list[Flowable]:
    summary = analysis.summary
    info = summary["sides"][side]
    badge_colour = colors.HexColor(CLASS_COLOURS.get(info["classification"], "#868e96"))
    peak = info.get("peak_drop_deg")
    number = (
        "–"
        if peak is None
        else f"{fmt(peak)}° <font size=11 color='#6c757d'>"
        f"± {fmt(info.get('uncertainty_deg'))}°</font>"
    )
    badge = _grid(
        [[info["classification"].upper()]],
        None,
        [
            ("FONT", (0, 0), (-1, -1), _fonts()[1], 8),
            ("BACKGROUND", (0, 0), (-1, -1), badge_colour),
            ("TEXTCOLOR", (0, 0), (-1, -1), colors.white),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ],
    )
    numbers = _grid(
        [[_para(k, "cell"), _para(v, "cell")] for k, v in key_numbers(info, summary)],
        [width * 0.62, width * 0.38],
        [
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
            ("LINEBELOW", (0, 0), (-1, -2), 0.25, LINE),
        ],
    )
    side_style = ParagraphStyle(
        "s", _styles()["side"], textColor=colors.HexColor(SIDE_COLOURS[side])
    )
    return [
        Paragraph(f"{side.upper()} LEG STANCE", side_style),
        Paragraph(number, _styles()["big"]),
        badge,
        Spacer(1, 2 * mm),
        _para(verdict),
        Spacer(1, 2 * mm),
        numbers,
    ]


def _verdict_cards(analysis: Findings) -> Table:
    col = (CONTENT_WIDTH - 4 * mm) / 2
    inner = col - 8 * mm
    verdicts = dict(zip(("left", "right"), analysis.verdicts, strict=True))
    cells = [_side_card(analysis, side, verdicts[side], inner) for side in ("left", "right")]
    return _grid(
        [[cells[0], "", cells[1]]],
        [col, 4 * mm, col],
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOX", (0, 0), (0, 0), 0.6, LINE),
            ("BOX", (2, 0), (2, 0), 0.6, LINE),
            ("LINEABOVE", (0, 0), (0, 0), 4, colors.HexColor(SIDE_COLOURS["left"])),
            ("LINEABOVE", (2, 0), (2, 0), 4, colors.HexColor(SIDE_COLOURS["right"])),
            ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
            ("LEFTPADDING", (1, 0), (1, 0), 0),
            ("RIGHTPADDING", (1, 0), (1, 0), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
        ],
    )


def _evidence(figures: dict[str, Path], summary: dict) -> Table:
    col = CONTENT_WIDTH / 2
    cells = []
    for side in ("left", "right"):
        path = figures.get(f"evidence_{side}")
        if path is None:
            cells.append([_para(f"No {side} stance to show.", "muted")])
            continue
        cells.append(
            [
                _image(path, col - 6 * mm, 82 * mm),
                _para(
                    evidence_caption(side, summary),
                    "small",
                ),
            ]
        )
    return _grid(
        [cells],
        [col, col],
        [("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "TOP")],
    )


def _warnings(summary: dict) -> Table:
    text = [_para("Quality notes", "bold")] + [_para(f"• {w}", "cell") for w in summary["warnings"]]
    return _grid(
        [[text]],
        [CONTENT_WIDTH],
        [
            ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fff8e1")),
            ("LINEBEFORE", (0, 0), (0, -1), 3, colors.HexColor("#e8a200")),
            ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
        ],
    )


def _first_page(analysis: Findings, figures: dict[str, Path]) -> list[Flowable]:
    summary = analysis.summary
    flow = _header(analysis)
    if not summary["usable"]:
        flow.append(
            _tagged(
                _grid(
                    [[_para(f"No hip-drop numbers for this clip. {summary['reason']}", "bold")]],
                    [CONTENT_WIDTH],
                    [
                        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fdecea")),
                        ("LINEBEFORE", (0, 0), (0, -1), 3, colors.HexColor("#c92a2a")),
                        ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                    ],
                ),
                "verdicts",
            )
        )
    else:
        thr = summary["thresholds"]
        asym = summary.get("asymmetry_deg")
        flow += [
            _tagged(_verdict_cards(analysis), "verdicts"),
            Spacer(1, 2 * mm),
            _para(
                f"Threshold {thr['threshold_deg']:g}° with a borderline band of "
                f"± {thr['sdd_deg'] / 2:g}° (one smallest detectable difference wide)."
                + (f" Left − right asymmetry: {fmt(asym)}°." if asym is not None else ""),
                "muted",
            ),
            Spacer(1, 2 * mm),
            _tagged(_evidence(figures, summary), "evidence"),
        ]
    if summary["warnings"]:
        flow += [Spacer(1, 3 * mm), _tagged(_warnings(summary), "warnings")]
    return flow


def _data_table(headings: list[str], rows: list[list[str]]) -> Table:
    """A table across the page; columns as wide as their longest word or value, cells wrap."""
    bold = _fonts()[1]
    heading = ParagraphStyle("th", _styles()["cell"], fontName=bold, fontSize=7.5, leading=9)
    text = ParagraphStyle("td", _styles()["cell"], fontSize=8, leading=9.5)
    number = ParagraphStyle("tdr", text, alignment=TA_RIGHT)
    chars = [
        max([len(max(h.split(), key=len))] + [len(row[i]) for row in rows])
        for i, h in enumerate(headings)
    ]
    weights = [min(max(c, 7), 30) for c in chars]
    widths = [CONTENT_WIDTH * w / sum(weights) for w in weights]

    def cell(value: str, column: int) -> Paragraph:
        numeric = column > 0 and (value == "–" or value.lstrip("-").replace(".", "", 1).isdigit())
        return Paragraph(escape(value), number if numeric else text)

    return _grid(
        [
            [Paragraph(escape(h), heading) for h in headings],
            *[[cell(v, i) for i, v in enumerate(row)] for row in rows],
        ],
        widths,
        [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f5")),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, LINE),
            ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ],
        header_rows=1,
    )


def _figure(
    title: str, path: Path, max_width: float, max_height: float, section: str | None = None
) -> KeepTogether:
    """A heading and its figure, never split across pages (``section`` tags the heading)."""
    heading = _para(title, "h2")
    if section is not None:
        _tagged(heading, section)
    return KeepTogether([heading, _image(path, max_width, max_height)])


def _detail(analysis: Findings, figures: dict[str, Path]) -> list[Flowable]:
    summary = analysis.summary
    flow: list[Flowable] = []
    if "obliquity" in figures:
        flow.append(
            _figure(
                "Pelvic obliquity over time", figures["obliquity"], CONTENT_WIDTH, 95 * mm, "detail"
            )
        )
    if "sides" in figures:
        flow.append(_figure("Peak drop by stance leg", figures["sides"], 110 * mm, 80 * mm))
    if "gait_cycle" in figures:
        flow.append(_figure("Gait cycle", figures["gait_cycle"], 150 * mm, 90 * mm, "gait_cycle"))
    if summary["usable"] and summary.get("stairs"):
        flow.append(_tagged(_para("Stairs: up and down", "h2"), "stairs"))
        flow.append(_para(summary["stairs"]["direction_reason"].capitalize() + ".", "muted"))
        headings = ["Stance leg", "Steps used", "Peak drop (°)", "Classification", "In words"]
        for part in stair_sections(summary):
            flow += [_para(f"{part['heading']}: {part['lead']}.", "bold")]
            flow.append(_data_table(headings, part["rows"]))
    step_headings, step_rows = table(steps_of(analysis), STEP_REPORT_COLUMNS)
    if step_rows:
        flow += [_para("Steps", "h2"), _tagged(_data_table(step_headings, step_rows), "steps")]
    if summary["usable"]:
        headings, rows = table(analysis.phases, PHASE_REPORT_COLUMNS)
        flow.append(_para("Stance phases", "h2"))
        flow.append(
            _data_table(headings, rows) if rows else _para("No single-leg stance phase.", "muted")
        )
    flow.append(_tagged(_para("Method and provenance", "h2"), "method"))
    for term, text in method_items(summary):
        flow += [_para(term, "bold"), _para(text, "cell"), Spacer(1, 1.5 * mm)]
    flow += [Spacer(1, 3 * mm), _para(DISCLAIMER, "small")]
    return flow


@dataclass
class PdfLayout:
    """Where the report landed: page per tagged section, page 1's shrink factor and words.

    Page 1 is one block (shrunk to fit when needed), so its parts are listed in ``texts``.
    """

    pages: int = 0
    sections: dict[str, int] = field(default_factory=dict)
    first_page_shrink: float = 1.0
    texts: dict[str, str] = field(default_factory=dict)


class _TrackingDoc(SimpleDocTemplate):
    """Records the page each tagged flowable lands on (read by the tests and the layout)."""

    def __init__(self, path: str, layout: PdfLayout, **kwargs) -> None:
        super().__init__(path, **kwargs)
        self.layout = layout

    def afterFlowable(self, flowable: Flowable) -> None:
        section = getattr(flowable, "_hipdrop_section", None)
        if section is not None:
            self.layout.sections.setdefault(section, self.page)


def write_pdf(analysis: Findings, path: Path, figures_dir: Path) -> PdfLayout:
    """Render the report to ``path`` using the PNG figures already drawn in ``figures_dir``."""
    figures = {
        name: figures_dir / f"{name}.png"
        for name in FIGURE_NAMES
        if (figures_dir / f"{name}.png").exists()
    }
    layout = PdfLayout()
    first = _first_page(analysis, figures)
    layout.texts = {
        getattr(f, "_hipdrop_section", ""): _plain_text(f)
        for f in first
        if hasattr(f, "_hipdrop_section")
    }
    first_page = _tagged(
        KeepInFrame(CONTENT_WIDTH, FIRST_PAGE_HEIGHT, first, mode="shrink"), "first"
    )
    story = [first_page, PageBreak(), *_detail(analysis, figures)]
    regular, _ = _fonts()
    summary = analysis.summary
    patient = (summary.get("session") or {}).get("patient_name")
    footer = " · ".join(
        x
        for x in (
            f"hipdrop {summary['provenance']['hipdrop_version']}",
            summary["provenance"]["input_name"],
            patient,
        )
        if x
    )
    footer = footer if len(footer) <= 110 else footer[:109] + "…"

    def draw_footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 8 * mm, footer)
        canvas.drawRightString(A4[0] - MARGIN, 8 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = _TrackingDoc(
        str(path),
        layout,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"Hip drop report – {summary['provenance']['input_name']}",
        author="hipdrop",
    )
    doc.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    layout.pages = doc.page
    layout.first_page_shrink = float(getattr(first_page, "_scale", 1.0))
    return layout


def _plain_text(flowable: Flowable) -> str:
    """The words inside a flowable (paragraphs, nested in tables), for checks and tests."""
    if isinstance(flowable, Paragraph):
        return flowable.getPlainText()
    if isinstance(flowable, Table):
        return " ".join(_plain_text(cell) for row in flowable._cellvalues for cell in row)
    if isinstance(flowable, list | tuple):
        return " ".join(_plain_text(item) for item in flowable)
    return flowable if isinstance(flowable, str) else ""


def save_pdf(analysis: Findings, path: Path) -> Path:
    """The PDF report alone at ``path``: figures drawn in a scratch folder, file replaced whole."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".hipdrop-pdf-", dir=path.parent) as scratch:
        scratch = Path(scratch)
        write_figures(analysis, scratch)
        partial = scratch / "report.pdf"
        write_pdf(analysis, partial, scratch)
        os.replace(partial, path)
    return path
