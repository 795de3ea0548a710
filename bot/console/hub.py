"""The websockets of this process, and who may see which live update."""

import json
import logging
from typing import Any

from aiohttp import web

from bot.console.auth import Login

log = logging.getLogger(__name__)


class Hub:
    def __init__(self) -> None:
        self.sockets: dict[web.WebSocketResponse, Login] = {}

    def online_here(self, username: str) -> bool:
        return any(login.username == username for login in self.sockets.values())

    async def deliver(self, event: dict[str, Any]) -> None:
        data = json.dumps(event, ensure_ascii=False)
        for socket, login in list(self.sockets.items()):
            if not visible(event, login) or socket.closed:
                continue
            try:
                await socket.send_str(data)
            except (ConnectionError, RuntimeError):
                self.sockets.pop(socket, None)


def visible(event: dict[str, Any], login: Login) -> bool:
    """A conversation a counselor holds is seen by them (and supervisors); waiting ones and
    queue changes by everyone."""
    holder = event.get("counselor", "")
    return not holder or holder == login.username or login.can("supervisor")
