"""The model line over the prompt: which model, which provider, who answered last."""

from __future__ import annotations

from dataclasses import dataclass

from tuichat.core.metrics.turn_report import AttemptReport, TurnReport
from tuichat.core.turn.chat import RouteModel
from tuichat.ui.model_line import model_line


@dataclass
class _Provider:
    name: str
    base_url_host: str


FAST = RouteModel("sim-fast", _Provider("openai-compat", "127.0.0.1:8080"), "sim?tokens=5")  # type: ignore[arg-type]
BACKUP = RouteModel("backup", _Provider("anthropic", "api.example.test"), "claude-x")  # type: ignore[arg-type]


def test_one_model_names_itself_its_provider_and_host() -> None:
    assert model_line([FAST], "sim-fast", None) == "sim-fast · openai-compat @ 127.0.0.1:8080"


def test_a_chain_lists_its_members() -> None:
    line = model_line([FAST, BACKUP], "pair", None)
    assert line == "pair (sim-fast → backup) · openai-compat @ 127.0.0.1:8080"
    assert model_line([FAST, BACKUP], "sim-fast", None).startswith("sim-fast → backup · ")


def test_a_fallback_that_answered_is_named() -> None:
    report = TurnReport(fallbacks=1)
    report.attempts = [
        AttemptReport("sim?tokens=5", "openai-compat", 0.0, status="failed"),
        AttemptReport("claude-x", "anthropic", 0.0, status="ok"),
    ]
    line = model_line([FAST, BACKUP], "pair", report)
    assert line.endswith(" · last answer from backup (fallback)")


def test_no_fallback_or_a_failed_one_adds_nothing() -> None:
    first = TurnReport(attempts=[AttemptReport("sim?tokens=5", "openai-compat", 0.0, "ok")])
    assert "last answer" not in model_line([FAST, BACKUP], "pair", first)
    failed = TurnReport(fallbacks=1)
    failed.attempts = [AttemptReport("claude-x", "anthropic", 0.0, status="failed")]
    assert "last answer" not in model_line([FAST, BACKUP], "pair", failed)


def test_hostile_names_stay_on_one_inert_line() -> None:
    odd = RouteModel("x\x1b[2J\ny", _Provider("p", "h"), "m")  # type: ignore[arg-type]
    line = model_line([odd], "x\x1b[2J\ny", None)
    assert "\x1b" not in line and "\n" not in line
