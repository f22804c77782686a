"""Every setting of one analysis in one typed, frozen object, built once (by the command line,
``batch`` or a notebook) and handed to :func:`hipdrop.analyse` whole.

``AnalysisOptions()`` is the default analysis; change a field with ``dataclasses.replace`` or
by naming it: ``AnalysisOptions(task="walk", height_cm=178)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from hipdrop.analysis.pose_input import PoseFileHints
from hipdrop.analysis.task import check_task
from hipdrop.errors import HipdropError
from hipdrop.events.single_leg import SingleLegParams
from hipdrop.pose.backend import PoseSettings
from hipdrop.pose.subject import check_person_hint
from hipdrop.tracks.signal import CleaningParams

#: Plausible body heights (cm) and 35-mm-equivalent focal lengths (mm): outside them the
#: number is a typing error, refused before pose runs.
PLAUSIBLE_HEIGHT_CM = (50.0, 250.0)
PLAUSIBLE_FOCAL_LENGTH_MM = (8.0, 300.0)


@dataclass(frozen=True)
class PoseOptions:
    """How pose runs on a video: the model's settings, which person is the subject (``auto``,
    ``left``, ``right``, ``center``; None keeps ``settings.person``), the mirrored second pass,
    and the worker processes (``jobs``: default the number of cores; ``in_process``: run
    inside this process, as batch workers do)."""

    settings: PoseSettings = field(default_factory=PoseSettings)
    person: str | None = None
    mirror_pass: bool = True
    jobs: int | None = None
    in_process: bool = False

    def resolved_settings(self) -> PoseSettings:
        """The pose settings with the person hint applied (checked)."""
        if self.person is None:
            return self.settings
        return replace(self.settings, person=check_person_hint(self.person))


@dataclass(frozen=True)
class AnalysisOptions:
    """One analysis's settings. ``task``: ``auto``, ``single-leg``, ``walk``, ``run`` or
    ``stairs``; ``thresholds_path``: a threshold profile (TOML) instead of the default;
    ``height_cm``: body height, for lateral shift in cm; ``focal_length_mm``: the lens's
    35-mm-equivalent focal length, if known (sharpens the camera's pitch); ``cleaning`` and
    ``stance``: the track cleaning's and stance detection's parameters; ``pose``: how pose runs;
    ``pose_file``: hints for a pose file given instead of a video."""

    task: str = "auto"
    thresholds_path: Path | str | None = None
    height_cm: float | None = None
    focal_length_mm: float | None = None
    cleaning: CleaningParams = field(default_factory=CleaningParams)
    stance: SingleLegParams = field(default_factory=SingleLegParams)
    pose: PoseOptions = field(default_factory=PoseOptions)
    pose_file: PoseFileHints = field(default_factory=PoseFileHints)

    def check(self) -> None:
        """Refuse settings that cannot be right, before any pose runs."""
        check_task(self.task)
        self.pose.resolved_settings()
        low, high = PLAUSIBLE_HEIGHT_CM
        if self.height_cm is not None and not low <= self.height_cm <= high:
            raise HipdropError(
                f"--height-cm {self.height_cm:g} is not a plausible body height ({low:g}-{high:g})"
            )
        low, high = PLAUSIBLE_FOCAL_LENGTH_MM
        if self.focal_length_mm is not None and not low <= self.focal_length_mm <= high:
            raise HipdropError(
                f"--focal-length-mm {self.focal_length_mm:g} is not a plausible 35-mm-equivalent "
                f"focal length ({low:g}-{high:g})"
            )
