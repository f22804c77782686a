"""What the report says, apart from how it looks: one source for the HTML and the PDF."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from hipdrop.geometry.frontal import TURN_FROM_POSE_DEPTH, TURN_RMS_ERROR_SEEN_DEG

if TYPE_CHECKING:
    from hipdrop.analysis.findings import Findings

#: Column, heading, decimals (None: text) of the per-phase table.
PHASE_REPORT_COLUMNS = [
    ("stance_leg", "Stance leg", None),
    ("start_s", "Start (s)", 2),
    ("end_s", "End (s)", 2),
    ("duration_s", "Duration (s)", 2),
    ("peak_drop_deg", "Peak drop (°)", 1),
    ("mean_drop_deg", "Mean drop (°)", 1),
    ("peak_hike_deg", "Hike (°)", 1),
    ("lateral_shift_travel_widths", "Shift travel (pelvis widths)", 2),
    ("peak_lateral_shift_widths", "Pelvis past foot (widths)", 2),
    ("trunk_lean_at_peak_deg", "Trunk lean (°)", 1),
    ("hold_s", "Held level (s)", 2),
]
#: The same for the per-step table of gait tasks (columns shown only when present).
STEP_REPORT_COLUMNS = [
    ("stance_leg", "Stance leg", None),
    ("stair_direction", "Up / down", None),
    ("leads", "To a new step", None),
    ("foot_strike_s", "Foot strike (s)", 2),
    ("foot_off_s", "Foot off (s)", 2),
    ("step_time_s", "Step time (s)", 2),
    ("drop_deg", "Drop at midstance (°)", 1),
    ("peak_drop_deg", "Peak drop (°)", 1),
    ("peak_hike_deg", "Hike (°)", 1),
    ("lateral_shift_widths", "Shift (pelvis widths)", 2),
    ("trunk_lean_deg", "Trunk lean (°)", 1),
    ("included", "Used", None),
    ("excluded_reason", "Left out because", None),
]


TASK_TITLES = {
    "single-leg": "Single-leg stance",
    "walk": "Walking",
    "walking": "Walking",
    "run": "Running",
    "running": "Running",
    "stairs": "Stairs",
}


def task_title(task: str | None) -> str:
    """The task in words for a report heading."""
    return TASK_TITLES.get(task or "", (task or "unknown task").replace("-", " ").capitalize())


def fmt(value, digits: int = 1, unit: str = "") -> str:
    """A number for reading: fixed decimals, a dash for missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, str):
        return value
    text = f"{value:.{digits}f}"
    return f"{text.removeprefix('-') if float(text) == 0 else text}{unit}"  # no "-0"


def table(frame: pd.DataFrame | None, columns: list) -> tuple[list[str], list[list[str]]]:
    """Headings and formatted cells of the listed columns that ``frame`` has."""
    if frame is None or frame.empty:
        return [], []
    present = [c for c in columns if c[0] in frame.columns]
    rows = [
        [
            fmt(row[key], digits) if digits is not None else _text(row[key])
            for key, _, digits in present
        ]
        for row in frame.to_dict("records")
    ]
    return [heading for _, heading, _ in present], rows


def _text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return str(value)


def _lead_text(part: dict) -> str:
    """Which leg leads on the stairs, in words."""
    if part["pattern"] == "step-over-step":
        return "step over step: the legs take turns reaching the next step"
    if part["pattern"] == "step-to":
        other = "right" if part["lead_leg"] == "left" else "left"
        return f"step-to: the {part['lead_leg']} leg leads, the {other} joins it on each step"
    return "which leg leads could not be told"


def stair_sections(summary: dict) -> list[dict]:
    """Per direction the clip went (up, then down): a heading, which leg leads, and per stance
    side its steps, mean peak drop ± SD, classification and the sentence naming the side that
    drops. Empty for other tasks."""
    stairs = summary.get("stairs")
    if not stairs:
        return []
    sections = []
    for direction, heading in (("up", "Going up"), ("down", "Going down")):
        part = stairs.get(direction)
        if not part:
            continue
        rows = []
        for side in ("left", "right"):
            info = part["sides"][side]
            spread = info.get("peak_drop_sd_deg")
            drop = fmt(info["peak_drop_deg"]) + (f" ± {spread:.1f}" if spread is not None else "")
            cells = [side, str(info["n_steps"]), drop, info["classification"], info["sentence"]]
            rows.append(cells)
        sections.append({"heading": heading, "lead": _lead_text(part), "rows": rows})
    return sections


def steps_of(analysis: Findings) -> pd.DataFrame | None:
    """The per-step table of a gait task, None for tasks without steps."""
    steps = getattr(analysis, "steps", None)
    return steps if isinstance(steps, pd.DataFrame) and not steps.empty else None


def key_numbers(info: dict, summary: dict) -> list[tuple[str, str]]:
    """The rows under a side's verdict: threshold, uncertainty, then the supporting numbers."""
    thr = summary["thresholds"]
    rows = [
        (
            "Threshold (borderline band)",
            f"{thr['threshold_deg']:g}° (± {thr['sdd_deg'] / 2:g}°)",
        ),
        ("Uncertainty (95%)", f"± {fmt(info.get('uncertainty_deg'))}°"),
    ]
    if info.get("peak_drop_deg") is None:
        return rows
    shift_rows = _shift_rows(info)
    held = []
    if info.get("hold_s") is not None:  # single-leg holds only; steps have no hold time
        fell = "" if info.get("pelvis_fell") else " (no fall)"
        held = [("Pelvis held level for", f"{fmt(info['hold_s'])} s{fell}")]
    return [
        *rows,
        ("Mean drop during stance", f"{fmt(info.get('mean_drop_deg'))}°"),
        ("Peak hip hike", f"{fmt(info.get('peak_hike_deg'))}°"),
        ("Trunk lean toward stance leg at peak", f"{fmt(info.get('trunk_lean_at_peak_deg'))}°"),
        *shift_rows,
        *held,
        (
            "Stance phases / total time",
            f"{info.get('n_phases', 0)} / {fmt(info.get('stance_s'))} s",
        ),
    ]


def _shift_rows(info: dict) -> list[tuple[str, str]]:
    """Lateral shift rows: over the stance foot for single-leg stance, per step for gait."""

    def widths_cm(widths_key: str, cm_key: str) -> str:
        text = f"{fmt(info.get(widths_key), 2)} pelvis widths"
        return text + (f" ({fmt(info[cm_key])} cm)" if info.get(cm_key) is not None else "")

    if "lateral_shift_travel_widths" in info:
        rows = [
            (
                "Pelvis travel sideways (+ toward stance side)",
                widths_cm("lateral_shift_travel_widths", "lateral_shift_travel_cm"),
            ),
            (
                "Pelvis past the stance foot at most",
                widths_cm("peak_lateral_shift_widths", "peak_lateral_shift_cm"),
            ),
        ]
        if info.get("travel_from_standing_widths") is not None:
            rows.append(
                (
                    "Travel toward stance side since quiet standing",
                    f"{fmt(info['travel_from_standing_widths'], 2)} pelvis widths",
                )
            )
        return rows
    return [
        (
            "Max lateral pelvic shift toward stance leg",
            widths_cm("max_lateral_shift_widths", "max_lateral_shift_cm"),
        )
    ]


def evidence_caption(side: str, summary: dict) -> str:
    """What the evidence frame shows, naming the reference the drop is measured against."""
    reference = (
        "the quiet-standing baseline level (dashed)"
        if summary.get("baseline")
        else "the true horizontal found from the camera's geometry (dashed)"
    )
    return (
        f"{side.capitalize()} stance at peak drop: pelvis line (yellow) against {reference} "
        "through the stance hip."
    )


def session_rows(summary: dict) -> list[tuple[str, str]]:
    """Patient and session fields that were given (plain text, escaped by the renderer)."""
    session = summary.get("session") or {}
    labels = (("patient_name", "Patient"), ("session_date", "Session date"), ("notes", "Notes"))
    return [(label, session[key]) for key, label in labels if session.get(key)]


def camera_items(summary: dict) -> list[tuple[str, str]]:
    """The camera geometry found and what undoing it did to the angle (none for old summaries)."""
    camera = summary.get("camera")
    if not camera:
        return []
    low, high = camera.get("subject_yaw_range_deg") or (None, None)
    motion = camera.get("motion") or {}
    when = f" in frame {motion['reference_frame']}" if motion.get("moved") else ""
    text = (
        f"Camera rolled {fmt(camera['roll_deg'])}° (± {fmt(camera['roll_sd_deg'])}°){when} and "
        f"looking down {fmt(camera['pitch_deg'])}° (± {fmt(camera['pitch_sd_deg'])}°), from "
        f"{camera['method']}. Subject turned about {fmt(camera.get('subject_yaw_deg'), 0)}° "
        f"(± {fmt(camera.get('subject_yaw_sd_deg'), 0)}°) from straight on (range "
        f"{fmt(low, 0)} to {fmt(high, 0)}°){_turn_caveat(camera.get('subject_yaw_from'))}. "
        f"Image angle minus frontal tilt: "
        f"{fmt(camera.get('image_minus_frontal_median_deg'))}° (median)."
    )
    if camera.get("frames_too_oblique"):
        text += (
            f" {camera['frames_too_oblique']} frame(s) seen more than "
            f"{camera['max_off_axis_deg']:g}° off the subject's front or back, or with too "
            "uncertain a view, were left out."
        )
    checks = camera.get("checks") or []
    if checks:
        text += " Checks: " + "; ".join(checks) + "."
    words = motion_sentence(motion)
    return [("Camera and view", text)] + ([("Camera motion", words)] if words else [])


def _turn_caveat(turn_read_from: str | None) -> str:
    """Words that keep a turn read from the pose model's depth from being taken as exact."""
    if turn_read_from != TURN_FROM_POSE_DEPTH:
        return f"; source of the turn: {turn_read_from}" if turn_read_from else ""
    low, high = TURN_RMS_ERROR_SEEN_DEG
    return (
        "; source of the turn: the pose model's depth, which is rough: on a trial filmed by four "
        f"calibrated cameras it was {low:g}-{high:g}° off (RMS per camera), more than the ± "
        "each frame's uncertainty allows for"
    )


def motion_sentence(motion: dict | None) -> str:
    """Whether the camera moved during the clip, by how much and what was done, in words."""
    if not motion:
        return ""
    if not motion["frames_followed"]:
        return (
            "The camera's own motion could not be followed (too little texture behind the "
            "subject): were it hand-held, its sway would be read as the pelvis's."
        )
    low, high = motion["roll_range_deg"]
    if not motion["moved"]:
        return f"The camera did not move during the clip (roll {fmt(low)}° throughout)."
    zoom_low, zoom_high = motion["zoom_range"]
    text = (
        f"The camera moved during the clip (hand-held): its roll went from {fmt(low)}° to "
        f"{fmt(high)}° and its view drifted up to {100 * motion['drift_max_share']:.1f}% of "
        f"the frame, its zoom changing by {fmt(100 * (zoom_high - zoom_low), 1)}%. Every frame was "
        f"steadied to frame {motion['reference_frame']}'s picture, so all are measured against the "
        f"same horizontal (each frame's roll is in frames.csv, camera_roll_deg; the motion "
        f"estimate adds ± {fmt(motion['roll_sd_deg'], 2)}° per frame)."
    )
    if motion["frames_not_followed"]:
        text += (
            f" In {motion['frames_not_followed']} frame(s) the motion could not be followed "
            "(a fast turn, a bare wall, a cut): those not already left out for another reason "
            "are left out as 'camera moving'."
        )
    return text


#: How the report names each pose file kind (``provenance.pose_source.kind``).
POSE_FILE_KINDS = {
    "openpose-json": "OpenPose/Pose2Sim JSON, 2D keypoints",
    "trc-2d": "TRC, 2D keypoints",
    "trc-3d": "TRC, 3D keypoints seen through a virtual camera level and straight in front",
    "movement": "movement poses dataset, 2D keypoints",
}


def pose_text(prov: dict) -> str:
    """Where the landmarks came from: MediaPipe on the clip, or which pose file."""
    source = prov.get("pose_source") or {}
    if source.get("kind") in POSE_FILE_KINDS:
        return (
            f"read from {source['file']} ({POSE_FILE_KINDS[source['kind']]}, keypoints "
            f"{source['keypoints']}, {source['landmarks_used']} landmarks used)"
        )
    if prov.get("pose"):
        pose = prov["pose"]
        sha = pose.get("model_sha256")
        model = pose.get("model", "unknown") + (f", SHA-256 {sha[:12]}…" if sha else "")
        return f"MediaPipe BlazePose ({model})"
    return "none, landmark tracks were given directly"


def method_items(summary: dict) -> list[tuple[str, str]]:
    """Method and provenance, as term and description pairs."""
    prov, thr, quality = summary["provenance"], summary["thresholds"], summary["quality"]
    pose = pose_text(prov)
    if summary.get("baseline"):
        base = summary["baseline"]
        against = (
            f"the quiet-standing baseline ({base['source']}, obliquity "
            f"{fmt(base['obliquity_deg'])}°)"
        )
    else:
        against = "the true horizontal found from the camera's geometry (no baseline)"
    return [
        (
            "Measurement",
            f"Pose: {pose}; landmarks in pixels, cleaned (visibility "
            "mask, left/right repair, gap fill, zero-lag low-pass). Pelvic drop is the tilt of "
            "the hip line in 3D (the camera's roll and pitch and the subject's turn undone) "
            f"against {against}, attributed to the stance leg: positive when the swing side is "
            "lower.",
        ),
        *camera_items(summary),
        ("Threshold", f"{thr['threshold_deg']:g}° – {thr['threshold_source']}"),
        ("Detectable difference", f"{thr['sdd_deg']:g}° – {thr['sdd_source']}"),
        (
            "Uncertainty",
            f"± {fmt(quality.get('uncertainty_deg'))}° per frame (1 SD) from landmark jitter "
            f"({fmt(quality.get('jitter_px'), 2)} px) over hip width "
            f"({fmt(quality.get('hip_width_px'), 0)} px); frame rate "
            f"{fmt(quality.get('frame_rate_hz'), 0)} Hz; "
            f"{fmt(100 * quality.get('usable_fraction', float('nan')), 0)}% of frames usable. "
            "Each side's ± is a 95% range for its peak: that noise carried through the filter "
            "and the peak, the peak read again with the stance starting or ending 0.1 s "
            "earlier or later, and the camera geometry's.",
        ),
        (
            "Provenance",
            f"hipdrop {prov['hipdrop_version']} · threshold profile “{thr['profile_name']}” · "
            f"input SHA-256 {prov.get('input_sha256') or 'n/a'}",
        ),
    ]


DISCLAIMER = (
    "2D video estimates frontal-plane pelvic motion; agreement with 3D motion capture varies "
    "between studies (Hensley et al. 2022, Phys Ther Sport 58:16-33). Treat categories as more "
    "reliable than exact angles, and a change smaller than the detectable difference as no "
    "change."
)
