"""Replacing a file atomically: a reader sees the whole old file or the whole new one, never part.

Each writer gets its own temporary file in the target's folder (same file system, so the final
``os.replace`` is an atomic rename), flushed and fsynced before the rename; on any failure,
including KeyboardInterrupt and a full disk, the temporary file is removed.  Only a process killed
outright can leave one behind (a hidden ``.<name>.<random>.tmp``), and it never blocks later saves.
"""
from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


@contextlib.contextmanager
def replacing(path):
    """``with replacing(path) as handle:`` write the new contents to the binary ``handle``.

    Raises ``IsADirectoryError`` when ``path`` is a directory and ``FileNotFoundError`` when its
    folder does not exist, before anything is written.
    """
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    tmp, fd = _create_beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())       # the data is on disk before the name points at it
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _create_beside(path):
    """A new, uniquely named file next to ``path``: ``(its path, a write-only descriptor)``.

    Mode 0o666 less the umask, as ``open`` would give (``tempfile.mkstemp`` gives 0o600).
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.name[:200]}.{secrets.token_hex(6)}.tmp")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:         # 48 random bits: practically never
            continue


def _fsync_folder(folder):
    """Make the rename itself durable where the platform allows fsync on a directory."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
