"""The parent's side of the llama.cpp process: its log, its stdout, its lock.

Helpers of :class:`~tuichat.local.server.LocalModelServer`, kept apart so the
server class reads as the start-up sequence it is.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from tuichat import paths
from tuichat.local.discovery import LOCK_NAME
from tuichat.local.errors import INSTALL_HINT, LocalModelError

_LOG_ERROR = re.compile(r"^\S+ E (?P<message>.+)$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@contextlib.contextmanager
def runtime_lock(folder: Path) -> Iterator[None]:
    """Hold the user's local-model lock: one process at a time checks or starts a kept server."""
    paths.ensure_private_dir(folder)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def let_go(process: subprocess.Popen[str]) -> None:
    """Close this process's pipes to a kept server, which carries on without them."""
    for stream in (process.stdin, process.stdout):
        with contextlib.suppress(OSError):
            if stream is not None:
                stream.close()
    process.returncode = 0  # not ours to wait for: no "still running" warning at exit


def require_llama_cpp() -> None:
    """Raise a one-line ``LocalModelError`` if llama.cpp is not installed."""
    if importlib.util.find_spec("xllamacpp") is None:
        raise LocalModelError(f"llama.cpp (xllamacpp) is not installed; {INSTALL_HINT}")


def open_log(path: Path) -> IO[bytes]:
    """The child's stderr: a fresh file readable by its owner only."""
    try:
        paths.ensure_private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise LocalModelError(f"cannot write the local model log {path}: {exc}") from None
    return os.fdopen(fd, "wb")


def read_lines_into(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    """Forward the child's stdout lines to ``lines``; ``None`` marks its end."""

    def pump() -> None:
        with contextlib.suppress(OSError, ValueError):
            for line in stream:
                lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, name="tuichat-local-model-stdout", daemon=True).start()


def loopback_address(address: str) -> str:
    """``address`` without a trailing slash, if it is on 127.0.0.1; else an error."""
    if not address.startswith("http://127.0.0.1:"):
        raise LocalModelError(f"llama.cpp listens on an unexpected address: {inert(address)}")
    return address.rstrip("/")


def first_logged_error(log_path: Path) -> str | None:
    """llama.cpp's first error line (the cause; later ones are consequences)."""
    with contextlib.suppress(OSError), log_path.open(encoding="utf-8", errors="replace") as log:
        for line in log:
            match = _LOG_ERROR.match(line.strip())
            if match:
                return match.group("message")
    return None


def inert(text: str, limit: int = 240) -> str:
    """One line, no control characters, bounded: safe to show anywhere."""
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
