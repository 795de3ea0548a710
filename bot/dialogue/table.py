"""The conversation as one table: (state, trigger) → what the bot says, the next state, effects.

Read it top to bottom. For a state and a trigger the first row found wins: (state, trigger),
then (state, `*`), then (`*`, trigger), then the fallback. Keys name texts in
content/vi/*.yml; `{category}`, `{topic}` and `{platform}` are
filled from the conversation's slots. Button sets are named in `buttons.py`.

Triggers come from three places, all named here: the person (the safe word, a crisis, media,
a follow or unfollow, a button or a typed answer that matches an offered button — its payload
is the trigger —, the action of TAXONOMY.md for free text, and `text` for free text in a state
that is waiting for it), the platform (a person answered in the platform's own tool), and the
console (a counselor joined, passed the conversation on, put it back in the queue, released
or closed it). The few rules that read the conversation's marks are rows too: `AGAIN`.
"""

from dataclasses import dataclass
from enum import StrEnum

from bot.dialogue.effects import Do, Priority, Queue, Spec


class State(StrEnum):
    NEW = "new"  # nothing said yet
    AUDIENCE = "audience"  # asked: child or parent?
    AGE = "age"  # asked: age band (children)
    IDLE = "idle"
    CHECK = "check"  # report: "did I understand you?"
    WHAT = "what"  # report: what happened?
    PLATFORM = "platform"  # report: on which app?
    ONGOING = "ongoing"  # report: still happening?
    ADVICE = "advice"  # advice topics offered
    CHECK_IN = "check_in"  # distress: asked "are you thinking of hurting yourself?"
    WAITING = "waiting"  # in the counselor queue: quiet but for the safe word and notices
    COUNSELOR = "counselor"  # a counselor talks with the person: the bot only relays
    CLOSED = "closed"  # a counselor closed the conversation; anything starts afresh


ANY = "*"  # in a row's state or trigger: any


class Trigger(StrEnum):
    """The triggers the engine makes. Button payloads ("CHECK_YES", "PLATFORM", ...) are
    triggers too, as they are; free text in a known state becomes the action's name
    ("advice", "handoff", "check_in", "fallback"), "info:<intent>" or "smalltalk:<intent>"."""

    SAFE_WORD = "safe_word"
    CRISIS = "crisis"
    CRISIS_AGAIN = "crisis_again"  # a crisis after the numbers were given: the safety script
    CRISIS_MORE = "crisis_more"  # and after the script: short company
    WORDS_IN_CRISIS = "words_in_crisis"  # other words while waiting after a crisis
    MEDIA = "media"
    START = "start"  # followed, or pressed "Get started"
    STOP = "stop"  # unfollowed
    HUMAN_REPLY = "human_reply"  # a person of the page answered in the platform's own tool
    GREETING = "greeting"  # a first "chào"
    SAD_EMOJI = "sad_emoji"
    UNANSWERED = "unanswered"  # text that answers nothing where a question was asked
    UNANSWERED_AGAIN = "unanswered_again"
    TEXT = "text"  # free text where the bot waits for it
    TEXT_WITH_PLATFORM = "text_with_platform"
    REPORT = "report"
    REPORT_HIGH = "report_high"
    ADVICE_TOPIC = "advice_topic"
    FALLBACK = "fallback"
    # the console's moves
    JOINED = "joined"  # a counselor took the conversation
    PASSED_ON = "passed_on"  # to another counselor
    REQUEUED = "requeued"  # back to the queue
    RELEASED = "released"  # back to the bot
    CLOSED = "closed"  # the counselor closed the case


# Moves the console makes (the handoff service feeds them to the engine).
MOVES = frozenset(
    {Trigger.JOINED, Trigger.PASSED_ON, Trigger.REQUEUED, Trigger.RELEASED, Trigger.CLOSED}
)
# Triggers no state's `*` row swallows: they are looked up as (state, trigger), then
# (`*`, trigger). (A person's other words while waiting are relayed by ("waiting", `*`).)
EVERYWHERE = MOVES | {Trigger.STOP, Trigger.HUMAN_REPLY}
# The first reply of a conversation says who is answering, unless the trigger's own reply
# does or cannot wait.
DISCLOSURE = "replies.welcome"
OPENERS = frozenset({Trigger.SAFE_WORD, Trigger.CRISIS, Trigger.START, Trigger.GREETING})
# While a person answers in the platform's own tool, the bot says nothing but to these.
PAUSE_PASSES = frozenset({Trigger.SAFE_WORD, Trigger.CRISIS})
PAUSE_AFTER_HUMAN_MS = 30 * 60 * 1000
# Marks a step leaves on the conversation. A handoff mark lasts until the conversation leaves
# the queue and the counselor; a turn mark only until the next turn.
URGENT_GIVEN = "urgent_given"  # the emergency numbers were given in this handoff
SCRIPT_GIVEN = "script_given"  # and the safety script
COMPANY_GIVEN = "company_given"  # words that are no crisis, after one, got company
REASKED = "reasked"  # the current question was asked once more
HANDOFF_MARKS = frozenset({URGENT_GIVEN, SCRIPT_GIVEN, COMPANY_GIVEN})
TURN_MARKS = frozenset({REASKED})


@dataclass(frozen=True, slots=True)
class Say:
    key: str
    buttons: str = ""  # a named set in BUTTONS
    only: str = ""  # said only to this audience ("parent")
    when: str = ""  # "high": only for a high-priority report; "normal": only for the others
    unless: str = ""  # said only when this slot names nothing the catalogue knows ("platform")


@dataclass(frozen=True, slots=True)
class Step:
    say: tuple[Say, ...]
    to: State | None = None  # None: stay where we are
    # Do.CASE (open or update the case), Do.RELAY (the person's words go to the console),
    # Do.LEAVE (out of the queue), Do.CHECK_IN (steady company until a counselor joins),
    # Do.ALERT (alert the counselor's desk), Do.FORGET (delete the conversation), and Queue
    # (join or move up in the counselor queue). Joining the queue moves to WAITING.
    effects: tuple[Spec, ...] = ()
    marks: tuple[str, ...] = ()  # marks this step leaves (URGENT_GIVEN, ...)
    drops: tuple[str, ...] = ()  # slots this step forgets ("handoff_id", "case_id")
    pause: bool = False  # the bot keeps quiet for PAUSE_AFTER_HUMAN_MS


@dataclass(frozen=True, slots=True)
class Again:
    """A trigger read in context: in `state`, `trigger` becomes `becomes` when the
    conversation carries `mark`. The first matching row wins."""

    state: str
    trigger: str  # ANY: any trigger the state has no row of its own for
    mark: str
    becomes: Trigger
    unless: str = ""  # not when the conversation carries this mark too


AGAIN: tuple[Again, ...] = (
    # Never silent in a crisis while waiting: the numbers, then a safety script, then company.
    Again(State.WAITING, Trigger.CRISIS, SCRIPT_GIVEN, Trigger.CRISIS_MORE),
    Again(State.WAITING, Trigger.CRISIS, URGENT_GIVEN, Trigger.CRISIS_AGAIN),
    # "có ai không" after a crisis while waiting: company once; later words wait for the
    # counselor (and the check-ins), so a child who writes a lot is never flooded.
    Again(State.WAITING, ANY, URGENT_GIVEN, Trigger.WORDS_IN_CRISIS, unless=COMPANY_GIVEN),
    # With a counselor: told once that the counselor was alerted, then the counselor answers.
    Again(State.COUNSELOR, Trigger.CRISIS, URGENT_GIVEN, Trigger.CRISIS_MORE),
    # A question asked once more and still not answered: the flow goes on.
    Again(ANY, Trigger.UNANSWERED, REASKED, Trigger.UNANSWERED_AGAIN),
)

S = Say
# The end of a report, at most three messages on a phone: evidence, the category's next steps
# and the way to a counselor; the app's reporting steps and, for a parent, how to talk with
# the child, behind buttons. A high-priority report is queued at once (the queue's notice is
# the third message), its evidence advice behind a button.
EVIDENCE_AND_NEXT = (
    S("reports.common.evidence", when="normal"),
    S("reports.categories.{category}.next"),
    S("reports.common.offer_counselor", "after_report", when="normal"),
    S("reports.common.queued_high", "after_report_high", when="high"),
)
HOW_TO_REPORT = (
    S("platforms.platforms.{platform}.report", "after_steps"),
    S("reports.common.report_where", "after_steps", unless="platform"),
)

IMMINENT = Queue(Priority.IMMINENT)
TO_QUEUE = (Queue(), Do.CASE)  # at the report's own priority
IF_HIGH = Queue(only_high=True)  # only a high-priority report is queued unasked
RAISE = Queue(Priority.IMMINENT, quiet=True)  # to the head, without the queue's notice
URGENT = (IMMINENT, Do.CASE, Do.CHECK_IN)
RELAY_URGENT = (Do.RELAY, IMMINENT, Do.CHECK_IN)
WITH_COUNSELOR_URGENT = (Do.RELAY, Do.ALERT, Do.CHECK_IN)
HANDOFF_SLOTS = ("handoff_id", "case_id")  # forgotten when the counselor is done

TABLE: dict[tuple[str, str], Step] = {
    # --- always, from any state ---------------------------------------------------------
    ("*", "safe_word"): Step(
        (S("replies.safe_word"),), State.WAITING, URGENT, marks=(URGENT_GIVEN,)
    ),
    ("*", "crisis"): Step(
        (S("replies.urgent_handoff"),), State.WAITING, URGENT, marks=(URGENT_GIVEN,)
    ),
    ("*", "stop"): Step((), State.NEW, (Do.FORGET,)),  # unfollowed: forget the conversation
    ("*", "human_reply"): Step((), pause=True),  # a person answers in the platform's tool
    ("*", "media"): Step((S("replies.media", "counselor"),)),
    ("*", "start"): Step(
        (S(DISCLOSURE, "menu"), S("onboarding.ask_audience", "audience")), State.AUDIENCE
    ),
    ("*", "COUNSELOR"): Step((S("replies.handoff"),), State.WAITING, TO_QUEUE),
    ("*", "handoff"): Step((S("replies.handoff"),), State.WAITING, TO_QUEUE),
    ("*", "DELETE_CHAT"): Step((S("reports.common.delete_conversation", "menu"),), State.IDLE),
    ("*", "MENU"): Step((S("replies.smalltalk", "menu"),), State.IDLE),
    # --- onboarding: asked once, never in the way ---------------------------------------
    ("new", "greeting"): Step(
        (S(DISCLOSURE, "menu"), S("onboarding.ask_audience", "audience")), State.AUDIENCE
    ),
    ("audience", "smalltalk:greet"): Step((S("onboarding.ask_audience", "audience"),)),
    ("*", "AUDIENCE_CHILD"): Step((S("onboarding.ask_age", "age"),), State.AGE),
    ("*", "AUDIENCE_PARENT"): Step((S("onboarding.ready", "menu"),), State.IDLE),
    ("*", "AGE"): Step((S("onboarding.ready", "menu"),), State.IDLE),
    # --- reports: check, then what, where, still happening, then evidence and next steps --
    ("*", "report"): Step(
        (S("reports.categories.{category}.ack"), S("reports.common.check_question", "check")),
        State.CHECK,
    ),
    ("*", "report_high"): Step(
        (S("reports.categories.{category}.ack"), S("reports.common.check_question", "check")),
        State.CHECK,
        (Do.CASE,),
    ),  # fmt: skip
    ("check", "CHECK_YES"): Step(
        (S("reports.common.ask_what", "counselor"),), State.WHAT, (Do.CASE,)
    ),
    ("check", "CHECK_NO"): Step((S("reports.common.not_understood", "menu"),), State.IDLE),
    # A typed text that answers nothing, or an old button tapped again: the question once more,
    # then the flow goes on (it never silently drops the report).
    ("check", "unanswered"): Step(
        (S("reports.common.reask"), S("reports.common.check_question", "check")), marks=(REASKED,)
    ),
    ("check", "unanswered_again"): Step(
        (S("reports.common.ask_what", "counselor"),), State.WHAT, (Do.CASE,)
    ),
    ("what", "unanswered"): Step((S("reports.common.ask_what", "counselor"),), marks=(REASKED,)),
    ("what", "unanswered_again"): Step((S("reports.common.ask_what", "counselor"),)),
    ("platform", "unanswered"): Step(
        (S("reports.common.ask_platform", "platforms"),), marks=(REASKED,)
    ),
    ("platform", "unanswered_again"): Step(
        (S("reports.common.ask_ongoing", "ongoing"),), State.ONGOING, (Do.CASE,)
    ),
    ("ongoing", "unanswered"): Step(
        (S("reports.common.reask"), S("reports.common.ask_ongoing", "ongoing")), marks=(REASKED,)
    ),
    ("ongoing", "unanswered_again"): Step(EVIDENCE_AND_NEXT, State.IDLE, (Do.CASE, IF_HIGH)),
    ("*", "REPORT"): Step((S("reports.common.ask_what", "counselor"),), State.WHAT),
    ("*", "TELL_MORE"): Step((S("reports.common.ask_what", "counselor"),), State.WHAT),
    ("what", "text"): Step(
        (S("reports.common.ask_platform", "platforms"),), State.PLATFORM, (Do.CASE,)
    ),
    ("what", "text_with_platform"): Step(
        (S("reports.common.ask_ongoing", "ongoing"),), State.ONGOING, (Do.CASE,)
    ),
    ("platform", "PLATFORM"): Step(
        (S("reports.common.ask_ongoing", "ongoing"),), State.ONGOING, (Do.CASE,)
    ),
    ("platform", "text"): Step(
        (S("reports.common.ask_ongoing", "ongoing"),), State.ONGOING, (Do.CASE,)
    ),
    # The end of a report: a high-priority one (sexual abuse, grooming, trafficking) is queued
    # for a counselor at once; the others are offered one.
    ("ongoing", "ONGOING_YES"): Step(EVIDENCE_AND_NEXT, State.IDLE, (Do.CASE, IF_HIGH)),
    ("ongoing", "ONGOING_NO"): Step(EVIDENCE_AND_NEXT, State.IDLE, (Do.CASE, IF_HIGH)),
    # --- distress that may hide a crisis: one gentle question, the numbers visible ---------
    # "Có" is a crisis (the engine reads it as one); "Không" gets an open door.
    ("*", "check_in"): Step((S("replies.check_in", "check_in"),), State.CHECK_IN),
    ("check_in", "check_in"): Step((S("replies.check_in_again", "check_in"),)),
    ("check_in", "unanswered"): Step((S("replies.check_in_again", "check_in"),), marks=(REASKED,)),
    ("check_in", "unanswered_again"): Step((S("replies.check_in_no", "menu"),), State.IDLE),
    ("check_in", "CHECK_IN_NO"): Step((S("replies.check_in_no", "menu"),), State.IDLE),
    # --- behind the buttons at the end of a report (also while waiting for a counselor) ---
    ("*", "HOW_TO_REPORT"): Step(HOW_TO_REPORT),
    ("*", "EVIDENCE"): Step((S("reports.common.evidence", "after_steps"),)),
    ("*", "PARENT_TALK"): Step((S("reports.categories.{category}.parent_talk", "after_steps"),)),
    ("waiting", "HOW_TO_REPORT"): Step(HOW_TO_REPORT, effects=(Do.RELAY,)),
    ("waiting", "EVIDENCE"): Step((S("reports.common.evidence", "waiting"),), effects=(Do.RELAY,)),
    ("waiting", "PARENT_TALK"): Step(
        (S("reports.categories.{category}.parent_talk", "waiting"),), effects=(Do.RELAY,)
    ),
    # --- advice -------------------------------------------------------------------------
    ("*", "advice"): Step((S("advice.menu_text", "topics"),), State.ADVICE),
    ("*", "ADVICE"): Step((S("advice.menu_text", "topics"),), State.ADVICE),
    ("*", "advice_topic"): Step((S("advice.topics.{topic}", "after_advice"),), State.IDLE),
    # --- answers and small talk ---------------------------------------------------------
    ("*", "info:ask_hotline_info"): Step((S("info.hotline", "menu"),), State.IDLE),
    ("*", "info:ask_confidentiality"): Step((S("info.confidentiality", "delete"),), State.IDLE),
    ("*", "info:bot_challenge"): Step((S("info.bot", "menu"),), State.IDLE),
    ("*", "smalltalk:greet"): Step((S("smalltalk.greet", "menu"),), State.IDLE),
    ("*", "smalltalk:goodbye"): Step((S("smalltalk.goodbye"),), State.IDLE),
    ("*", "smalltalk:thank"): Step((S("smalltalk.thank", "menu"),), State.IDLE),
    ("*", "smalltalk:affirm"): Step((S("smalltalk.affirm", "menu"),), State.IDLE),
    ("*", "smalltalk:deny"): Step((S("smalltalk.deny", "menu"),), State.IDLE),
    ("*", "fallback"): Step((S("replies.fallback", "menu"),), State.IDLE),
    ("*", "sad_emoji"): Step((S("replies.invite_to_talk", "menu"),), State.IDLE),
    # --- waiting for a counselor: quiet; the person's words wait for the counselor --------
    ("waiting", "*"): Step((), effects=(Do.RELAY,)),
    ("waiting", "safe_word"): Step(
        (S("replies.safe_word", "waiting"),), effects=RELAY_URGENT, marks=(URGENT_GIVEN,)
    ),
    ("waiting", "crisis"): Step(
        (S("replies.urgent_handoff", "waiting"),), effects=RELAY_URGENT, marks=(URGENT_GIVEN,)
    ),
    # Never silent in a crisis: the numbers were given, so a short safety script, then company.
    ("waiting", "crisis_again"): Step(
        (S("replies.safety_script", "safety"),),
        effects=(Do.RELAY, RAISE, Do.CHECK_IN),
        marks=(SCRIPT_GIVEN,),
    ),
    ("waiting", "words_in_crisis"): Step(
        (S("replies.stay_with_you", "waiting"),), effects=(Do.RELAY,), marks=(COMPANY_GIVEN,)
    ),
    ("waiting", "crisis_more"): Step(
        (S("replies.stay_with_you", "safety"),), effects=(Do.RELAY, RAISE, Do.CHECK_IN)
    ),
    ("waiting", "NOT_SAFE"): Step((S("replies.not_safe", "waiting"),), effects=(Do.RELAY, RAISE)),
    ("waiting", "SAFE_NOW"): Step((S("replies.safe_now", "waiting"),), effects=(Do.RELAY,)),
    ("waiting", "media"): Step((S("replies.media"),), effects=(Do.RELAY,)),
    ("waiting", "COUNSELOR"): Step((), effects=(Queue(asked=True),)),  # where am I now?
    ("waiting", "LEAVE_QUEUE"): Step((S("handoff.left", "menu"),), State.IDLE, (Do.LEAVE,)),
    ("waiting", "DELETE_CHAT"): Step((S("reports.common.delete_conversation"),)),
    # --- with a counselor: the bot relays, silent but for a crisis, the safe word, media ---
    # A crisis alerts the counselor's desk and is answered at once the first time; if the
    # counselor has said nothing a minute later, the bot checks in (Do.CHECK_IN).
    ("counselor", "*"): Step((), effects=(Do.RELAY,)),
    ("counselor", "safe_word"): Step(
        (S("replies.safe_word"),), effects=WITH_COUNSELOR_URGENT, marks=(URGENT_GIVEN,)
    ),
    ("counselor", "crisis"): Step(
        (S("replies.counselor_alerted"),), effects=WITH_COUNSELOR_URGENT, marks=(URGENT_GIVEN,)
    ),
    ("counselor", "crisis_more"): Step((), effects=WITH_COUNSELOR_URGENT),
    ("counselor", "NOT_SAFE"): Step((S("replies.not_safe"),), effects=(Do.RELAY, Do.ALERT)),
    ("counselor", "SAFE_NOW"): Step((), effects=(Do.RELAY,)),
    ("counselor", "media"): Step((S("replies.media"),), effects=(Do.RELAY,)),
    # --- the console's moves --------------------------------------------------------------
    ("*", "joined"): Step((S("handoff.joined"),), State.COUNSELOR),
    ("*", "passed_on"): Step((S("handoff.passed_on"),), State.COUNSELOR),
    ("*", "requeued"): Step((S("handoff.transferred"),), State.WAITING),
    ("*", "released"): Step((S("handoff.released"),), State.IDLE, drops=HANDOFF_SLOTS),
    ("*", "closed"): Step((S("handoff.closed"),), State.CLOSED, drops=HANDOFF_SLOTS),
}
