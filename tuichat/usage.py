"""Usage errors as one line that names the command and points to its ``--help``.

argparse prints the whole usage block (eight lines for ``ask``) and, for an
unknown option after a subcommand, the *top-level* usage::

    usage: tuichat [-h] [--version] COMMAND ...
    tuichat: error: unrecognized arguments: --bogus

:class:`OneLineParser` prints instead::

    tuichat ask: error: unrecognized arguments: --bogus (see tuichat ask --help)

Every subparser inherits the class (argparse's default), each parser records
itself as the deepest one that ran, and :func:`parse_command_line` blames
leftover arguments on that one. Exit status 2, as argparse's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from tuichat.core.untrusted import one_line

EXIT_USAGE = 2
_DEEPEST = "_tuichat_parser"
"""Namespace attribute naming the innermost parser that parsed the arguments."""


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line plus a pointer to ``--help``."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` on stderr; exit 2."""
        text = one_line(f"{self.prog}: error: {message}", limit=400)
        self.exit(EXIT_USAGE, f"{text} (see {self.prog} --help)\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """As argparse's; also remember the innermost parser (a subcommand's runs first)."""
        parsed, extras = super().parse_known_args(args, namespace)
        if not hasattr(parsed, _DEEPEST):
            setattr(parsed, _DEEPEST, self)
        return parsed, extras


def parse_command_line(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; leftovers are an error of the subcommand they followed."""
    args, extras = parser.parse_known_args(argv)
    owner = command_parser(args, parser)
    if extras:
        owner.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def command_parser(args: argparse.Namespace, default: argparse.ArgumentParser) -> Any:
    """The parser of the (sub)command ``args`` came from, for a later usage error."""
    return getattr(args, _DEEPEST, default)


def usage_error(args: argparse.Namespace, message: str) -> NoReturn:
    """A usage error found after parsing (an empty prompt, bytes that are not text)."""
    parser = getattr(args, _DEEPEST, None)
    if parser is not None:
        parser.error(message)
    print(f"tuichat: error: {one_line(message)}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)
