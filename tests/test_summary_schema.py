"""summary.json follows its published schema; the schema catches what a consumer would trip on.
(Every analysis in the suite is also validated, by the autouse fixture in conftest.py.)"""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from hipdrop.cli import main
from hipdrop.summary_schema import SUMMARY_SCHEMA_VERSION, summary_schema


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("demo") / "out"
    assert main(["demo", "--out", str(out)]) == 0
    return json.loads((out / "summary.json").read_text())


def test_the_written_summary_validates_and_names_its_version(written) -> None:
    jsonschema.Draft202012Validator.check_schema(summary_schema())
    jsonschema.validate(written, summary_schema())
    assert written["schema_version"] == SUMMARY_SCHEMA_VERSION


@pytest.mark.parametrize(
    "damage",
    [
        lambda s: s.pop("camera"),
        lambda s: s["sides"]["left"].update(classification="fine"),
        lambda s: s["sides"]["left"].update(peak_drop_deg="7"),
        lambda s: s.update(unexpected_field=1),
        lambda s: s["camera"].update(frames_too_oblique=-1),
        lambda s: s.update(schema_version="1.0"),
    ],
    ids=[
        "no camera",
        "unknown class",
        "angle as text",
        "undeclared field",
        "negative count",
        "old version",
    ],
)
def test_the_schema_rejects_a_damaged_summary(written, damage) -> None:
    broken = copy.deepcopy(written)
    damage(broken)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, summary_schema())
