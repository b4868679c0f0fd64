"""The words structured output adds to a conversation.

:func:`schema_instruction` goes into the system prompt where a provider has
no schema mode (Anthropic here) or its JSON mode needs the word "JSON" in
the messages (OpenAI ``json_object``). Its ``JSON Schema:`` line, followed
by the schema, is what the simulator looks for in prompt-only mode.
:func:`repair_prompt` is the user turn of a repair attempt: the errors with
their paths, and the request to answer again with the corrected document.
"""

from __future__ import annotations

from tuichat.core.conversation import ResponseFormat
from tuichat.core.structured.verdict import Verdict

SCHEMA_MARKER = "JSON Schema:"
"""Starts the line after which the schema follows (simulators key on it)."""


def schema_instruction(response_format: ResponseFormat) -> str:
    """Ask for one JSON document only, valid against the schema if there is one."""
    head = "Answer with one JSON document only: no prose before or after it, no code fence."
    if response_format.schema_json is None:
        return head
    schema = response_format.schema_json
    return f"{head} It must be valid against this schema.\n{SCHEMA_MARKER}\n{schema}"


def with_instruction(system: str, response_format: ResponseFormat) -> str:
    """``system`` with the instruction appended (or the instruction alone)."""
    instruction = schema_instruction(response_format)
    return f"{system}\n\n{instruction}" if system.strip() else instruction


def repair_prompt(verdict: Verdict) -> str:
    """The user turn asking the model to fix its last answer."""
    lines = "\n".join(f"- {violation.line()}" for violation in verdict.violations)
    return (
        "Your last answer is not valid against the requested schema:\n"
        f"{lines}\n"
        "Answer again with only the corrected JSON document."
    )
