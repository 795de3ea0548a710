"""`make -s route`: JSON lines {"text": ...} on stdin → one JSON line per input on stdout.

Every input line gets exactly one output line, in order; a bad line gets an `error` field.
Logs go to stderr; stdout carries nothing but the result lines.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import IO, Any

from bot.understanding.assess import Assessment, Assessor

log = logging.getLogger(__name__)

IN_FLIGHT = 4  # texts sent to the NLU before the oldest answer is written


class BadLine(ValueError):
    pass


def read_text(raw: bytes) -> str:
    """The `text` of one input line, or BadLine saying what is wrong with it."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadLine("line is not valid UTF-8") from None
    if not line.strip():
        raise BadLine("empty line")
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        raise BadLine("line is not JSON") from None
    if not isinstance(value, dict):
        raise BadLine('line is not a JSON object with a "text" field')
    text = value.get("text")
    if not isinstance(text, str):
        raise BadLine('no "text" string in the object')
    if not text.strip():
        raise BadLine("text is empty")
    return text


def result_line(text: str | None, assessment: Assessment | None, error: str | None) -> str:
    out: dict[str, Any] = {"text": text, "intent": None, "confidence": None}
    out |= {"action": None, "risk": None}
    if assessment is not None:
        verdict = assessment.triage
        out["intent"] = verdict.intent.value if verdict.intent else None
        out["confidence"] = round(verdict.confidence, 4)
        out["action"] = verdict.action.value
        out["risk"] = verdict.risk.value
        if not assessment.understanding.available:
            error = error or "NLU unavailable: decided by the safety screen alone"
    if error:
        out["error"] = error
    return json.dumps(out, ensure_ascii=False)


async def route_line(raw: bytes, assessor: Assessor, max_chars: int) -> str:
    try:
        text = read_text(raw.rstrip(b"\r\n"))
    except BadLine as bad:
        return result_line(None, None, str(bad))
    if len(text) > max_chars:
        # Too long for the model, but the safety screen still reads all of it.
        assessment = await assessor.assess(text, use_model=False)
        return result_line(text, assessment, f"text longer than {max_chars} characters")
    return result_line(text, await assessor.assess(text), None)


async def route_stream(
    read_line: Callable[[], Awaitable[bytes]],
    write: IO[str],
    assessor: Assessor,
    max_chars: int,
) -> int:
    """Routes every line until end of input; returns the number of lines answered.

    Up to IN_FLIGHT lines are being classified at once; answers are written in input order,
    each as soon as it and all before it are ready (so an interactive user sees it at once).
    """
    queue: asyncio.Queue[asyncio.Task[str] | None] = asyncio.Queue(maxsize=IN_FLIGHT)

    async def produce() -> None:
        try:
            while raw := await read_line():
                await queue.put(asyncio.create_task(route_line(raw, assessor, max_chars)))
        finally:
            await queue.put(None)

    producer = asyncio.create_task(produce())
    answered = 0
    while (task := await queue.get()) is not None:
        write.write(await task + "\n")
        write.flush()
        answered += 1
    await producer
    return answered
