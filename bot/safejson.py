"""JSON from strangers: size and nesting are checked on the raw bytes before the parser sees
them, so a 200 000-deep body is a clear refusal (HTTP 400), never a RecursionError (500)."""

import json
import re
from typing import Any

MAX_DEPTH = 64
# A string (its escapes included) or one bracket: brackets inside strings do not count.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class UnsafeJson(ValueError):
    """Too deep or too big to parse: answer 400."""


def depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in `body` (stops counting past MAX_DEPTH)."""
    level = deepest = 0
    for match in _TOKENS.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            level += 1
            if level > deepest:
                deepest = level
                if deepest > MAX_DEPTH:
                    return deepest
        elif token in (b"]", b"}"):
            level -= 1
    return deepest


def check(body: bytes, max_bytes: int, max_depth: int = MAX_DEPTH) -> None:
    if len(body) > max_bytes:
        raise UnsafeJson(f"body over {max_bytes} bytes")
    if depth(body) > max_depth:
        raise UnsafeJson(f"JSON nested deeper than {max_depth}")


def loads(body: bytes, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """json.loads after the checks; raises ValueError (UnsafeJson, or the parser's own)."""
    check(body, max_bytes, max_depth)
    return json.loads(body)
