"""Routing in the chat: the "cheap" toggle, the route line before an answer, the HUD row.

A mixin of the chat app (kept apart so the app stays one screen of wiring).
Before each send :meth:`RoutingActions.route_send` lets the chat's
:class:`~tuichat.chat_routing.ChatRouter` pick the route from the
``[[routing]]`` rules; when the rule or model differs from the previous
send's, a notice above the answer says so ("routed: rule 2 · tag=support →
cheap"). The HUD's health panel shows the latest choice on a ``routed`` row.
shift+f12 (binding id ``cheap``) and a palette entry flip the "cheap" toggle that
``when = { cheap = true }`` tests. An explicit ctrl+o choice overrides the
rules for the rest of the session, and the HUD says so. The model line over
the prompt (:mod:`tuichat.ui.model_line`) names the routed model and why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import SystemCommand
from textual.binding import Binding

from tuichat.core.route_choice import RouteChoice
from tuichat.ui.widgets.messages import Notice

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tuichat.ui.app import TuichatApp

CHEAP_KEY = "shift+f12"
ROUTING_BINDINGS = [Binding(CHEAP_KEY, "toggle_cheap", "Cheap", show=False, id="cheap")]
"""shift+f12: f12 regenerates; f2–f5, f8–f10 are taken, f6/f7 the prompt's, f1/f11 terminals'."""


class RoutingActions:
    """The chat app's routing (a mixin of :class:`~tuichat.ui.app.TuichatApp`)."""

    _shown_route: tuple[int | None, str] | None = None

    @property
    def _router_app(self) -> TuichatApp:
        return cast("TuichatApp", self)

    def route_send(self, prompt: str) -> tuple[Notice, ...]:
        """Route the next turn by the rules; a notice when the rule or model changed."""
        app = self._router_app
        choice = app.chat.router.before_send(prompt)
        if choice is not None:
            app.show_model_line()  # the line over the prompt names the routed model and why
        if choice is None or (choice.rule, choice.model) == self._shown_route:
            return ()
        self._shown_route = (choice.rule, choice.model)
        return (Notice(f"routed: {choice.line()}", kind="info"),)

    def route_choice(self) -> RouteChoice | None:
        """The latest send's routing choice, for the HUD (None: no rules, or nothing sent)."""
        return self._router_app.session.route_choice

    def action_toggle_cheap(self) -> None:
        """Flip the "cheap" toggle the routing rules may test."""
        app = self._router_app
        router = app.chat.router
        if not router.active:
            app.notify("No [[routing]] rules in config.toml: cheap changes nothing.", timeout=3)
            return
        router.cheap = not router.cheap
        state = "on" if router.cheap else "off"
        overridden = f" ({router.override} overrides routing)" if router.override else ""
        app.notify(f"Cheap {state} for the next turns{overridden}.", timeout=3, markup=False)

    def pin_model(self, name: str) -> None:
        """ctrl+o picked ``name``: it overrides the routing rules from now on."""
        self._router_app.chat.router.pin("ctrl+o", name)

    def routing_system_commands(self) -> Iterator[SystemCommand]:
        """The palette's cheap toggle (only with rules configured)."""
        router = self._router_app.chat.router
        if router.active:
            state = "on" if router.cheap else "off"
            yield SystemCommand(
                f"Routing: cheap toggle ({CHEAP_KEY}, now {state})",
                "Routing rules with when = { cheap = true } pick the next turns' model",
                self.action_toggle_cheap,
            )
