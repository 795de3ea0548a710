"""A local fake SMTP server (asyncio): records every message, fails when told to.

smtp = FakeSmtp()
port = await smtp.start()          # 127.0.0.1:<port>, plain SMTP (SMTP_SECURITY=none)
smtp.fail_next(1, code=451)        # the next MAIL FROM answers 451 (a temporary failure)
smtp.auth = True                   # offers AUTH PLAIN (records the user name, never checks)
smtp.stall = 5.0                   # waits this long before its greeting (a relay that hangs)
await smtp.stop()                  # now connections are refused (a relay that is down)
smtp.messages                      # email.message.EmailMessage objects received, in order
smtp.commands                      # every command verb received ("EHLO", "MAIL", ...)

It never offers STARTTLS, so a client that insists on it must give up before sending.
"""

import asyncio
import base64
from collections import deque
from email import message_from_bytes, policy
from email.message import EmailMessage


class FakeSmtp:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.commands: list[str] = []
        self.auth_users: list[str] = []
        self.auth = False
        self.stall = 0.0
        self.port = 0
        self._failures: deque[int] = deque()
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self.arrived = asyncio.Event()

    def fail_next(self, times: int = 1, code: int = 451) -> None:
        self._failures.extend([code] * times)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Refuses new connections and ends the open ones (a stalled session too)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for session in list(self._sessions):
            session.cancel()
        await asyncio.gather(*self._sessions, return_exceptions=True)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._sessions.add(task)
            task.add_done_callback(self._sessions.discard)
        try:
            await self._converse(reader, writer)
        finally:
            writer.close()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(self.stall)
        writer.write(b"220 fake.smtp ESMTP\r\n")
        envelope: list[str] = []  # the sender, then the recipients
        while line := await reader.readline():
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = text.split(" ", 1)[0].upper()
            self.commands.append(verb)
            answer = self._answer(verb, text, envelope)
            if verb == "DATA" and answer.startswith("354"):
                writer.write(b"354 go on\r\n")
                await writer.drain()
                self._record(await self._data(reader), envelope[0], envelope[1:])
                answer = "250 queued"
            writer.write(answer.encode() + b"\r\n")
            await writer.drain()
            if verb == "QUIT":
                break

    def _answer(self, verb: str, text: str, envelope: list[str]) -> str:
        if verb == "EHLO":
            extensions = ["8BITMIME", "SMTPUTF8", *(["AUTH PLAIN"] if self.auth else [])]
            return "\r\n".join(
                ["250-fake.smtp", *(f"250-{e}" for e in extensions), "250 SIZE 1000000"]
            )
        if verb == "HELO":
            return "250 fake.smtp"
        if verb == "AUTH" and self.auth:
            raw = base64.b64decode(text.split()[-1]).split(b"\0")
            self.auth_users.append(raw[1].decode() if len(raw) > 1 else "")
            return "235 ok"
        if verb == "MAIL":
            if self._failures:
                return f"{self._failures.popleft()} try again later"
            envelope[:] = [text.split(":", 1)[1].split()[0].strip("<>")]
            return "250 ok"
        if verb == "RCPT":
            envelope.append(text.split(":", 1)[1].strip().strip("<>"))
            return "250 ok"
        if verb == "DATA":
            return "354" if envelope else "503 no sender"
        replies = {"RSET": "250 ok", "NOOP": "250 ok", "QUIT": "221 bye"}
        return replies.get(verb, "502 not implemented")

    @staticmethod
    async def _data(reader: asyncio.StreamReader) -> bytes:
        lines = []
        while (line := await reader.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)

    def _record(self, data: bytes, sender: str, recipients: list[str]) -> None:
        message = message_from_bytes(data, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((sender, recipients))
        self.arrived.set()
