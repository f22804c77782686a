"""Content hashes of input files, remembered by file identity so unchanged files are not re-read.

Hashing a 10-minute 1080p clip reads half a gigabyte, which costs more than a cached analysis.
The hash is therefore remembered under a key made of the file's real path, device, inode, size,
modification time and status-change time (``st_ctime_ns``), all in nanoseconds. Any write to the
file changes its ctime, and ctime cannot be set back by ordinary tools (``touch`` and ``utime``
only set mtime), so a stale hash needs a file rewritten without the kernel noticing (a raw disk
edit or a clock turned back) - a risk accepted for speed. A copy or a rename gets a new key and is
hashed again; nothing is ever wrong, only sometimes slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

_HEX_DIGITS = set("0123456789abcdef")


def file_sha256(path: Path | str, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def _identity_key(path: Path) -> str:
    st = path.stat()
    identity = (
        f"{path.resolve()}\0{st.st_dev}\0{st.st_ino}\0{st.st_size}\0{st.st_mtime_ns}\0"
        f"{st.st_ctime_ns}"
    )
    return hashlib.sha256(identity.encode()).hexdigest()


def remembered_sha256(path: Path | str, memo_dir: Path | None) -> str:
    """:func:`file_sha256`, looked up in / stored to ``memo_dir`` by file identity.

    Without ``memo_dir`` the file is always hashed. An unreadable or unwritable memo only costs
    a re-hash.
    """
    path = Path(path)
    if memo_dir is None:
        return file_sha256(path)
    entry = memo_dir / _identity_key(path)
    with contextlib.suppress(OSError):
        known = entry.read_text(encoding="ascii").strip()
        if len(known) == 64 and set(known) <= _HEX_DIGITS:
            return known
    digest = file_sha256(path)
    with contextlib.suppress(OSError):
        memo_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=memo_dir, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(digest)
        os.replace(tmp, entry)
    return digest
