"""sessions, replay, rerun, resume and fork end to end: real processes, the simulator, one log."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from tuichat.config import ModelSpec
from tuichat.core.clock import ManualClock
from tuichat.core.events import TextDelta
from tuichat.core.turn.replay import ReplayControl, ReplayedTurn
from tuichat.factory import ChatWishes, assemble_chat
from tuichat.logbook import open_logbook
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.answers import answer_text
from tuichat.sim.thread import SimServerThread


def tuichat(*args: str, home: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tuichat", *args], capture_output=True, env=env, timeout=60
    )


def ask(sim: SimServerThread, prompt: str, model: str, home: Path) -> None:
    result = tuichat("ask", prompt, "--base-url", sim.base_url, "--model", model, home=home)
    assert result.returncode == 0, result.stderr


def test_sessions_replay_and_rerun_read_what_ask_logged(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    ask(sim, "zebracorn question", "sim?tokens=20&tps=200", tuichat_home)
    ask(sim, "hostile one", "sim?content=hostile&tokens=30&tps=300", tuichat_home)

    listed = json.loads(tuichat("sessions", "--json", home=tuichat_home).stdout)["sessions"]
    assert [s["title"] for s in listed] == ["hostile one", "zebracorn question"]
    found = tuichat("sessions", "--search", "zebracorn", "--json", home=tuichat_home)
    assert [s["title"] for s in json.loads(found.stdout)["sessions"]] == ["zebracorn question"]

    plain = tuichat("replay", "last", "--plain", "--speed", "max", home=tuichat_home)
    assert plain.returncode == 0
    assert answer_text("hostile", 30).encode() in plain.stdout  # piped: exactly as logged
    lines = tuichat("replay", "last", "--json", "--speed", "max", home=tuichat_home).stdout
    events = [json.loads(line) for line in lines.splitlines()]
    assert events[0]["type"] == "TurnStarted" and events[-1]["type"] == "TurnFinished"
    replayed = "".join(e["text"] for e in events if e["type"] == "TextDelta")
    assert replayed == answer_text("hostile", 30)

    models = ["--model", "sim?tokens=30", "--model", "sim?content=hostile&tokens=30"]
    rerun = tuichat("rerun", "last", "--base-url", sim.base_url, *models, "--json",
                    home=tuichat_home)  # fmt: skip
    assert rerun.returncode == 0, rerun.stderr
    [turn] = json.loads(rerun.stdout)["turns"]
    diffs = {name: m["diff"] for name, m in turn["models"].items()}
    assert diffs["sim?content=hostile&tokens=30"]["same_share"] == 1.0
    assert diffs["sim?tokens=30"]["same_share"] < 0.5
    after = json.loads(tuichat("sessions", "--json", home=tuichat_home).stdout)["sessions"]
    assert sum(1 for s in after if s["rerun_of"] == listed[0]["id"]) == 2


def test_bad_references_are_one_line_and_exit_2(tuichat_home: Path, sim: SimServerThread) -> None:
    assert tuichat("replay", "last", "--plain", home=tuichat_home).returncode == 2  # no log yet
    ask(sim, "q", "sim?tokens=3", tuichat_home)
    result = tuichat("replay", "zz-nope", "--plain", home=tuichat_home)
    assert result.returncode == 2 and len(result.stderr.decode().strip().splitlines()) == 1


def test_replay_at_1x_reproduces_the_logged_gaps(sim: SimServerThread, tuichat_home: Path) -> None:
    ask(sim, "paced", "sim?tokens=40&tps=50", tuichat_home)
    session = asyncio.run(_read("last", tuichat_home))
    [logged] = session.turns
    assert logged.timed
    clock = ManualClock()
    replay = ReplayedTurn(logged.events, clock=clock, control=ReplayControl(1.0))
    events = asyncio.run(_all(replay))
    live = [e.ts for e in logged.events if isinstance(e, TextDelta)]
    again = [e.ts for e in events if isinstance(e, TextDelta)]
    pairs = zip(live, live[1:], again, again[1:], strict=False)
    gaps = [abs((b2 - b1) - (a2 - a1)) for a1, a2, b1, b2 in pairs]
    assert max(gaps) < 0.010  # on the manual clock the replay's gaps are the logged ones


async def _read(ref: str, home: Path):  # type: ignore[no-untyped-def]
    async with open_logbook(home / "tuichat.db") as book:
        return await book.session(ref)


async def _all(source):  # type: ignore[no-untyped-def]
    return [event async for event in source]


async def test_resume_continues_the_row_and_fork_copies_the_history(
    sim: SimServerThread, tuichat_home: Path
) -> None:
    ask(sim, "one", "sim?tokens=5", tuichat_home)
    logged = await _read("last", tuichat_home)
    spec = ModelSpec("sim", "openai-compat", "sim?tokens=4", origin="test")
    for fork_at in (None, 1):
        wishes = ChatWishes(
            resume=logged, fork_at=fork_at, warm=False, database=tuichat_home / "tuichat.db"
        )
        chat = assemble_chat(spec, OpenAICompatProvider(sim.base_url), wishes)
        assert await chat.open_log() is None
        async for _ in chat.session.start_turn("two"):
            pass
        await chat.aclose()
        again = await _read(chat.session.session_id, tuichat_home)
        assert [t.started.prompt for t in again.turns] == ["one", "two"]
        assert (chat.session.session_id == logged.session_id) == (fork_at is None)
