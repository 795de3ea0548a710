"""A local fake of the Zalo OA API and OAuth server: records every request, fails when told to.

    zalo = FakeZalo(app_id="APP", app_secret="APP_SECRET")   # issues AT-0 / RT-0 at first
    base = await zalo.start()        # http://127.0.0.1:<port>: zalo_api_base and zalo_oauth_base
    zalo.expire_access_token()       # sends answer -216 until a refresh issues a new token
    zalo.rate_limit(2)               # the next 2 sends answer -32
    zalo.fail_http(3)                # the next 3 sends answer HTTP 500
    zalo.close_window()              # every send answers -230
    zalo.answer_error(-211)          # the next send answers {"error": -211}
    zalo.refresh_delay = 0.3         # the refresh answer is held back (concurrency tests)
    ...
    zalo.messages                    # the JSON bodies of the sends received, in order
    zalo.refresh_calls               # how many refresh requests arrived
    await zalo.stop()

Like Zalo, the OA API answers HTTP 200 with `{"error": <code>}` on failure, and a refresh token
works once: reusing one answers an error.
"""

import asyncio
import itertools
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import LocalServer

SEND_PATH = "/v3.0/oa/message/cs"
REFRESH_PATH = "/v4/oa/access_token"
INVALID_REFRESH_TOKEN = -14014
INVALID_APP = -14002


@dataclass(frozen=True, slots=True)
class ZaloRequest:
    path: str
    headers: dict[str, str]
    body: Any  # the JSON of a send, the form (dict) of a refresh; None when unreadable


class FakeZalo(LocalServer):
    def __init__(
        self,
        app_id: str = "APP",
        app_secret: str = "APP_SECRET",
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.requests: list[ZaloRequest] = []
        self.refresh_calls = 0
        self.refresh_delay = 0.0
        self._serial = itertools.count(1)
        self._message_ids = itertools.count(1)
        # None: expired, every send answers -216 until a refresh issues the next one
        self.access_token: str | None = "AT-0"
        self.refresh_token = "RT-0"
        self.used_refresh_tokens: list[str] = []
        self._rate_limited = 0
        self._http_failures = 0
        # (time.monotonic(), body) of the messages answered with success
        self.delivered: list[tuple[float, Any]] = []
        self._http_status = 500
        self._window_open = True
        self._errors: list[int] = []

    # -- what tests read -----------------------------------------------------------------

    @property
    def sends(self) -> list[ZaloRequest]:
        return [r for r in self.requests if r.path == SEND_PATH]

    @property
    def messages(self) -> list[Any]:
        return [r.body for r in self.sends]

    @property
    def refreshes(self) -> list[ZaloRequest]:
        return [r for r in self.requests if r.path == REFRESH_PATH]

    # -- what tests tell it --------------------------------------------------------------

    def expire_access_token(self) -> None:
        """The current access token stops working: sends answer -216 until a refresh."""
        self.access_token = None

    def rate_limit(self, times: int = 1) -> None:
        self._rate_limited += times

    def fail_http(self, times: int = 1, status: int = 500) -> None:
        self._http_failures += times
        self._http_status = status

    def close_window(self) -> None:
        """Every send answers -230 (the user's last interaction is older than 7 days)."""
        self._window_open = False

    def answer_error(self, code: int, times: int = 1) -> None:
        """The next `times` sends with a valid token answer `{"error": code}`."""
        self._errors.extend([code] * times)

    # -- lifecycle -----------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_post(SEND_PATH, self._send)
        app.router.add_post(REFRESH_PATH, self._refresh)

    # -- the fake ------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.requests.append(ZaloRequest(request.path, dict(request.headers), body))
        if self._http_failures:
            self._http_failures -= 1
            return web.Response(status=self._http_status, text="fake failure")
        if self.access_token is None or request.headers.get("access_token") != self.access_token:
            return _error(-216, "Access token is invalid")
        if self._rate_limited:
            self._rate_limited -= 1
            return _error(-32, "Request limit exceeded")
        if self._errors:
            return _error(self._errors.pop(0), "Told to fail")
        if not self._window_open:
            return _error(-230, "User has not interacted with the OA in the last 7 days")
        if not _well_formed(body):
            return _error(-201, "Parameters are invalid")
        user_id = body["recipient"]["user_id"]
        self.delivered.append((time.monotonic(), body))
        data = {"message_id": f"msg-{next(self._message_ids)}", "user_id": user_id}
        data["quota"] = {"quota_type": "reply", "remain": 7, "total": 8}
        return web.json_response({"error": 0, "message": "Success", "data": data})

    async def _refresh(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.requests.append(ZaloRequest(request.path, dict(request.headers), form))
        self.refresh_calls += 1
        await asyncio.sleep(self.refresh_delay)
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != (
            self.app_id
        ):
            return _oauth_error(INVALID_APP, "Invalid app")
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != (
            self.refresh_token
        ):
            return _oauth_error(INVALID_REFRESH_TOKEN, "Invalid refresh token")
        self.used_refresh_tokens.append(self.refresh_token)
        serial = next(self._serial)
        self.access_token = f"AT-{serial}"
        self.refresh_token = f"RT-{serial}"
        return web.json_response(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            }
        )


def _well_formed(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("recipient"), dict)
        and isinstance(body["recipient"].get("user_id"), str)
        and isinstance(body.get("message"), dict)
        and isinstance(body["message"].get("text"), str)
        and 0 < len(body["message"]["text"]) <= 2000
    )


def _error(code: int, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message})  # HTTP 200, like Zalo


def _oauth_error(code: int, name: str) -> web.Response:
    return web.json_response(
        {"error": code, "error_name": name, "error_reason": name, "error_description": name}
    )
