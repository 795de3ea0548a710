"""The Rasa client against the real trained model, a dead port, and its circuit breaker."""

import time

import aiohttp

from bot.settings import Settings
from bot.understanding.classifier import CircuitBreaker, RasaIntentClassifier
from bot.understanding.taxonomy import Intent
from tests.conftest import free_port


async def test_parse_with_the_real_model(
    http: aiohttp.ClientSession, rasa_url: str, base_settings: Settings
) -> None:
    token = base_settings.rasa_token.reveal()
    classifier = RasaIntentClassifier(http, rasa_url, timeout=10.0, token=token)
    result = await classifier.parse(
        "e bị ng lạ trên fb đòi gửi ảnh nóng ko gửi thì nó tung clip 😭"
    )
    assert result.available
    assert result.intent is Intent.REPORT_SEXUAL_ABUSE
    assert result.ranking[0] == (result.intent, result.confidence)
    assert result.entity("platform") == "facebook"


async def test_dead_server_is_reported_unavailable_quickly(http: aiohttp.ClientSession) -> None:
    breaker = CircuitBreaker(failures_to_open=2, reset_after=60)
    classifier = RasaIntentClassifier(
        http, f"http://127.0.0.1:{free_port()}", timeout=1.0, retries=1, breaker=breaker
    )
    first = await classifier.parse("xin chào")
    assert not first.available
    assert first.intent is None
    assert breaker.is_open
    started = time.monotonic()
    second = await classifier.parse("xin chào")
    assert not second.available
    assert time.monotonic() - started < 0.01  # the open breaker answers without calling


def test_breaker_opens_after_failures_and_allows_a_trial_later() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures_to_open=3, reset_after=10, clock=lambda: now[0])
    for _ in range(2):
        breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert not breaker.allow()
    now[0] = 10.5
    assert breaker.allow()  # one trial after the pause
    breaker.record_failure()
    assert not breaker.allow()  # failed again: open for another pause
    now[0] = 21.0
    breaker.record_success()
    assert breaker.allow()
    assert not breaker.is_open
