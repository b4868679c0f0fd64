"""The simulator server: connections, routing, request records, clean shutdown.

Routes are data: each names the API (:mod:`tuichat.sim.formats`) whose
request parsing, auth header, response bytes and errors it uses, so
``/v1/chat/completions`` and ``/v1/messages`` share one handler, one timing
engine and every scenario.

Each connection serves requests one after another (keep-alive). While a chat
completion is being answered, a watcher reads the connection so a client that
closes it is noticed at once - during the TTFT wait or a hang too, not only
when the next write fails - and the answer is cancelled.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from tuichat.sim import openai_errors
from tuichat.sim.exchange import Exchange, Outcome, ResponseWriter
from tuichat.sim.formats import ANTHROPIC, OPENAI
from tuichat.sim.http1 import CannedResponse, Connection, HttpRequest, ProtocolError
from tuichat.sim.openai_wire import models_list
from tuichat.sim.prompt_cache import PromptCache
from tuichat.sim.records import RequestRecord
from tuichat.sim.scenarios import SCENARIOS
from tuichat.sim.settings import BadOverride, SimSettings, UnknownModel, plan_request
from tuichat.sim.wire import ApiFormat, BadChatRequest, dumps

__all__ = ["RequestRecord", "SimServer", "SimSettings"]

log = logging.getLogger(__name__)

Handler = Callable[[ApiFormat, HttpRequest, ResponseWriter], Awaitable[Outcome]]
UNRECORDED_PATHS = ("/health", "/_sim/requests")


def _loopback_host(host: str) -> str:
    """The address a local client should use for a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _decode_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


class SimServer:
    """An OpenAI- and Anthropic-compatible streaming server on loopback, scripted."""

    def __init__(self, settings: SimSettings | None = None) -> None:
        self.settings = settings if settings is not None else SimSettings()
        self.records: list[RequestRecord] = []
        self.port = 0
        self.host = "127.0.0.1"
        self._server: asyncio.Server | None = None
        self._ids = itertools.count(1)
        self._connection_ids = itertools.count(1)
        self._connections: dict[asyncio.Task[None], Connection] = {}
        self._prompt_cache = PromptCache()
        self._routes: dict[tuple[str, str], tuple[ApiFormat, Handler]] = {
            ("POST", "/v1/chat/completions"): (OPENAI, self._chat),
            ("POST", "/chat/completions"): (OPENAI, self._chat),
            ("POST", "/v1/messages"): (ANTHROPIC, self._chat),
            ("GET", "/v1/models"): (OPENAI, self._models),
            ("GET", "/models"): (OPENAI, self._models),
            ("GET", "/_sim/requests"): (OPENAI, self._list_records),
            ("GET", "/health"): (OPENAI, self._health),
        }

    @property
    def base_url(self) -> str:
        """What a client uses as its OpenAI base URL (Anthropic clients: :attr:`root_url`)."""
        return f"{self.root_url}/v1"

    @property
    def root_url(self) -> str:
        """``http://host:port``: what a client uses as its Anthropic base URL."""
        return f"http://{_loopback_host(self.host)}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (port 0 picks a free one, see :attr:`port`)."""
        self._server = await asyncio.start_server(self._on_connection, host, port)
        self.host = host
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop every open connection (hung answers included)."""
        if self._server is not None:
            self._server.close()
        tasks = list(self._connections)
        for task, conn in list(self._connections.items()):
            conn.abort()
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Serve one connection; nothing a client does may escape as a traceback."""
        task = asyncio.current_task()
        assert task is not None
        conn = Connection(reader, writer)
        self._connections[task] = conn
        try:
            await self._serve(conn, next(self._connection_ids))
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception:
            log.exception("simulator: unexpected error while serving a connection")
        finally:
            del self._connections[task]
            conn.close()

    async def _serve(self, conn: Connection, connection_id: int) -> None:
        """Requests one after another until the client or a scenario ends it."""
        while True:
            try:
                request = await conn.read_request()
            except ProtocolError as exc:
                bad = openai_errors.bad_request(str(exc))
                await ResponseWriter(conn, None, keep_alive=False).send(bad)
                return
            if request is None:
                return
            outcome = await self._dispatch(conn, request, connection_id)
            if outcome is not Outcome.KEEP_ALIVE or not request.keep_alive:
                return

    def _new_record(self, request: HttpRequest, connection_id: int) -> RequestRecord | None:
        if request.path in UNRECORDED_PATHS:
            return None
        body = _decode_json(request.body)
        model = body.get("model") if isinstance(body, dict) else None
        record = RequestRecord(
            id=next(self._ids),
            connection_id=connection_id,
            path=request.path,
            model=model if isinstance(model, str) else "",
            scenario="",
            body=body if isinstance(body, dict) else None,
            received_at=request.received_at,
        )
        self.records.append(record)
        return record

    async def _dispatch(
        self, conn: Connection, request: HttpRequest, connection_id: int
    ) -> Outcome:
        """Route a request; API paths check the key (and required headers) first."""
        record = self._new_record(request, connection_id)
        out = ResponseWriter(conn, record, keep_alive=request.keep_alive)
        route = self._routes.get((request.method, request.path))
        if route is None:
            return await out.send(openai_errors.invalid_url(request.method, request.path))
        api, handler = route
        denied = self._check_headers(api, request)
        if denied is not None:
            return await out.send(denied)
        return await handler(api, request, out)

    def _check_headers(self, api: ApiFormat, request: HttpRequest) -> CannedResponse | None:
        """401 when a key is configured and not presented; 400 without a required header."""
        if request.path in UNRECORDED_PATHS:
            return None
        key = self.settings.api_key
        presented = api.presented_key(request.headers)
        if key is not None and presented != key:
            return api.errors.unauthorized(presented)
        for name in api.required_headers:
            if name not in request.headers:
                return api.errors.bad_request(f"{name}: header is required")
        return None

    async def _chat(self, api: ApiFormat, request: HttpRequest, out: ResponseWriter) -> Outcome:
        """A chat request in ``api``'s format: plan the answer, then let the scenario run it."""
        prepared = self._prepare_chat(api, request, out)
        if isinstance(prepared, CannedResponse):
            return await out.send(prepared)
        over = prepared.over_window()
        scenario = SCENARIOS["context_too_long" if over else prepared.plan.scenario]
        return await _run_watched(out, scenario.respond(prepared))

    def _prepare_chat(
        self, api: ApiFormat, request: HttpRequest, out: ResponseWriter
    ) -> Exchange | CannedResponse:
        """The exchange for a valid request, or the error response for a bad one."""
        record = out.record
        assert record is not None
        body = _decode_json(request.body)
        if body is None:
            return api.errors.bad_request("We could not parse the JSON body of your request.")
        try:
            chat = api.parse(body)
        except BadChatRequest as exc:
            return api.errors.bad_request(str(exc), exc.param)
        try:
            plan = plan_request(chat.model, self.settings, SCENARIOS)
        except UnknownModel:
            return api.errors.model_not_found(chat.model)
        except BadOverride as exc:
            return api.errors.bad_request(str(exc), "model")
        record.scenario = plan.scenario
        wire, cache = api.new_wire(record.id), self._prompt_cache.use(chat)
        return Exchange(
            out=out,
            record=record,
            plan=plan,
            chat=chat,
            wire=wire,
            errors=api.errors,
            cache=cache,
            presented_key=api.presented_key(request.headers),
        )

    async def _models(self, api: ApiFormat, request: HttpRequest, out: ResponseWriter) -> Outcome:
        return await out.send(CannedResponse(200, models_list()))

    async def _list_records(
        self, api: ApiFormat, request: HttpRequest, out: ResponseWriter
    ) -> Outcome:
        body = dumps([record.to_json() for record in self.records]).encode()
        return await out.send(CannedResponse(200, body))

    async def _health(self, api: ApiFormat, request: HttpRequest, out: ResponseWriter) -> Outcome:
        return await out.send(CannedResponse(200, b'{"status":"ok"}'))


async def _answer(out: ResponseWriter, answer: Coroutine[Any, Any, Outcome]) -> Outcome:
    """Run a scenario; a write to a vanished client ends it as a disconnect."""
    try:
        return await answer
    except ConnectionError:
        _mark_disconnected(out)
        return Outcome.ABORTED


def _mark_disconnected(out: ResponseWriter) -> None:
    record = out.record
    if record is not None and record.disconnected_at is None and not record.completed:
        record.disconnected_at = time.monotonic()


async def _run_watched(out: ResponseWriter, answer: Coroutine[Any, Any, Outcome]) -> Outcome:
    """Produce the answer while watching for the client to close the connection."""
    producer = asyncio.create_task(_answer(out, answer))
    watcher = asyncio.create_task(out.conn.watch_for_eof())
    try:
        await asyncio.wait({producer, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if not producer.done():
            _mark_disconnected(out)
    finally:
        if not producer.done():
            producer.cancel()
        watcher.cancel()
        await asyncio.gather(producer, watcher, return_exceptions=True)
    return Outcome.ABORTED if producer.cancelled() else producer.result()
