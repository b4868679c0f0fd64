"""The keeper: idle time from llama.cpp's /metrics, on the manual clock; status and stop."""

from __future__ import annotations

import argparse
import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers.keyed_metrics_server import keyed_metrics_server
from tuichat.core.clock import ManualClock
from tuichat.local import control
from tuichat.local.discovery import ServerRecord, read_record, record_path, write_record
from tuichat.local.keeper import IdleWatch, fetch_metrics, keep, read_activity

METRICS = """\
# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.
# TYPE llamacpp:prompt_tokens_total counter
llamacpp:prompt_tokens_total 119
llamacpp:tokens_predicted_total 5
llamacpp:requests_processing 0
llamacpp:requests_deferred 0
"""


def test_activity_is_read_from_the_prometheus_text() -> None:
    assert read_activity(METRICS) == (False, (119.0, 5.0))
    busy = METRICS.replace("requests_processing 0", "requests_processing 1")
    assert read_activity(busy)[0]
    assert read_activity("garbage\n<html>") == (False, (0.0, 0.0))


def test_the_server_stops_after_keep_alive_without_requests() -> None:
    clock = ManualClock()
    watch = IdleWatch(300.0, clock.now)
    assert not watch.see(False, (119.0, 5.0))  # the first look is the baseline
    clock.advance(299.0)
    assert not watch.see(False, (119.0, 5.0)) and not watch.expired()
    clock.advance(1.0)
    assert watch.expired() and watch.idle_for() == 300.0


def test_a_request_restarts_the_idle_time() -> None:
    clock = ManualClock()
    watch = IdleWatch(300.0, clock.now)
    watch.see(False, (119.0, 5.0))
    clock.advance(250.0)
    assert watch.see(False, (240.0, 17.0))  # counters moved: a request came and went
    clock.advance(250.0)
    assert not watch.expired() and watch.idle_for() == 250.0


def test_a_long_generation_is_not_idle() -> None:
    clock = ManualClock()
    watch = IdleWatch(60.0, clock.now)
    watch.see(False, (0.0, 0.0))
    for _ in range(10):  # ten minutes on one answer: counters only move at its end
        clock.advance(60.0)
        assert watch.see(True, (0.0, 0.0))
        assert not watch.expired()


def kept_record(port: int, key: str = "secret") -> ServerRecord:
    return ServerRecord(os.getpid(), port, key, "/m.gguf", "gemma", 300.0, 1000.0, 1000.0)


def test_keep_writes_the_record_and_removes_it_when_stopped(tmp_path: Path) -> None:
    path = record_path(tmp_path)
    stop = threading.Event()
    seen: list[ServerRecord | None] = []

    def watch_then_stop() -> None:
        while not path.exists():
            time.sleep(0.01)
        seen.append(read_record(path))
        stop.set()

    threading.Thread(target=watch_then_stop, daemon=True).start()
    keep(kept_record(1), path, stop)
    assert seen == [kept_record(1)] and not path.exists()


def test_metrics_need_the_key() -> None:
    with keyed_metrics_server("secret") as port:
        assert fetch_metrics(f"http://127.0.0.1:{port}", "secret") is not None
        assert fetch_metrics(f"http://127.0.0.1:{port}", "wrong") is None


def status(tmp_path: Path, action: str = "status") -> int:
    return control.run_local(argparse.Namespace(local_action=action), tmp_path)


def test_status_without_a_kept_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert status(tmp_path) == 1
    assert capsys.readouterr().out.strip() == control.NONE_KEPT
    assert status(tmp_path, "stop") == 0


def test_status_removes_a_stale_record(tmp_path: Path) -> None:
    write_record(record_path(tmp_path), kept_record(1))  # nothing listens on port 1
    assert status(tmp_path) == 1
    assert not record_path(tmp_path).exists()


def test_status_describes_the_kept_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with keyed_metrics_server("secret") as port:
        write_record(record_path(tmp_path), kept_record(port))
        assert status(tmp_path) == 0
    out = capsys.readouterr().out
    assert f"pid {os.getpid()} · 127.0.0.1:{port}" in out and "gemma" in out


def test_describe_reads_in_human_time() -> None:
    text = control.describe(kept_record(8080), now=1065.0)
    assert "idle 1m 05s · stops in 3m 55s (keep_alive 5m 00s)" in text


def test_a_server_start_adopts_the_kept_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuichat.local import server as server_module

    monkeypatch.setattr(server_module, "require_llama_cpp", lambda: None)
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + (3).to_bytes(4, "little"))
    with keyed_metrics_server("secret") as port:
        kept = kept_record(port)
        write_record(record_path(tmp_path), replace(kept, model_path=str(gguf)))
        local = server_module.LocalModelServer(gguf, keep_alive=60.0, runtime_dir=tmp_path)
        with local:
            assert local.reused and local.running
            assert (local.base_url, local.api_key) == (f"http://127.0.0.1:{port}/v1", "secret")
        assert record_path(tmp_path).exists()  # leaving does not stop the kept server
