"""Atomic output folders: everything is written to a hidden sibling, then renamed into place."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hipdrop.errors import HipdropError


@contextmanager
def atomic_output_dir(out_dir: Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``out_dir`` only if the block finishes.

    On any error or interruption (Ctrl-C included) the temporary folder is removed, so no
    half-written output is ever left behind. An existing ``out_dir`` is replaced only with
    ``force``.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not force:
        raise HipdropError(f"{out_dir} already exists; use --force to replace it")
    if out_dir.exists() and not out_dir.is_dir():
        raise HipdropError(f"{out_dir} exists and is not a folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        yield staging
        if out_dir.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            os.replace(out_dir, retired / "old")
            os.replace(staging, out_dir)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _json_safe(value):
    """NaN and infinities become null; numpy scalars become plain numbers."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(data: dict, path: Path) -> None:
    path.write_text(
        json.dumps(_json_safe(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def read_summary(path: Path) -> tuple[dict, Path]:
    """A saved analysis's ``summary.json`` (``path``: the file or its output folder), parsed,
    and the file it came from; anything else is a clear error."""
    file = path / "summary.json" if path.is_dir() else path
    if not file.is_file():
        raise HipdropError(f"{path}: not an output folder or summary.json (no summary.json there)")
    try:
        summary = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HipdropError(f"{file}: not a readable summary.json ({exc})") from None
    if not isinstance(summary, dict) or "sides" not in summary or "thresholds" not in summary:
        raise HipdropError(f"{file}: not a hipdrop summary.json (no 'sides' or 'thresholds')")
    return summary, file
