"""Issue 12, attack 9: Rasa's HTTP API was open (DELETE /model without a token → 204, and the
bot's /readyz went to 503). The server is started with --auth-token and the bot sends it."""

import stat
from dataclasses import replace
from pathlib import Path

import aiohttp

from bot.settings import Secret, Settings
from bot.understanding.token import with_nlu_token
from tests.conftest import AppFactory


async def test_the_nlu_api_refuses_strangers(
    http: aiohttp.ClientSession, rasa_url: str, make_client: AppFactory
) -> None:
    async with http.delete(f"{rasa_url}/model") as resp:
        assert resp.status == 401  # was 204: the model unloaded by anyone
    async with http.post(f"{rasa_url}/model/parse", json={"text": "chào"}) as resp:
        assert resp.status == 401
    async with http.delete(f"{rasa_url}/model", params={"token": "guessed"}) as resp:
        assert resp.status in (401, 403)
    client = await make_client()
    ready = await client.get("/readyz")
    assert ready.status == 200  # the bot sends the token, and the model is still there
    assert (await ready.json())["nlu"] == "ok"


def test_a_local_server_gets_a_new_random_token_at_every_serve(tmp_path: Path) -> None:
    settings = replace(Settings(), var_dir=tmp_path)
    first = with_nlu_token(settings, fresh=True).rasa_token.reveal()
    second = with_nlu_token(settings, fresh=True).rasa_token.reveal()
    worker = with_nlu_token(settings).rasa_token.reveal()  # a worker beside that serve
    assert len(first) >= 32
    assert first != second
    assert worker == second
    assert stat.S_IMODE((tmp_path / "nlu-token").stat().st_mode) == 0o600


def test_a_given_token_or_a_remote_server_is_left_alone(tmp_path: Path) -> None:
    given = replace(Settings(), var_dir=tmp_path, rasa_token=Secret("from-the-env"))
    assert with_nlu_token(given, fresh=True).rasa_token.reveal() == "from-the-env"
    remote = replace(Settings(), var_dir=tmp_path, rasa_url="http://nlu:5005")
    assert not with_nlu_token(remote, fresh=True).rasa_token
    assert not (tmp_path / "nlu-token").exists()
