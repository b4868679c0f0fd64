"""Routing rules, table-driven: which rule wins for which input, and the reason it gives."""

from __future__ import annotations

import pytest

from tuichat.core.route_choice import RouteChoice
from tuichat.core.routing import RouteInput, RoutingRule, When, choose_route, needs_tokens
from tuichat.core.routing.code_check import looks_like_code

RULES = (
    RoutingRule(1, When(prompt_tokens_over=2000), "long-context"),
    RoutingRule(2, When(tag="support"), "cheap"),
    RoutingRule(3, When(has_code=True), "coder"),
    RoutingRule(4, When(cheap=True), "mini"),
)
CODE = "why does this fail?\n```python\nprint(x)\n```"


def given(
    tokens: int | None = 10, tag: str | None = None, draft: str = "hi", cheap: bool = False
) -> RouteInput:
    return RouteInput(prompt_tokens=tokens, tag=tag, draft=draft, cheap=cheap)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (given(), None),
        (given(tokens=2001), RouteChoice(1, "prompt 2,001 tok > 2,000", "long-context")),
        (given(tokens=2000), None),  # "over" is strictly more
        (given(tag="support"), RouteChoice(2, "tag=support", "cheap")),
        (given(tag="sales"), None),
        (given(draft=CODE), RouteChoice(3, "code in draft", "coder")),
        (given(cheap=True), RouteChoice(4, "cheap on", "mini")),
        # first match wins: the earlier rule beats every later one that also holds
        (
            given(tokens=5000, tag="support", draft=CODE, cheap=True),
            RouteChoice(1, "prompt 5,000 tok > 2,000", "long-context"),
        ),
        (given(tag="support", draft=CODE), RouteChoice(2, "tag=support", "cheap")),
        (given(draft=CODE, cheap=True), RouteChoice(3, "code in draft", "coder")),
        (given(tokens=None, tag="support"), RouteChoice(2, "tag=support", "cheap")),
    ],
)
def test_first_matching_rule_wins(case: RouteInput, expected: RouteChoice | None) -> None:
    assert choose_route(RULES, case) == expected


@pytest.mark.parametrize(
    ("when", "case", "why"),
    [
        (
            When(tag="support", cheap=True),
            given(tag="support", cheap=True),
            "tag=support, cheap on",
        ),
        (When(tag="support", cheap=True), given(tag="support"), None),
        (When(has_code=False), given(draft="plain words"), "no code in draft"),
        (When(has_code=False), given(draft=CODE), None),
        (When(cheap=False), given(), "cheap off"),
        (When(prompt_tokens_over=0), given(tokens=None), None),  # not counted: no match
    ],
)
def test_every_condition_of_a_rule_must_hold(when: When, case: RouteInput, why: str | None) -> None:
    chosen = choose_route((RoutingRule(1, when, "m"),), case)
    assert (chosen.why if chosen else None) == why


def test_no_rules_choose_nothing() -> None:
    assert choose_route((), given(tag="support")) is None


def test_tokens_are_needed_only_when_a_rule_reads_them() -> None:
    assert needs_tokens(RULES)
    assert not needs_tokens(RULES[1:])


def test_the_choice_reads_as_one_line_and_as_json() -> None:
    choice = RouteChoice(2, "tag=support", "cheap")
    assert choice.line() == "rule 2 · tag=support → cheap"
    assert choice.as_json() == {"rule": 2, "why": "tag=support", "model": "cheap"}
    assert RouteChoice(None, "no rule matched", "gpt").line() == "no rule matched → gpt"


@pytest.mark.parametrize(
    ("draft", "code"),
    [
        ("```\nanything\n```", True),
        ("~~~\nx\n~~~", True),
        ("def f(x):\n    return x", True),
        ("SELECT * FROM users;", True),
        ("import os\nimport sys", True),
        ("for (i = 0; i < n; i++) {\n  x();\n}", True),
        ("please explain\nconst x = 1;", True),  # half the lines
        ("What is the capital of France?", False),
        ("I want to import goods from China and sell them.", False),
        ("Shopping list:\n- eggs\n- milk\n- bread", False),
        ("One thing; then another.\nAnd a third line here.\nAnd a fourth.", False),
        ("", False),
    ],
)
def test_code_detection(draft: str, code: bool) -> None:
    assert looks_like_code(draft) is code
