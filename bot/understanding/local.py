"""The NLU for a command: an assessor, with a local Rasa server while none answers."""

import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp

from bot.settings import Settings
from bot.understanding.assess import Assessor, load_screen
from bot.understanding.classifier import RasaIntentClassifier
from bot.understanding.server import LocalNluServer, NluStartError, ensure_nlu

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def local_assessor(
    settings: Settings,
) -> AsyncIterator[tuple[aiohttp.ClientSession, Assessor, LocalNluServer]]:
    """An HTTP session and an assessor; a local NLU server for the duration, if none answers."""
    async with aiohttp.ClientSession() as session:
        server = LocalNluServer(settings)
        try:
            await ensure_nlu(settings, session, server)
        except NluStartError as error:
            log.error("nlu server could not start", extra={"reason": str(error)})
        try:
            classifier = RasaIntentClassifier(
                session, settings.rasa_url, settings.nlu_timeout,
                token=settings.rasa_token.reveal(),
            )  # fmt: skip
            yield session, Assessor(classifier, load_screen(settings)), server
        finally:
            await server.stop()
