"""Read a JSON Schema file for structured output (``ask --schema``, ``chat --schema``, ``/schema``).

The file is read with :func:`~tuichat.small_file.read_small_file` (a FIFO or
a device is refused, at most :data:`SCHEMA_LIMIT` bytes) and checked by
:func:`~tuichat.core.structured.schema.parse_schema`. Every problem is a
:class:`SchemaProblem` with a one-line message; nothing is sent.
"""

from __future__ import annotations

from pathlib import Path

from tuichat.core.conversation import ResponseFormat
from tuichat.core.structured.schema import SchemaProblem, parse_schema
from tuichat.core.untrusted import one_line
from tuichat.small_file import read_small_file

__all__ = ["SCHEMA_LIMIT", "SchemaProblem", "load_schema_file"]

SCHEMA_LIMIT = 1 << 20
"""Largest schema file read (1 MiB)."""


def load_schema_file(path: Path) -> ResponseFormat:
    """The response format for the schema at ``path``; raises :class:`SchemaProblem`."""
    shown = one_line(str(path), 120)
    try:
        data = read_small_file(path.expanduser(), SCHEMA_LIMIT)
    except FileNotFoundError:
        raise SchemaProblem(f"schema file {shown} not found") from None
    except OSError as exc:
        reason = one_line(exc.strerror or str(exc), 120)
        raise SchemaProblem(f"cannot read schema file {shown}: {reason}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SchemaProblem(f"schema file {shown} is not UTF-8 text") from None
    return parse_schema(text, f"schema file {shown}")
