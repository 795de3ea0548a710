"""Property-based tests (hypothesis): the webhook parsers and the normaliser on random and
malformed input. A parser either returns events or raises BadPayload (the webhook's 400);
nothing else ever escapes, and the normaliser never fails and keeps its offsets."""

import json
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.base import BadPayload, EventKind, IncomingEvent
from bot.channels.messenger import MessengerAdapter
from bot.channels.webchat import WebChatAdapter
from bot.channels.zalo import ZaloAdapter
from bot.settings import Secret, Settings
from nlu.components.normaliser import Normaliser

SETTINGS = replace(
    Settings.from_env({}),
    messenger_app_secret=Secret("s"), messenger_verify_token=Secret("v"),
    messenger_page_access_token=Secret("t"), zalo_app_id="1", zalo_app_secret=Secret("s"),
    zalo_oa_secret_key=Secret("k"), zalo_access_token=Secret("a"), zalo_refresh_token=Secret("r"),
)  # fmt: skip
MESSENGER = MessengerAdapter(SETTINGS, None)  # type: ignore[arg-type]  # parse needs no HTTP
ZALO = ZaloAdapter(SETTINGS, None, None)  # type: ignore[arg-type]
WEBCHAT = WebChatAdapter(None, True, 60)  # type: ignore[arg-type]
NORMALISER = Normaliser.from_content()
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)
# Bodies shaped like the platforms' own, with any value anywhere.
messaging = st.fixed_dictionaries(
    {"sender": st.fixed_dictionaries({"id": scalars}), "timestamp": scalars},
    optional={
        "message": st.dictionaries(
            st.sampled_from(["mid", "text", "quick_reply", "attachments", "is_echo"]), json_values
        ),
        "postback": st.dictionaries(st.sampled_from(["mid", "payload", "title"]), json_values),
        "take_thread_control": json_values, "read": json_values, "recipient": json_values,
    },
)  # fmt: skip
entries = st.fixed_dictionaries({"id": scalars, "messaging": st.lists(messaging, max_size=3)})
messenger_bodies = st.fixed_dictionaries(
    {"object": st.sampled_from(["page", "user", 1, None]),
     "entry": st.lists(entries, max_size=3) | json_values},
)  # fmt: skip
zalo_bodies = st.fixed_dictionaries(
    {"event_name": st.sampled_from(["user_send_text", "user_send_image", "follow", "unfollow",
                                    "oa_send_text", "user_submit_info", "anything"]) | scalars,
     "app_id": scalars, "timestamp": scalars, "sender": json_values, "recipient": json_values},
    optional={"message": st.dictionaries(st.sampled_from(["msg_id", "text", "attachments"]),
                                         json_values), "follower": json_values},
)  # fmt: skip


def check(parse: Any, body: bytes) -> None:
    try:
        events = parse(body)
    except BadPayload:
        return
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, IncomingEvent)
        assert isinstance(event.kind, EventKind)
        IncomingEvent.from_json(event.to_json())  # every event can be stored and read back


def encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_never_break_a_parser(body: bytes) -> None:
    for parse in (MESSENGER.parse, ZALO.parse, WEBCHAT.parse):
        check(parse, body)


@FUZZ
@given(json_values)
def test_any_json_never_breaks_a_parser(value: Any) -> None:
    for parse in (MESSENGER.parse, ZALO.parse, WEBCHAT.parse):
        check(parse, encode(value))


@FUZZ
@given(messenger_bodies)
def test_messenger_shaped_bodies(value: Any) -> None:
    check(MESSENGER.parse, encode(value))


@FUZZ
@given(zalo_bodies)
def test_zalo_shaped_bodies(value: Any) -> None:
    check(ZALO.parse, encode(value))


@FUZZ
@given(st.text(max_size=400))
def test_the_normaliser_never_fails_and_keeps_offsets(text: str) -> None:
    words = NORMALISER.words(text)
    for word in words:
        assert 0 <= word.start < word.end <= len(text)
        assert word.plain == word.plain.lower()
    assert NORMALISER.plain(text) == " ".join(w.plain for w in words)
