"""The published JSON Schema of ``summary.json`` and its version."""

from __future__ import annotations

import functools
import json
from importlib import resources

#: Changes with any change of meaning of ``summary.json``; the schema's ``schema_version``.
#: 2.0: obliquity is the frontal tilt with the camera's view undone; ``camera``; lateral shift
#: over the stance foot. 2.1: a side's and a step's ``uncertainty_deg`` is a 95% half-width
#: (it was one frame's noise, 1 SD, which ``quality.uncertainty_deg`` still is). 2.2: ``stairs``
#: (task stairs: up and down said apart, which leg leads); stair steps carry their direction.
#: 2.3: ``camera.motion`` (a hand-held camera's roll, drift and zoom through the clip).
#: 2.4: ``camera.subject_yaw_from`` (where the subject's turn was read from).
SUMMARY_SCHEMA_VERSION = "2.4"


@functools.cache
def summary_schema() -> dict:
    """The JSON Schema (draft 2020-12) every ``summary.json`` of this version follows."""
    text = resources.files("hipdrop").joinpath("data/summary.schema.json").read_text("utf-8")
    return json.loads(text)
