"""Which motion-capture marker stands for which landmark, however the lab named it.

Labs write Plug-in Gait names (``LASI``), CGM2.4 joint centres (``LHJC_CGM_2.4``), OpenSim
names (``L.ASIS``), ISB-style anatomical names (``L_IAS``, heels ``L_FCC``), in any case, often
behind a subject prefix (``A22:LASI``). Labels are matched without their prefix and case; what
still does not match can be named in a small TOML file (``--markers``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

from hipdrop.errors import HipdropError
from hipdrop.io.mocap import MocapTrial

#: Marker candidates per landmark (first present wins): Plug-in Gait segment outputs, CGM2.4
#: joint centres, Plug-in Gait markers, OpenSim (Hamner) names, then ISB-style anatomical
#: names (IAS: anterior superior iliac spine, FLE: lateral femoral epicondyle, FAL: lateral
#: malleolus, FCC: calcaneus, FM2/FM1: metatarsal heads, SAE: acromion); "{s}" is L or R.
#: Hips: PiG's femur proximal points are its hip joint centres, the same model as the PiG
#: pelvis angles; ASIS only where no hip centre exists (same line orientation, wider).
MARKER_CANDIDATES: dict[str, tuple[str, ...]] = {
    "hip": ("{s}FEP", "{s}HJC_CGM_2.4", "{s}HJC", "{s}ASI", "{s}ASIS", "{s}.ASIS", "{s}_IAS"),
    "knee": ("{s}FEO", "{s}KJC_CGM_2.4", "{s}KJC", "{s}KNE", "{s}_FLE"),
    "ankle": ("{s}TIO", "{s}AJC_CGM_2.4", "{s}AJC", "{s}ANK", "{s}_FAL"),
    "heel": ("{s}HEE", "{s}.Heel", "{s}_FCC"),
    "foot_index": ("{s}TOE", "{s}.Toe.Tip", "{s}_FM2", "{s}_FM1"),
    "shoulder": ("{s}SHO", "{s}.Acromium", "{s}_SAE"),
}
SIDE_CODES = {"left": "L", "right": "R"}
#: Landmarks a ``--markers`` file may name.
LANDMARKS = tuple(f"{side}_{part}" for part in MARKER_CANDIDATES for side in SIDE_CODES)
#: Hip candidates that are the ASIS, not a hip joint centre.
ASIS_LABELS = ("asi", "asis", ".asis", "_ias")


def normalised(label: str) -> str:
    """A label without its subject prefix (``A22:``), surrounding space and case."""
    return label.rsplit(":", 1)[-1].strip().lower()


def read_marker_names(path: str | Path) -> dict[str, str]:
    """A ``--markers`` TOML file: landmark = "label", e.g. ``left_hip = "LASI"``."""
    path = Path(path)
    try:
        table = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise HipdropError(f"cannot read {path.name} as a marker TOML file: {error}") from error
    unknown = sorted(set(table) - set(LANDMARKS))
    if unknown:
        raise HipdropError(
            f"{path.name}: unknown landmark(s) {', '.join(unknown)}; use {', '.join(LANDMARKS)}"
        )
    if not all(isinstance(label, str) for label in table.values()):
        raise HipdropError(
            f'{path.name}: each landmark takes one marker label, e.g. left_hip = "LASI"'
        )
    return dict(table)


def marker_map(trial: MocapTrial, named: dict[str, str] | None = None) -> dict[str, str]:
    """Landmark name (e.g. ``left_hip``) -> the trial's marker label, for the landmarks it has.

    ``named`` (from :func:`read_marker_names`) wins over the built-in candidates; a label it
    names that the trial lacks is an error listing what the trial has.
    """
    by_name: dict[str, str] = {}
    for label in trial.markers_m:
        by_name.setdefault(normalised(label), label)
    found = {}
    for part, patterns in MARKER_CANDIDATES.items():
        for side, code in SIDE_CODES.items():
            labels = (by_name.get(normalised(p.format(s=code))) for p in patterns)
            name = trial.first_marker(tuple(label for label in labels if label is not None))
            if name is not None:
                found[f"{side}_{part}"] = name
    for landmark, label in (named or {}).items():
        actual = by_name.get(normalised(label))
        if actual is None:
            raise HipdropError(
                f"{trial.source}: no marker {label!r} (for {landmark}); {markers_found(trial)}"
            )
        found[landmark] = actual
    return found


def markers_found(trial: MocapTrial, limit: int = 40) -> str:
    """'the file has N markers: A, B, ...' for error messages."""
    labels = sorted(trial.markers_m)
    shown = ", ".join(labels[:limit]) + (", ..." if len(labels) > limit else "")
    return f"the file has {len(labels)} markers: {shown}"


def is_asis(label: str) -> bool:
    """True for an ASIS marker label (any of the naming styles above)."""
    name = normalised(label)
    return any(name == f"{s}{suffix}" for s in ("l", "r") for suffix in ASIS_LABELS)


def asis_obliquity_deg(trial: MocapTrial, markers: dict[str, str]) -> np.ndarray:
    """The 3D ASIS line's tilt against the horizontal per frame, + when the LEFT side is higher."""
    line = trial.markers_m[markers["left_hip"]] - trial.markers_m[markers["right_hip"]]
    rise = line[:, trial.vertical_axis]
    across = np.linalg.norm(np.delete(line, trial.vertical_axis, axis=1), axis=1)
    return np.degrees(np.arctan2(rise, across))
