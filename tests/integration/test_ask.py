"""``tuichat ask`` end to end: a real process against the simulator over loopback."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
from pathlib import Path

from tests.helpers.cli_run import log_rows, run_tuichat
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread


def ask(*args: str, home: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return run_tuichat("ask", *args, home=home, timeout=timeout)


rows = log_rows


def test_streams_the_answer_to_stdout_and_logs_it(sim: SimServerThread, tuichat_home: Path) -> None:
    result = ask("hello", "--base-url", sim.base_url, "--model", "sim?tokens=30", home=tuichat_home)
    assert result.returncode == 0, result.stderr
    assert result.stdout == answer_text("prose", 30) + "\n"
    assert result.stderr == ""
    [(role, status)] = rows(
        tuichat_home, "select role, status from messages where role='assistant'"
    )
    assert (role, status) == ("assistant", "ok")


def test_json_summary(sim: SimServerThread, tuichat_home: Path) -> None:
    result = ask(
        "hello",
        "--json",
        "--base-url",
        sim.base_url,
        "--model",
        "sim?tokens=20&ttft_ms=30",
        home=tuichat_home,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    for key in (
        "text",
        "model",
        "status",
        "ttft_ms",
        "duration_ms",
        "input_tokens",
        "output_tokens",
        "trace_id",
        "session_id",
    ):
        assert key in summary
    assert summary["status"] == "ok" and summary["model"] == "sim"
    assert summary["text"] == answer_text("prose", 20)
    assert summary["output_tokens"] == 20
    assert summary["ttft_ms"] >= 30
    [(ttft, trace)] = rows(tuichat_home, "select ttft_ms, trace_id from attempts")
    assert trace == summary["trace_id"]
    assert abs(ttft - summary["ttft_ms"]) < 0.01  # the numbers shown are the numbers logged


def test_provider_error_exit_code_and_one_line(sim: SimServerThread, tuichat_home: Path) -> None:
    result = ask("hello", "--base-url", sim.base_url, "--model", "gpt-nope", home=tuichat_home)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "model_not_found" in result.stderr
    [(status, kind)] = rows(tuichat_home, "select status, error_type from attempts")
    assert (status, kind) == ("failed", "model_not_found")


def test_connection_refused(tuichat_home: Path) -> None:
    result = ask("hello", "--base-url", "http://127.0.0.1:9/v1", home=tuichat_home)
    assert result.returncode == 1
    assert "cannot connect to 127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr
    kinds = rows(tuichat_home, "select error_type from attempts")
    assert kinds == [("connection",)] * 3  # retried twice with backoff, one row each


def test_sigint_cancels_and_logs_the_partial(sim: SimServerThread, tuichat_home: Path) -> None:
    env = {**os.environ, "TUICHAT_HOME": str(tuichat_home)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tuichat",
            "ask",
            "hi",
            "--base-url",
            sim.base_url,
            "--model",
            "sim?tokens=2000&tps=50",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    first_bytes = os.read(proc.stdout.fileno(), 64)  # unbuffered: communicate() gets the rest
    assert first_bytes
    proc.send_signal(signal.SIGINT)
    out_bytes, err_bytes = proc.communicate(timeout=20)
    first, out, err = first_bytes.decode(), out_bytes.decode(), err_bytes.decode()
    assert proc.returncode == 130
    assert "Traceback" not in err
    record = sim.wait_for(lambda r: r.disconnected_at is not None, timeout=10)
    assert not record.completed
    [(status, content)] = rows(
        tuichat_home, "select status, content from messages where role='assistant'"
    )
    assert status == "cancelled" and content and (first + out).startswith(content)


def test_empty_prompt_is_a_usage_error(tuichat_home: Path) -> None:
    result = ask("  ", home=tuichat_home)
    assert result.returncode == 2 and "empty" in result.stderr


def test_database_is_private(sim: SimServerThread, tuichat_home: Path) -> None:
    ask("hello", "--base-url", sim.base_url, home=tuichat_home)
    assert (tuichat_home / "tuichat.db").stat().st_mode & 0o777 == 0o600


def ask_on_a_terminal(*args: str, home: Path, timeout: float = 30) -> tuple[int, str]:
    """Run ``ask`` with stdout on a pseudo-terminal; return its exit code and what it wrote."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    with subprocess.Popen(
        [sys.executable, "-m", "tuichat", "ask", *args],
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=env,
    ) as child:
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = child.wait(timeout=timeout)
    os.close(controller)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_hostile_output_is_shown_visibly_on_a_terminal_and_logged_as_sent(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    model = "sim?content=hostile&tokens=120"
    code, shown = ask_on_a_terminal(
        "hi", "--base-url", sim.base_url, "--model", model, home=tuichat_home
    )
    assert code == 0
    raw = answer_text("hostile", 120)
    assert "\x1b" in raw and "\x1b" not in shown  # ESC split across tokens included
    assert "␛" in shown  # neutralised visibly, not deleted
    assert not any(0x80 <= ord(c) <= 0x9F for c in shown)
    assert "[@click=app.quit]" in shown  # markup stays literal text
    [(content,)] = rows(tuichat_home, "select content from messages where role='assistant'")
    assert content == raw  # the log keeps the answer byte for byte


def test_piped_output_is_exactly_what_the_model_sent(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    model = "sim?content=hostile&tokens=60"
    args = ["ask", "hi", "--base-url", sim.base_url, "--model", model]
    env = {**os.environ, "TUICHAT_HOME": str(tuichat_home)}
    result = subprocess.run(
        [sys.executable, "-m", "tuichat", *args], capture_output=True, env=env, timeout=30
    )
    assert result.returncode == 0
    assert result.stdout.decode() == answer_text("hostile", 60) + "\n"  # bytes: \r kept too
