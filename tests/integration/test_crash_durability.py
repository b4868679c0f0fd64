"""SIGKILL of ``tuichat ask`` at 20 moments of a stream: the log loses at most the last second.

Each case runs a real ``python -m tuichat ask`` against the simulator, paced
at ``TPS`` tokens per second, and kills it (SIGKILL: no handler, no
``finally``) at one moment: while it waits for headers, after ``k`` tokens
were printed, once the whole answer was printed, or right after an error was
shown. The log is then opened the way every tuichat command opens it, so
recovery runs, and must be sound: ``integrity_check`` ok, the turn's rows
present, nothing left ``running`` or ``streaming``, and the answer row a
prefix of what was printed.

How much text may be missing is measured in the process's own time: ``ask``
prints each piece the moment it receives it, and the test stamps each piece
as it reads it, so every piece printed more than ``TEXT_FLUSH_INTERVAL_S`` +
``SLACK_S`` before the kill must be in the log. A process the machine stalls
(its loop blocked: no output at all) cannot write either, so the allowance
grows by the longest silence of its output beyond the stream's pace. Moments
are drawn from a seeded RNG; three cases run at a time.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread
from tuichat.store import open_database_sync
from tuichat.store.writer import TEXT_FLUSH_INTERVAL_S

SEED = 20261204
TPS = 20
TOKENS = 50
SLACK_S = 0.4
"""Pipe, scheduling and commit latency on a loaded machine, on top of the text interval."""
STREAM = f"sim?tokens={TOKENS}&tps={TPS}&ttft_ms=200"
WAIT_S = 30.0


class Output:
    """Everything a pipe delivered, read on a thread, with a wait for a condition."""

    def __init__(self, fd: int) -> None:
        self._data = b""
        self.stamps: list[tuple[float, int]] = []
        """``(time.monotonic() when read, bytes read so far)`` for each piece."""
        self._done = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(fd,), daemon=True)
        self._thread.start()

    @property
    def text(self) -> str:
        with self._changed:
            return self._data.decode(errors="replace")

    def wait_until(self, predicate: Callable[[str], bool]) -> None:
        with self._changed:
            ok = self._changed.wait_for(
                lambda: self._done or predicate(self._data.decode(errors="replace")), WAIT_S
            )
        assert ok and predicate(self.text), f"never saw the moment to kill; got {self.text!r}"

    def finish(self) -> str:
        self._thread.join(WAIT_S)
        return self.text

    def _read(self, fd: int) -> None:
        while chunk := os.read(fd, 65536):
            with self._changed:
                self._data += chunk
                self.stamps.append((time.monotonic(), len(self._data)))
                self._changed.notify_all()
        with self._changed:
            self._done = True
            self._changed.notify_all()


@dataclass(frozen=True)
class Case:
    """One kill: which stream, and the moment (what must be seen, or how long to wait)."""

    name: str
    model: str
    moment: Literal["request", "tokens", "exit", "error"]
    value: float = 0.0
    """Seconds after the request was read ("request"), or tokens printed ("tokens")."""


def cases() -> list[Case]:
    """Twenty moments, spread over the stream, drawn from a seeded RNG."""
    rng = random.Random(SEED)
    before = [rng.uniform(0.1, 0.6) for _ in range(3)]
    printed = [*sorted(rng.sample(range(1, TOKENS), 10)), TOKENS]
    errors = ("error_mid_stream", "overloaded_mid_stream", "drop", "truncate")
    return [
        *(
            Case(f"before-headers-{i}", "sim?scenario=hang", "request", s)
            for i, s in enumerate(before)
        ),
        *(Case(f"after-{k}-tokens", STREAM, "tokens", k) for k in printed),
        Case("at-exit", STREAM, "exit"),
        *(Case(f"after-{name}", f"{STREAM}&scenario={name}", "error") for name in errors),
        Case("after-http-401", "sim?scenario=http_error&status=401", "error"),
    ]


@dataclass(frozen=True)
class Killed:
    """What a killed ``ask`` printed, and when."""

    printed: str
    stamps: list[tuple[float, int]]
    killed_at: float

    def due_in_log(self) -> int:
        """Bytes of output the log must hold: all printed before the allowance."""
        allowance = TEXT_FLUSH_INTERVAL_S + SLACK_S + self.longest_silence()
        due = [length for at, length in self.stamps if at < self.killed_at - allowance]
        return max(due, default=0)

    def longest_silence(self) -> float:
        """The longest gap between two pieces of output, beyond the stream's pace."""
        times = [*(at for at, _ in self.stamps), self.killed_at]
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        return max(0.0, max(gaps, default=0.0) - 1.0 / TPS)


def run_and_kill(case: Case, sim: SimServerThread, home: Path) -> Killed:
    """Start ``ask``, kill it at the case's moment; return what it printed."""
    prompt = f"durability {case.name}"
    command = [sys.executable, "-m", "tuichat", "ask", prompt]
    command += ["--base-url", sim.base_url, "--model", case.model]
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = Output(proc.stdout.fileno()), Output(proc.stderr.fileno())
    try:
        wait_for_moment(case, sim, prompt, out, err)
    finally:
        proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait(WAIT_S)
    printed, _ = out.finish(), err.finish()
    proc.stdout.close()
    proc.stderr.close()
    return Killed(printed, out.stamps, killed_at)


def wait_for_moment(
    case: Case, sim: SimServerThread, prompt: str, out: Output, err: Output
) -> None:
    """Return at the moment to kill."""
    if case.moment == "request":
        sim.wait_for(lambda record: prompt in str(record.body), timeout=WAIT_S)
        threading.Event().wait(case.value)
    elif case.moment == "error":
        err.wait_until(lambda text: "tuichat:" in text)
    elif case.moment == "exit":
        out.wait_until(lambda text: text == answer_text("prose", TOKENS) + "\n")
    else:
        expected = answer_text("prose", int(case.value))
        out.wait_until(lambda text: text.startswith(expected))


def check_log(case: Case, home: Path, killed: Killed) -> None:
    """The log after recovery: sound, complete up to the last second of text."""
    conn = open_database_sync(home / "tuichat.db")  # as every command opens it
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        [(trace,)] = conn.execute(
            "SELECT trace_id FROM messages WHERE role = 'user' AND content = ?",
            (f"durability {case.name}",),
        ).fetchall()
        attempts = conn.execute("SELECT status FROM attempts WHERE trace_id = ?", (trace,))
        statuses = [status for (status,) in attempts]
        answers = conn.execute(
            "SELECT content, status FROM messages WHERE trace_id = ? AND role = 'assistant'",
            (trace,),
        ).fetchall()
        leftovers = conn.execute("SELECT count(*) FROM open_turns").fetchone()
        writers = conn.execute("SELECT count(*) FROM writers").fetchone()
    finally:
        conn.close()
    assert statuses and "running" not in statuses, statuses
    if not answers:  # a turn that failed before any text keeps only its attempts
        assert set(statuses) == {"failed"} and not killed.printed, (statuses, killed)
        return
    [(content, status)] = answers
    assert status in ("interrupted", "ok", "failed", "truncated"), status
    if case.moment in ("exit", "error"):  # shown, so committed before it was shown
        assert status != "interrupted" and content == killed.printed.rstrip("\n"), status
    assert (leftovers, writers) == ((0,), (0,))
    printed = killed.printed
    assert printed.startswith(content), (content, printed)
    due = len(printed.encode()[: killed.due_in_log()].decode(errors="ignore").rstrip("\n"))
    assert len(content) >= due, (case.name, status, content, printed[:due])


def test_sigkill_at_twenty_moments_loses_at_most_the_last_second(
    sim: SimServerThread, tmp_path: Path
) -> None:
    chosen = cases()
    assert len(chosen) == 20

    def one(case: Case) -> tuple[Case, Killed]:
        home = tmp_path / case.name
        return case, run_and_kill(case, sim, home)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(one, chosen))

    for case, killed in results:
        check_log(case, tmp_path / case.name, killed)
