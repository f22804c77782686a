"""Reading a threshold profile file (TOML) as plain data; what it means is
``analysis/thresholds.py``'s."""

from __future__ import annotations

import tomllib
from pathlib import Path

from hipdrop.errors import HipdropError


def read_threshold_profile(path: Path) -> dict:
    """The parsed TOML document; a missing, unreadable or malformed file is a clear error."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HipdropError(f"{path}: threshold file not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise HipdropError(f"{path.name}: not a valid TOML threshold file ({exc})") from None
