"""`make -s route`: one JSON line out per line in, in order, nothing else on stdout."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.conftest import ROOT, free_port

CRISIS = "e ko muốn sống nữa, tối nay e sẽ uống hết vỉ thuốc 💊"


def route(lines: list[bytes], env: dict[str, str], command: list[str] | None = None) -> list[dict]:
    proc = subprocess.run(
        command or [sys.executable, "-m", "bot", "route"],
        input=b"".join(line + b"\n" for line in lines),
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=600,
        check=True,
    )
    out = proc.stdout.decode("utf-8").splitlines()
    return [json.loads(line) for line in out]  # every stdout line must be JSON


def text_line(text: str) -> bytes:
    return json.dumps({"text": text}, ensure_ascii=False).encode()


@pytest.fixture
def live(rasa_url: str, base_settings: Settings) -> dict[str, str]:
    token = base_settings.rasa_token.reveal()
    return {"RASA_URL": rasa_url, "NLU_AUTOSTART": "false", "RASA_TOKEN": token}


def test_answers_in_order_with_the_contract_fields(live: dict[str, str]) -> None:
    texts = ["chào bạn", CRISIS, "có ng lạ trên zalo rủ e đi làm việc nhẹ lương cao ở campuchia",
             "cảm ơn nhiều ạ", "cách bật xác thực 2 bước cho fb?"]  # fmt: skip
    results = route([text_line(t) for t in texts], live)
    assert [r["text"] for r in results] == texts
    for r in results:
        assert set(r) == {"text", "intent", "confidence", "action", "risk"}
        assert 0.0 <= r["confidence"] <= 1.0
    assert [r["action"] for r in results] == [
        "smalltalk", "urgent_handoff", "report", "smalltalk", "advice",
    ]  # fmt: skip
    assert results[1]["risk"] == "imminent"
    assert results[2]["intent"] == "report_trafficking"
    assert results[2]["risk"] == "high"


BAD_LINES = [
    (b"this is not json", "line is not JSON"),
    (b'{"message": "no text here"}', 'no "text" string in the object'),
    (b'{"text": 42}', 'no "text" string in the object'),
    (b'["text"]', 'line is not a JSON object with a "text" field'),
    (b'{"text": "   "}', "text is empty"),
    (b"", "empty line"),
    (b'{"text": "ch\xe0o"}', "line is not valid UTF-8"),
]


def test_every_bad_line_gets_an_error_line_and_nothing_is_skipped(live: dict[str, str]) -> None:
    lines = [text_line("xin chào")]
    for raw, _ in BAD_LINES:
        lines += [raw, text_line("cảm ơn")]
    results = route(lines, live)
    assert len(results) == len(lines)
    assert results[0]["intent"] == "greet"
    for index, (_, error) in enumerate(BAD_LINES):
        bad, after = results[1 + 2 * index], results[2 + 2 * index]
        assert bad["error"] == error
        assert bad["action"] is None
        assert bad["intent"] is None
        assert after["intent"] == "thank"
        assert "error" not in after


def test_a_huge_text_is_refused_by_the_model_but_still_screened(live: dict[str, str]) -> None:
    filler = "blah " * 20_000  # 100 KB
    results = route([text_line(filler), text_line(filler + CRISIS), text_line("hi")], live)
    assert [r["error"] for r in results[:2]] == ["text longer than 5000 characters"] * 2
    assert results[0]["action"] == "fallback"
    assert results[1]["action"] == "urgent_handoff"  # the screen read all of it
    assert results[2]["intent"] == "greet"


def test_rasa_down_the_screen_still_decides() -> None:
    down = {"RASA_URL": f"http://127.0.0.1:{free_port()}", "NLU_AUTOSTART": "false"}
    results = route([text_line(CRISIS), text_line("chào bạn")], down)
    assert [r["action"] for r in results] == ["urgent_handoff", "fallback"]
    assert results[0]["risk"] == "imminent"
    assert all(r["intent"] is None for r in results)
    assert all(r["error"].startswith("NLU unavailable") for r in results)


def test_a_failed_start_of_the_nlu_is_not_a_crash(tmp_path: Path) -> None:
    missing = {
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "NLU_MODEL": str(tmp_path / "no-model.tar.gz"),
    }
    results = route([text_line("e muon tu tu")], missing)
    assert results[0]["action"] == "urgent_handoff"


def test_make_route_prints_only_json(live: dict[str, str]) -> None:
    results = route([text_line("alo"), b"oops"], live, ["make", "-s", "route"])
    assert results[0]["intent"] == "greet"
    assert results[1]["error"] == "line is not JSON"


def test_route_starts_and_stops_its_own_nlu_server() -> None:
    port = free_port()
    results = route([text_line("cảm ơn bạn")], {"RASA_URL": f"http://127.0.0.1:{port}"})
    assert results[0]["intent"] == "thank"
    with pytest.raises(ConnectionRefusedError):  # what it started, it stopped
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
