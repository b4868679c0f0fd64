"""Retries ask for less: a smaller answer after a 429, a shorter history after a timeout."""

from __future__ import annotations

from tuichat.core import errors
from tuichat.core.conversation import ChatMessage, ChatRequest
from tuichat.core.turn.degrade import MIN_CAP, degrade


def history(turns: int) -> tuple[ChatMessage, ...]:
    messages = [ChatMessage("system", "be brief")]
    for i in range(turns):
        messages += [ChatMessage("user", f"q{i}"), ChatMessage("assistant", f"a{i}")]
    return (*messages, ChatMessage("user", "latest"))


def test_rate_limited_halves_max_tokens_down_to_a_floor() -> None:
    request = ChatRequest(model="m", messages=history(1), max_tokens=1000)
    smaller, note = degrade(request, errors.RateLimited("slow", status_code=429))
    assert smaller.max_tokens == 500 and note == "max_tokens 500"
    floor = ChatRequest(model="m", messages=history(1), max_tokens=MIN_CAP)
    assert degrade(floor, errors.RateLimited("slow"))[1] == ""


def test_no_cap_gets_one() -> None:
    request = ChatRequest(model="m", messages=history(1))
    assert degrade(request, errors.RateLimited("slow"))[0].max_tokens == 1024


def test_quota_is_not_degraded() -> None:
    request = ChatRequest(model="m", messages=history(1), max_tokens=1000)
    assert degrade(request, errors.QuotaExceeded("no credit"))[1] == ""


def test_timeout_trims_history_keeping_system_and_the_latest() -> None:
    request = ChatRequest(model="m", messages=history(5))
    trimmed, note = degrade(request, errors.ProviderTimeout("slow"))
    roles = [m.role for m in trimmed.messages]
    assert roles[0] == "system" and roles[1] == "user"
    assert trimmed.messages[-1].content == "latest"
    assert len(trimmed.messages) < len(request.messages) and "trimmed" in note


def test_short_history_and_other_errors_are_left_alone() -> None:
    request = ChatRequest(model="m", messages=history(1))
    assert degrade(request, errors.ProviderTimeout("slow")) == (request, "")
    assert degrade(request, errors.ServerError("boom")) == (request, "")
