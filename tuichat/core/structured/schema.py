"""A schema file's text into a :class:`ResponseFormat`, or one line saying why not.

The file must be JSON, an object, and a valid JSON Schema of the draft it
declares (``check_schema``, draft 2020-12 when it declares none). Nothing is
sent with a bad schema: the front ends stop with exit 2 or a notice.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tuichat.core.conversation import ResponseFormat
from tuichat.core.untrusted import one_line

_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


class SchemaProblem(ValueError):
    """The schema is not JSON or not a valid JSON Schema (the message is one line)."""


def parse_schema(text: str, source: str) -> ResponseFormat:
    """The response format for a schema file's ``text``; ``source`` names it in messages."""
    try:
        schema = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SchemaProblem(f"{source} is not JSON: {_reason(exc)}") from None
    if not isinstance(schema, dict):
        raise SchemaProblem(f"{source} is not a JSON Schema (expected an object at the top)")
    if problem := schema_problem(schema):
        raise SchemaProblem(f"{source} is not a valid JSON Schema: {problem}")
    return ResponseFormat.of(schema, name=format_name(schema, source))


def schema_problem(schema: dict[str, Any]) -> str | None:
    """Why ``schema`` is not valid for its draft (None when it is)."""
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    try:
        validator_for(schema).check_schema(schema)
    except SchemaError as exc:
        where = "".join(f"[{p!r}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        return one_line(f"{exc.message} (at ${where})")[:300]
    return None


def format_name(schema: dict[str, Any], source: str) -> str:
    """The name OpenAI's json_schema mode wants: the schema's title, else the file's stem."""
    title = schema.get("title")
    base = title if isinstance(title, str) and title.strip() else source.rsplit("/", 1)[-1]
    base = base.removesuffix(".json")
    return _NAME_CHARS.sub("_", base).strip("_")[:64] or "answer"


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
    return one_line(str(exc))[:200] or type(exc).__name__
