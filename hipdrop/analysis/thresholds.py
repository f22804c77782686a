"""Threshold profiles (TOML files, read by ``io/threshold_files.py``) and classification."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hipdrop.errors import HipdropError
from hipdrop.io.threshold_files import read_threshold_profile

Classification = Literal["normal", "borderline", "excessive", "insufficient data"]

#: ``hipdrop/data`` links to the repository's top-level ``data/`` folder, so the profile ships
#: inside wheels as package data and an editable install reads the repository's own copy.
DEFAULT_THRESHOLDS_FILE = Path(__file__).parent.parent / "data" / "thresholds_default.toml"


@dataclass(frozen=True)
class TaskThresholds:
    """One task's values with their sources."""

    task: str
    threshold_deg: float
    sdd_deg: float
    hike_threshold_deg: float
    fall_deg: float
    threshold_source: str
    sdd_source: str
    profile_name: str

    def classify(self, peak_drop_deg: float | None) -> Classification:
        """Normal / borderline / excessive; the borderline band is one SDD wide."""
        if peak_drop_deg is None or not math.isfinite(peak_drop_deg):
            return "insufficient data"
        if peak_drop_deg >= self.threshold_deg + self.sdd_deg / 2:
            return "excessive"
        if peak_drop_deg >= self.threshold_deg - self.sdd_deg / 2:
            return "borderline"
        return "normal"


def _number(section: dict, key: str, where: str) -> float:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise HipdropError(f"{where}: '{key}' must be a number")
    return float(value)


def load_thresholds(task: str, path: Path | str | None = None) -> TaskThresholds:
    """The ``[task]`` section of a profile file (default: the shipped profile)."""
    path = Path(path) if path is not None else DEFAULT_THRESHOLDS_FILE
    document = read_threshold_profile(path)
    section = document.get(task)
    if not isinstance(section, dict):
        raise HipdropError(f"{path.name}: no [{task}] section")
    where = f"{path.name} [{task}]"
    profile = document.get("profile", {})
    return TaskThresholds(
        task=task,
        threshold_deg=_number(section, "threshold_deg", where),
        sdd_deg=_number(section, "sdd_deg", where),
        hike_threshold_deg=_number(section, "hike_threshold_deg", where),
        fall_deg=_number(section, "fall_deg", where),
        threshold_source=str(section.get("threshold_source", "not given")),
        sdd_source=str(section.get("sdd_source", "not given")),
        profile_name=str(profile.get("name", path.name))
        if isinstance(profile, dict)
        else path.name,
    )
