"""Pose files in and out: other estimators' 2D keypoints as ``LandmarkTracks``, and hipdrop's
landmarks for OpenSim (``.trc``) and ``movement`` (its netCDF poses dataset).

Read: OpenPose / Pose2Sim JSON folders (one file per frame), planar TRC files (Sports2D's
``_px`` files: Z is 0) and ``movement`` poses datasets. 3D TRC files are motion capture in all
but name: ``analysis.pose_input`` sees them through a virtual camera. Keypoint confidence is
the landmarks' visibility (0 where a keypoint is missing); keypoints hipdrop does not read are
ignored (:mod:`hipdrop.io.keypoint_names`). What a file does not say - its frame rate, its
image size - is taken from the caller, else assumed with a warning in ``meta["warnings"]``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from hipdrop.conventions import LANDMARK_INDEX, LANDMARK_NAMES, N_LANDMARKS
from hipdrop.errors import HipdropError
from hipdrop.io.keypoint_names import SKELETON_SIZES, SKELETONS, landmark_columns
from hipdrop.tracks import LandmarkTracks

if TYPE_CHECKING:
    from hipdrop.io.mocap import TrcTable

#: What ``hipdrop analyse`` accepts (``--pose-format``); ``auto`` tells them apart by content.
POSE_FORMATS: Final[tuple[str, ...]] = ("auto", "video", "openpose-json", "trc", "movement")
#: What ``--export-pose`` writes into the output folder, and under which name.
POSE_EXPORTS: Final[dict[str, str]] = {"trc": "landmarks.trc", "movement": "landmarks.nc"}
#: Assumed where a file carries no frame rate (OpenPose JSON) and none is given.
DEFAULT_FPS = 30.0
#: Common video frames (width, height), landscape; portrait is tried too. Without a given
#: image size, the smallest that holds every keypoint is taken.
COMMON_FRAMES_PX = ((640, 480), (1280, 720), (1920, 1080), (2560, 1440), (3840, 2160))
#: Planar TRC files hold pixels: Sports2D writes pixel / 1000 and labels it metres.
PLANAR_PX_PER_UNIT = {"px": 1.0, "mm": 1.0, "cm": 10.0, "m": 1000.0}
#: The one individual hipdrop writes into a ``movement`` dataset, and the dimensions of the
#: world landmarks it adds to it.
INDIVIDUAL = "subject"
WORLD_DIMS = ("time", "keypoints", "world_space", "individuals")

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def detect_pose_format(path: Path) -> str:
    """``openpose-json`` for a folder of ``*.json`` files, ``trc`` for a file starting with
    ``PathFileType``, ``movement`` for netCDF (HDF5 or classic), else ``video``."""
    if path.is_dir():
        if not any(path.glob("*.json")):
            raise HipdropError(f"{path.name} is a folder without OpenPose JSON (*.json) files")
        return "openpose-json"
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return "video"  # the video reader says what is wrong with it
    if head.startswith(b"PathFileType"):
        return "trc"
    if head.startswith((_HDF5_MAGIC, b"CDF\x01", b"CDF\x02")):
        return "movement"
    return "video"


def _image_size(
    xy_px: np.ndarray, given: tuple[int, int] | None, warnings: list[str], name: str
) -> tuple[int, int]:
    """The given image size, else the smallest common video frame that holds every keypoint
    (else the keypoints' extent), with a warning."""
    if given is not None:
        return given
    x_max, y_max = (float(np.nanmax(xy_px[..., i], initial=0.0)) for i in (0, 1))
    frames = [f for w, h in COMMON_FRAMES_PX for f in ((w, h), (h, w))]
    fits = [(w, h) for w, h in frames if x_max < w and y_max < h]
    size = min(fits, key=lambda f: f[0] * f[1]) if fits else (int(x_max) + 1, int(y_max) + 1)
    warnings.append(
        f"{name} does not give the image size: taken as {size[0]}x{size[1]} px (the smallest "
        "common video frame that holds every keypoint); give --image-size for the camera's "
        "geometry to use the true one."
    )
    return size


def _frame_rate(in_file: float | None, given: float | None, warnings: list[str], name: str):
    """The file's frame rate, else the given one, else ``DEFAULT_FPS`` with a warning."""
    if in_file is not None and np.isfinite(in_file) and in_file > 0:
        return float(in_file)
    if given is not None:
        return float(given)
    warnings.append(
        f"{name} does not give the frame rate: {DEFAULT_FPS:g} frames/s assumed; give --fps "
        "(stance times and filters depend on it)."
    )
    return DEFAULT_FPS


def _as_tracks(
    time_s: np.ndarray,
    keypoints: np.ndarray,
    confidence: np.ndarray,
    columns: dict[str, int],
    image_size_px: tuple[int, int] | None,
    meta: dict,
    name: str,
) -> LandmarkTracks:
    """(n, k, 2) pixel keypoints and (n, k) confidence -> MediaPipe-shaped tracks (NaN and
    visibility 0 for every landmark the file has no keypoint for)."""
    if not {"left_hip", "right_hip"} <= set(columns):
        raise HipdropError(
            f"{name}: no left and right hip among its keypoints; hipdrop reads OpenPose/Pose2Sim "
            "(LHip), COCO (left_hip) and MediaPipe names"
        )
    n = len(time_s)
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    visibility = np.zeros((n, N_LANDMARKS))
    for landmark, column in columns.items():
        xy[:, LANDMARK_INDEX[landmark]] = keypoints[:, column]
        visibility[:, LANDMARK_INDEX[landmark]] = np.nan_to_num(confidence[:, column])
    missing = ~np.isfinite(xy).all(axis=-1)
    xy[missing] = np.nan
    visibility[missing] = 0.0
    meta.setdefault("warnings", [])
    size = _image_size(xy, image_size_px, meta["warnings"], name)
    return LandmarkTracks(np.asarray(time_s, float), xy, visibility, size, meta=meta)


def _skeleton(size: int, people: list[np.ndarray], name: str) -> str:
    """The skeleton of ``size`` keypoints per person; 25 is BODY_25 when keypoint 8 (its
    mid-hip) lies halfway between 9 and 12 (its hips), else BODY_25B."""
    names = [s for s, n in SKELETON_SIZES.items() if n == size]
    if not names:
        known = ", ".join(f"{s} ({n})" for s, n in SKELETON_SIZES.items())
        raise HipdropError(f"{name}: {size} keypoints per person; hipdrop reads {known}")
    if len(names) == 1:
        return names[0]
    points = np.stack([p[[8, 9, 12]] for p in people])  # (people, 3, [x, y, confidence])
    points = points[(points[:, :, 2] > 0).all(axis=1), :, :2]
    width = np.linalg.norm(points[:, 1] - points[:, 2], axis=-1)
    off = np.linalg.norm(points[:, 0] - 0.5 * (points[:, 1] + points[:, 2]), axis=-1)
    halfway = off < 0.1 * width
    return "BODY_25" if halfway.size and halfway.mean() > 0.5 else "BODY_25B"


def _largest(people: np.ndarray) -> np.ndarray:
    """(k, 3) keypoints of the person whose confident keypoints span the largest box."""
    areas = []
    for person in people:
        seen = person[person[:, 2] > 0, :2]
        areas.append(np.prod(np.ptp(seen, axis=0)) if len(seen) >= 2 else -1.0)
    return people[int(np.argmax(areas))]


def read_openpose_json(
    folder: Path, fps: float | None = None, image_size_px: tuple[int, int] | None = None
) -> LandmarkTracks:
    """An OpenPose / Pose2Sim JSON folder: one file per frame, in file-name order, each with
    ``people[i].pose_keypoints_2d`` = [x, y, confidence] * K (BODY_25, BODY_25B, HALPE_26,
    COCO_17 or COCO_133, told by K). A frame with several people gives the largest one (the
    widest and tallest box of confident keypoints); a keypoint of confidence 0 is missing.
    """
    files = sorted(folder.glob("*.json"))
    if not files:
        raise HipdropError(f"{folder.name}: not a folder of OpenPose JSON files (one per frame)")
    people_per_frame = []
    for file in files:
        try:
            people = json.loads(file.read_text())["people"]
            arrays = [np.asarray(p["pose_keypoints_2d"], float).reshape(-1, 3) for p in people]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise HipdropError(f"{file.name}: not an OpenPose JSON file ({error})") from error
        people_per_frame.append(arrays)
    sizes = {len(a) for arrays in people_per_frame for a in arrays}
    if len(sizes) != 1:
        found = "no person in any frame" if not sizes else f"{sorted(sizes)} keypoints"
        raise HipdropError(f"{folder.name}: {found}; hipdrop needs one skeleton throughout")
    size = sizes.pop()
    skeleton = _skeleton(size, [a for arrays in people_per_frame for a in arrays], folder.name)
    keypoints = np.full((len(files), size, 3), np.nan)
    for frame, arrays in enumerate(people_per_frame):
        if arrays:
            keypoints[frame] = _largest(np.stack(arrays))
    missing = ~(keypoints[..., 2] > 0)
    keypoints[missing] = np.nan
    warnings: list[str] = []
    if any(len(arrays) > 1 for arrays in people_per_frame):
        warnings.append(
            f"{folder.name}: several people in some frames; the largest in each was taken."
        )
    rate = _frame_rate(None, fps, warnings, folder.name)
    columns = landmark_columns(list(SKELETONS[skeleton]))
    meta = {"warnings": warnings, "skeleton": skeleton}
    return _as_tracks(
        np.arange(len(files)) / rate,
        keypoints[..., :2],
        np.nan_to_num(keypoints[..., 2]),
        columns,
        image_size_px,
        meta,
        folder.name,
    )


def is_planar(table: TrcTable) -> bool:
    """True for a 2D TRC file (image coordinates): every Z is 0 or missing."""
    z = table.positions[..., 2]
    return bool(np.all((z == 0) | np.isnan(z)))


def planar_trc_tracks(
    table: TrcTable, image_size_px: tuple[int, int] | None = None
) -> LandmarkTracks:
    """A 2D TRC file as pixel tracks. Y is image y, or its negative when the values are
    negative (Sports2D and hipdrop write Y up, as OpenSim expects); the scale is
    ``PLANAR_PX_PER_UNIT``. Visibility is 1 wherever a keypoint has a position."""
    if table.units not in PLANAR_PX_PER_UNIT:
        raise HipdropError(f"{table.source}: unknown unit {table.units!r} for image coordinates")
    xy = table.positions[..., :2] * PLANAR_PX_PER_UNIT[table.units]
    y = xy[..., 1][np.isfinite(xy[..., 1])]
    if y.size and np.median(y) < 0:
        xy[..., 1] *= -1
    confidence = np.isfinite(xy).all(axis=-1).astype(float)
    columns = landmark_columns(table.names)
    return _as_tracks(table.time_s, xy, confidence, columns, image_size_px, {}, table.source)


def _trc_text(names, time_s: np.ndarray, xyz: np.ndarray, units: str, file_name: str) -> str:
    """OpenSim TRC text: a header, then Frame#, Time and X, Y, Z per marker (blank if NaN)."""
    n, k = xyz.shape[:2]
    rate = 1.0 / float(np.median(np.diff(time_s))) if n > 1 else DEFAULT_FPS
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{file_name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame"
        "\tOrigNumFrames",
        f"{rate:.6g}\t{rate:.6g}\t{n}\t{k}\t{units}\t{rate:.6g}\t1\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(names) + "\t\t",
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, k + 1)),
    ]
    for frame in range(n):
        values = ["" if not np.isfinite(v) else f"{v:.6f}" for v in xyz[frame].ravel()]
        lines.append(f"{frame + 1}\t{time_s[frame]:.6f}\t" + "\t".join(values))
    return "\n".join(lines) + "\n"


def write_trc(tracks: LandmarkTracks, path: Path) -> None:
    """hipdrop's landmarks as an OpenSim TRC file, MediaPipe's names for the markers.

    With world landmarks: metres (``Units`` m), MediaPipe's world axes turned Y-up for OpenSim:
    X right, Y up, Z toward the camera, origin between the hips. Without: pixels (``Units``
    px), X right and Y up (image y negated), Z 0. Missing positions are blank.
    """
    world = tracks.world_m
    if world is not None and np.isfinite(world).any():
        xyz, units = world * np.array([1.0, -1.0, -1.0]), "m"
    else:
        xyz = np.concatenate([tracks.xy_px, np.zeros((*tracks.xy_px.shape[:2], 1))], axis=-1)
        xyz[..., 1] *= -1
        xyz[~np.isfinite(tracks.xy_px).all(axis=-1)] = np.nan
        units = "px"
    path.write_text(_trc_text(LANDMARK_NAMES, tracks.time_s, xyz, units, path.name))


def _source_text(source: dict | None) -> str:
    """Where the landmarks came from, for a file's metadata: 'video clip.mp4'."""
    return f"{source['kind']} {source['file']}" if source else "landmark tracks"


def _xarray():
    """xarray, with the netCDF engine hipdrop uses (``pip install "hipdrop[movement]"``)."""
    try:
        import h5netcdf  # noqa: F401  (xarray's engine for netCDF4 files)
        import xarray
    except ImportError as error:
        raise HipdropError(
            'movement files need xarray and h5netcdf: pip install "hipdrop[movement]"'
        ) from error
    return xarray


def write_movement(tracks: LandmarkTracks, path: Path) -> None:
    """hipdrop's landmarks as a ``movement`` poses dataset (netCDF), one individual.

    ``position`` (time, space, keypoints, individuals) holds pixels, ``confidence`` the
    visibility, ``time`` the frames' real times in seconds; MediaPipe's landmark names. The
    world landmarks, where present, ride along as ``world_position`` (metres, camera axes:
    x right, y down, z forward, origin between the hips), which ``movement`` ignores.
    """
    xr = _xarray()
    dims = ("time", "space", "keypoints", "individuals")
    variables = {
        "position": (dims, tracks.xy_px.transpose(0, 2, 1)[..., None]),
        "confidence": (("time", "keypoints", "individuals"), tracks.visibility[..., None]),
    }
    coords = {
        "time": tracks.time_s,
        "space": ["x", "y"],
        "keypoints": list(LANDMARK_NAMES),
        "individuals": [INDIVIDUAL],
    }
    if tracks.world_m is not None:
        variables["world_position"] = (WORLD_DIMS, tracks.world_m[..., None])
        coords["world_space"] = ["x", "y", "z"]
    width, height = tracks.image_size_px
    dataset = xr.Dataset(
        variables,
        coords=coords,
        attrs={
            "ds_type": "poses",
            "source_software": "hipdrop",
            "hipdrop_pose_source": _source_text(tracks.meta.get("pose_source")),
            "fps": tracks.frame_rate_hz if tracks.n_frames > 1 else DEFAULT_FPS,
            "time_unit": "seconds",
            "image_width_px": width,
            "image_height_px": height,
        },
    )
    dataset.to_netcdf(path, engine="h5netcdf")


def read_movement(
    path: Path, fps: float | None = None, image_size_px: tuple[int, int] | None = None
) -> LandmarkTracks:
    """A 2D ``movement`` poses dataset (netCDF) as pixel tracks.

    With several individuals, the one whose hips are seen in most frames is the subject. Times
    in frames are converted with the file's ``fps`` (else ``fps``, else 30 with a warning).
    """
    xr = _xarray()
    try:
        dataset = xr.load_dataset(path)
        position = dataset["position"].transpose("time", "space", "keypoints", "individuals")
        confidence = dataset["confidence"].transpose("time", "keypoints", "individuals")
    except (OSError, ValueError, KeyError, TypeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise HipdropError(f"{path.name}: not a movement poses dataset ({reason})") from error
    if dataset.attrs.get("ds_type", "poses") != "poses":
        raise HipdropError(f"{path.name}: a movement {dataset.attrs['ds_type']} dataset, not poses")
    if position.sizes["space"] != 2:
        raise HipdropError(
            f"{path.name}: 3D movement datasets are not read; write the 3D keypoints as a TRC "
            "file (Y up, metres) and analyse that"
        )
    names = [str(name) for name in position["keypoints"].values]
    columns = landmark_columns(names)
    values = position.values.transpose(0, 3, 2, 1)  # (time, individuals, keypoints, space)
    scores = np.nan_to_num(confidence.values.transpose(0, 2, 1))
    hips = [columns[h] for h in ("left_hip", "right_hip") if h in columns]
    seen = np.isfinite(values[:, :, hips, 0]).all(axis=2).sum(axis=0)
    individual = int(np.argmax(seen))
    warnings: list[str] = []
    if values.shape[1] > 1:
        warnings.append(
            f"{path.name}: {values.shape[1]} individuals; "
            f"{position['individuals'].values[individual]} (hips seen in most frames) was taken."
        )
    time = np.asarray(position["time"].values, float)
    if dataset.attrs.get("time_unit") != "seconds":
        time = time / _frame_rate(dataset.attrs.get("fps"), fps, warnings, path.name)
    if image_size_px is None and "image_width_px" in dataset.attrs:
        image_size_px = (
            int(dataset.attrs["image_width_px"]),
            int(dataset.attrs["image_height_px"]),
        )
    tracks = _as_tracks(
        time,
        values[:, individual],
        scores[:, individual],
        columns,
        image_size_px,
        {"warnings": warnings},
        path.name,
    )
    if "world_position" in dataset and set(columns) == set(LANDMARK_NAMES):
        world = dataset["world_position"].transpose(*WORLD_DIMS)
        order = [columns[name] for name in LANDMARK_NAMES]
        tracks = replace(tracks, world_m=world.values[..., individual][:, order].astype(float))
    return tracks
