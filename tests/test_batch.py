"""``hipdrop batch``: a folder of clips, one broken, on a local pool and on a Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from videotools import mirror, transform_video

from hipdrop.batch import TABLE_NAME, analyse_folder, find_clips, plan_workers
from hipdrop.cli import build_parser, main
from hipdrop.cli.argtypes import analysis_options
from hipdrop.options import AnalysisOptions, PoseOptions

pytestmark = pytest.mark.realdata

BALANCE = "anterior_single-leg-balance_pose2sim.mp4"
STATIC = "anterior_static-standing_pose2sim.mp4"


@pytest.fixture(scope="module")
def clip_folder(video, tmp_path_factory):
    """Two real clips, a mirrored copy (new content, so pose runs), a broken file, a note."""
    folder = tmp_path_factory.mktemp("batch_in")
    (folder / BALANCE).symlink_to(video(BALANCE))
    (folder / STATIC).symlink_to(video(STATIC))
    transform_video(video(STATIC), folder / "static_mirrored.mp4", mirror)
    (folder / "broken.mp4").write_text("this is not a video")
    (folder / "notes.txt").write_text("not a clip, not analysed")
    return folder


@pytest.fixture(scope="module")
def local_table(clip_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch_out") / "out"
    done = []
    table = analyse_folder(
        clip_folder, out, workers=2, progress=lambda i, n, row: done.append((i, n))
    )
    return table, out, done


def test_every_clip_has_a_row_per_side_and_the_broken_one_is_listed(local_table) -> None:
    table, out, done = local_table
    assert sorted(done) == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert set(table["clip"]) == {BALANCE, STATIC, "static_mirrored.mp4", "broken.mp4"}
    assert len(table) == 8 and set(table["stance_leg"]) == {"left", "right"}
    broken = table[table["clip"] == "broken.mp4"]
    assert broken["error"].str.contains("not a video").all()
    assert broken["output_dir"].isna().all()
    assert not (out / "broken").exists()
    assert table.loc[table["clip"] != "broken.mp4", "error"].isna().all()


def test_table_agrees_with_each_clips_own_summary(local_table) -> None:
    table, out, _ = local_table
    for row in table[table["error"].isna()].itertuples():
        summary = json.loads((Path(row.output_dir) / "summary.json").read_text())
        side = summary["sides"][row.stance_leg]
        assert Path(row.output_dir).parent == out
        assert row.view == summary["view"]
        assert row.classification == side["classification"]
        if side.get("peak_drop_deg") is None:
            assert pd.isna(row.peak_drop_deg)
        else:
            assert row.peak_drop_deg == pytest.approx(side["peak_drop_deg"])
    balance_left = table[(table["clip"] == BALANCE) & (table["stance_leg"] == "left")].iloc[0]
    assert balance_left["peak_drop_deg"] is not None and balance_left["usable"]


def test_table_files_hold_the_same_rows(local_table) -> None:
    table, out, _ = local_table
    from_csv = pd.read_csv(out / f"{TABLE_NAME}.csv")
    assert list(from_csv["clip"]) == list(table["clip"])
    assert from_csv["peak_drop_deg"].round(3).equals(table["peak_drop_deg"].astype(float).round(3))
    rows = json.loads((out / f"{TABLE_NAME}.json").read_text())["rows"]
    assert [r["clip"] for r in rows] == list(table["clip"])


def test_dask_cluster_gives_the_same_table(clip_folder, local_table, tmp_path) -> None:
    distributed = pytest.importorskip("distributed")
    local, _, _ = local_table
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        table = analyse_folder(clip_folder, tmp_path / "out", scheduler=client.scheduler.address)
    same = ["clip", "stance_leg", "view", "classification", "peak_drop_deg"]
    pd.testing.assert_frame_equal(table[same], local[same])
    assert table.loc[table["clip"] == "broken.mp4", "error"].notna().all()


def test_cli_lists_the_failure_and_exits_1(clip_folder, tmp_path, capsys) -> None:
    assert main(["batch", str(clip_folder), "--out", str(tmp_path / "out"), "--workers", "1"]) == 1
    captured = capsys.readouterr()
    assert "[4/4]" in captured.out
    assert "1 of 4 clips failed" in captured.err and "broken.mp4" in captured.err
    assert main(["batch", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o2")]) == 1
    assert "not a folder" in capsys.readouterr().err


def test_pose_model_reaches_analyse_and_batch_alike(tmp_path) -> None:
    import shutil

    from hipdrop.pose.model import SHIPPED_MODEL_PATH, SHIPPED_MODEL_SHA256

    model = Path(shutil.copy(SHIPPED_MODEL_PATH, tmp_path / "my_model.task"))
    parser = build_parser()
    one = parser.parse_args(["analyse", "clip.mp4", "--pose-model", str(model)])
    many = parser.parse_args(["batch", "clips", "--out", "results", "--pose-model", str(model)])
    pose = analysis_options(one).pose.settings
    assert pose == analysis_options(many).pose.settings
    assert (pose.model, pose.model_sha256) == ("my_model", SHIPPED_MODEL_SHA256)
    assert pose.model_path == str(model.resolve())


def test_clip_processes_and_pose_jobs_fill_the_cores_without_oversubscribing() -> None:
    assert plan_workers(n_clips=8, workers=None, cores=2) == (2, 1)
    assert plan_workers(n_clips=1, workers=None, cores=8) == (1, 8)
    assert plan_workers(n_clips=3, workers=None, cores=8) == (3, 2)
    assert plan_workers(n_clips=8, workers=4, cores=16) == (4, 4)


def test_find_clips_takes_videos_only(clip_folder) -> None:
    names = [p.name for p in find_clips(clip_folder)]
    assert names == sorted([BALANCE, STATIC, "static_mirrored.mp4", "broken.mp4"])


def test_batch_takes_the_same_analysis_options_as_analyse() -> None:
    flags = ["--task", "walk", "--height-cm", "180", "--focal-length-mm", "26"]
    flags += ["--person", "left", "--no-mirror-pass"]
    parser = build_parser()
    one = parser.parse_args(["analyse", "clip.mp4", *flags])
    many = parser.parse_args(["batch", "clips", "--out", "results", *flags])
    expected = AnalysisOptions(
        task="walk",
        height_cm=180.0,
        focal_length_mm=26.0,
        pose=PoseOptions(person="left", mirror_pass=False),  # the shipped model
    )
    assert analysis_options(one) == analysis_options(many) == expected
