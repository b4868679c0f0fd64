"""Find a model's API key: a flag, an environment variable, or a command.

``api_key_command`` runs without a shell (``shlex.split``), with stdin closed
and a timeout; its stripped stdout (first line, as ``pass show`` prints
metadata after it) is the key. Results are cached per process, so a password
manager is asked once. A failure names the model, the command and its exit
status — never its output, which may hold the secret or part of it.

Every key, wherever it comes from, is checked before it is used
(``text_checks.check_key``): a CR/LF, another control character, a space or
a non-ASCII character is a ``ConfigError`` naming the source (``--api-key``,
the variable, ``api_key_command``), never the key. :func:`check_selected_keys`
runs the checks that need no command for the whole chain at start-up, so a
bad fallback key is reported before the first request, not mid-turn.

A variable named by ``api_key_env`` but not set (or empty) is said before
anything is sent, in one line naming the model and the variable
(:func:`require_key_env`): for the first model of the chain it is an error at
start-up; for a fallback it is a warning then, and the fallback fails without
sending when the chain reaches it (``backends.Backends`` calls it).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from collections.abc import Mapping

from tuichat.config.errors import ConfigError
from tuichat.config.model import ModelSpec, Settings
from tuichat.config.text_checks import check_key
from tuichat.core.secrets import redact

KEY_COMMAND_TIMEOUT = 10.0
"""Seconds a key command may take (a password manager may prompt for a PIN)."""

_cache: dict[str, str] = {}
_cache_lock = threading.Lock()


def resolve_api_key(
    spec: ModelSpec, env: Mapping[str, str] | None = None, *, timeout: float = KEY_COMMAND_TIMEOUT
) -> str | None:
    """The key for ``spec``, or None if it has no key source (or the variable is empty).

    Raises ``ConfigError`` when the command fails or the key could not be sent.
    """
    if spec.api_key or spec.api_key_env or not spec.api_key_command:
        return _key_without_command(spec, os.environ if env is None else env)
    key = _command_key(spec, spec.api_key_command, timeout)
    return check_key(key, "api_key_command", spec.name)


def check_selected_keys(
    settings: Settings, env: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """Check the flag and env keys of every model of the selected chain (no command is run).

    Raises ``ConfigError`` for an unusable key anywhere in the chain and for
    an unset key variable of the first model; returns a warning line for each
    fallback whose key variable is not set.
    """
    env = os.environ if env is None else env
    warnings = []
    for index, spec in enumerate(settings.selected_specs()):
        _key_without_command(spec, env)
        if index == 0:
            require_key_env(spec, env)
        elif variable := missing_key_env(spec, env):
            warnings.append(f"fallback {_model(spec)}: {_unset(variable)}; it will be skipped")
    return tuple(warnings)


def missing_key_env(spec: ModelSpec, env: Mapping[str, str]) -> str | None:
    """The variable ``spec`` takes its key from when it is not set (or empty), else None."""
    if spec.api_key or not spec.api_key_env or env.get(spec.api_key_env):
        return None
    return spec.api_key_env


def require_key_env(spec: ModelSpec, env: Mapping[str, str] | None = None) -> None:
    """Raise ``ConfigError`` when ``spec``'s key variable is not set: nothing may be sent."""
    variable = missing_key_env(spec, os.environ if env is None else env)
    if variable is not None:
        message = f"{_unset(variable)}; nothing was sent (export it, or use --api-key)"
        raise ConfigError(message, key=_model(spec))


def _model(spec: ModelSpec) -> str:
    """``model 'gpt' (gpt-4o-mini)``: the name, and the provider's id when it differs."""
    model_id = f" ({spec.model})" if spec.model != spec.name else ""
    return f"model {spec.name!r}{model_id}"


def _unset(variable: str) -> str:
    return f"needs its API key in env {variable}, which is not set"


def _key_without_command(spec: ModelSpec, env: Mapping[str, str]) -> str | None:
    if spec.api_key:
        return check_key(spec.api_key, "--api-key", spec.name)
    if spec.api_key_env and env.get(spec.api_key_env):
        return check_key(env[spec.api_key_env], f"env {spec.api_key_env}", spec.name)
    return None


def known_keys(settings: Settings, env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Every key available without running a command: flags, env vars, commands already run.

    For redaction before writing the log: a key never reaches the database.
    Unusable keys are skipped here (they are refused when used).
    """
    env = os.environ if env is None else env
    found: list[str] = []
    for spec in settings.models.values():
        try:
            key = _key_without_command(spec, env)
        except ConfigError:
            continue
        if key:
            found.append(key)
    with _cache_lock:
        found.extend(key for key in _cache.values() if key)
    return tuple(dict.fromkeys(found))


def clear_key_cache() -> None:
    """Forget every key a command printed (tests; a key rotated mid-session)."""
    with _cache_lock:
        _cache.clear()


def _command_key(spec: ModelSpec, command: str, timeout: float) -> str:
    with _cache_lock:  # held while running: two turns must not prompt twice
        if command not in _cache:
            _cache[command] = _run_key_command(spec, command, timeout)
        return _cache[command]


def _run_key_command(spec: ModelSpec, command: str, timeout: float) -> str:
    def fail(reason: str) -> ConfigError:
        shown = redact(command)
        return ConfigError(f"api_key_command {shown!r} {reason}", key=f"model {spec.name!r}")

    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise fail(f"cannot be split into words ({exc})") from None
    if not argv:
        raise fail("is empty")
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise fail(f"timed out after {timeout:g} s") from None
    except OSError as exc:
        raise fail(f"could not start: {exc.strerror or type(exc).__name__}") from None
    if done.returncode != 0:
        raise fail(f"failed with exit status {done.returncode}")
    key = _first_line(done.stdout)
    if not key:
        raise fail("printed no key")
    return key


def _first_line(output: bytes) -> str:
    text = output.decode("utf-8", errors="replace").strip()
    return text.splitlines()[0].strip() if text else ""
