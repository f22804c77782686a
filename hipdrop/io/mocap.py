"""Marker-based motion capture readers (C3D, OpenSim TRC and MOT) for validating hipdrop.

Everything is returned in metres and seconds with frame indices counted from the first
stored frame. The gait-lab sign convention for pelvic obliquity (positive when the LEFT side
is higher) matches hipdrop's, so reference angles are passed through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from hipdrop.errors import HipdropError
from hipdrop.io.c3d_contents import parameter_value, read_c3d_contents
from hipdrop.io.force_plates import (
    CONTACT_THRESHOLD_N,
    PlateContact,
    contact_intervals,
    plate_contacts,
    read_force_plates,
)

#: Gait-event kinds, as written in the events table.
FOOT_STRIKE = "foot_strike"
FOOT_OFF = "foot_off"

#: C3D angle outputs holding pelvic obliquity in component 1 (Plug-in Gait / CGM order:
#: tilt, obliquity, rotation), first match wins; the left-side output is used because its
#: obliquity is positive when the left side is higher.
C3D_OBLIQUITY_OUTPUTS = ("LPelvisAngles", "LPelvisAngles_CGM_2.4")
#: OpenSim GRF columns of vertical force per side, as labs name them (case aside): Hamner's
#: pipeline (right unnumbered, left ``1_``), then side prefixes and side suffixes. ``{axis}`` is
#: the vertical: y (OpenSim's Y up) where the file has it, else z.
GRF_VERTICAL_COLUMNS = (
    {"right": "ground_force_v{axis}", "left": "1_ground_force_v{axis}"},
    {"right": "r_ground_force_v{axis}", "left": "l_ground_force_v{axis}"},
    {"right": "right_ground_force_v{axis}", "left": "left_ground_force_v{axis}"},
    {"right": "ground_force_r_v{axis}", "left": "ground_force_l_v{axis}"},
)

_UNIT_TO_M = {"mm": 1e-3, "cm": 1e-2, "m": 1.0}


@dataclass(frozen=True)
class MocapEvent:
    """One gait event: ``side`` left/right, ``kind`` foot_strike/foot_off, ``frame`` index."""

    side: str
    kind: str
    frame: int


@dataclass(frozen=True)
class MocapTrial:
    """Marker trajectories (metres, NaN in gaps) with optional reference angles and events.

    ``vertical_axis`` is the index of the vertical world axis (2 in C3D, 1 in OpenSim files).
    ``obliquity_deg`` maps reference names to pelvic obliquity series (degrees, positive when
    the LEFT side is higher); ``reference`` names the one to compare with by default.
    ``plate_contacts`` are the complete force-plate contacts, None where the file has no
    readable force plates.
    """

    markers_m: dict[str, np.ndarray]
    rate_hz: float
    first_frame: int
    vertical_axis: int
    source: str
    obliquity_deg: dict[str, np.ndarray] = field(default_factory=dict)
    reference: str | None = None
    events: list[MocapEvent] = field(default_factory=list)
    plate_contacts: list[PlateContact] | None = None

    @property
    def n_frames(self) -> int:
        return len(next(iter(self.markers_m.values()))) if self.markers_m else 0

    @property
    def time_s(self) -> np.ndarray:
        """Frame times from the first stored frame."""
        return np.arange(self.n_frames) / self.rate_hz

    @property
    def reference_obliquity_deg(self) -> np.ndarray | None:
        return None if self.reference is None else self.obliquity_deg[self.reference]

    def first_marker(self, names: tuple[str, ...]) -> str | None:
        """The first of ``names`` present with data in at least half the frames, else None."""
        for name in names:
            values = self.markers_m.get(name)
            if values is not None and np.isfinite(values[:, 0]).mean() >= 0.5:
                return name
        return None


def _gaps_to_nan(points: np.ndarray) -> np.ndarray:
    """(n, 3) copy with NaN where all three coordinates are exactly zero (the C3D gap code)."""
    out = np.asarray(points, dtype=float).copy()
    out[np.all(out == 0.0, axis=1)] = np.nan
    return out


def _c3d_event_times_s(times) -> np.ndarray:
    """EVENT:TIMES as seconds, from either the flat [m0, s0, m1, s1, ...] or a (2, N) array."""
    values = np.asarray(times, dtype=float)
    pairs = values.reshape(-1, 2) if values.ndim == 1 else values.reshape(2, -1).T
    return 60.0 * pairs[:, 0] + pairs[:, 1]


def _c3d_events(parameters: dict, rate_hz: float, first_frame: int, n_frames: int) -> list:
    """Foot strikes and offs from the EVENT group, sorted by frame; others are ignored."""
    group = parameters.get("EVENT")
    if not group or "TIMES" not in group:
        return []
    contexts = list(parameter_value(group, "CONTEXTS", []))
    labels = list(parameter_value(group, "LABELS", []))
    seconds = _c3d_event_times_s(parameter_value(group, "TIMES"))
    events = []
    for context, label, time_s in zip(contexts, labels, seconds, strict=False):
        side = str(context).strip().lower()
        kind = str(label).strip().lower().replace(" ", "_").replace("-", "_")
        if side not in ("left", "right") or kind not in (FOOT_STRIKE, FOOT_OFF):
            continue
        frame = round(time_s * rate_hz) - first_frame
        if 0 <= frame < n_frames:
            events.append(MocapEvent(side, kind, int(frame)))
    return sorted(events, key=lambda e: (e.frame, e.side, e.kind))


def read_c3d(path: str | Path) -> MocapTrial:
    """Markers, reference pelvic obliquity and gait events from a C3D file (needs ezc3d).

    Gaps (stored as 0, 0, 0) become NaN. Points listed as angles, forces, moments, powers or
    scalars are not markers; the pelvis angle outputs give the obliquity references. Force
    plates, where the file has readable ones, give their complete contacts. ezc3d runs in a
    child process (:mod:`hipdrop.io.c3d_contents`): a file that crashes it is an error here.
    """
    path = Path(path)
    c3d = read_c3d_contents(path)
    parameters = c3d.parameters
    point = parameters.get("POINT", {})
    labels = [str(label).strip() for label in parameter_value(point, "LABELS", [])]
    labels += [str(label).strip() for label in parameter_value(point, "LABELS2", [])]
    data = c3d.points  # (4, labels, frames)
    labels = labels[: data.shape[1]]
    rate_hz, first_frame = c3d.point_rate_hz, c3d.first_frame
    unit = str((parameter_value(point, "UNITS", ["mm"]) or ["mm"])[0]).strip().lower()
    if unit not in _UNIT_TO_M:
        raise HipdropError(f"{path.name}: unknown marker unit {unit!r}")
    not_markers = set()
    for group_name in ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS"):
        names = parameter_value(point, group_name, []) or []
        not_markers.update(str(name).strip() for name in names)
    markers, obliquity = {}, {}
    for index, label in enumerate(labels):
        values = _gaps_to_nan(data[:3, index].T)
        if label in C3D_OBLIQUITY_OUTPUTS:
            obliquity[label] = values[:, 1]
        if label not in not_markers:
            markers[label] = values * _UNIT_TO_M[unit]
    reference = next((name for name in C3D_OBLIQUITY_OUTPUTS if name in obliquity), None)
    events = _c3d_events(parameters, rate_hz, first_frame, data.shape[2])
    plates = read_force_plates(parameters, c3d.analogs, c3d.analog_rate_hz, _UNIT_TO_M[unit])
    contacts = plate_contacts(plates, rate_hz) if plates else None
    return MocapTrial(
        markers, rate_hz, first_frame, 2, path.name, obliquity, reference, events, contacts
    )


@dataclass(frozen=True)
class TrcTable:
    """An OpenSim TRC file as stored: ``names`` and their (n, k, 3) ``positions`` in the file's
    ``units`` (NaN in gaps), each row's ``time_s`` (the Time column), frame numbers from the
    first."""

    names: list[str]
    positions: np.ndarray
    time_s: np.ndarray
    rate_hz: float
    units: str
    first_frame: int
    source: str


def read_trc_table(path: str | Path) -> TrcTable:
    """The marker or keypoint table of a TRC file, units as written (OpenSim, Pose2Sim,
    Sports2D and hipdrop write them)."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
        keys, values = lines[1].split("\t"), lines[2].split("\t")
        header = {k.strip(): v.strip() for k, v in zip(keys, values, strict=False) if k.strip()}
        names = [name.strip() for name in lines[3].split("\t")[2:] if name.strip()]
        rows = [line.split("\t") for line in lines[5:] if line.strip()]
        width = 2 + 3 * len(names)
        table = np.array([[float(v) if v.strip() else np.nan for v in row[:width]] for row in rows])
        rate_hz = float(header["DataRate"])
    except (OSError, IndexError, KeyError, ValueError) as error:
        raise HipdropError(f"cannot read {path.name} as an OpenSim TRC file: {error}") from error
    if table.ndim != 2 or table.shape[1] != width:
        raise HipdropError(f"{path.name}: marker columns do not match the header")
    if not (np.isfinite(rate_hz) and rate_hz > 0):
        raise HipdropError(f"{path.name}: DataRate {rate_hz} is not a frame rate")
    if len(table) and not np.isfinite(table[0, 0]):
        raise HipdropError(f"{path.name}: the first row has no frame number")
    return TrcTable(
        names=names,
        positions=table[:, 2:].reshape(len(table), len(names), 3),
        time_s=table[:, 1],
        rate_hz=rate_hz,
        units=header.get("Units", "mm").lower(),
        first_frame=int(table[0, 0]) if len(table) else 1,
        source=path.name,
    )


def trc_trial(table: TrcTable) -> MocapTrial:
    """A TRC table as a motion-capture trial in metres (Y vertical, the TRC convention)."""
    if table.units not in _UNIT_TO_M:
        raise HipdropError(f"{table.source}: unknown marker unit {table.units!r}")
    scale = _UNIT_TO_M[table.units]
    markers = {name: table.positions[:, i] * scale for i, name in enumerate(table.names)}
    return MocapTrial(markers, table.rate_hz, table.first_frame, 1, table.source)


def read_trc(path: str | Path) -> MocapTrial:
    """Marker trajectories from an OpenSim TRC file (units from its header; Y vertical)."""
    return trc_trial(read_trc_table(path))


def read_mot(path: str | Path) -> pd.DataFrame:
    """An OpenSim storage (.mot / .sto) file as a table, one column per header name."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
        end = next(i for i, line in enumerate(lines) if line.strip().lower() == "endheader")
        body = [line for line in lines[end + 1 :] if line.strip()]  # exports leave blank lines
        columns = body[0].split()
        rows = [line.split() for line in body[1:]]
        table = pd.DataFrame(np.array(rows, dtype=float), columns=columns)
    except (OSError, StopIteration, IndexError, ValueError) as error:
        raise HipdropError(f"cannot read {path.name} as an OpenSim .mot file: {error}") from error
    if "time" not in table.columns:
        raise HipdropError(f"{path.name}: no 'time' column")
    return table


def _frames_at(time_s: np.ndarray, trial: MocapTrial) -> np.ndarray:
    """Marker-frame indices of storage times; the TRC's first frame is at time 0."""
    return np.round(np.asarray(time_s) * trial.rate_hz).astype(int)


def with_ik_reference(trial: MocapTrial, ik_path: str | Path) -> MocapTrial:
    """Trial with OpenSim IK ``pelvis_list`` (positive: LEFT side higher) as its reference."""
    table = read_mot(ik_path)
    if "pelvis_list" not in table.columns:
        raise HipdropError(f"{Path(ik_path).name}: no pelvis_list column")
    series = np.full(trial.n_frames, np.nan)
    frames = _frames_at(table["time"].to_numpy(), trial)
    inside = (frames >= 0) & (frames < trial.n_frames)
    series[frames[inside]] = table["pelvis_list"].to_numpy()[inside]
    obliquity = {**trial.obliquity_deg, "pelvis_list": series}
    return replace(trial, obliquity_deg=obliquity, reference="pelvis_list")


def grf_vertical_columns(columns: list[str], source: str) -> dict[str, str]:
    """Side -> the column of that foot's vertical ground force (``GRF_VERTICAL_COLUMNS``).

    Numbered plates alone (``1_``, ``2_``) do not say which foot stood on which: an error, as
    is a file with no match, naming the force columns it has and the names understood.
    """
    by_name = {column.lower(): column for column in columns}
    for axis in ("y", "z"):
        for pattern in GRF_VERTICAL_COLUMNS:
            names = {side: name.format(axis=axis) for side, name in pattern.items()}
            if all(name in by_name for name in names.values()):
                return {side: by_name[name] for side, name in names.items()}
    forces = [column for column in columns if "force" in column.lower()] or ["none"]
    understood = "; ".join(
        f"{p['right'].format(axis='y')} (right) with {p['left'].format(axis='y')} (left)"
        for p in GRF_VERTICAL_COLUMNS
    )
    raise HipdropError(
        f"{source}: no vertical ground force per foot among its force columns "
        f"({', '.join(forces)}); understood: {understood}, any case, _vz where there is no "
        "_vy. Numbered plates alone do not say which foot stood on each: rename the columns"
    )


def grf_events(
    grf_path: str | Path, trial: MocapTrial, threshold_n: float = CONTACT_THRESHOLD_N
) -> list[MocapEvent]:
    """Foot strikes and offs where each side's vertical ground force crosses ``threshold_n``.

    Contacts are found as on force plates (``contact_intervals``) and mapped to the nearest
    marker frame; a contact under way at the start gives only its foot off, one under way at
    the end only its strike.
    """
    table = read_mot(grf_path)
    time_s = table["time"].to_numpy()
    if len(time_s) < 2:
        return []
    rate_hz = (len(time_s) - 1) / (time_s[-1] - time_s[0])
    if not (np.isfinite(rate_hz) and rate_hz > 0):
        raise HipdropError(f"{Path(grf_path).name}: the time column does not increase")
    events = []
    for side, column in grf_vertical_columns(list(table.columns), Path(grf_path).name).items():
        for contact in contact_intervals(table[column].to_numpy(), rate_hz, threshold_n):
            for kind, index in zip((FOOT_STRIKE, FOOT_OFF), contact, strict=True):
                frame = None if index is None else round(float(time_s[index]) * trial.rate_hz)
                if frame is not None and 0 <= frame < trial.n_frames:
                    events.append(MocapEvent(side, kind, frame))
    return sorted(events, key=lambda e: (e.frame, e.side, e.kind))


def read_mocap(
    path: str | Path, ik_path: str | Path | None = None, grf_path: str | Path | None = None
) -> MocapTrial:
    """C3D or TRC trial, with the IK reference and GRF contacts added when given."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".c3d":
        trial = read_c3d(path)
    elif suffix == ".trc":
        if not path.is_file():
            raise HipdropError(f"no such TRC file: {path}")
        trial = read_trc(path)
    else:
        raise HipdropError(f"{path.name}: expected a .c3d or .trc motion-capture file")
    if ik_path is not None:
        trial = with_ik_reference(trial, ik_path)
    if grf_path is not None:
        trial = replace(trial, events=grf_events(grf_path, trial))
    return trial
