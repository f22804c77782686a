"""Clip hashes are remembered by file identity and recomputed when the file changes."""

from __future__ import annotations

import hashlib

from hipdrop.io import content_hash
from hipdrop.io.content_hash import remembered_sha256


def test_hash_is_remembered_until_the_file_changes(tmp_path, monkeypatch) -> None:
    clip, memo = tmp_path / "clip.mp4", tmp_path / "memo"
    clip.write_bytes(b"frame data " * 1000)
    first = remembered_sha256(clip, memo)
    assert first == hashlib.sha256(clip.read_bytes()).hexdigest()

    def no_hashing(path, chunk_bytes=0):
        raise AssertionError("an unchanged file was hashed again")

    with monkeypatch.context() as patch:
        patch.setattr(content_hash, "file_sha256", no_hashing)
        assert remembered_sha256(clip, memo) == first

    with open(clip, "r+b") as fh:  # same size, new content
        fh.write(b"FRAME")
    assert remembered_sha256(clip, memo) == hashlib.sha256(clip.read_bytes()).hexdigest() != first


def test_a_damaged_memo_entry_costs_only_a_rehash(tmp_path) -> None:
    clip, memo = tmp_path / "clip.mp4", tmp_path / "memo"
    clip.write_bytes(b"abc")
    expected = remembered_sha256(clip, memo)
    for entry in memo.iterdir():
        entry.write_text("not a hash")
    assert remembered_sha256(clip, memo) == expected
    assert remembered_sha256(clip, None) == expected


def test_an_unwritable_memo_folder_is_not_an_error(tmp_path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"abc")
    blocker = tmp_path / "memo"
    blocker.write_text("a file where the folder should be")
    assert remembered_sha256(clip, blocker) == hashlib.sha256(b"abc").hexdigest()
