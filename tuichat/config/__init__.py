"""tuichat's configuration: flags over env vars over ``config.toml`` over built-ins.

Small private modules, re-exported here::

    model.py        Settings, ModelSpec, Price, CliOverrides (frozen dataclasses)
    errors.py       ConfigError: one line, file:line:column: key: message
    locate.py       line numbers for TOML keys (tomllib gives none)
    fields.py       typed reads of TOML values
    model_table.py  one [models.NAME] table
    loader.py       the whole file: syntax, keys, chains, default
    catalogue.py    built-in and env-derived models
    flags.py        --model / --base-url / --api-key / --fallback / --local-model
    resolve.py      resolve_settings: the precedence, with reasons
    api_keys.py     resolve_api_key: env var or command (cached), never logged
    text_checks.py  keys a header can carry; env text that is UTF-8
    bounds.py       the range of every number; the flag types that enforce it
    stop_table.py   stop sequences: the file's stop and --stop
    toml_shape.py   nesting and dotted-key limits, checked before parsing
    show.py         config show;  example.py  config init's file
    commands.py     argparse wiring for `tuichat config`

Nothing here imports Textual, and nothing runs at import time.
"""

from __future__ import annotations

from tuichat.config.api_keys import check_selected_keys, clear_key_cache, resolve_api_key
from tuichat.config.commands import (
    add_config_parser,
    add_override_options,
    add_stop_option,
    overrides_from_args,
    run_config,
)
from tuichat.config.errors import ConfigError
from tuichat.config.model import PROVIDERS, CliOverrides, ModelSpec, Price, Settings
from tuichat.config.resolve import resolve_settings

__all__ = [
    "PROVIDERS",
    "CliOverrides",
    "ConfigError",
    "ModelSpec",
    "Price",
    "Settings",
    "add_config_parser",
    "add_override_options",
    "add_stop_option",
    "check_selected_keys",
    "clear_key_cache",
    "overrides_from_args",
    "resolve_api_key",
    "resolve_settings",
    "run_config",
]
