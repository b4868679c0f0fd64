"""The file through which one tuichat process finds the local model another started.

A kept server (``[local] keep_alive``) is described by ``local-model.json`` in
the user's runtime folder (:func:`tuichat.paths.runtime_dir`): its pid, port,
per-run API key, model file and keep-alive, and when it last served a request.
The keeper process writes it (atomically, mode 0600, in a 0700 folder) and
removes it when it stops. Stdlib only: the keeper imports this before llama.cpp.

Nothing in the file is trusted as it is: :func:`read_record` refuses a file
that is not a small regular file of this user readable by this user alone, and
:func:`usable_record` then checks that the process lives, serves the same model
and accepts the key (llama.cpp refuses requests without it, so another user who
finds the port cannot use it). A file that fails any check is stale: it is
ignored and replaced by the next server started.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

RECORD_NAME = "local-model.json"
LOCK_NAME = "local-model.lock"
MAX_RECORD_BYTES = 16 * 1024
PROBE_TIMEOUT_S = 1.0
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only


@dataclass(frozen=True, slots=True)
class ServerRecord:
    """A kept llama.cpp server, as its keeper describes it."""

    pid: int
    port: int
    api_key: str
    model_path: str
    model_id: str
    keep_alive: float
    started_at: float
    """Epoch seconds."""
    last_active: float
    """Epoch seconds of the last request seen (or of the start)."""

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def idle_for(self, now: float) -> float:
        """Seconds without requests at epoch ``now``."""
        return max(0.0, now - self.last_active)

    def keep_alive_left(self, now: float) -> float:
        """Seconds until the keeper stops the server if nothing comes."""
        return max(0.0, self.keep_alive - self.idle_for(now))

    def active_at(self, when: float) -> ServerRecord:
        """This record with a request seen at epoch ``when``."""
        return replace(self, last_active=when)


def record_path(folder: Path) -> Path:
    """The record's path in ``folder`` (the runtime folder)."""
    return folder / RECORD_NAME


def write_record(path: Path, record: ServerRecord) -> None:
    """Replace the record atomically; readable by the owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".local-model-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:  # mkstemp's mode is 0600
            json.dump(asdict(record), out)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_record(path: Path) -> ServerRecord | None:
    """The record, if the file is this user's private, small, well-formed one; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as source:
        info = os.fstat(source.fileno())
        if not _private_regular_file(info):
            return None
        data = source.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        return None
    return _parse(data)


def _private_regular_file(info: os.stat_result) -> bool:
    mine = info.st_uid == os.getuid()
    return stat.S_ISREG(info.st_mode) and mine and not info.st_mode & 0o077


def _parse(data: bytes) -> ServerRecord | None:
    try:
        fields = json.loads(data)
        record = ServerRecord(**fields)
    except (ValueError, TypeError, RecursionError):
        return None
    ints = all(type(value) is int for value in (record.pid, record.port))
    floats = all(
        isinstance(value, int | float) and not isinstance(value, bool)
        for value in (record.keep_alive, record.started_at, record.last_active)
    )
    texts = all(isinstance(v, str) for v in (record.api_key, record.model_path, record.model_id))
    if not (ints and floats and texts) or record.pid <= 0 or not 0 < record.port < 65536:
        return None
    return record


def remove_record(path: Path, pid: int) -> None:
    """Remove the record if it still describes ``pid`` (a newer server's is left alone)."""
    record = read_record(path)
    if record is not None and record.pid == pid:
        with contextlib.suppress(OSError):
            path.unlink()


Probe = Callable[[ServerRecord], bool]


def usable_record(
    path: Path, model_path: str | None = None, probe: Probe | None = None
) -> ServerRecord | None:
    """The record of a live server (of ``model_path``, if given) that accepts its key, or None."""
    record = read_record(path)
    if record is None or not process_alive(record.pid):
        return None
    if model_path is not None and record.model_path != model_path:
        return None
    return record if (probe or accepts_key)(record) else None


def process_alive(pid: int) -> bool:
    """A process ``pid`` exists (and is this user's: signalling another's is refused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another user's process took the pid over
    return True


def accepts_key(record: ServerRecord) -> bool:
    """The server answers ``/metrics`` with the record's key (without it: 401).

    ``/metrics`` rather than ``/v1/models``, which llama.cpp serves to anyone.
    """
    address = record.base_url.removesuffix("/v1")
    headers = {"Authorization": f"Bearer {record.api_key}"}
    request = urllib.request.Request(f"{address}/metrics", headers=headers)
    try:
        with _NO_PROXY.open(request, timeout=PROBE_TIMEOUT_S) as response:
            return bool(response.status == 200)
    except (OSError, ValueError):  # refused, 401, timeout, a bad port
        return False
