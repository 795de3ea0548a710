"""GET /metrics: the series the operators watch, and no personal data in any label."""

import re

from bot.settings import Secret
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, logged_in
from tests.test_conversations import Chat


def value(text: str, series: str) -> float:
    match = re.search(rf"^{re.escape(series)} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert match, f"{series} not in /metrics"
    return float(match.group(1))


async def test_metrics_show_events_nlu_sends_queue_and_counselors(
    make_client: AppFactory,
) -> None:
    counselors: list[Counselor] = []
    try:
        await _check(make_client, counselors)
    finally:
        for counselor in counselors:
            await counselor.close()


TOKEN = "metrics-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_metrics_are_for_prometheus_only(make_client: AppFactory) -> None:
    closed = await make_client()  # no METRICS_TOKEN: not served at all
    assert (await closed.get("/metrics")).status == 404
    client = await make_client(metrics_token=Secret(TOKEN))
    assert (await client.get("/metrics")).status == 401
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer guessed"})
    assert wrong.status == 401
    assert (await client.get("/metrics", headers=AUTH)).status == 200


async def _check(make_client: AppFactory, counselors: list[Counselor]) -> None:
    client = await make_client(metrics_token=Secret(TOKEN))
    before = await (await client.get("/metrics", headers=AUTH)).text()
    stored = 'bot_webhook_events_total{channel="webchat",result="stored"}'
    start = value(before, stored) if stored in before else 0.0
    child = Chat(client)
    await child.send(text="bạn ơi cho mình hỏi cách đặt mật khẩu")
    await child.send(payload="COUNSELOR")
    await logged_in(client, counselors, "lan")
    resp = await client.get("/metrics", headers=AUTH)
    assert resp.status == 200
    text = await resp.text()
    assert value(text, stored) == start + 2
    assert value(text, "bot_nlu_seconds_count") >= 1
    assert value(text, 'bot_sends_total{channel="webchat",reason="",status="sent"}') >= 2
    assert value(text, "bot_queue_length") == 1
    assert value(text, "bot_oldest_wait_seconds") >= 0
    assert value(text, "bot_online") == 1
    assert value(text, "bot_stream_length") == 0  # handled entries are deleted
    assert value(text, "bot_consumer_lag") == 0
    assert child.id not in text
    assert "mật khẩu" not in text
