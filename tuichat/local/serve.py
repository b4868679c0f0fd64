"""The llama.cpp server process, started by :class:`~tuichat.local.server.LocalModelServer`.

Run as ``python -m tuichat.local.serve``; not meant to be started by hand.
llama.cpp runs here rather than inside tuichat so that its log cannot reach
the terminal, a crash in native code cannot take the UI down, the model's
memory is not tuichat's, and ending the process always frees the port.

Protocol with the parent:

- stdin: the first line is a :class:`ServeConfig` as JSON; then stdin stays
  open as a lifeline, and end-of-file means the parent is gone.
- stdout: ``LOADING``, then ``READY http://127.0.0.1:PORT`` or ``FAILED <one line>``.
- stderr: llama.cpp's own log (the parent points it at a file).

It stops on SIGTERM, on end-of-file on stdin, and when its parent process
changes (re-parented after a crash) — unless it is a kept server
(``keep_alive`` above 0): then it detaches after ``READY`` and stops on
SIGTERM or after ``keep_alive`` idle seconds (:mod:`tuichat.local.keeper`).
SIGINT is ignored: the terminal's Ctrl-C belongs to tuichat, which cancels a
generation with it.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any

from tuichat.local.serve_config import Sampling, ServeConfig

PARENT_POLL_SECONDS = 0.5
SHUTDOWN_GRACE_SECONDS = 5.0
PR_SET_PDEATHSIG = 1


def _say(line: str) -> None:
    """One protocol line to the parent (stdout may be gone if the parent is)."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.write(line.replace("\n", " ") + "\n")
        sys.stdout.flush()


def _die_with_parent_thread() -> None:
    """Linux: have the kernel SIGKILL us the moment the thread that started us ends."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watch_stdin(stop: threading.Event) -> None:
    """End-of-file on the lifeline: the parent closed it or died."""

    def read_until_eof() -> None:
        with contextlib.suppress(OSError, ValueError):
            while sys.stdin.read(4096):
                pass
        stop.set()

    threading.Thread(target=read_until_eof, name="lifeline", daemon=True).start()


def _apply_sampling(target: Any, sampling: Sampling, flags: Any) -> None:
    """Set sampling defaults and mark them as the user's, so GGUF metadata cannot override."""
    target.temp = sampling.temperature
    target.top_k = sampling.top_k
    target.top_p = sampling.top_p
    target.min_p = sampling.min_p
    target.penalty_repeat = sampling.repeat_penalty
    chosen = ("TEMP", "TOP_K", "TOP_P", "MIN_P", "PENALTY_REPEAT")
    for name in chosen:
        target.user_sampling_config |= int(getattr(flags, f"COMMON_PARAMS_SAMPLING_CONFIG_{name}"))


def _start(config: ServeConfig) -> Any:
    """Load the model and start llama.cpp's HTTP server; returns once it serves."""
    # The heavy import, only in this process; untyped, hence through importlib.
    xlc: Any = importlib.import_module("xllamacpp")

    params = xlc.CommonParams()
    params.model.path = config.model_path
    params.model_alias = {config.model_id}
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the OS picks a free port: no race with other processes
    params.api_keys = [config.api_key]
    params.n_ctx = config.n_ctx
    params.n_parallel = 1
    params.n_predict = config.n_predict
    params.cpuparams.n_threads = config.n_threads
    params.cpuparams_batch.n_threads = config.n_threads
    params.use_jinja = True
    if config.chat_template is not None:
        params.chat_template = config.chat_template
    params.antiprompt = list(config.stop)
    params.endpoint_slots = False  # /slots would show prompts to any local process
    params.endpoint_metrics = config.keep_alive > 0  # counters only: the keeper's idle clock
    params.ui = False
    params.cache_ram_mib = 256
    params.verbosity = config.verbosity
    if config.sampling is not None:
        _apply_sampling(params.sampling, config.sampling, xlc.common_params_sampling_config)
    return xlc.Server(params)


def _wait_for_stop(stop: threading.Event, parent_pid: int) -> None:
    while not stop.wait(PARENT_POLL_SECONDS):
        if parent_pid and os.getppid() != parent_pid:
            return


def _stop_soon_or_exit() -> None:
    """If llama.cpp does not shut down in time, leave anyway (the OS frees the rest)."""
    timer = threading.Timer(SHUTDOWN_GRACE_SECONDS, os._exit, args=(0,))
    timer.daemon = True
    timer.start()


def _serve(config: ServeConfig, stop: threading.Event) -> int:
    _say("LOADING")
    try:
        server = _start(config)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        _say(f"FAILED {type(exc).__name__}: {exc}")
        return 1
    _say(f"READY {server.listening_address}")
    if config.keep_alive > 0:
        _keep(config, server.listening_address, stop)
    else:
        _wait_for_stop(stop, config.parent_pid)
    _stop_soon_or_exit()
    del server  # xllamacpp's destructor ends the loop and closes the listener
    return 0


def _keep(config: ServeConfig, address: str, stop: threading.Event) -> None:
    """Outlive the parent: let go of its pipes, then serve until idle for ``keep_alive``."""
    from tuichat.local.discovery import ServerRecord
    from tuichat.local.keeper import keep

    _detach_from_parent()
    now = time.time()
    port = int(address.rsplit(":", 1)[1])
    record = ServerRecord(
        os.getpid(),
        port,
        config.api_key,
        config.model_path,
        config.model_id,
        config.keep_alive,
        now,
        now,
    )
    keep(record, Path(config.record_path), stop)


def _detach_from_parent() -> None:
    """stdin and stdout to /dev/null: the parent's end of the pipes goes when it exits."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)


def main() -> int:
    """Read the configuration, serve until told to stop; the exit code says how it went."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    try:
        config = ServeConfig.from_json(sys.stdin.readline())
    except ValueError as exc:
        _say(f"FAILED bad configuration: {exc}")
        return 2
    if config.keep_alive <= 0:  # a kept server outlives its parent on purpose
        if config.die_with_parent_thread:
            _die_with_parent_thread()
        if config.parent_pid and os.getppid() != config.parent_pid:
            return 0  # the parent died before we could watch it
        _watch_stdin(stop)
    return _serve(config, stop)


if __name__ == "__main__":
    sys.exit(main())
