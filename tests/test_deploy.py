"""The production compose file: the services, their health checks, what is reachable."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_services_and_what_they_keep() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"redis", "postgres", "nlu", "bot", "worker"}
    assert "--appendonly" in services["redis"]["command"]
    assert services["redis"]["volumes"]
    assert services["postgres"]["volumes"]
    assert "ports" not in services["nlu"]  # the NLU is internal only
    assert services["nlu"]["networks"] == ["internal"]
    assert COMPOSE["networks"]["internal"]["internal"] is True
    assert "readyz" in " ".join(services["bot"]["healthcheck"]["test"])
    assert services["worker"]["command"][-1] == "worker"
    for name in ("bot", "worker"):
        env = services[name]["environment"]
        assert env["NLU_AUTOSTART"] == "false"
        assert env["REDIS_URL"].startswith("redis://redis")
        assert env["DATABASE_URL"].startswith("postgresql://")
    assert services["bot"]["environment"]["WEBCHAT_ENABLED"] == "${WEBCHAT_ENABLED:-false}"
    for dockerfile in ("deploy/bot.Dockerfile", "deploy/nlu.Dockerfile"):
        assert (ROOT / dockerfile).exists()


def _compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _compose_available(), reason="the docker CLI has no compose plugin here")
def test_docker_compose_config_validates(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("POSTGRES_PASSWORD=example\n")
    result = subprocess.run(
        ["docker", "compose", "--env-file", str(env), "-f", str(ROOT / "docker-compose.yml"),
         "config", "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
