"""The finished structured answer checked: one JSON document, valid against the schema.

The text is read by the same :class:`PartialJsonParser` the live view uses
(so a code fence around the document is tolerated the same way), then
validated with ``jsonschema``: every error with its JSON path
(``$.items[2].name``), sorted by path, at most :data:`MAX_VIOLATIONS`.
Messages quote model output: they are squeezed onto one line here and
neutralised again at every display edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tuichat.core.conversation import ResponseFormat
from tuichat.core.structured.partial_json import PartialJsonParser
from tuichat.core.untrusted import one_line

MAX_VIOLATIONS = 20
"""Errors kept per answer (a wholly wrong document can have hundreds)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason the answer is not valid, and where in the document."""

    path: str
    message: str

    def line(self) -> str:
        """``$.age: 'x' is not of type 'integer'``."""
        return f"{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the answer is the document asked for, and if not, why."""

    parsed: bool
    """The text is one complete JSON document."""
    violations: tuple[Violation, ...] = ()
    document: Any = None

    @property
    def valid(self) -> bool:
        """Parsed and no schema errors."""
        return self.parsed and not self.violations

    def summary(self) -> str:
        """One line: ``valid JSON (schema person)`` or ``invalid: 2 errors``."""
        if self.valid:
            return "valid"
        if not self.parsed:
            return "not JSON: " + self.violations[0].message
        count = len(self.violations)
        return f"invalid: {count} error{'s' if count != 1 else ''}"

    def as_json(self) -> dict[str, Any]:
        """For ``ask --json``: validity and every error with its path."""
        return {
            "valid": self.valid,
            "parsed": self.parsed,
            "errors": [{"path": v.path, "message": v.message} for v in self.violations],
        }


def judge(text: str, response_format: ResponseFormat) -> Verdict:
    """Parse ``text`` as one JSON document and validate it against the format's schema."""
    parser = PartialJsonParser()
    parser.feed(text)
    document = parser.finish()
    if not document.complete:
        reason = document.error or "no JSON document"
        return Verdict(parsed=False, violations=(Violation("$", one_line(reason, 200)),))
    schema = response_format.schema()
    if schema is None:
        return Verdict(parsed=True, document=document.value)
    found = _violations(document.value, schema)
    return Verdict(parsed=True, violations=found, document=document.value)


def _violations(document: Any, schema: dict[str, Any]) -> tuple[Violation, ...]:
    from jsonschema.validators import validator_for

    validator = validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: _path_key(e.absolute_path))
    return tuple(
        Violation(json_path(e.absolute_path), one_line(e.message, 200))
        for e in errors[:MAX_VIOLATIONS]
    )


def json_path(parts: Iterable[str | int]) -> str:
    """``$`` then ``.key`` or ``[index]`` per step (keys that are not names are quoted)."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier():
            out.append(f".{part}")
        else:
            out.append(f"[{one_line(repr(part), 60)}]")
    return "".join(out)


def _path_key(parts: Iterable[str | int]) -> list[tuple[int, str]]:
    return [(0, f"{p:012d}") if isinstance(p, int) else (1, str(p)) for p in parts]
