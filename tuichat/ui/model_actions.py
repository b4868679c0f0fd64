"""Switching the chat's model or chain: the picker, and starting its backend off the loop.

A mixin of the chat app (kept apart so the app stays one screen of wiring).
The picker lists the configured models and chains; the chosen one's first
model is started on a thread (a local model may take seconds), then the next
turns follow its route; the conversation is kept.

The prompt's border title names the model and provider
(:mod:`tuichat.ui.model_line`): set at mount, after a switch and after each
turn (a fallback may have answered it), so it reads right with the HUD hidden.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from textual import work
from textual.worker import Worker, WorkerState

from tuichat.core.untrusted import one_line
from tuichat.ui.chat_text import reason
from tuichat.ui.model_line import model_title
from tuichat.ui.model_picker import Choice, ModelPicker
from tuichat.ui.widgets.messages import Notice
from tuichat.ui.widgets.prompt import PromptArea

if TYPE_CHECKING:
    from tuichat.ui.app import TuichatApp

_ENDED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)


class ModelActions:
    """The chat app's model switching (a mixin of :class:`~tuichat.ui.app.TuichatApp`)."""

    @property
    def _host(self) -> TuichatApp:
        return cast("TuichatApp", self)

    async def on_mount(self) -> None:
        """Name the model over the prompt from the first paint on.

        Textual calls the ``on_mount`` of every class along the app's MRO, so
        this runs beside (after) the app's own, which it leaves alone.
        """
        self.show_model_line()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A turn ended (a fallback may have answered) or a switch finished: say so."""
        if event.worker.group in ("turn", "switch") and event.state in _ENDED:
            self.show_model_line()

    def show_model_line(self) -> None:
        """The prompt's border title: the model, the provider, who answered last."""
        app = self._host
        routed = app.session.route_choice  # [[routing]] named the last send's route
        title = model_title(app.session.route, app.model_name, app.metrics.report, routed)
        for prompt in app.query(PromptArea):  # none while the app closes (a turn cancelled)
            prompt.border_title = title

    def action_pick_model(self) -> None:
        """Open the model picker (needs the configuration this app was started with)."""
        app = self._host
        if app.chat.settings is None or app.chat.backends is None:
            app.notify("Model switching needs a configuration.", severity="warning")
            return
        picker = ModelPicker(app.chat.settings, app.model_name)
        app.push_screen(picker, self._on_model_picked)

    def _on_model_picked(self, choice: Choice | None) -> None:
        app = self._host
        if choice is not None and app.chat.settings is not None:
            self._switch_model(choice)

    @work(group="switch", exclusive=True, exit_on_error=False, description="switch model")
    async def _switch_model(self, choice: Choice) -> None:
        """Start the first model's backend off the event loop, then route the next turns."""
        app = self._host
        settings, backends = app.chat.settings, app.chat.backends
        assert settings is not None and backends is not None
        spec = settings.models[choice.members[0]]
        if not backends.is_ready(spec):
            app.notify(f"Starting {spec.name}…", timeout=3)
        try:
            provider = await asyncio.to_thread(backends.provider_for, spec)
        except Exception as exc:
            line = one_line(f"Cannot switch to {spec.name}: {reason(exc)}")
            app.notify(line, severity="error", markup=False)
            return
        names = choice.members[1:]
        app.session.set_route(app.chat.route_for(spec, provider, fallbacks=names))
        app.model_name = choice.name
        app.pin_model(choice.name)  # an explicit choice overrides the routing rules
        chain = " → ".join(choice.members) if choice.is_chain else f"{spec.provider} · {spec.model}"
        self.show_model_line()
        await app.transcript.add(Notice(f"Switched to {choice.name} ({chain})."))
        app.send_hint.changed()
