"""One cache entry written whole or not at all (scene edges, camera motion)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np


def keep_npz(file: Path, **arrays: np.ndarray) -> None:
    """Store ``arrays`` in ``file`` atomically; a cache that cannot be written is simply not
    used (it only costs speed, never the analysis)."""
    temporary = None
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=file.parent, suffix=".npz.part")
        with os.fdopen(handle, "wb") as out:
            np.savez(out, **arrays)
        os.replace(temporary, file)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
