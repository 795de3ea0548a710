"""JSON-lines logging to stderr. Callers pass ids, intents, states and timings, never text."""

import hashlib
import hmac
import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        fixed = set(entry)
        entry |= {  # extras never replace the fixed fields
            k: v for k, v in record.__dict__.items() if k not in _STANDARD and k not in fixed
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__  # the type only: no message text
        return json.dumps(entry, ensure_ascii=False, default=str)


# Libraries whose debug logs carry data (SQL parameters hold message text): never below
# WARNING, whatever LOG_LEVEL says.
DATA_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool", "aiohttp.access")


def quiet_data_loggers() -> None:
    for name in DATA_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_data_loggers()


def user_ref(key: bytes, channel: str, user_id: str) -> str:
    """A keyed hash standing for a platform user id in logs and metrics."""
    digest = hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]
