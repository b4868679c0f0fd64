"""A bench's prompt file: one prompt a line, or JSONL with checks.

A file whose first non-blank line starts with ``{`` is JSONL: each non-blank
line an object with ``prompt`` and optionally ``system``, ``max_tokens``,
``tag`` and ``checks`` (:mod:`tuichat.core.evals.checks`). Otherwise each
non-blank line is a prompt (a literal ``\\n`` in it stands for a line break,
so a summarise-this prompt can carry its text on one line). Any problem is a
:class:`PromptFileError` naming the line, raised before anything is sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuichat.core.evals.checks import Check, CheckError, parse_checks

MAX_PROMPTS = 100_000
MAX_TOKENS = 1_000_000
_FIELDS = {"prompt", "system", "max_tokens", "tag", "checks"}


class PromptFileError(ValueError):
    """The prompt file cannot be used (missing, empty, a bad line): one line for the user."""


@dataclass(frozen=True, slots=True)
class BenchPrompt:
    """One prompt to send, with its line number and what to check in the answer."""

    line: int
    prompt: str
    system: str | None = None
    max_tokens: int | None = None
    tag: str | None = None
    checks: tuple[Check, ...] = ()


def load_prompts(path: Path) -> list[BenchPrompt]:
    """Read and validate every prompt of ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptFileError(f"no such prompt file: {path}") from None
    except UnicodeDecodeError:
        raise PromptFileError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise PromptFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise PromptFileError(f"{path} has no prompts")
    if len(lines) > MAX_PROMPTS:
        raise PromptFileError(f"{path} has {len(lines)} prompts; at most {MAX_PROMPTS}")
    jsonl = lines[0][1].lstrip().startswith("{")
    parse = _json_line if jsonl else _text_line
    return [parse(path, n, line) for n, line in lines]


def _text_line(path: Path, number: int, line: str) -> BenchPrompt:
    return BenchPrompt(number, line.strip().replace("\\n", "\n"))


def _json_line(path: Path, number: int, line: str) -> BenchPrompt:
    where = f"{path.name}:{number}"
    try:
        raw = json.loads(line)
    except ValueError as exc:
        raise PromptFileError(f"{where}: not a JSON object ({exc})") from None
    if not isinstance(raw, dict):
        raise PromptFileError(f"{where}: not a JSON object")
    try:
        return _prompt(number, raw)
    except (CheckError, ValueError) as exc:
        raise PromptFileError(f"{where}: {exc}") from None


def _prompt(number: int, raw: dict[str, Any]) -> BenchPrompt:
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}; known: {', '.join(sorted(_FIELDS))}")
    prompt = raw.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("'prompt' must be a non-empty string")
    return BenchPrompt(
        number,
        prompt,
        system=_text(raw, "system"),
        max_tokens=_max_tokens(raw.get("max_tokens")),
        tag=_text(raw, "tag"),
        checks=parse_checks(raw["checks"]) if "checks" in raw else (),
    )


def _text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValueError(f"{key!r} must be a non-empty string")
    return value


def _max_tokens(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOKENS:
        raise ValueError(f"'max_tokens' must be a whole number from 1 to {MAX_TOKENS}")
    return value
