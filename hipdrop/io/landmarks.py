"""Save and load ``LandmarkTracks`` as ``.npz`` (plain arrays, never pickles)."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from hipdrop.errors import HipdropError
from hipdrop.tracks import LandmarkTracks

FORMAT_VERSION = 1


def save_tracks(tracks: LandmarkTracks, path: Path) -> None:
    """Write atomically: a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        "time_s": tracks.time_s,
        "xy_px": tracks.xy_px.astype(np.float32),
        "visibility": tracks.visibility.astype(np.float32),
        "image_size_px": np.asarray(tracks.image_size_px, dtype=np.int64),
        "meta_json": np.frombuffer(json.dumps(tracks.meta).encode(), dtype=np.uint8),
        "format_version": np.asarray(FORMAT_VERSION),
    }
    if tracks.world_m is not None:
        arrays["world_m"] = tracks.world_m.astype(np.float32)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_tracks(path: Path) -> LandmarkTracks:
    """Read a file written by :func:`save_tracks`; a damaged file raises ``HipdropError``."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format_version"]) != FORMAT_VERSION:
                raise HipdropError(f"{path.name}: unsupported landmark file version")
            world = data["world_m"].astype(np.float64) if "world_m" in data.files else None
            return LandmarkTracks(
                time_s=data["time_s"].astype(np.float64),
                xy_px=data["xy_px"].astype(np.float64),
                visibility=data["visibility"].astype(np.float64),
                image_size_px=tuple(int(v) for v in data["image_size_px"]),
                world_m=world,
                meta=json.loads(bytes(data["meta_json"]).decode()),
            )
    except HipdropError:
        raise
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError, TypeError) as exc:
        raise HipdropError(f"{path.name}: not a readable hipdrop landmark file ({exc})") from exc
