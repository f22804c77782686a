"""Many clips at once: ``hipdrop batch DIR --out OUT`` and :func:`analyse_folder`.

Every clip gets its own output folder inside OUT (the same folder ``hipdrop analyse`` writes) and
one or two rows (one per stance side) in a tidy table across clips, ``OUT/batch_summary.csv``
(and ``.json``). A clip that fails is listed with its error; the others carry on.

Work runs in a local process pool by default. Each pool process runs one clip at a time and
runs pose inside itself when the clip gets one pose job, so MediaPipe is loaded once per
process rather than once per clip; clips and pose jobs are sized to the cores. With a Dask
``scheduler`` address the same per-clip function runs on a ``distributed`` cluster instead
(workers must see the clip and output paths, e.g. on a shared file system).

Only the standard library is imported at module level: the CLI imports this module on every
start.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from hipdrop.options import AnalysisOptions

#: File name endings treated as video clips when a folder is scanned.
VIDEO_SUFFIXES = frozenset(
    {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp"}
)
TABLE_NAME = "batch_summary"
SIDE_FIELDS = (
    "classification",
    "peak_drop_deg",
    "uncertainty_deg",
    "mean_drop_deg",
    "n_phases",
    "near_threshold",
    "hip_hike",
    "lateral_shift_travel_widths",
    "peak_lateral_shift_widths",
    "max_lateral_shift_widths",
    "trunk_lean_at_peak_deg",
)
COLUMNS = (
    "clip",
    "stance_leg",
    "task",
    "view",
    "usable",
    "reason",
    *SIDE_FIELDS,
    "usable_fraction",
    "n_warnings",
    "output_dir",
    "seconds",
    "error",
)

ClipProgress = Callable[[int, int, dict], None]  # (clips done, clips in all, first row of clip)


def find_clips(folder: Path | str) -> list[Path]:
    """Video files directly inside ``folder`` (by name ending), sorted; hidden files skipped."""
    folder = Path(folder)
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in VIDEO_SUFFIXES
    )


def output_names(clips: list[Path]) -> dict[Path, str]:
    """One output folder name per clip: its stem, or stem_suffix where two stems collide."""
    stems = [c.stem for c in clips]
    return {c: c.stem if stems.count(c.stem) == 1 else f"{c.stem}_{c.suffix[1:]}" for c in clips}


def clip_rows(
    clip: Path, out_dir: Path | None, summary: dict | None, error: str | None, seconds: float
) -> list[dict]:
    """The table rows of one clip: one per stance side, error rows when there is no summary."""
    rows = []
    for side in ("left", "right"):
        row = dict.fromkeys(COLUMNS)
        row.update(clip=clip.name, stance_leg=side, seconds=round(seconds, 2), error=error)
        if summary is not None:
            info = summary["sides"].get(side, {})
            row.update(
                task=summary.get("task"),
                view=summary.get("view"),
                usable=summary.get("usable"),
                reason=summary.get("reason"),
                usable_fraction=summary.get("quality", {}).get("usable_fraction"),
                n_warnings=len(summary.get("warnings", [])),
                output_dir=str(out_dir),
                **{field: info.get(field) for field in SIDE_FIELDS},
            )
        rows.append(row)
    return rows


@dataclass(frozen=True)
class ClipJob:
    """One clip's work: where its folder goes, ``analyse`` options (how pose runs included)."""

    clip: Path
    out_dir: Path
    options: AnalysisOptions
    force: bool = False


def analyse_clip(job: ClipJob) -> list[dict]:
    """Analyse one clip into its folder and return its rows; never raises on a bad clip."""
    from hipdrop.errors import HipdropError
    from hipdrop.pipeline import analyse

    start = time.perf_counter()
    try:
        if job.out_dir.exists() and not job.force:
            raise HipdropError(f"{job.out_dir} already exists; use --force to replace it")
        analysis = analyse(job.clip, job.options)
        analysis.save(job.out_dir, force=job.force)
    except Exception as exc:  # one broken clip must not stop the batch
        message = str(exc) if isinstance(exc, HipdropError) else f"{type(exc).__name__}: {exc}"
        return clip_rows(job.clip, None, None, message, time.perf_counter() - start)
    return clip_rows(job.clip, job.out_dir, analysis.summary, None, time.perf_counter() - start)


def plan_workers(n_clips: int, workers: int | None, cores: int) -> tuple[int, int]:
    """(clip processes, pose jobs per clip) so that together they use the cores, no more."""
    workers = max(1, min(workers or cores, n_clips or 1))
    return workers, max(1, cores // workers)


def _quiet_worker() -> None:
    """Pool processes run pose in-process: keep MediaPipe's native log off the terminal."""
    from hipdrop.pose.runner import prepare_pose_process

    prepare_pose_process()


def _run_local(jobs: list[ClipJob], workers: int, on_done: Callable[[list[dict]], None]) -> None:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_quiet_worker) as pool:
        futures = {pool.submit(analyse_clip, job): job for job in jobs}
        for future in as_completed(futures):
            try:
                rows = future.result()
            except Exception as exc:  # the worker process itself died
                message = f"worker process failed: {type(exc).__name__}"
                rows = clip_rows(futures[future].clip, None, None, message, 0.0)
            on_done(rows)


def _run_dask(jobs: list[ClipJob], scheduler, on_done: Callable[[list[dict]], None]) -> None:
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = {client.submit(analyse_clip, job, pure=False): job for job in jobs}
        for future in as_completed(list(futures)):
            try:
                rows = future.result()
            except Exception as exc:  # a worker lost, or the task could not run
                message = f"{type(exc).__name__}: {exc}"
                rows = clip_rows(futures[future].clip, None, None, message, 0.0)
            on_done(rows)
    finally:
        if client is not scheduler:
            client.close()


def _write_table(table: pd.DataFrame, out_dir: Path) -> None:
    """CSV and JSON records, each written to a temporary name and renamed into place."""
    from hipdrop.io.outputs import write_json

    csv_tmp = out_dir / f".{TABLE_NAME}.csv.partial"
    table.to_csv(csv_tmp, index=False, float_format="%.4f")
    os.replace(csv_tmp, out_dir / f"{TABLE_NAME}.csv")
    json_tmp = out_dir / f".{TABLE_NAME}.json.partial"
    write_json({"rows": table.to_dict("records")}, json_tmp)
    os.replace(json_tmp, out_dir / f"{TABLE_NAME}.json")


def analyse_folder(
    folder: Path | str,
    out_dir: Path | str,
    *,
    scheduler=None,
    workers: int | None = None,
    force: bool = False,
    progress: ClipProgress | None = None,
    options: AnalysisOptions | None = None,
) -> pd.DataFrame:
    """Analyse every clip in ``folder``; one output folder per clip in ``out_dir``.

    Returns the tidy table (one row per clip and stance side; ``error`` set for clips that
    failed), also written to ``out_dir/batch_summary.csv`` and ``.json``. ``scheduler``: a Dask
    scheduler address or ``distributed.Client``; otherwise a local pool of ``workers``
    processes (default: the number of cores). ``options`` go to :func:`hipdrop.analyse` for every
    clip, with how pose runs set here.
    """
    import pandas as pd

    from hipdrop.errors import HipdropError
    from hipdrop.options import AnalysisOptions

    folder, out_dir = Path(folder), Path(out_dir)
    if not folder.is_dir():
        raise HipdropError(f"{folder}: not a folder")
    clips = find_clips(folder)
    if not clips:
        raise HipdropError(f"{folder}: no video files ({', '.join(sorted(VIDEO_SUFFIXES))})")
    out_dir.mkdir(parents=True, exist_ok=True)
    names = output_names(clips)
    cores = os.cpu_count() or 1
    n_workers, pose_jobs = plan_workers(len(clips), workers, cores)
    if scheduler is not None:
        pose_jobs = 1  # cluster workers are daemons: no pose processes of their own
    # Pool and cluster workers run a single pose job inside themselves (MediaPipe loaded once
    # per worker); the serial path keeps pose in worker processes, off the terminal.
    in_worker = scheduler is not None or n_workers > 1
    options = options or AnalysisOptions()
    pose = replace(options.pose, jobs=pose_jobs, in_process=in_worker and pose_jobs == 1)
    clip_options = replace(options, pose=pose)
    jobs = [
        ClipJob(clip, out_dir / names[clip], clip_options, force)
        # Biggest files first: the long clips do not end up alone at the end of the run.
        for clip in sorted(clips, key=lambda c: c.stat().st_size, reverse=True)
    ]
    rows: list[dict] = []

    def on_done(clip_rows_: list[dict]) -> None:
        rows.extend(clip_rows_)
        if progress is not None:
            progress(len(rows) // 2, len(clips), clip_rows_[0])

    if scheduler is not None:
        _run_dask(jobs, scheduler, on_done)
    elif n_workers == 1:
        for job in jobs:
            on_done(analyse_clip(job))
    else:
        _run_local(jobs, n_workers, on_done)
    order = {clip.name: i for i, clip in enumerate(clips)}
    rows.sort(key=lambda row: (order[row["clip"]], row["stance_leg"]))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    _write_table(table, out_dir)
    return table
