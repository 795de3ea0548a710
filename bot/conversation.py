"""An understood event → the dialogue engine → the messages to send, rendered from content.

No I/O: the pipeline around it loads and saves; this only computes.
"""

from dataclasses import replace

from bot.channels.base import EventKind, IncomingEvent, OutgoingMessage
from bot.content import Content
from bot.dialogue.buttons import BUTTONS, QUESTIONS
from bot.dialogue.catalogue import Finder
from bot.dialogue.effects import Effect
from bot.dialogue.engine import Reply, Turn, decide
from bot.store.sessions import Session
from bot.understanding.assess import Assessment
from nlu.components.normaliser import Normaliser


class Conversation:
    def __init__(self, content: Content, normaliser: Normaliser) -> None:
        self._content = content
        self._normaliser = normaliser
        self._finder = Finder(content, normaliser)

    def respond(
        self, session: Session, event: IncomingEvent, assessment: Assessment | None
    ) -> tuple[list[OutgoingMessage], tuple[Effect, ...], Session]:
        decision = decide(session, self.turn(event, assessment, session), self._finder.catalogue)
        audience = decision.session.audience
        messages = [self.render(reply, audience) for reply in decision.replies]
        after = self.offer(decision.session, messages[-1] if messages else None)
        if not messages and decision.session.state in ("waiting", "counselor"):
            after = decision.session  # a silent turn keeps the buttons offered before
        return messages, decision.effects, after

    def offer(self, session: Session, last: OutgoingMessage | None) -> Session:
        """The buttons of the last message, remembered so a typed answer can match them."""
        buttons = last.buttons if last else ()
        offered = [[self._normaliser.plain(button.title), button.payload] for button in buttons]
        titles = [[button.title, button.payload] for button in buttons]
        return session.with_(slots={**session.slots, "offered": offered, "offered_titles": titles})

    def chosen(self, before: Session, payload: str) -> str:
        """The button the person tapped, in brackets, with the title they saw: from the
        buttons they were offered, else from the table's button sets."""
        shown = dict((str(p), str(t)) for t, p in before.slots.get("offered_titles") or [])
        title = shown.get(payload) or next(
            (t for pairs in BUTTONS.values() for t, p in pairs if p == payload), ""
        )
        if title and self._content.has(title):
            title = self._content.text(title, before.audience)
        return f"[{title or payload}]"

    def text(self, key: str) -> str:
        return self._content.text(key)

    def turn(
        self, event: IncomingEvent, assessment: Assessment | None, session: Session | None = None
    ) -> Turn:
        plain = self._normaliser.plain(event.text) if event.kind is EventKind.TEXT else ""
        verdict = assessment.triage if assessment else None
        entity = assessment.understanding.entity("platform") if assessment else None
        return Turn(
            kind=event.kind,
            now_ms=event.timestamp_ms,
            text=event.text,
            plain=plain,
            payload=event.payload,
            action=verdict.action if verdict else None,
            intent=verdict.intent if verdict else None,
            platform=self._finder.platform(plain, entity) if plain else "",
            topic=self._finder.topic(plain) if plain else "",
            answer=self._answer(session, plain),
            audience=self._audience(plain),
            sad=event.kind is EventKind.TEXT and self._finder.only_sad_emoji(event.text),
            age_band=self._finder.age_band(plain) if plain else "",
        )

    def _audience(self, plain: str) -> str:
        found = self._finder.answer("audience", plain) if plain else ""
        return {"AUDIENCE_PARENT": "parent", "AUDIENCE_CHILD": "child"}.get(found, "")

    def _answer(self, session: Session | None, plain: str) -> str:
        question = QUESTIONS.get(session.state, "") if session and plain else ""
        return self._finder.answer(question, plain) if question else ""

    def render(self, reply: Reply, audience: str) -> OutgoingMessage:
        params = dict(reply.params)
        label_key = params.pop("label_key", "")
        if label_key and self._content.has(label_key):
            params["label"] = self._content.text(label_key)
        if not params.get("platform"):
            params.pop("platform", None)
        return self._content.message(reply.key, audience, params, reply.buttons)


MAX_BUTTONS = 5  # on a phone; Messenger's quick replies show only under the last message


def buttons_last(messages: list[OutgoingMessage]) -> list[OutgoingMessage]:
    """The queue's notice comes last, and a platform shows only the last message's buttons:
    the buttons the turn offered before it ("Giữ bằng chứng", "Cách báo cáo") move onto the
    notice, ahead of its own, so they are not lost."""
    *before, notice = messages
    if not before or not before[-1].buttons:
        return messages
    offered = before[-1].buttons
    payloads = {button.payload for button in offered}
    kept = list(offered) + [b for b in notice.buttons if b.payload not in payloads]
    last = replace(notice, buttons=tuple(kept[:MAX_BUTTONS]))
    return [*before[:-1], replace(before[-1], buttons=()), last]
