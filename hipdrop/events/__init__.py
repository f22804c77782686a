"""Which leg stands, when: detectors per task, all returning the same phase table."""

from hipdrop.events.phases import PHASE_COLUMNS, phases_from_labels
from hipdrop.events.single_leg import SingleLegParams, detect_single_leg_stance

__all__ = [
    "PHASE_COLUMNS",
    "SingleLegParams",
    "detect_single_leg_stance",
    "phases_from_labels",
]
