"""Property-based test (hypothesis) of the cases API with a valid supervisor's session: random
and malformed bodies, ids and filters on every call never get a 5xx."""

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.appkeys import CASES
from tests.conftest import AppFactory
from tests.console.conftest import Counselor, logged_in
from tests.fuzz.test_parsers import encode, json_values

CALLS = [
    ("GET", "cases/{id}"), ("GET", "cases/{id}/notes"), ("POST", "cases/{id}/notes"),
    ("POST", "cases/{id}/context"), ("POST", "cases/{id}/referrals"),
    ("POST", "cases/{id}/follow-up"),
    ("GET", "conversations/{id}/history"), ("POST", "directory"), ("POST", "directory/{id}"),
    ("GET", "cases?from={id}&to={id}&status={id}&category={id}&username={id}"),
    ("GET", "directory?all={id}"),
]  # fmt: skip
ids = st.sampled_from(["1", "0", "-1", "99999999999999999999", "１"]) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#%&"),
    min_size=1, max_size=20,
)  # fmt: skip
bodies = st.binary(max_size=300) | json_values.map(encode)


@pytest.fixture
async def desk(make_client: AppFactory) -> AsyncIterator[tuple[TestClient, Counselor]]:  # type: ignore[type-arg]
    client = await make_client()
    await client.server.app[CASES].open_or_update("webchat", "someone", "unknown", contact=True)
    made: list[Counselor] = []
    counselor = await logged_in(client, made, "fuzz", role="supervisor", online=False)
    yield client, counselor
    for one in made:
        await one.close()


SHARED_APP = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@settings(max_examples=150, deadline=None, suppress_health_check=SHARED_APP)
@given(call=st.sampled_from(CALLS), given_id=ids, body=bodies)
async def test_the_cases_api_never_answers_5xx(
    desk: tuple[TestClient, Counselor],
    call: tuple[str, str],
    given_id: str,
    body: bytes,
) -> None:
    _, counselor = desk
    method, path = call
    url = counselor.url("/console/api/" + path.format(id=given_id))
    headers = {"X-CSRF-Token": counselor.csrf, "Content-Type": "application/json"}
    async with counselor.http.request(method, url, data=body, headers=headers) as resp:
        await resp.read()
        assert resp.status < 500, (method, path, given_id, body[:80])
