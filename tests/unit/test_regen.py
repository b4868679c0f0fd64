"""Regenerating with a strategy: parsing, request changes, and the history holding the kept one.

A counting fake provider answers each request differently (``answer 1``,
``answer 2``…) and records the requests, on a manual clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.helpers.scripted_provider import run
from tuichat.core import errors
from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatMessage, ChatRequest, Conversation
from tuichat.core.provider import FinishPart, ResponseHead, StreamPart, TextPart
from tuichat.core.regen.alternatives import Alternatives
from tuichat.core.regen.strategy import (
    NEXT_MODEL,
    SHORT,
    SHORT_INSTRUCTION,
    SHORT_MAX_TOKENS,
    STRICT,
    STRICT_INSTRUCTION,
    Strategy,
    StrategyProblem,
    default_strategy,
    parse_strategy,
    rotate_route,
)
from tuichat.core.turn.chat import ChatSession, RouteModel
from tuichat.core.turn.services import TurnServices


class Counting:
    """Answers ``answer N`` to the N-th request; ``fail_at`` answers nothing (a bad request)."""

    base_url_host = "fake:1"

    def __init__(self, name: str = "counting", fail_at: int | None = None) -> None:
        self.name = name
        self.requests: list[ChatRequest] = []
        self.fail_at = fail_at

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamPart]:
        self.requests.append(request)
        if len(self.requests) == self.fail_at:
            raise errors.BadRequest("refused", status_code=400)
        yield ResponseHead(200)
        yield TextPart(f"{self.name} answer {len(self.requests)}")
        yield FinishPart("stop")

    async def aclose(self) -> None:
        return None


def session_on(provider: Counting, system: str | None = "Be kind.") -> ChatSession:
    return ChatSession(provider, "m1", services=TurnServices(clock=ManualClock()), system=system)


async def asked(session: ChatSession, prompt: str) -> str:
    turn = session.start_turn(prompt)
    await run(turn)
    return turn.trace_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("strict", STRICT),
        (" SHORT ", SHORT),
        ("model", NEXT_MODEL),
        ("model gpt-4o-mini", Strategy("model", "gpt-4o-mini")),
        ("temp 1.2", Strategy("temp", temperature=1.2)),
        ("temp 0", Strategy("temp", temperature=0.0)),
    ],
)
def test_parse_names_the_strategy(text: str, expected: Strategy | None) -> None:
    assert parse_strategy(text) == expected


@pytest.mark.parametrize("text", ["loud", "temp", "temp x", "temp 3", "temp nan", "strict now"])
def test_parse_refuses_in_one_line(text: str) -> None:
    with pytest.raises(StrategyProblem) as caught:
        parse_strategy(text)
    assert "\n" not in str(caught.value)


def test_the_default_is_the_chains_next_model_else_stricter() -> None:
    a, b = (RouteModel(n, Counting(n), n) for n in ("a", "b"))
    assert default_strategy([a, b]) == NEXT_MODEL
    assert default_strategy([a]) == STRICT
    assert [m.label for m in rotate_route([a, b], None) or []] == ["b", "a"]
    assert rotate_route([a], None) is None
    assert rotate_route([a, b], "c") is None


async def test_the_history_holds_the_kept_alternative() -> None:
    provider = Counting()
    session = session_on(provider)
    await asked(session, "hello")
    original = await asked(session, "why?")
    alternatives = Alternatives.of_last_answer(session.conversation, original, "m1")
    turn = alternatives.start(session, STRICT, session.route)
    await run(turn)
    assert alternatives.ended(session.conversation) is not None
    assert history(session)[-2:] == [("user", "why?"), ("assistant", "counting answer 3")]
    alternatives.browse(-1, session.conversation)  # back to the original
    assert alternatives.keep().trace_id == original
    await asked(session, "and then?")
    sent = provider.requests[-1].messages
    assert [m.content for m in sent[-3:]] == ["why?", "counting answer 2", "and then?"]
    assert "counting answer 3" not in [m.content for m in sent]


async def test_a_strategy_changes_that_one_request_only() -> None:
    provider = Counting()
    session = session_on(provider)
    original = await asked(session, "why?")
    alternatives = Alternatives.of_last_answer(session.conversation, original, "m1")
    for strategy in (STRICT, SHORT, Strategy("temp", temperature=1.5)):
        await run(alternatives.start(session, strategy, session.route))
        alternatives.ended(session.conversation)
    strict, short, warm = provider.requests[1:]
    assert strict.messages[0] == ChatMessage("system", f"Be kind.\n\n{STRICT_INSTRUCTION}")
    assert short.messages[0].content.endswith(SHORT_INSTRUCTION)
    assert short.max_tokens == SHORT_MAX_TOKENS and warm.temperature == 1.5
    assert [m.role for m in warm.messages] == ["system", "user"]  # the old answer left out
    assert session.conversation.system == "Be kind." and session.route[0].temperature is None
    assert not session.bypass_cache
    await asked(session, "next")
    assert provider.requests[-1].messages[0].content == "Be kind."


async def test_another_model_answers_and_browsing_moves_the_history() -> None:
    first, second = Counting("first"), Counting("second")
    session = session_on(first, system=None)
    session.set_route([RouteModel("first", first, "m1"), RouteModel("second", second, "m2")])
    original = await asked(session, "q")
    alternatives = Alternatives.of_last_answer(session.conversation, original, "first")
    route = rotate_route(session.route, None)
    assert route is not None
    await run(alternatives.start(session, NEXT_MODEL, route))
    made = alternatives.ended(session.conversation)
    assert made is not None and made.model == "second" and made.text == "second answer 1"
    assert [(a.model, a.strategy) for a in alternatives.items] == [
        ("first", "original"),
        ("second", "other model"),
    ]
    alternatives.browse(1, session.conversation)  # wraps to the original
    assert history(session)[-1] == ("assistant", "first answer 1")
    assert alternatives.in_history(session.conversation)


async def test_a_failed_regeneration_leaves_the_history_as_it_was() -> None:
    provider = Counting(fail_at=2)
    session = session_on(provider)
    original = await asked(session, "q")
    before = history(session)
    alternatives = Alternatives.of_last_answer(session.conversation, original, "m1")
    await run(alternatives.start(session, STRICT, session.route))
    assert alternatives.ended(session.conversation) is None
    assert history(session) == before and len(alternatives.items) == 1


def test_nothing_to_regenerate_without_an_answer() -> None:
    conversation = Conversation()
    conversation.add_user("q")
    with pytest.raises(ValueError):
        Alternatives.of_last_answer(conversation, "t", "m")
    with pytest.raises(ValueError):
        conversation.replace_last_answer("x")


def history(session: ChatSession) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in session.conversation.messages]
