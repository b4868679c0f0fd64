"""``tuichat bench`` end to end: real processes against the simulator over loopback."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.cli_run import log_rows, run_tuichat
from tuichat.sim.thread import SimServerThread

FAST, FAILING = "sim?tokens=5&ttft_ms=5", "sim?scenario=http_error&status=400"
SLOW = "sim?tps=2&tokens=400&ttft_ms=5"


def bench(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run_tuichat("bench", *args, home=home, timeout=timeout)


rows = log_rows


def prompt_file(tmp_path: Path, lines: list[str], name: str = "prompts.txt") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_errors_are_counted_by_type_and_every_call_is_logged_under_the_run_tag(
    sim: SimServerThread, tuichat_home: Path, tmp_path: Path
) -> None:
    prompts = prompt_file(tmp_path, ["one", "two", "three"])
    args = ["--base-url", sim.base_url, "--model", FAST, "--model", FAILING, "--json"]
    result = bench(str(prompts), *args, "--concurrency", "8", "--repeat", "2", home=tuichat_home)
    assert result.returncode == 1, result.stderr  # some calls failed
    report = json.loads(result.stdout)
    assert (report["total"], report["done"], report["interrupted"]) == (12, 12, False)
    fast, failing = report["models"][FAST], report["models"][FAILING]
    assert (fast["requests"], fast["ok"], fast["errors"]) == (6, 6, {})
    assert fast["ttft_ms"]["p50"] is not None and fast["output_tokens"] == 30
    assert (failing["requests"], failing["ok"], failing["errors"]) == (6, 0, {"bad_request": 6})
    assert len(sim.records()) == 12
    tag = report["tag"]
    assert tag == f"bench:{report['run_id']}"
    logged = rows(
        tuichat_home,
        "select a.status, a.error_type, count(*) from attempts a"
        f" join sessions s on s.id = a.session_id where s.tag = '{tag}' group by 1, 2",
    )
    assert sorted(logged) == [("failed", "bad_request", 6), ("ok", None, 6)]


def test_checks_give_a_pass_rate_and_the_judge_is_logged(
    sim: SimServerThread, tuichat_home: Path, tmp_path: Path
) -> None:
    lines = [
        json.dumps({"prompt": "a", "checks": {"contains": "steady"}, "tag": "facts"}),
        json.dumps({"prompt": "b", "checks": {"regex": "^nothing like this$"}}),
        json.dumps({"prompt": "c", "checks": {"judge": "Is it on topic?"}}),
    ]
    prompts = prompt_file(tmp_path, lines, "evals.jsonl")
    args = ["--base-url", sim.base_url, "--model", FAST, "--tag", "nightly", "--json"]
    result = bench(str(prompts), *args, home=tuichat_home)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    figures = report["models"][FAST]
    # The simulator's answer contains "Steady"; it matches no regex; it is no verdict.
    assert (figures["checked"], figures["passed"], figures["pass_rate"]) == (3, 1, 0.3333)
    reasons = [f["failed_checks"][0]["reason"] for f in report["failures"]]
    assert any("no match" in r for r in reasons) and any("no verdict" in r for r in reasons)
    run = report["tag"]
    assert run.endswith(":nightly")
    tags = {t for (t,) in rows(tuichat_home, "select tag from sessions")}
    assert tags == {run, f"{run}:facts", f"{run}:judge"}
    [(judged,)] = rows(
        tuichat_home,
        "select count(*) from messages m join sessions s on s.id = m.session_id"
        f" where s.tag = '{run}:judge' and m.role = 'assistant'",
    )
    assert judged == 1


def run_on_terminal(args: list[str], home: Path) -> tuple[int, str, str]:
    """Run bench with stderr on a pseudo-terminal; its exit code, stdout and stderr."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    with subprocess.Popen(
        [sys.executable, "-m", "tuichat", "bench", *args],
        stdout=subprocess.PIPE,
        stderr=terminal,
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
        stdout = child.stdout.read() if child.stdout else b""
        code = child.wait(timeout=60)
    os.close(controller)
    return code, stdout.decode(), b"".join(chunks).decode(errors="replace")


def test_progress_on_a_terminal_reaches_the_total(
    sim: SimServerThread, tuichat_home: Path, tmp_path: Path
) -> None:
    prompts = prompt_file(tmp_path, [f"prompt {n}" for n in range(10)])
    args = [str(prompts), "--base-url", sim.base_url, "--model", FAST, "--model", FAILING]
    code, stdout, stderr = run_on_terminal(args, tuichat_home)
    assert code == 1
    assert "bench 20/20 · 10 errors" in stderr
    assert stderr.endswith("\r\x1b[2K")  # the line is cleared before the report
    assert "20 of 20 done" in stdout and "errors of sim?scenario" in stdout


def test_ctrl_c_cancels_calls_in_flight_and_reports_what_finished(
    sim: SimServerThread, tuichat_home: Path, tmp_path: Path
) -> None:
    prompts = prompt_file(tmp_path, ["one", "two", "three"])
    env = {**os.environ, "TUICHAT_HOME": str(tuichat_home)}
    args = ["--base-url", sim.base_url, "--model", FAST, "--model", SLOW, "--concurrency", "2"]
    with subprocess.Popen(
        [sys.executable, "-m", "tuichat", "bench", str(prompts), *args, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as child:
        # Jobs run interleaved (one fast, one slow, ...): two fast calls end, two slow ones hang.
        deadline = time.monotonic() + 30
        while len(sim.records()) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(sim.records()) == 4
        time.sleep(0.3)  # the slow answers are streaming
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=30)
    assert child.returncode == 130, stderr
    report = json.loads(stdout)
    assert (report["interrupted"], report["done"], report["total"]) == (True, 2, 6)
    assert report["models"][FAST]["ok"] == 2
    assert report["models"][SLOW]["cancelled"] == 2
    assert "Traceback" not in stderr
    statuses = rows(
        tuichat_home,
        "select status, length(content) > 0 from messages where role = 'assistant' order by id",
    )
    assert sorted(statuses) == [("cancelled", 1), ("cancelled", 1), ("ok", 1), ("ok", 1)]


@pytest.mark.parametrize(
    ("content", "model", "message"),
    [
        (None, "sim", "no such prompt file"),
        ("\n\n", "sim", "has no prompts"),
        ('{"prompt": "a"}\n{"prompt": "b",\n', "sim", "prompts.txt:2: not a JSON object"),
        ('{"prompt": "a", "checks": {"regex": "[a-"}}\n', "sim", "prompts.txt:1: regex"),
        ('{"prompt": "a", "checks": {"nope": 1}}\n', "sim", "unknown check 'nope'"),
        ("hello\n", "gtp-4o-mni", "unknown model or chain 'gtp-4o-mni'"),
    ],
    ids=["missing", "empty", "malformed", "bad-regex", "unknown-check", "unknown-model"],
)
def test_bad_input_is_one_line_exit_2_and_nothing_sent(
    sim: SimServerThread,
    tuichat_home: Path,
    tmp_path: Path,
    content: str | None,
    model: str,
    message: str,
) -> None:
    path = tmp_path / "prompts.txt"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    base = ["--base-url", sim.base_url] if model == "sim" else []
    result = bench(str(path), "--model", model, *base, home=tuichat_home)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert sim.records() == []
    assert not (tuichat_home / "tuichat.db").exists()
