"""``tuichat local status|stop``: the kept local model server, seen and ended from a shell.

``status`` prints the model, pid, address, idle time and keep-alive left of the
server another tuichat process kept (exit 0), or says none is kept (exit 1).
``stop`` ends it (exit 0 whether or not one was running). A stale record (dead
process, a port that refuses its key) counts as none and is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tuichat import paths

if TYPE_CHECKING:  # the parser is built on every start; discovery (urllib) is not needed then
    from tuichat.local.discovery import ServerRecord

STOP_WAIT_S = 10.0
NONE_KEPT = "no local model server is kept running"


def add_local_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``local status`` and ``local stop``."""
    local = sub.add_parser("local", help="the embedded model's kept server: status, stop")
    actions = local.add_subparsers(dest="local_action", metavar="ACTION", required=True)
    actions.add_parser("status", help="model, pid, idle time and keep-alive left")
    actions.add_parser("stop", help="stop the kept server now")


def run_local(args: argparse.Namespace, folder: Path | None = None) -> int:
    """Run ``local status`` or ``local stop``; return the exit code."""
    from tuichat.local.discovery import record_path

    path = record_path(folder or paths.runtime_dir())
    record = kept_server(path)
    if args.local_action == "stop":
        print(stop_server(path, record) if record else NONE_KEPT)
        return 0
    if record is None:
        print(NONE_KEPT)
        return 1
    print(describe(record, time.time()))
    return 0


def kept_server(path: Path) -> ServerRecord | None:
    """The live kept server's record; a stale record is removed."""
    from tuichat.local.discovery import read_record, remove_record, usable_record

    record = usable_record(path)
    if record is None:
        stale = read_record(path)
        if stale is not None:
            remove_record(path, stale.pid)
    return record


def describe(record: ServerRecord, now: float) -> str:
    """Two lines: the model, then pid, address, idle time and keep-alive left."""
    return (
        f"local model: {record.model_id} ({record.model_path})\n"
        f"pid {record.pid} · 127.0.0.1:{record.port} · idle {human(record.idle_for(now))}"
        f" · stops in {human(record.keep_alive_left(now))} (keep_alive {human(record.keep_alive)})"
    )


def stop_server(path: Path, record: ServerRecord) -> str:
    """SIGTERM the keeper (SIGKILL if it lingers); return what happened, in one line."""
    from tuichat.local.discovery import process_alive, remove_record

    with contextlib.suppress(ProcessLookupError):
        os.kill(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT_S
    while process_alive(record.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if process_alive(record.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(record.pid, signal.SIGKILL)
    remove_record(path, record.pid)
    return f"stopped the local model server {record.model_id} (pid {record.pid})"


def human(seconds: float) -> str:
    """``45 s``, ``4m 05s``, ``1h 02m``."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"
