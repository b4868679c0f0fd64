"""Prompt text a server adds that the conversation does not show.

The bundled local model is a base model primed by a few-shot transcript that
llama.cpp's chat template puts before every conversation: the pre-send estimate
read "≈14 tok" for a prompt that sent 119. Whoever sets such a server up
registers its hidden text here (the core knows no servers), and
:class:`~tuichat.core.cost.send_estimate.SendEstimator` counts it in.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HiddenPrompt:
    """What a template adds: ``always``, plus ``unless_system`` when no system message is sent.

    A system message replaces the template's default preamble (and is counted
    as part of the history), so the preamble is only hidden without one.
    """

    always: str
    unless_system: str = ""

    def text(self, has_system: bool) -> str:
        """The hidden text for a conversation with or without a system message."""
        return self.always if has_system else self.unless_system + self.always


class HiddenPrompts:
    """Hidden prompt text by (provider kind, model id); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._prompts: dict[tuple[str, str], HiddenPrompt] = {}

    def register(self, provider: str, model: str, prompt: HiddenPrompt) -> None:
        """Requests of ``provider`` for ``model`` carry ``prompt`` from now on."""
        with self._lock:
            self._prompts[(provider, model)] = prompt

    def lookup(self, provider: str, model: str) -> HiddenPrompt | None:
        """The hidden prompt of ``model`` at ``provider``, if one was registered."""
        with self._lock:
            return self._prompts.get((provider, model))


HIDDEN_PROMPTS = HiddenPrompts()
"""The process's registry (the backends register the servers they start)."""
