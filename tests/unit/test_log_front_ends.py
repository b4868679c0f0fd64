"""Replay to stdout, rerun's comparison and resume, on sessions made by hand."""

from __future__ import annotations

import io
import json

from tests.helpers.logged import logged_session, logged_turn
from tuichat.config import ModelSpec
from tuichat.core.clock import ManualClock
from tuichat.core.turn.replay import ReplayControl
from tuichat.factory import ChatWishes, assemble_chat
from tuichat.headless.replay import JsonLines, Transcript, _play
from tuichat.headless.rerun import Comparison, figures

HOSTILE = ["Hello \x1b[2J", "there.", " Bye\x9b."]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_plain_replay_writes_the_transcript_neutralised_on_a_terminal() -> None:
    out = FakeTerminal()
    session = logged_session(logged_turn("hi", HOSTILE))
    assert await _play(session, ReplayControl(None), Transcript(out)) == 0
    text = out.getvalue()
    assert "── turn 1 · m ──\n> hi\n" in text
    assert "Hello ␛[2Jthere. Bye\\x9b." in text and "\x1b" not in text
    assert text.rstrip().endswith("[ok]")


async def test_piped_replay_is_exact_and_json_lines_carry_every_event() -> None:
    out = io.StringIO()
    session = logged_session(logged_turn("hi", HOSTILE))
    await _play(session, ReplayControl(None), Transcript(out))
    assert "Hello \x1b[2Jthere. Bye\x9b." in out.getvalue()
    lines = io.StringIO()
    await _play(session, ReplayControl(None), JsonLines(lines))
    events = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert events[0]["type"] == "TurnStarted" and events[-1]["type"] == "TurnFinished"
    deltas = "".join(e["text"] for e in events if e["type"] == "TextDelta")
    assert deltas == "".join(HOSTILE)
    started = next(e for e in events if e["type"] == "AttemptStarted")
    assert started["request"]["max_tokens"] == 64


def test_logged_figures_come_from_the_same_metrics_as_the_hud() -> None:
    got = figures(logged_turn("hi", ["a ", "b ", "c"]).events)
    assert got.status == "ok" and got.ttft_ms == 375.0 and got.output_tokens == 3
    assert got.tokens_per_s == 2 / 0.25  # tokens after the first over first → last


def test_rerun_compares_each_model_with_the_original_turn_by_turn() -> None:
    session = logged_session(logged_turn("q1", ["the quick fox"]), logged_turn("q2", ["yes"]))
    same = [figures(turn.events) for turn in session.turns]
    other = [figures(logged_turn("q1", ["the slow fox"]).events), same[1]]
    report = Comparison(session, {"m1": same, "m2": other})
    assert report.all_ok
    assert report.diffs(0)["m1"].summary() == "identical"
    assert report.diffs(0)["m2"].marked() == "the [-quick-] {+slow+} fox"
    table = report.table(terminal=False)
    assert "turn 1: q1" in table and "turn 2: q2" in table and "375 ms" in table
    data = report.as_json()
    assert data["turns"][0]["models"]["m2"]["diff"]["added"] == 1


def test_resume_keeps_the_session_row_and_puts_answered_turns_in_context() -> None:
    session = logged_session(
        logged_turn("q1", ["a1"]), logged_turn("q2", ["part"], status="interrupted")
    )
    spec = ModelSpec("m", "openai-compat", "m", origin="test")
    wishes = ChatWishes(resume=session, warm=False)
    chat = assemble_chat(spec, object(), wishes, clock=ManualClock())  # type: ignore[arg-type]
    assert chat.session.session_id == "s-logged"
    history = [(m.role, m.content) for m in chat.session.conversation.messages]
    assert history == [("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "part")]
    assert chat.session.conversation.system == "Be brief."


def test_fork_starts_a_new_session_with_the_history_through_its_turn() -> None:
    session = logged_session(logged_turn("q1", ["a1"]), logged_turn("q2", ["a2"]))
    spec = ModelSpec("m", "openai-compat", "m", origin="test")
    wishes = ChatWishes(resume=session, fork_at=1, warm=False)
    chat = assemble_chat(spec, object(), wishes, clock=ManualClock())  # type: ignore[arg-type]
    assert chat.session.session_id != "s-logged"
    assert [m.content for m in chat.session.conversation.messages] == ["q1", "a1"]
