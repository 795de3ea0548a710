"""Starts and stops a Rasa NLU server on loopback when none answers at RASA_URL."""

import asyncio
import contextlib
import logging
import os
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bot.settings import ROOT, Settings

log = logging.getLogger(__name__)


async def nlu_answers(
    session: aiohttp.ClientSession, base_url: str, wait: float = 2.0, token: str = ""
) -> bool:
    """True when a Rasa server with a loaded model parses a text at `base_url`."""
    try:
        async with session.post(
            base_url.rstrip("/") + "/model/parse",
            json={"text": "xin chào"},
            params={"token": token} if token else None,
            timeout=aiohttp.ClientTimeout(total=wait),
        ) as resp:
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


class NluStartError(RuntimeError):
    pass


class LocalNluServer:
    """A `rasa run --enable-api` child process serving the trained model on loopback."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    async def start(self) -> None:
        settings = self._settings
        if not settings.nlu_model.exists():
            raise NluStartError(f"no trained model at {settings.nlu_model} (run `make setup`)")
        if not settings.nlu_python.exists():
            raise NluStartError(f"no Rasa environment at {settings.nlu_python} (run `make setup`)")
        if not settings.rasa_token:
            raise NluStartError("no NLU token: its HTTP API (DELETE /model…) would be open")
        port = urlsplit(settings.rasa_url).port or 5005
        log_path = settings.var_dir / "log" / "nlu.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "RASA_TELEMETRY_ENABLED": "false",
        }
        command = [
            str(settings.nlu_python), "-m", "rasa", "run", "--enable-api",
            "--model", str(settings.nlu_model), "--interface", "127.0.0.1", "--port", str(port),
            "--auth-token", settings.rasa_token.reveal(),
        ]  # fmt: skip
        with open(log_path, "ab") as log_file:  # noqa: ASYNC230 (a local file, opened once)
            self._process = await asyncio.create_subprocess_exec(
                *command,
                cwd=ROOT,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                start_new_session=True,
            )
        log.info("nlu server starting", extra={"pid": self._process.pid, "port": port})
        async with aiohttp.ClientSession() as session:
            await self._wait_ready(session, self._process, log_path)

    async def _wait_ready(
        self, session: aiohttp.ClientSession, process: asyncio.subprocess.Process, log_path: Path
    ) -> None:
        deadline = time.monotonic() + self._settings.nlu_startup_timeout
        while time.monotonic() < deadline:
            if process.returncode is not None:
                self._process = None
                raise NluStartError(f"the NLU server exited early; see {log_path}")
            if await nlu_answers(
                session, self._settings.rasa_url, token=self._settings.rasa_token.reveal()
            ):
                log.info("nlu server ready", extra={"pid": process.pid})
                return
            await asyncio.sleep(0.5)
        await self.stop()
        raise NluStartError(f"the NLU server did not answer in time; see {log_path}")

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=15)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        log.info("nlu server stopped")


async def ensure_nlu(
    settings: Settings, session: aiohttp.ClientSession, server: LocalNluServer
) -> bool:
    """Starts `server` when nothing answers at RASA_URL and it is on loopback.

    Returns True when it started it (the caller then stops it), False when one already answers
    or starting is not ours to do. Raises NluStartError when the start fails.
    """
    if await nlu_answers(session, settings.rasa_url, token=settings.rasa_token.reveal()):
        return False
    if not (settings.nlu_autostart and settings.rasa_is_local):
        log.warning("nlu not answering and not started here")
        return False
    await server.start()
    return True
