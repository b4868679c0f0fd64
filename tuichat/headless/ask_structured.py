"""``ask --schema FILE`` / ``--json-mode`` / ``--repair``: structured output from the shell.

The schema file is checked before anything is sent (not JSON, not a valid
JSON Schema: one line, exit 2). The request carries the format; each
provider uses its JSON-schema mode or, without one, a prompt (see the
adapters). When the answer ends it is validated (``jsonschema``); each
error is one stderr line with its JSON path, and the exit code is
:data:`EXIT_INVALID`. ``--repair`` asks the model once to fix an invalid
answer: a second turn, logged as its own attempt, whose prompt lists the
errors. ``--json`` reports ``structured``: validity, errors and one entry
per attempt.

Output: on a terminal every attempt streams as it comes. Piped, only the
final attempt's text is written (after validation), so ``> out.json`` holds
one document, never an invalid answer followed by its repair.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tuichat.core.conversation import ResponseFormat
from tuichat.core.structured.prompts import repair_prompt
from tuichat.core.structured.verdict import Verdict, judge
from tuichat.core.untrusted import one_line

EXIT_INVALID = 4
"""The answer is not valid against the schema (after the repair, if asked)."""
EXIT_USAGE = 2


@dataclass(frozen=True, slots=True)
class StructuredAsk:
    """What ``ask`` was asked to return: the format, and whether to repair once."""

    response_format: ResponseFormat
    repair: bool = False


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What the structured check needs of a finished turn."""

    trace_id: str
    status: str
    text: str


TurnRunner = Callable[[str], Awaitable[TurnResult]]
"""Runs one more turn of the chat with this prompt (the repair attempt)."""


@dataclass
class StructuredReport:
    """Every attempt's verdict; the last one decides."""

    attempts: list[tuple[str, Verdict]] = field(default_factory=list)

    @property
    def final(self) -> Verdict:
        """The verdict on the answer that was kept."""
        return self.attempts[-1][1]

    def as_json(self) -> dict[str, Any]:
        """``structured`` in ``ask --json``: the final verdict, and each attempt's."""
        attempts = [{"trace_id": trace, **verdict.as_json()} for trace, verdict in self.attempts]
        return {**self.final.as_json(), "repaired": len(self.attempts) > 1, "attempts": attempts}


def add_structured_options(ask: argparse.ArgumentParser) -> None:
    """``--schema FILE``, ``--json-mode``, ``--repair``."""
    group = ask.add_argument_group("structured output")
    group.add_argument(
        "--schema",
        type=Path,
        metavar="FILE",
        help="ask for JSON valid against this JSON Schema; validated at the end "
        f"(exit {EXIT_INVALID} when invalid)",
    )
    group.add_argument(
        "--json-mode", action="store_true", help="ask for one JSON document (no schema)"
    )
    group.add_argument(
        "--repair",
        action="store_true",
        help="if the answer is invalid, ask the model once to fix it (a second, logged turn)",
    )


def structured_from_args(
    args: argparse.Namespace, err: TextIO | None = None
) -> StructuredAsk | None:
    """The structured request on the command line; a bad schema is one line and exit 2."""
    from tuichat.schema_file import SchemaProblem, load_schema_file

    if args.schema is None:
        return StructuredAsk(ResponseFormat.of(None), args.repair) if args.json_mode else None
    try:
        response_format = load_schema_file(args.schema)
    except SchemaProblem as exc:
        (err or sys.stderr).write(f"tuichat: {one_line(str(exc))}; nothing sent\n")
        raise SystemExit(EXIT_USAGE) from None
    return StructuredAsk(response_format, args.repair)


async def check_and_repair(
    structured: StructuredAsk, first: TurnResult, run_turn: TurnRunner, err: TextIO
) -> tuple[StructuredReport, TurnResult]:
    """Validate the answer; with ``repair``, ask once for a fixed one. Returns the kept turn."""
    report, result = StructuredReport(), first
    verdict = judge(first.text, structured.response_format)
    report.attempts.append((first.trace_id, verdict))
    _say(verdict, err, attempt=1)
    if verdict.valid or not structured.repair:
        return report, result
    err.write("tuichat: asking the model to repair it (attempt 2, logged as its own turn)\n")
    result = await run_turn(repair_prompt(verdict))
    if result.status != "ok":
        return report, result
    verdict = judge(result.text, structured.response_format)
    report.attempts.append((result.trace_id, verdict))
    _say(verdict, err, attempt=2)
    return report, result


def _say(verdict: Verdict, err: TextIO, *, attempt: int) -> None:
    """One stderr line for the verdict, then one per error with its path."""
    after = " after repair" if attempt > 1 else ""
    if verdict.valid:
        if err.isatty() or attempt > 1:
            err.write(f"tuichat: structured output valid{after}\n")
        return
    err.write(f"tuichat: structured output {verdict.summary()}{after}\n")
    if verdict.parsed:
        for violation in verdict.violations:
            err.write(f"tuichat:   {one_line(violation.line())}\n")
