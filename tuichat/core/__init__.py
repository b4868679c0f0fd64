"""The headless core: turns, their events, and the services a turn uses.

Nothing here imports Textual, the store, the providers or the configuration:
front ends and adapters depend on the core, never the other way round (the
import contracts in ``pyproject.toml`` enforce it).

The root modules are the shared vocabulary every sub-package may use:
:mod:`events` (what a turn emits), :mod:`provider` (the port adapters
implement), :mod:`conversation` (requests), :mod:`errors` (the error
taxonomy), :mod:`clock` (the one source of time), :mod:`limit_state`,
:mod:`untrusted` and :mod:`secrets`. The sub-packages, lowest first:

- :mod:`cost` and :mod:`health`: prices, token counts, budgets; circuit breakers;
- :mod:`limits`: the client-side limiter and rate-limit headers (may use cost);
- :mod:`turn` and :mod:`metrics`: running a turn, and reading its events.
"""
