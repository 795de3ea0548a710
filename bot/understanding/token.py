"""The NLU server's auth token (Rasa's `--auth-token`, sent as `?token=`).

RASA_TOKEN when set (production: the same value for the nlu service and the bot). Otherwise,
for the server the bot starts on loopback, a random one: `serve` makes a new one at every
start and leaves it in var/nlu-token (0600) for the `worker` and `route` processes beside it.
"""

import os
import secrets
from dataclasses import replace
from pathlib import Path

from bot.settings import Secret, Settings

FILE = "nlu-token"


def with_nlu_token(settings: Settings, fresh: bool = False) -> Settings:
    """Settings with a token: the given one, or the local server's (a new one when `fresh`)."""
    if settings.rasa_token or not settings.rasa_is_local:
        return settings
    path = settings.var_dir / FILE
    if fresh or not path.exists():
        _write(path, secrets.token_urlsafe(32))
    return replace(settings, rasa_token=Secret(path.read_text().strip()))


def _write(path: Path, token: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token)
    draft.replace(path)  # whole or not at all
