"""Property-based test (hypothesis) of the console API with a valid session and CSRF token:
random and malformed bodies and ids on every call never get a 5xx, and the bot keeps going."""

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AppFactory
from tests.console.conftest import Counselor, logged_in
from tests.fuzz.test_parsers import encode, json_values

CALLS = [
    ("POST", "conversations/{id}/claim"), ("POST", "conversations/{id}/messages"),
    ("POST", "conversations/{id}/transfer"), ("POST", "conversations/{id}/release"),
    ("POST", "conversations/{id}/close"), ("GET", "conversations/{id}"),
    ("GET", "conversations/{id}/messages"), ("POST", "login"), ("GET", "queue"),
    ("GET", "stats?from={id}&to={id}&by={id}"),
]  # fmt: skip
ids = st.sampled_from(["next", "1", "0", "-1", "99999999999999999999"]) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#%"),
    min_size=1, max_size=20,
)  # fmt: skip
bodies = st.binary(max_size=300) | json_values.map(encode)


@pytest.fixture
async def desk(make_client: AppFactory) -> AsyncIterator[tuple[TestClient, Counselor]]:  # type: ignore[type-arg]
    client = await make_client()
    made: list[Counselor] = []
    counselor = await logged_in(client, made, "fuzz", role="supervisor", online=False)
    yield client, counselor
    for one in made:
        await one.close()


SHARED_APP = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]  # one app, many bodies


@settings(max_examples=200, deadline=None, suppress_health_check=SHARED_APP)
@given(call=st.sampled_from(CALLS), conversation=ids, body=bodies)
async def test_the_console_api_never_answers_5xx(
    desk: tuple[TestClient, Counselor],
    call: tuple[str, str],
    conversation: str,
    body: bytes,  # type: ignore[type-arg]
) -> None:
    client, counselor = desk
    method, path = call
    url = counselor.url("/console/api/" + path.format(id=conversation))
    headers = {"X-CSRF-Token": counselor.csrf, "Content-Type": "application/json"}
    async with counselor.http.request(method, url, data=body, headers=headers) as resp:
        await resp.read()
        assert resp.status < 500, (method, path, conversation, body[:80])
    health = await client.get("/healthz")
    assert health.status == 200
