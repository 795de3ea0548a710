"""Client of the Rasa NLU server (`POST /model/parse`), with a timeout, retries and a breaker."""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from bot.metrics import NLU_ERRORS, NLU_SECONDS
from bot.understanding.taxonomy import Intent

log = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the model made of a text. `available` is False when the NLU could not be asked."""

    intent: Intent | None
    confidence: float
    ranking: tuple[tuple[Intent, float], ...] = ()
    entities: tuple[Entity, ...] = ()
    low_confidence: bool = False
    available: bool = True

    @classmethod
    def unavailable(cls) -> "Understanding":
        return cls(intent=None, confidence=0.0, available=False)

    def entity(self, name: str) -> str | None:
        return next((e.value for e in self.entities if e.name == name), None)


class IntentClassifier(Protocol):
    async def parse(self, text: str) -> Understanding: ...


class CircuitBreaker:
    """Stops calling a dead service for a while instead of making every message wait."""

    def __init__(
        self,
        failures_to_open: int = 3,
        reset_after: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._failures_to_open = failures_to_open
        self._reset_after = reset_after
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None

    @property
    def is_open(self) -> bool:
        if self._opened_at is None:
            return False
        return self._clock() - self._opened_at < self._reset_after

    def allow(self) -> bool:
        """Closed: allow. Open: refuse until `reset_after` has passed, then allow a trial."""
        return not self.is_open

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None

    def record_failure(self) -> None:
        self._failures += 1
        if self._failures >= self._failures_to_open:
            if self._opened_at is None or not self.is_open:
                log.warning("nlu circuit opened", extra={"failures": self._failures})
            self._opened_at = self._clock()


class RasaIntentClassifier:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        timeout: float = 3.0,
        retries: int = 1,
        breaker: CircuitBreaker | None = None,
        in_flight: int = 4,
        token: str = "",
    ) -> None:
        self._session = session
        # Rasa works one text at a time per core: more requests at once only queue inside it
        # (and run into the timeout); a few in flight keep it busy.
        self._gate = asyncio.Semaphore(in_flight)
        self._url = base_url.rstrip("/") + "/model/parse"
        self._params = {"token": token} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._retries = retries
        self._breaker = breaker or CircuitBreaker()

    async def parse(self, text: str) -> Understanding:
        for attempt in range(self._retries + 1):
            if not self._breaker.allow():
                NLU_ERRORS.labels("circuit_open").inc()
                return Understanding.unavailable()
            started = time.perf_counter()
            try:
                body = await self._post(text)
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                NLU_ERRORS.labels(type(error).__name__).inc()
                self._breaker.record_failure()
                log.warning(
                    "nlu call failed", extra={"attempt": attempt, "error": type(error).__name__}
                )
                if attempt < self._retries:
                    await asyncio.sleep(0.05 * (attempt + 1))
                continue
            NLU_SECONDS.observe(time.perf_counter() - started)
            self._breaker.record_success()
            return understanding_from_rasa(body)
        return Understanding.unavailable()

    async def _post(self, text: str) -> dict[str, Any]:
        async with (
            self._gate,
            self._session.post(
                self._url, json={"text": text}, params=self._params, timeout=self._timeout
            ) as resp,
        ):
            if resp.status != 200:
                raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
            body = await resp.json()
        if not isinstance(body, dict):
            raise ValueError("unexpected NLU response")
        return body


def understanding_from_rasa(body: dict[str, Any]) -> Understanding:
    """Reads Rasa's parse result. The best real intent is kept even when the fallback won."""
    ranking = tuple(
        (Intent(item["name"]), float(item["confidence"]))
        for item in body.get("intent_ranking") or []
        if item.get("name") in Intent.__members__.values()
    )
    winner = (body.get("intent") or {}).get("name")
    entities = tuple(
        Entity(str(e["entity"]), str(e.get("value", "")), int(e["start"]), int(e["end"]))
        for e in body.get("entities") or []
        if "entity" in e and "start" in e and "end" in e
    )
    if not ranking:
        return Understanding(intent=None, confidence=0.0, entities=entities, low_confidence=True)
    intent, confidence = ranking[0]
    return Understanding(
        intent=intent,
        confidence=confidence,
        ranking=ranking,
        entities=entities,
        low_confidence=winner == FALLBACK_INTENT,
    )
