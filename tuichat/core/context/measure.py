"""What the next request weighs: the session's history, system prompt and draft, in tokens.

Counting a long history costs milliseconds, so :func:`surely_fits` first
checks a bound that needs no tokenizer: a BPE token covers at least one byte
of UTF-8, so a request whose bytes (plus the per-message overhead) and answer
budget fit the window fits for certain. Only a request near the window is
counted exactly (off the event loop).
"""

from __future__ import annotations

from tuichat.core.context.fit import FitInput, answer_budget
from tuichat.core.conversation import ChatMessage
from tuichat.core.cost.hidden_prompt import HIDDEN_PROMPTS
from tuichat.core.cost.tokens import REPLY_PRIMING, TOKENS_PER_MESSAGE, TokenCounter
from tuichat.core.turn.chat import ChatSession, RouteModel


def surely_fits(session: ChatSession, entry: RouteModel, draft: str, window: int) -> bool:
    """True when the request cannot exceed ``window`` whatever the tokenizer (no counting)."""
    request = session.request_for(entry)
    size = REPLY_PRIMING + TOKENS_PER_MESSAGE + len(draft.encode()) + len(b"user")
    for message in request.messages:
        size += TOKENS_PER_MESSAGE + len(message.role) + len(message.content.encode())
        if size > window:
            return False
    return size + answer_budget(session.answer_cap(entry), window) <= window


def measure(
    session: ChatSession,
    entry: RouteModel,
    draft: str,
    window: int,
    counter: TokenCounter,
) -> FitInput:
    """The fit input of sending ``draft`` next to ``entry``."""
    conversation = session.conversation
    instruction = session.length.instruction if session.length is not None else None
    system = conversation.system_text(instruction)
    fixed = REPLY_PRIMING + _hidden(entry, counter, has_system=bool(system))
    if system:
        fixed += _tokens(ChatMessage("system", system), entry, counter)
    history = conversation.in_context
    return FitInput(
        window=window,
        fixed=fixed,
        history=tuple(_tokens(message, entry, counter) for message in history),
        draft=_tokens(ChatMessage("user", draft), entry, counter) if draft else 0,
        answer=answer_budget(session.answer_cap(entry), window),
        roles=tuple(message.role for message in history),
    )


def _tokens(message: ChatMessage, entry: RouteModel, counter: TokenCounter) -> int:
    return TOKENS_PER_MESSAGE + counter.count(message.role + message.content, entry.model).tokens


def provider_kind(entry: RouteModel) -> str:
    """The tuichat provider kind of ``entry`` (``local``, ``sim``, ``openai`` …)."""
    return entry.tariff.provider if entry.tariff is not None else entry.provider.name


def _hidden(entry: RouteModel, counter: TokenCounter, *, has_system: bool) -> int:
    """Tokens a server adds unseen (the local model's few-shot preamble; usually 0)."""
    hidden = HIDDEN_PROMPTS.lookup(provider_kind(entry), entry.model)
    return counter.count(hidden.text(has_system), entry.model).tokens if hidden else 0
