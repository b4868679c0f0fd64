"""How a model is served: prompt format, stop strings and sampling.

The bundled ``gemma-3-270m-q4_k_m.gguf`` is Google's *pretrained* Gemma 3 270M
(``google/gemma-3-270m``, not the ``-it`` instruction-tuned one) and its GGUF
carries no chat template, so llama.cpp would fall back to ChatML. Gemma's own
turn markers (``<start_of_turn>user`` ...) do not help a base model either: it
never learned them and answers with run-on, multilingual noise. What does work
is a plain-text transcript primed with a few short question/answer pairs, cut
at the next ``User:`` line (llama.cpp uses ``stop`` as the default stop strings
of every request that sends none).

Sampling follows Gemma 3's recommended settings (top_k 64, top_p 0.95,
min_p 0, no repetition penalty) with a temperature of 0.7 instead of 1.0: the
270M base model drifts off-topic noticeably more often at 1.0.

A user's own GGUF (``--local-model``) keeps its embedded chat template and the
sampling defaults that llama.cpp reads from the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from tuichat.core.cost.hidden_prompt import HiddenPrompt
from tuichat.local.serve_config import Sampling, ServeConfig

BUNDLED_MODEL_ID = "gemma-3-270m"
DEFAULT_CONTEXT = 4096
# A cap for requests that send no max_tokens, so a rambling small model ends.
DEFAULT_MAX_TOKENS = 1024
MAX_THREADS = 4

GEMMA_SAMPLING = Sampling(temperature=0.7, top_k=64, top_p=0.95, min_p=0.0, repeat_penalty=1.0)

BUNDLED_STOP = ("\n\nUser:", "\nUser:")

DEFAULT_PREAMBLE = (
    "A conversation between a user and a helpful, knowledgeable assistant. "
    "The assistant answers accurately and briefly."
)

FEW_SHOT_TEXT = (
    "\n\n"
    "User: What is the largest planet in the solar system?\n"
    "Assistant: Jupiter is the largest planet in the solar system.\n\n"
    'User: Who wrote "Romeo and Juliet"?\n'
    'Assistant: William Shakespeare wrote "Romeo and Juliet".\n\n'
    "User: Why is the sky blue?\n"
    "Assistant: Sunlight is scattered by the air, and blue light is scattered much "
    "more than red light, so the sky looks blue from every direction.\n\n"
)
"""The examples :data:`BUNDLED_TEMPLATE` puts before every conversation, as sent."""

# Jinja, rendered by llama.cpp (minja). A system message replaces the preamble;
# the examples stay, because they are what teaches the base model the format.
BUNDLED_TEMPLATE = (
    "{{- bos_token -}}"
    "{%- if messages and messages[0]['role'] == 'system' -%}"
    "{{- messages[0]['content'] | trim -}}"
    "{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}"
    "{{- '" + DEFAULT_PREAMBLE + "' -}}"
    "{%- set loop_messages = messages -%}"
    "{%- endif -%}"
    "{{- '\\n\\n' -}}"
    "{{- 'User: What is the largest planet in the solar system?\\n' -}}"
    "{{- 'Assistant: Jupiter is the largest planet in the solar system.\\n\\n' -}}"
    "{{- 'User: Who wrote \"Romeo and Juliet\"?\\n' -}}"
    "{{- 'Assistant: William Shakespeare wrote \"Romeo and Juliet\".\\n\\n' -}}"
    "{{- 'User: Why is the sky blue?\\n' -}}"
    "{{- 'Assistant: Sunlight is scattered by the air, and blue light is scattered much "
    "more than red light, so the sky looks blue from every direction.\\n\\n' -}}"
    "{%- for message in loop_messages -%}"
    "{%- if message['role'] == 'assistant' -%}"
    "{{- 'Assistant: ' + (message['content'] | trim) + '\\n\\n' -}}"
    "{%- else -%}"
    "{{- 'User: ' + (message['content'] | trim) + '\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- 'Assistant:' -}}{%- endif -%}"
)


def usable_cpus() -> int:
    """CPUs this process may run on (the affinity mask, where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """Generation threads: all usable CPUs but one, at least one, at most a few.

    llama.cpp's threads spin at barriers, so when they take every core, any
    other busy process (tuichat's own rendering, a test run) stalls them all:
    on a 2-core box 2 threads fell from ~88 to ~5 tokens/s next to one busy
    process, while 1 thread kept 40-78 (and ~81 when idle).
    """
    return max(1, min(usable_cpus() - 1, MAX_THREADS))


def bundled_config(
    model_path: Path, api_key: str, *, n_ctx: int = DEFAULT_CONTEXT, n_threads: int | None = None
) -> ServeConfig:
    """Serve the bundled base model with its plain-text format and Gemma sampling."""
    return ServeConfig(
        str(model_path),
        BUNDLED_MODEL_ID,
        api_key,
        n_ctx=n_ctx,
        n_threads=n_threads or default_threads(),
        n_predict=DEFAULT_MAX_TOKENS,
        chat_template=BUNDLED_TEMPLATE,
        stop=BUNDLED_STOP,
        sampling=GEMMA_SAMPLING,
    )


def own_model_config(
    model_path: Path, api_key: str, *, n_ctx: int = DEFAULT_CONTEXT, n_threads: int | None = None
) -> ServeConfig:
    """Serve a user's GGUF with its own chat template and sampling defaults."""
    return ServeConfig(
        str(model_path),
        model_path.stem,
        api_key,
        n_ctx=n_ctx,
        n_threads=n_threads or default_threads(),
        n_predict=DEFAULT_MAX_TOKENS,
    )


def bundled_hidden_prompt() -> HiddenPrompt:
    """What the bundled template sends that the conversation does not show.

    The examples always, the default preamble when no system message replaces
    it, and the "User: "/"Assistant:" labels of the messages (approximated by
    the examples' own labels, a few tokens).
    """
    return HiddenPrompt(always=FEW_SHOT_TEXT + "Assistant:", unless_system=DEFAULT_PREAMBLE)
