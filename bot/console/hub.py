"""The websockets of this process, and who may see which live update."""

import json
import logging
from typing import Any

from aiohttp import WSCloseCode, web

from bot.console.auth import Login

log = logging.getLogger(__name__)


class Hub:
    def __init__(self) -> None:
        self.sockets: dict[web.WebSocketResponse, Login] = {}

    def online_here(self, username: str) -> bool:
        return any(login.username == username for login in self.sockets.values())

    async def deliver(self, event: dict[str, Any]) -> None:
        if event.get("type") == "revoke":  # a logout: never shown, its sockets are closed
            await self.revoke(str(event.get("session", "")))
            return
        data = json.dumps(event, ensure_ascii=False)
        for socket, login in list(self.sockets.items()):
            if not visible(event, login) or socket.closed:
                continue
            try:
                await socket.send_str(data)
            except (ConnectionError, RuntimeError):
                self.sockets.pop(socket, None)

    async def revoke(self, session: str) -> None:
        """Closes the websockets of an ended session (the handler then marks them offline)."""
        for socket, login in list(self.sockets.items()):
            if login.ref == session:
                self.sockets.pop(socket, None)
                await socket.close(code=WSCloseCode.POLICY_VIOLATION, message=b"logged out")


def visible(event: dict[str, Any], login: Login) -> bool:
    """A conversation a counselor holds is seen by them (and supervisors); waiting ones and
    queue changes by everyone."""
    holder = event.get("counselor", "")
    return not holder or holder == login.username or login.can("supervisor")
