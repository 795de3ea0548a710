"""A local fake of the Graph Send API: records every request, fails when told to.

graph = FakeGraph(token="PAGE_TOKEN")
base = await graph.start()          # http://127.0.0.1:<port>: use as messenger_api_base
graph.fail_next(1, code=613)        # the next message call answers a Graph rate-limit error
graph.close_window()                # every call answers code 10 / subcode 2018278
...
graph.messages                      # the JSON bodies of the text messages received, in order
await graph.stop()
"""

import asyncio
import itertools
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from tests.fakes.server import LocalServer

Target = Literal["message", "action", "any"]

_ERROR_TYPES = {190: "OAuthException", 10: "OAuthException", 613: "OAuthException"}


@dataclass(frozen=True, slots=True)
class GraphRequest:
    path: str
    query: dict[str, str]
    body: Any  # the JSON received (None when the body was not JSON)
    at: float = 0.0  # time.perf_counter() when it arrived (benchmarks)

    @property
    def kind(self) -> str:
        """'message', 'action' (a sender action) or 'other' (handover calls)."""
        if not isinstance(self.body, dict) or self.path != "/me/messages":
            return "other"
        return "action" if "sender_action" in self.body else "message"


@dataclass(slots=True)
class _Failure:
    target: Target
    code: int | None
    subcode: int | None
    status: int | None
    delay: float


class FakeGraph(LocalServer):
    def __init__(self, token: str | None = None) -> None:
        self.token = token  # when set, a call with another access_token gets code 190
        self.requests: list[GraphRequest] = []
        self._failures: deque[_Failure] = deque()
        self._window_open = True
        self._ids = itertools.count(1)
        # (time.monotonic(), body) of the text messages answered with success
        self.delivered: list[tuple[float, dict[str, Any]]] = []
        self.limited_until = 0.0  # time.monotonic() until which every call is rate-limited

    # -- what tests read -----------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.kind == "message"]

    @property
    def actions(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.kind == "action"]

    # -- what tests tell it --------------------------------------------------------------

    def fail_next(
        self,
        times: int = 1,
        *,
        code: int | None = None,
        subcode: int | None = None,
        status: int | None = None,
        delay: float = 0.0,
        target: Target = "message",
    ) -> None:
        """The next `times` calls of `target` kind fail: with a Graph error `code`/`subcode`
        (HTTP `status`, default 400), or a bare HTTP `status`, or stall `delay` seconds first
        (a delay alone then succeeds: use it to trip the client's timeout)."""
        for _ in range(times):
            self._failures.append(_Failure(target, code, subcode, status, delay))

    def close_window(self) -> None:
        """Every call answers code 10 / subcode 2018278 (outside the 24-hour window)."""
        self._window_open = False

    def open_window(self) -> None:
        self._window_open = True

    # -- lifecycle -----------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        for path in ("/me/messages", "/me/pass_thread_control", "/me/take_thread_control"):
            app.router.add_post(path, self._handle)

    # -- the fake ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        record = GraphRequest(request.path, dict(request.query), body, time.perf_counter())
        self.requests.append(record)
        if self.token is not None and request.query.get("access_token") != self.token:
            return _error(190, None, 400)
        if time.monotonic() < self.limited_until:
            return _error(613, None, 400)  # "Calls to this api have exceeded the rate limit"
        failure = self._take_failure(record.kind)
        if failure is not None:
            await asyncio.sleep(failure.delay)
            if failure.code is not None:
                return _error(failure.code, failure.subcode, failure.status or 400)
            if failure.status is not None:
                return web.Response(status=failure.status, text="fake failure")
        if not self._window_open:
            return _error(10, 2018278, 400)
        if not isinstance(body, dict) or not isinstance(body.get("recipient"), dict):
            return _error(100, None, 400)
        return self._success(record, body)

    def _take_failure(self, kind: str) -> _Failure | None:
        if self._failures and self._failures[0].target in (kind, "any"):
            return self._failures.popleft()
        return None

    def _success(self, record: GraphRequest, body: dict[str, Any]) -> web.Response:
        recipient = body["recipient"].get("id")
        if record.path != "/me/messages":
            return web.json_response({"success": True})
        if record.kind == "action":
            return web.json_response({"recipient_id": recipient})
        self.delivered.append((time.monotonic(), body))
        return web.json_response({"recipient_id": recipient, "message_id": f"m_{next(self._ids)}"})


def _error(code: int, subcode: int | None, status: int) -> web.Response:
    error: dict[str, Any] = {
        "message": f"fake Graph error {code}",
        "type": _ERROR_TYPES.get(code, "GraphMethodException"),
        "code": code,
        "fbtrace_id": "FAKE",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return web.json_response({"error": error}, status=status)
