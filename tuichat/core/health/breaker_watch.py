"""A turn's view of the circuit breakers: ask, report, and emit what changed.

Every breaker transition (closed → open, open → half_open, ...) becomes a
``BreakerChanged`` event, so the log and the HUD see it like any other.
"""

from __future__ import annotations

from collections.abc import Callable

from tuichat.core.clock import Clock
from tuichat.core.events import BreakerChanged, Event
from tuichat.core.health.breaker import BreakerBoard, counts_against_provider


class BreakerWatch:
    """Breaker calls for one turn; a missing board allows everything."""

    def __init__(
        self,
        board: BreakerBoard | None,
        trace_id: str,
        clock: Clock,
        emit: Callable[[Event], None],
    ) -> None:
        self._board = board
        self._trace_id = trace_id
        self._clock = clock
        self._emit = emit

    def allows(self, key: str) -> bool:
        """False while the provider's breaker is open (it is skipped)."""
        if self._board is None:
            return True
        allowed = self._board.get(key).allow()
        self._emit_changes()
        return allowed

    def success(self, key: str) -> None:
        if self._board is not None:
            self._board.get(key).record_success()
            self._emit_changes()

    def failure(self, key: str, error_type: str) -> None:
        """Count the failure if it says the provider is unhealthy."""
        if self._board is not None:
            if counts_against_provider(error_type):
                self._board.get(key).record_failure(error_type)
            self._emit_changes()

    def _emit_changes(self) -> None:
        assert self._board is not None
        for change in self._board.drain_transitions():
            self._emit(
                BreakerChanged(
                    trace_id=self._trace_id,
                    ts=self._clock.now(),
                    provider=change.provider,
                    from_state=change.from_state,
                    to_state=change.to_state,
                    reason=change.reason,
                )
            )
