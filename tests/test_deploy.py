"""The production compose file: the services, their health checks, what is reachable."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_services_and_what_they_keep() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"redis", "postgres", "nlu", "bot", "worker"}
    redis_command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis_command
    assert services["redis"]["volumes"]
    assert services["postgres"]["volumes"]
    assert "ports" not in services["nlu"]  # the NLU is internal only
    assert COMPOSE["networks"]["internal"]["internal"] is True
    assert "readyz" in " ".join(services["bot"]["healthcheck"]["test"])
    assert services["worker"]["command"][-1] == "worker"
    for name in ("bot", "worker"):
        env = services[name]["environment"]
        assert env["NLU_AUTOSTART"] == "false"
        assert env["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")
        assert env["DATABASE_URL"].startswith("postgresql://")
    assert services["bot"]["environment"]["WEBCHAT_ENABLED"] == "${WEBCHAT_ENABLED:-false}"
    for dockerfile in ("deploy/bot.Dockerfile", "deploy/nlu.Dockerfile"):
        assert (ROOT / dockerfile).exists()


def test_redis_has_a_password_and_a_memory_ceiling_that_never_evicts() -> None:
    redis = COMPOSE["services"]["redis"]
    command = " ".join(redis["command"])
    assert '--requirepass "$$REDIS_PASSWORD"' in command
    assert "--maxmemory 512mb" in command
    assert "--maxmemory-policy noeviction" in command  # an evicted entry is a lost message
    assert redis["environment"]["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
    assert "REDISCLI_AUTH" in " ".join(redis["healthcheck"]["test"])


def test_the_nlu_needs_a_token_and_lives_on_its_own_network() -> None:
    services = COMPOSE["services"]
    nlu = services["nlu"]
    assert "--auth-token" in nlu["command"]
    assert nlu["command"][nlu["command"].index("--auth-token") + 1].startswith("${RASA_TOKEN:?")
    assert nlu["networks"] == ["nlu"]
    assert COMPOSE["networks"]["nlu"]["internal"] is True
    for name, service in services.items():  # nobody but the bot and its workers reach it
        assert ("nlu" in service.get("networks", [])) == (name in ("nlu", "bot", "worker"))
    for name in ("bot", "worker"):
        assert services[name]["environment"]["RASA_TOKEN"].startswith("${RASA_TOKEN:?")


def test_the_compose_file_matches_the_compose_specification() -> None:
    """Runs everywhere: the schema ships inside the pinned check-jsonschema package."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("check-jsonschema")), "--builtin-schema",
         "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _compose_available(), reason="the docker CLI has no compose plugin here")
def test_docker_compose_config_validates(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("POSTGRES_PASSWORD=example\nREDIS_PASSWORD=example\nRASA_TOKEN=example\n")
    result = subprocess.run(
        ["docker", "compose", "--env-file", str(env), "-f", str(ROOT / "docker-compose.yml"),
         "config", "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
