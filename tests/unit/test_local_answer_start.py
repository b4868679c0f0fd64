"""The local model's answers lose the one space its prompt format leaves."""

from __future__ import annotations

from tests.helpers.scripted_provider import ScriptedProvider
from tuichat.core.clock import ManualClock
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.provider import FinishPart, StreamPart, TextPart
from tuichat.local.answer_start import LeadingSpaceTrim

REQUEST = ChatRequest(model="local", messages=(ChatMessage(role="user", content="hi"),))


async def texts(parts: list[StreamPart]) -> list[StreamPart]:
    provider = LeadingSpaceTrim(ScriptedProvider(ManualClock(), [*parts, FinishPart("stop")]))
    return [part async for part in provider.stream(REQUEST)][:-1]


async def test_only_the_first_parts_leading_space_goes() -> None:
    got = await texts([TextPart(" Jupiter"), TextPart(" is"), TextPart(" big.")])
    assert got == [TextPart("Jupiter"), TextPart(" is"), TextPart(" big.")]


async def test_a_space_alone_first_is_dropped_and_the_next_part_kept_as_is() -> None:
    got = await texts([TextPart(" "), TextPart(" code")])
    assert got == [TextPart(" code")]


async def test_further_whitespace_the_model_chose_stays() -> None:
    got = await texts([TextPart("   indented"), TextPart("\n")])
    assert got == [TextPart("  indented"), TextPart("\n")]


async def test_an_answer_without_a_leading_space_is_untouched() -> None:
    assert await texts([TextPart("Yes")]) == [TextPart("Yes")]
