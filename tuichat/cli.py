"""Command line entry point: ``tuichat`` (chat), ``ask``, ``sim serve``.

Heavy modules (Textual, the store, the simulator) are imported inside the
command that needs them, so ``tuichat ask`` and ``--help`` start fast.
Errors reach the user as one line on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Sequence

from tuichat import __version__

COMMANDS = ("chat", "ask", "sim")

log = logging.getLogger("tuichat")


def _add_endpoint_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", "-m", help="model id (default: gpt-4o-mini, or sim)")
    parser.add_argument("--base-url", help="OpenAI-compatible base URL (env OPENAI_BASE_URL)")
    parser.add_argument("--api-key", help="API key (env OPENAI_API_KEY); prefer the env var")
    parser.add_argument("--system", "-s", help="system prompt")
    parser.add_argument("--max-tokens", type=_positive_int, help="cap on answer tokens")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The full command line, with ``--help`` on every command."""
    from tuichat.sim.cli import add_sim_parser

    parser = argparse.ArgumentParser(
        prog="tuichat",
        description="Terminal chat client for LLMs with a live operations HUD.",
    )
    parser.add_argument("--version", action="version", version=f"tuichat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chat = sub.add_parser("chat", help="interactive chat (the default)")
    _add_endpoint_options(chat)
    ask = sub.add_parser("ask", help="ask once, stream the answer to stdout")
    ask.add_argument("prompt", help="the prompt; '-' reads it from stdin")
    _add_endpoint_options(ask)
    ask.add_argument("--json", action="store_true", help="print one JSON object at the end")
    add_sim_parser(sub)
    return parser


def _with_default_command(argv: list[str]) -> list[str]:
    """``tuichat [options]`` means ``tuichat chat [options]``."""
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return argv
    return ["chat", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(
        _with_default_command(list(sys.argv[1:] if argv is None else argv))
    )
    _configure_logging()
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print("tuichat: interrupted", file=sys.stderr)
        return 130
    except (OSError, sqlite3.Error) as exc:
        from tuichat.core.untrusted import one_line

        print(f"tuichat: error: {one_line(str(exc))}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "sim":
        from tuichat.sim.cli import run_sim

        return run_sim(args)
    if args.command == "ask":
        return _ask(args)
    return _chat(args)


def _endpoint(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from tuichat.endpoint import resolve_endpoint

    return resolve_endpoint(base_url=args.base_url, api_key=args.api_key, model=args.model)


def _ask(args: argparse.Namespace) -> int:
    from tuichat.headless.ask import AskOptions, run_ask

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        print("tuichat: error: the prompt is empty", file=sys.stderr)
        return 2
    options = AskOptions(
        prompt=prompt,
        endpoint=_endpoint(args),
        system=args.system,
        max_tokens=args.max_tokens,
        json_output=args.json,
    )
    return run_ask(options)


def _chat(args: argparse.Namespace) -> int:
    from tuichat.ui.app import ChatOptions, run_chat

    options = ChatOptions(endpoint=_endpoint(args), system=args.system, max_tokens=args.max_tokens)
    return run_chat(options)


def _configure_logging() -> None:
    """Log warnings to a file next to the database, never to the terminal."""
    from tuichat import paths

    try:
        folder = paths.ensure_private_dir(paths.data_dir())
        handler: logging.Handler = logging.FileHandler(folder / "tuichat.log", encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
