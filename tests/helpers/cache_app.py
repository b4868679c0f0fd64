"""The chat app with a response cache beside its log, and asking it a question (cache tests)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.chat_pilot import send, sim_spec, wait_until
from tuichat.backends import Backends
from tuichat.config import Settings
from tuichat.ui.app import TuichatApp
from tuichat.ui.chat_options import ChatOptions
from tuichat.ui.widgets.messages import AssistantMessage

MODEL = "sim?tokens=12"


def cached_app(sim: object, backends: Backends, db: Path) -> TuichatApp:
    spec = sim_spec(sim, MODEL)  # type: ignore[arg-type]
    settings = Settings(models={spec.name: spec}, chains={}, selected=(spec.name,),
                        selection=spec.name, selection_source="test")  # fmt: skip
    options = ChatOptions(model=spec, settings=settings, backends=backends, database=db)
    return TuichatApp(options.chat(backends.provider_for(spec)))


def answers(app: TuichatApp) -> list[AssistantMessage]:
    return app.transcript.shown_answers()


async def ask(pilot: object, app: TuichatApp, text: str) -> AssistantMessage:
    await app.log_ready.wait()  # the cache opens with the log: a send before it goes live
    count = len(answers(app))
    await send(pilot, text)
    await wait_until(pilot, lambda: len(answers(app)) > count)
    await wait_until(pilot, lambda: app.turn is not None and not app.turn.running)
    await pilot.pause(0.05)  # type: ignore[attr-defined]
    return answers(app)[-1]
