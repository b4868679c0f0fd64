"""ChatRouter: the route each send gets from the rules, the override, the token estimate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tuichat.backends import Backends
from tuichat.config import ModelSpec, Settings
from tuichat.core.route_choice import RouteChoice
from tuichat.core.routing import RoutingRule, When
from tuichat.factory import Chat
from tuichat.ui.chat_options import ChatOptions

NAMES = ("big", "small", "spare")


def chat_with(rules: tuple[RoutingRule, ...], backends: Backends, tmp_path: Path) -> Chat:
    specs = {
        name: ModelSpec(
            name, "openai-compat", f"id-{name}", origin="test", base_url="http://127.0.0.1:9/v1"
        )
        for name in NAMES
    }
    settings = Settings(
        models=specs,
        chains={"careful": ("small", "spare")},
        selected=("big", "spare"),
        selection="big",
        selection_source="test",
        routing=rules,
        tag="support",
    )
    options = ChatOptions(
        model=specs["big"], settings=settings, backends=backends, database=tmp_path / "t.db"
    )
    return options.chat(backends.provider_for(specs["big"]))


@pytest.fixture
def backends() -> Iterator[Backends]:
    with Backends(env={}) as built:
        yield built


def labels(chat: Chat) -> list[str]:
    return [entry.label for entry in chat.session.route]


def test_a_rule_naming_a_model_sends_to_it_alone_and_a_chain_to_its_members(
    backends: Backends, tmp_path: Path
) -> None:
    rules = (
        RoutingRule(1, When(cheap=True), "small"),
        RoutingRule(2, When(tag="support"), "careful"),
    )
    chat = chat_with(rules, backends, tmp_path)
    assert chat.router.before_send("hi") == RouteChoice(2, "tag=support", "careful")
    assert labels(chat) == ["small", "spare"]
    chat.router.cheap = True
    assert chat.router.before_send("hi") == RouteChoice(1, "cheap on", "small")
    assert labels(chat) == ["small"]
    assert chat.session.start_turn("hi").route_choice == RouteChoice(1, "cheap on", "small")


def test_no_match_goes_back_to_the_default_route(backends: Backends, tmp_path: Path) -> None:
    chat = chat_with((RoutingRule(1, When(cheap=True), "small"),), backends, tmp_path)
    chat.router.cheap = True
    chat.router.before_send("hi")
    chat.router.cheap = False
    assert chat.router.before_send("hi") == RouteChoice(None, "no rule matched", "big")
    assert labels(chat) == ["big", "spare"]


def test_a_pinned_choice_overrides_the_rules(backends: Backends, tmp_path: Path) -> None:
    chat = chat_with((RoutingRule(1, When(tag="support"), "small"),), backends, tmp_path)
    before = labels(chat)
    chat.router.pin("ctrl+o", "big")
    assert chat.router.before_send("hi") == RouteChoice(None, "ctrl+o overrides routing", "big")
    assert labels(chat) == before


def test_without_rules_nothing_is_routed_or_reported(backends: Backends, tmp_path: Path) -> None:
    chat = chat_with((), backends, tmp_path)
    assert chat.router.before_send("hi") is None
    assert chat.session.route_choice is None


def test_the_token_estimate_counts_history_and_draft_like_the_pre_send_count(
    backends: Backends, tmp_path: Path
) -> None:
    chat = chat_with((RoutingRule(1, When(prompt_tokens_over=40), "small"),), backends, tmp_path)
    counter = chat.counter
    counter.warm()
    history = [("user", "tell me about sqlite " * 5), ("assistant", "it is a library " * 5)]
    for role, text in history:
        getattr(chat.session.conversation, f"add_{role}")(text)
    draft = "and what about WAL mode?"
    expected = counter.count_messages([*history, ("user", draft)], "id-big").tokens
    choice = chat.router.before_send(draft)
    assert choice is not None and choice.why == f"prompt {expected:,} tok > 40"
    assert chat.router.before_send(draft) == choice  # counted again from memory: same
