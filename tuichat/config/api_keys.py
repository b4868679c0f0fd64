"""Find a model's API key: a flag, an environment variable, or a command.

``api_key_command`` runs without a shell (``shlex.split``), with stdin closed
and a timeout; its stripped stdout (first line, as ``pass show`` prints
metadata after it) is the key. Results are cached per process, so a password
manager is asked once. A failure names the model, the command and its exit
status — never its output, which may hold the secret or part of it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from collections.abc import Mapping

from tuichat.config.errors import ConfigError
from tuichat.config.model import ModelSpec
from tuichat.core.secrets import redact

KEY_COMMAND_TIMEOUT = 10.0
"""Seconds a key command may take (a password manager may prompt for a PIN)."""

_cache: dict[str, str] = {}
_cache_lock = threading.Lock()


def resolve_api_key(
    spec: ModelSpec, env: Mapping[str, str] | None = None, *, timeout: float = KEY_COMMAND_TIMEOUT
) -> str | None:
    """The key for ``spec``, or None if it has no key source (or the variable is empty)."""
    if spec.api_key:
        return spec.api_key
    if spec.api_key_env:
        env = os.environ if env is None else env
        return env.get(spec.api_key_env) or None
    if spec.api_key_command:
        return _command_key(spec, spec.api_key_command, timeout)
    return None


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
