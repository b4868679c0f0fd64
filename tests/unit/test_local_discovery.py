"""The kept local model's record: private, checked before use, stale ones ignored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers.keyed_metrics_server import keyed_metrics_server
from tuichat.local.discovery import (
    MAX_RECORD_BYTES,
    ServerRecord,
    accepts_key,
    read_record,
    record_path,
    remove_record,
    usable_record,
    write_record,
)

KEY = "k" * 32
MODEL = "/models/gemma.gguf"


def record(port: int = 4242, pid: int | None = None, key: str = KEY) -> ServerRecord:
    return ServerRecord(pid or os.getpid(), port, key, MODEL, "gemma", 300.0, 1000.0, 1000.0)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_record_is_written_private_and_read_back(tmp_path: Path) -> None:
    path = record_path(tmp_path / "run")
    write_record(path, record())
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o700
    assert read_record(path) == record()
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_a_record_others_can_read_is_refused(tmp_path: Path) -> None:
    path = record_path(tmp_path)
    write_record(path, record())
    path.chmod(0o644)
    assert read_record(path) is None


def test_a_symlinked_record_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.json"
    write_record(real, record())
    record_path(tmp_path).symlink_to(real)
    assert read_record(record_path(tmp_path)) is None


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"pid": 1}).encode(),
        b"{}",
        b" " * (MAX_RECORD_BYTES + 1),
    ],
)
def test_malformed_records_read_as_none(tmp_path: Path, content: bytes) -> None:
    path = record_path(tmp_path)
    path.write_bytes(content)
    path.chmod(0o600)
    assert read_record(path) is None


@pytest.mark.parametrize(
    "change", [{"pid": "12"}, {"port": 0}, {"port": 70000}, {"api_key": 5}, {"pid": True}]
)
def test_records_with_bad_fields_read_as_none(tmp_path: Path, change: dict[str, object]) -> None:
    path = record_path(tmp_path)
    fields = {
        "pid": os.getpid(), "port": 4242, "api_key": KEY, "model_path": MODEL,
        "model_id": "gemma", "keep_alive": 300.0, "started_at": 1.0, "last_active": 1.0,
    }  # fmt: skip
    path.write_text(json.dumps({**fields, **change}))
    path.chmod(0o600)
    assert read_record(path) is None


def test_a_live_server_that_takes_the_key_is_used(tmp_path: Path) -> None:
    path = record_path(tmp_path)
    with keyed_metrics_server(KEY) as port:
        write_record(path, record(port))
        assert usable_record(path, MODEL) == record(port)
        assert usable_record(path) == record(port)  # any model (tuichat local status)


def test_a_wrong_key_makes_the_record_stale(tmp_path: Path) -> None:
    path = record_path(tmp_path)
    with keyed_metrics_server(KEY) as port:
        write_record(path, record(port, key="someone-elses"))
        assert not accepts_key(record(port, key="someone-elses"))
        assert usable_record(path, MODEL) is None


def test_a_dead_process_makes_the_record_stale(tmp_path: Path) -> None:
    path = record_path(tmp_path)
    write_record(path, record(pid=dead_pid()))
    assert usable_record(path, MODEL, probe=lambda r: True) is None


def test_another_model_is_not_reused(tmp_path: Path) -> None:
    path = record_path(tmp_path)
    write_record(path, record())
    assert usable_record(path, "/models/other.gguf", probe=lambda r: True) is None
    assert usable_record(path, MODEL, probe=lambda r: True) == record()


def test_nothing_listening_makes_the_record_stale(tmp_path: Path) -> None:
    with keyed_metrics_server(KEY) as port:
        pass  # closed: the port now refuses
    path = record_path(tmp_path)
    write_record(path, record(port))
    assert usable_record(path, MODEL) is None


def test_only_the_records_own_process_removes_it(tmp_path: Path) -> None:
    path = record_path(tmp_path)
    write_record(path, record())
    remove_record(path, os.getpid() + 1)
    assert path.exists()
    remove_record(path, os.getpid())
    assert not path.exists()


def test_idle_and_keep_alive_left() -> None:
    kept = replace(record(), keep_alive=300.0, last_active=1000.0)
    assert kept.idle_for(1060.0) == 60.0
    assert kept.keep_alive_left(1060.0) == 240.0
    assert kept.keep_alive_left(2000.0) == 0.0
    assert kept.active_at(1500.0).idle_for(1510.0) == 10.0
