"""Where a model's context window comes from, strongest first.

1. the configuration: ``context_window`` on the model (``config.toml``);
2. the server tuichat runs itself: the ``n_ctx`` the embedded llama.cpp
   server is started with (what its ``/props`` reports as
   ``default_generation_settings.n_ctx``; known before it starts, so no
   request is made), and the simulator's ``window=N`` in its model id;
3. the maintained catalogue: genai-prices' ``context_window`` for the model;
4. unknown: then no policy applies, and the HUD and the pre-send line say so once.

The catalogue lookup imports genai-prices (~0.1 s), so it runs on a worker
thread or after the warm-up, never on the first send's path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

SIM_PROVIDERS = ("sim", "simulator")
UNKNOWN = "unknown window"


@dataclass(frozen=True, slots=True)
class Window:
    """A model's context window in tokens (None: unknown) and where that was read."""

    tokens: int | None
    source: str

    @property
    def known(self) -> bool:
        """True when a policy can be applied."""
        return self.tokens is not None


def resolve_window(
    configured: int | None,
    provider: str,
    model: str,
    *,
    served: int | None = None,
    catalogue: Callable[[], int | None] = lambda: None,
) -> Window:
    """The window of ``model`` on ``provider``, from the first source that knows it."""
    if configured:
        return Window(configured, "config")
    if served:
        return Window(served, "local n_ctx")
    if provider in SIM_PROVIDERS and (sim := _sim_window(model)) is not None:
        return Window(sim, "simulator model id")
    if (listed := catalogue()) is not None:
        return Window(listed, "genai-prices")
    return Window(None, UNKNOWN)


def _sim_window(model: str) -> int | None:
    """``sim?window=4000`` → 4000 (the simulator refuses longer prompts with a 400)."""
    _, _, query = model.partition("?")
    for key, value in parse_qsl(query):
        if key == "window" and value.isdigit() and int(value) > 0:
            return int(value)
    return None
