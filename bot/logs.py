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


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def user_ref(key: bytes, channel: str, user_id: str) -> str:
    """A keyed hash standing for a platform user id in logs and metrics."""
    digest = hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]
