"""The route outcome is data; its summary line is derived from it."""

from __future__ import annotations

from tuichat.core.outcome import NO_OUTCOME, OutcomeBuilder, RouteStep


def test_summary_is_derived_from_the_steps() -> None:
    notebook = OutcomeBuilder()
    notebook.model("gpt-4o")
    notebook.step(RouteStep("failed", "rate_limited", 429))
    notebook.step(RouteStep("waited", wait_s=2.14))
    notebook.step(RouteStep("failed", "timeout"))
    notebook.model("claude")
    notebook.step(RouteStep("answered"))
    outcome = notebook.build()
    assert outcome.summary() == "gpt-4o: 429, waited 2.1 s, timeout; claude: answered"
    assert (outcome.attempts, outcome.retries, outcome.fallbacks) == (3, 1, 1)
    assert outcome.waited_s == 2.14
    assert outcome.eventful


def test_one_model_answering_at_once_is_not_eventful() -> None:
    notebook = OutcomeBuilder()
    notebook.model("m")
    notebook.step(RouteStep("answered"))
    assert notebook.single and not notebook.build().eventful
    assert not NO_OUTCOME.eventful and NO_OUTCOME.summary() == ""


def test_a_model_never_tried_says_so() -> None:
    notebook = OutcomeBuilder()
    notebook.model("a")
    notebook.step(RouteStep("skipped"))
    notebook.model("b")
    assert notebook.build().summary() == "a: skipped (circuit open); b: not tried"
