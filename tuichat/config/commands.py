"""``tuichat config show|init`` and the flags every model-using command shares.

Wire-up (in ``tuichat/cli.py``)::

    add_config_parser(sub)                       # in build_parser
    add_override_options(chat); add_override_options(ask)
    if args.command == "config": return run_config(args)
    settings = resolve_settings(overrides_from_args(args))
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from tuichat import paths
from tuichat.config.bounds import MAX_TOKENS, max_tokens_flag, name_flag
from tuichat.config.errors import ConfigError
from tuichat.config.example import EXAMPLE_CONFIG
from tuichat.config.model import CliOverrides
from tuichat.config.resolve import resolve_settings
from tuichat.config.show import settings_json, settings_text
from tuichat.config.stop_table import MAX_STOP_SEQUENCES, stop_flag
from tuichat.core.untrusted import one_line

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_CONFIG_ERROR = 2


def add_override_options(parser: argparse.ArgumentParser) -> None:
    """The model-choosing flags (``--model``, ``--fallback``, ...) of chat, ask, config show."""
    add = parser.add_argument
    add(
        "--model",
        "-m",
        type=name_flag,
        help="a model or chain name from config.toml, or a provider model id",
    )
    add(
        "--base-url",
        type=name_flag,
        help="an OpenAI-compatible base URL for --model (env OPENAI_BASE_URL)",
    )
    add(
        "--api-key",
        type=name_flag,
        help="API key for --model; prefer api_key_env or api_key_command",
    )
    add("--system", "-s", help="system prompt (config: system)")
    add(
        "--max-tokens",
        type=max_tokens_flag,
        help=f"cap on answer tokens, for every model (1 to {MAX_TOKENS})",
    )
    add(
        "--fallback",
        action="append",
        default=[],
        type=name_flag,
        metavar="NAME",
        help="model or chain to try next if the model fails (repeatable)",
    )
    add("--local-model", type=Path, metavar="PATH.gguf", help="GGUF file for the 'local' model")
    _add_accounting_options(parser)


def add_stop_option(parser: argparse.ArgumentParser) -> None:
    """``--stop TEXT`` (repeatable) for the commands that send: chat and ask."""
    parser.add_argument(
        "--stop",
        action="append",
        default=[],
        type=stop_flag,
        metavar="TEXT",
        help=f"stop generating at TEXT (repeatable, at most {MAX_STOP_SEQUENCES}; "
        "over the config's stop)",
    )


def _add_accounting_options(parser: argparse.ArgumentParser) -> None:
    """Whose limits and budgets apply: ``--profile`` and ``--tag``."""
    add = parser.add_argument
    add(
        "--profile",
        type=name_flag,
        help="user profile whose limits and budgets apply (env TUICHAT_PROFILE)",
    )
    add(
        "--tag",
        type=name_flag,
        help="feature tag spending is booked under, for budgets (env TUICHAT_TAG)",
    )


def add_config_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add ``config`` with ``show`` and ``init`` to a CLI's subcommands."""
    config = subparsers.add_parser(
        "config",
        help="show or create the configuration file",
    )
    commands = config.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    show = commands.add_parser(
        "show",
        help="print the effective configuration (keys masked) and why",
        description="Print models, chains and the selected model with where each came from. "
        "Keys are never printed; api_key_command is not run.",
    )
    show.add_argument("--json", action="store_true", help="print one JSON object")
    add_override_options(show)
    init = commands.add_parser(
        "init",
        help="write an annotated example config file",
        description="Write an annotated example to the config path (owner-only permissions).",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    return config


def run_config(
    args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run ``config show`` or ``config init``; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if args.config_command == "init":
            return init_config(paths.config_path(), bool(getattr(args, "force", False)), out, err)
        return show_config(args, out)
    except ConfigError as exc:
        print(f"tuichat: error: {one_line(exc.one_line(), limit=500)}", file=err)
        return EXIT_CONFIG_ERROR
    except OSError as exc:
        print(f"tuichat: error: {one_line(str(exc))}", file=err)
        return EXIT_CONFIG_ERROR


def overrides_from_args(ns: argparse.Namespace) -> CliOverrides:
    """The flags in ``ns`` as :class:`CliOverrides`; absent attributes mean "not given"."""
    local = getattr(ns, "local_model", None)
    return CliOverrides(
        model=getattr(ns, "model", None),
        base_url=getattr(ns, "base_url", None),
        api_key=getattr(ns, "api_key", None),
        system=getattr(ns, "system", None),
        max_tokens=getattr(ns, "max_tokens", None),
        fallbacks=list(getattr(ns, "fallback", None) or []),
        local_model=Path(local).expanduser() if local else None,
        profile=getattr(ns, "profile", None),
        tag=getattr(ns, "tag", None),
        stop=list(getattr(ns, "stop", None) or []),
    )


def show_config(args: argparse.Namespace, out: TextIO) -> int:
    """Print the effective configuration, as text or (``--json``) one JSON object."""
    settings = resolve_settings(overrides_from_args(args))
    path = paths.config_path()
    if getattr(args, "json", False):
        json.dump(
            settings_json(settings, path, os.environ),
            out,
            indent=2,
            default=str,
            ensure_ascii=False,
        )
        out.write("\n")
    else:
        out.write(settings_text(settings, path, os.environ))
    return EXIT_OK


def init_config(path: Path, force: bool, out: TextIO, err: TextIO) -> int:
    """Write the annotated example to ``path`` (0600, folder 0700) unless it exists."""
    if path.exists() and not force:
        print(f"tuichat: error: {path} already exists (use --force to replace it)", file=err)
        return EXIT_REFUSED
    paths.ensure_private_dir(path.parent)
    _write_private(path, EXAMPLE_CONFIG)
    print(f"wrote {path}; edit it, then check it with `tuichat config show`", file=out)
    return EXIT_OK


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, readable by its owner only."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:  # mkstemp makes it 0600
            file.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
