"""The exact key covers the whole normalised request; the scope leaves out the question."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tuichat.core.cache.key import ProviderIdentity, last_question, request_keys
from tuichat.core.conversation import ChatMessage, ChatRequest

SIM = ProviderIdentity("openai-compat", "127.0.0.1:8000")


def request(*messages: tuple[str, str], **params: object) -> ChatRequest:
    history = tuple(ChatMessage(role, text) for role, text in messages)  # type: ignore[arg-type]
    base = ChatRequest(model="gpt-x", messages=history, max_tokens=200, temperature=0.2)
    return replace(base, **params)  # type: ignore[arg-type]


BASE = request(("system", "Be brief."), ("user", "What is 2+2?"))


def test_the_same_request_has_the_same_key() -> None:
    again = request(("system", "Be brief."), ("user", "What is 2+2?"))
    assert request_keys(BASE, SIM) == request_keys(again, SIM)
    assert len(request_keys(BASE, SIM).key) == 64


@pytest.mark.parametrize(
    "changed",
    [
        replace(BASE, model="gpt-y"),
        replace(BASE, temperature=0.3),
        replace(BASE, temperature=None),
        replace(BASE, max_tokens=201),
        replace(BASE, stop=("END",)),
        request(("system", "Be long."), ("user", "What is 2+2?")),
        request(("user", "What is 2+2?")),
        request(("system", "Be brief."), ("user", "What is 2+3?")),
    ],
    ids=[
        "model",
        "temperature",
        "no-temperature",
        "max_tokens",
        "stop",
        "system",
        "no-system",
        "question",
    ],
)
def test_each_request_component_changes_the_key(changed: ChatRequest) -> None:
    assert request_keys(changed, SIM).key != request_keys(BASE, SIM).key


def test_the_provider_and_its_host_change_the_key() -> None:
    other_host = ProviderIdentity(SIM.name, "api.example.com")
    other_name = ProviderIdentity("anthropic", SIM.host)
    keys = {request_keys(BASE, p).key for p in (SIM, other_host, other_name)}
    assert len(keys) == 3


def test_tools_and_response_format_have_a_slot() -> None:
    plain = request_keys(BASE, SIM).key
    assert request_keys(BASE, SIM, response_format={"type": "json_object"}).key != plain
    assert request_keys(BASE, SIM, tools=[{"name": "f"}]).key != plain


def test_the_same_question_in_another_conversation_misses() -> None:
    """GPTCache's issue #8: keying on the last message hits across conversations."""
    first = request(("user", "Tell me a joke"), ("assistant", "No."), ("user", "Why?"))
    second = request(("user", "Is the sky green?"), ("assistant", "No."), ("user", "Why?"))
    a, b = request_keys(first, SIM), request_keys(second, SIM)
    assert a.key != b.key and a.scope != b.scope


def test_the_scope_is_the_request_without_its_question() -> None:
    other_question = request(("system", "Be brief."), ("user", "What is 3+3?"))
    a, b = request_keys(BASE, SIM), request_keys(other_question, SIM)
    assert a.key != b.key and a.scope == b.scope
    assert a.scope != a.key
    assert request_keys(replace(BASE, temperature=0.9), SIM).scope != a.scope


def test_invisible_differences_are_normalised() -> None:
    composed = request(("system", "Be brief."), ("user", "Caf\u00e9?  \n"))
    decomposed = request(("system", "Be brief.\n"), ("user", "Cafe\u0301?"))
    assert request_keys(composed, SIM) == request_keys(decomposed, SIM)
    leading = request(("system", "Be brief."), ("user", "  Café?"))
    assert request_keys(leading, SIM).key != request_keys(composed, SIM).key


def test_the_question_is_the_last_user_message() -> None:
    convo = request(("user", "one"), ("assistant", "a"), ("user", "two"))
    assert last_question(convo) == "two"
    assert last_question(request(("system", "s"))) == ""
