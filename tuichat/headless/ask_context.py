"""``ask --length`` and the window check before ``ask`` sends.

``--length brief|normal|long`` sets the session's length preset
(:mod:`tuichat.core.context.length`): ``max_tokens`` and an explicit length
instruction in the system prompt; ``--max-tokens`` is then overridden.
Before sending, the prompt and the system prompt are checked against the
model's window: a request that cannot fit is one line and exit 2, nothing sent.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tuichat.core.context.length import LENGTH_NAMES, PRESETS, preset_named

if TYPE_CHECKING:
    from tuichat.factory import Chat


def add_length_option(parser: argparse.ArgumentParser) -> None:
    """``--length PRESET`` for ``ask``."""
    caps = ", ".join(f"{name} {PRESETS[name].max_tokens}" for name in LENGTH_NAMES)
    parser.add_argument(
        "--length",
        choices=LENGTH_NAMES,
        help=f"answer length: sets max_tokens ({caps}) and asks for it in the system prompt",
    )


async def prepare_context(chat: Chat, prompt: str, length: str | None) -> str | None:
    """Apply ``length``; one line when the request cannot fit the model's window, else None."""
    from tuichat.context_setup import keeper_for

    chat.session.length = preset_named(length)
    action = await keeper_for(chat, "refuse").make_room(chat.session, prompt)
    return None if action.sendable else action.line
