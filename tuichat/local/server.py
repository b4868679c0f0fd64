"""Run llama.cpp (``xllamacpp``) as a child process serving one GGUF on loopback.

:class:`LocalModelServer` is synchronous, like ``SimServerThread``: the CLI
starts it before the Textual app (or ``tuichat ask``) runs, and talks to it
with the ordinary :class:`~tuichat.providers.openai_compat.OpenAICompatProvider`
at :attr:`~LocalModelServer.base_url` with :attr:`~LocalModelServer.api_key`.

Start-up reports progress as ``progress(stage, fraction)``: "verifying model"
or "assembling model" (bundled model only, by bytes), "starting llama.cpp",
"loading model" (0 then 1: llama.cpp reports no finer progress) and "ready".

No orphan survives tuichat: :meth:`~LocalModelServer.stop` (also at interpreter
exit) ends the child, and the child ends itself when its stdin lifeline closes
or its parent changes, so SIGTERM or SIGKILL of tuichat takes it down too.
Started from the main thread on Linux, the kernel also kills it at once
(``PR_SET_PDEATHSIG``); from another thread that would fire when *that thread*
ends, so there it relies on the lifeline alone.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import TracebackType

import httpx

from tuichat import paths
from tuichat.local.child_process import (
    first_logged_error,
    inert,
    let_go,
    loopback_address,
    open_log,
    read_lines_into,
    require_llama_cpp,
    runtime_lock,
)
from tuichat.local.discovery import (
    ServerRecord,
    read_record,
    record_path,
    usable_record,
)
from tuichat.local.errors import LocalModelError
from tuichat.local.model_files import ProgressCallback, ensure_bundled_model, validate_gguf
from tuichat.local.profiles import DEFAULT_CONTEXT, bundled_config, own_model_config
from tuichat.local.serve_config import ServeConfig

START_TIMEOUT = 120.0
STOP_TIMEOUT = 5.0
HEALTH_POLL = 0.05
LOG_NAME = "local-model.log"


class LocalModelServer:
    """llama.cpp serving one GGUF on 127.0.0.1; a context manager."""

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        cache_dir: Path | None = None,
        progress: ProgressCallback | None = None,
        n_ctx: int = DEFAULT_CONTEXT,
        n_threads: int | None = None,
        start_timeout: float = START_TIMEOUT,
        keep_alive: float = 0.0,
        runtime_dir: Path | None = None,
    ) -> None:
        """``model_path`` None serves the bundled model (assembled into ``cache_dir``).

        ``keep_alive`` above 0 reuses a server another process kept, or starts
        one that outlives this process by that many idle seconds (found
        through a record in ``runtime_dir``, see :mod:`.discovery`).
        """
        self._model_path = model_path
        self._cache_dir = cache_dir or paths.cache_dir()
        self._progress = progress
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._start_timeout = start_timeout
        self._api_key = secrets.token_urlsafe(24)
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._address: str | None = None
        self._model_id: str | None = None
        self._keep_alive = keep_alive
        self._runtime_dir = runtime_dir or paths.runtime_dir()
        self._kept = False
        self._reused = False

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``, for an OpenAI-compatible client."""
        return f"{self._require_address()}/v1"

    @property
    def port(self) -> int:
        return int(self._require_address().rsplit(":", 1)[1])

    @property
    def api_key(self) -> str:
        """A per-run bearer token, so other local users cannot use or read the server."""
        return self._api_key

    @property
    def model_id(self) -> str:
        """The name the server reports as ``model`` (e.g. ``gemma-3-270m``)."""
        if self._model_id is None:
            raise RuntimeError("the local model server is not running")
        return self._model_id

    @property
    def log_path(self) -> Path:
        """llama.cpp's log of the current (or last) run."""
        return self._cache_dir / "logs" / LOG_NAME

    @property
    def running(self) -> bool:
        if self._reused:
            return self._address is not None
        return self._process is not None and self._process.poll() is None

    @property
    def reused(self) -> bool:
        """True when another process's kept server answers (nothing was started)."""
        return self._reused

    def __enter__(self) -> LocalModelServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Prepare the model, start llama.cpp and wait until it answers ``/health``.

        With a keep-alive, a live kept server of the same model is used instead;
        the check and the start happen under a lock, so two processes starting
        together share one server.
        """
        if self._process is not None or self._address is not None:
            raise RuntimeError("the local model server is already running")
        require_llama_cpp()
        if self._keep_alive <= 0:
            self._start_new(self._model_file())
            return
        with runtime_lock(self._runtime_dir):
            model = self._model_file()
            record = usable_record(record_path(self._runtime_dir), str(model))
            if record is not None:
                self._adopt(record)
            else:
                self._start_new(model)

    def _start_new(self, model: Path) -> None:
        config = self._config(model)
        deadline = time.monotonic() + self._start_timeout
        self._report("starting llama.cpp", 0.0)
        self._spawn(config)
        try:
            self._wait_until_ready(deadline)
            if config.keep_alive > 0:
                self._wait_for_record(deadline)
        except BaseException:
            self._kept = False
            self.stop()
            raise
        self._model_id = config.model_id
        self._report("ready", 1.0)

    def _adopt(self, record: ServerRecord) -> None:
        """Use the kept server ``record`` describes."""
        self._api_key, self._model_id = record.api_key, record.model_id
        self._address = f"http://127.0.0.1:{record.port}"
        self._reused = True
        self._report("ready", 1.0)

    def _wait_for_record(self, deadline: float) -> None:
        """A kept server is found once its record names it: wait for that."""
        assert self._process is not None
        path = record_path(self._runtime_dir)
        while (found := read_record(path)) is None or found.pid != self._process.pid:
            if not self.running:
                raise self._startup_error(None)
            if time.monotonic() >= deadline:
                raise self._timeout_error()
            time.sleep(HEALTH_POLL)
        self._kept = True
        atexit.unregister(self.stop)

    def stop(self) -> None:
        """End the server and wait for it; the port is free when this returns.

        A kept server (started or reused) is left running for the next process:
        only this process's handles on it go.
        """
        process, self._process = self._process, None
        self._address, self._reused = None, False
        if process is None:
            return
        atexit.unregister(self.stop)
        if self._kept:
            let_go(process)
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()  # the lifeline: the child stops on end-of-file
        with contextlib.suppress(OSError):
            process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def _model_file(self) -> Path:
        """The GGUF to serve: the bundled one (assembled and verified) or the user's, checked."""
        if self._model_path is None:
            return ensure_bundled_model(self._cache_dir, self._progress)
        return validate_gguf(self._model_path)

    def _config(self, model: Path) -> ServeConfig:
        key, n_ctx, n_threads = self._api_key, self._n_ctx, self._n_threads
        if self._model_path is None:
            config = bundled_config(model, key, n_ctx=n_ctx, n_threads=n_threads)
        else:
            config = own_model_config(model, key, n_ctx=n_ctx, n_threads=n_threads)
        if self._keep_alive > 0:  # detached: no parent to watch
            paths.ensure_private_dir(self._runtime_dir)
            where = str(record_path(self._runtime_dir))
            return replace(config, keep_alive=self._keep_alive, record_path=where)
        in_main = threading.current_thread() is threading.main_thread()
        return replace(config, parent_pid=os.getpid(), die_with_parent_thread=in_main)

    def _spawn(self, config: ServeConfig) -> None:
        """Start the child with its log in a private file and its stdin as the lifeline."""
        log = open_log(self.log_path)
        self._lines = queue.Queue()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "tuichat.local.serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,  # no terminal signals: Ctrl-C is tuichat's
            )
        except OSError as exc:
            raise LocalModelError(f"cannot start the local model process: {exc}") from None
        finally:
            log.close()
        atexit.register(self.stop)
        assert self._process.stdin is not None and self._process.stdout is not None
        read_lines_into(self._process.stdout, self._lines)
        with contextlib.suppress(OSError):  # a child that died at once is reported later
            self._process.stdin.write(config.to_json() + "\n")
            self._process.stdin.flush()

    def _wait_until_ready(self, deadline: float) -> None:
        """Follow the child's protocol lines, then confirm ``/health``."""
        while self._address is None:
            line = self._next_line(deadline)
            if line == "LOADING":
                self._report("starting llama.cpp", 1.0)
                self._report("loading model", 0.0)
            elif line.startswith("READY "):
                self._address = loopback_address(line.removeprefix("READY ").strip())
            elif line.startswith("FAILED "):
                raise self._startup_error(line.removeprefix("FAILED "))
        self._report("loading model", 1.0)
        self._wait_for_health(deadline)

    def _next_line(self, deadline: float) -> str:
        try:
            line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            raise self._timeout_error() from None
        if line is None:  # stdout closed: the child is gone
            raise self._startup_error(None)
        return line

    def _wait_for_health(self, deadline: float) -> None:
        url = f"{self._require_address()}/health"
        with httpx.Client(timeout=2.0) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(url).status_code == 200:
                        return
                if not self.running:
                    raise self._startup_error(None)
                if time.monotonic() >= deadline:
                    raise self._timeout_error()
                time.sleep(HEALTH_POLL)

    def _startup_error(self, reported: str | None) -> LocalModelError:
        """One line from what the child said and what llama.cpp logged."""
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(STOP_TIMEOUT)
        detail = first_logged_error(self.log_path) or reported or "the process exited"
        name = self._model_path.name if self._model_path else "the bundled model"
        return LocalModelError(
            f"llama.cpp could not start {name}: {inert(detail)} (log: {self.log_path})"
        )

    def _timeout_error(self) -> LocalModelError:
        return LocalModelError(
            f"the local model did not start within {self._start_timeout:.0f} s; see {self.log_path}"
        )

    def _require_address(self) -> str:
        if self._address is None:
            raise RuntimeError("the local model server is not running")
        return self._address

    def _report(self, stage: str, fraction: float) -> None:
        if self._progress is not None:
            self._progress(stage, fraction)
