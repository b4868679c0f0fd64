"""Read a small file that someone else may have put there, without being fooled by it.

The config file, theme files and the UI state file sit in folders users edit
by hand. The reader opens non-blocking and checks ``fstat``, so a FIFO, a
device (``/dev/zero``) or a folder with the right name is refused instead of
hanging start-up, and it never reads more than ``limit`` bytes, so a huge
file costs nothing. ``tuichat.ui.small_file`` re-exports it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["UnsuitableFile", "read_small_file"]


class UnsuitableFile(OSError):
    """The path exists but is not a regular file of acceptable size."""


def read_small_file(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them.

    Raises FileNotFoundError when it is absent, UnsuitableFile when it is not
    a regular file or is larger than ``limit``, and OSError when unreadable.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsuitableFile(f"not a regular file ({_kind(os.fstat(fd).st_mode)})")
        file = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise UnsuitableFile(f"larger than {_size(limit)}")
    return data


def _kind(mode: int) -> str:
    kinds = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a FIFO", stat.S_ISSOCK: "a socket"}
    for test, name in kinds.items():
        if test(mode):
            return name
    return "a device"


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit // (1024 * 1024)} MiB"
    return f"{limit // 1024} KiB" if limit >= 1024 else f"{limit} bytes"
