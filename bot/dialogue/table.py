"""The conversation as one table: (state, trigger) → what the bot says, the next state, effects.

Read it top to bottom. For a state and a trigger the first row found wins: (state, trigger),
then (state, `*`), then (`*`, trigger), then the fallback. Keys name texts in
content/vi/*.yml; `{category}`, `{topic}` and `{platform}` are
filled from the conversation's slots. Button sets are named at the bottom.

Triggers come from the engine: the safe word, a crisis, media, a button (or a typed answer
that matches an offered button), the action of TAXONOMY.md for free text, and `text` for free
text in a state that is waiting for it.
"""

from dataclasses import dataclass
from enum import StrEnum


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
    # "handoff:<priority>" (join the counselor queue; `{priority}`: the report's), "case"
    # (open or update the case), "relay" (the person's words go to the console), "leave"
    # (out of the queue), "raise:<priority>" (move up in the queue without a notice),
    # "where:<priority>" (asked where they are: the notice even when it says nothing new),
    # "check_in" (a crisis while waiting: steady company until a counselor joins).
    # Joining the queue always moves the conversation to WAITING.
    effects: tuple[str, ...] = ()


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

HEAD_OF_QUEUE = ("handoff:imminent", "case")
TO_QUEUE = ("handoff:{priority}", "case")
RELAY_TO_HEAD = ("relay", "handoff:imminent")

TABLE: dict[tuple[str, str], Step] = {
    # --- always, from any state ---------------------------------------------------------
    ("*", "safe_word"): Step(
        (S("replies.safe_word"),), State.WAITING, ("handoff:imminent", "case", "check_in")
    ),
    ("*", "crisis"): Step(
        (S("replies.urgent_handoff"),), State.WAITING, ("handoff:imminent", "case", "check_in")
    ),
    ("*", "media"): Step((S("replies.media", "counselor"),)),
    ("*", "start"): Step(
        (S("replies.welcome"), S("onboarding.ask_audience", "audience")), State.AUDIENCE
    ),
    ("*", "COUNSELOR"): Step(
        (S("replies.handoff"),), State.WAITING, ("handoff:{priority}", "case")
    ),
    ("*", "handoff"): Step((S("replies.handoff"),), State.WAITING, ("handoff:{priority}", "case")),
    ("*", "DELETE_CHAT"): Step((S("reports.common.delete_conversation", "menu"),), State.IDLE),
    ("*", "MENU"): Step((S("replies.smalltalk", "menu"),), State.IDLE),
    # --- onboarding: asked once, never in the way ---------------------------------------
    ("new", "greeting"): Step(
        (S("replies.welcome"), S("onboarding.ask_audience", "audience")), State.AUDIENCE
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
        ("case",),
    ),  # fmt: skip
    ("check", "CHECK_YES"): Step(
        (S("reports.common.ask_what", "counselor"),), State.WHAT, ("case",)
    ),
    ("check", "CHECK_NO"): Step((S("reports.common.not_understood", "menu"),), State.IDLE),
    # A typed text that answers nothing, or an old button tapped again: the question once more,
    # then the flow goes on (it never silently drops the report).
    ("check", "unanswered"): Step(
        (S("reports.common.reask"), S("reports.common.check_question", "check"))
    ),
    ("check", "unanswered_again"): Step(
        (S("reports.common.ask_what", "counselor"),), State.WHAT, ("case",)
    ),
    ("what", "unanswered"): Step((S("reports.common.ask_what", "counselor"),)),
    ("platform", "unanswered"): Step((S("reports.common.ask_platform", "platforms"),)),
    ("ongoing", "unanswered"): Step(
        (S("reports.common.reask"), S("reports.common.ask_ongoing", "ongoing"))
    ),
    ("ongoing", "unanswered_again"): Step(
        EVIDENCE_AND_NEXT, State.IDLE, ("case", "handoff:high?")
    ),
    ("*", "REPORT"): Step((S("reports.common.ask_what", "counselor"),), State.WHAT),
    ("*", "TELL_MORE"): Step((S("reports.common.ask_what", "counselor"),), State.WHAT),
    ("what", "text"): Step(
        (S("reports.common.ask_platform", "platforms"),), State.PLATFORM, ("case",)
    ),
    ("what", "text_with_platform"): Step(
        (S("reports.common.ask_ongoing", "ongoing"),), State.ONGOING, ("case",)
    ),
    ("platform", "PLATFORM"): Step(
        (S("reports.common.ask_ongoing", "ongoing"),), State.ONGOING, ("case",)
    ),
    ("platform", "text"): Step(
        (S("reports.common.ask_ongoing", "ongoing"),), State.ONGOING, ("case",)
    ),
    # The end of a report: a high-priority one (sexual abuse, grooming, trafficking) is queued
    # for a counselor at once; the others are offered one.
    ("ongoing", "ONGOING_YES"): Step(EVIDENCE_AND_NEXT, State.IDLE, ("case", "handoff:high?")),
    ("ongoing", "ONGOING_NO"): Step(EVIDENCE_AND_NEXT, State.IDLE, ("case", "handoff:high?")),
    # --- distress that may hide a crisis: one gentle question, the numbers visible ---------
    # "Có" is a crisis (the engine reads it as one); "Không" gets an open door.
    ("*", "check_in"): Step((S("replies.check_in", "check_in"),), State.CHECK_IN),
    ("check_in", "check_in"): Step((S("replies.check_in_again", "check_in"),)),
    ("check_in", "unanswered"): Step((S("replies.check_in_again", "check_in"),)),
    ("check_in", "unanswered_again"): Step((S("replies.check_in_no", "menu"),), State.IDLE),
    ("check_in", "CHECK_IN_NO"): Step((S("replies.check_in_no", "menu"),), State.IDLE),
    # --- behind the buttons at the end of a report (also while waiting for a counselor) ---
    ("*", "HOW_TO_REPORT"): Step(HOW_TO_REPORT),
    ("*", "EVIDENCE"): Step((S("reports.common.evidence", "after_steps"),)),
    ("*", "PARENT_TALK"): Step((S("reports.categories.{category}.parent_talk", "after_steps"),)),
    ("waiting", "HOW_TO_REPORT"): Step(HOW_TO_REPORT, effects=("relay",)),
    ("waiting", "EVIDENCE"): Step((S("reports.common.evidence", "waiting"),), effects=("relay",)),
    ("waiting", "PARENT_TALK"): Step(
        (S("reports.categories.{category}.parent_talk", "waiting"),), effects=("relay",)
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
    ("waiting", "*"): Step((), effects=("relay",)),
    ("waiting", "safe_word"): Step(
        (S("replies.safe_word", "waiting"),), effects=("relay", "handoff:imminent", "check_in")
    ),
    ("waiting", "crisis"): Step(
        (S("replies.urgent_handoff", "waiting"),),
        effects=("relay", "handoff:imminent", "check_in"),
    ),
    # Never silent in a crisis: the numbers were given, so a short safety script, then company.
    ("waiting", "crisis_again"): Step(
        (S("replies.safety_script", "safety"),), effects=("relay", "raise:imminent", "check_in")
    ),
    ("waiting", "crisis_more"): Step(
        (S("replies.stay_with_you", "safety"),), effects=("relay", "raise:imminent", "check_in")
    ),
    ("waiting", "NOT_SAFE"): Step(
        (S("replies.not_safe", "waiting"),), effects=("relay", "raise:imminent")
    ),
    ("waiting", "SAFE_NOW"): Step((S("replies.safe_now", "waiting"),), effects=("relay",)),
    ("waiting", "media"): Step((S("replies.media"),), effects=("relay",)),
    ("waiting", "COUNSELOR"): Step((), effects=("where:{priority}",)),  # where am I now?
    ("waiting", "LEAVE_QUEUE"): Step((S("handoff.left"),), State.IDLE, ("leave",)),
    ("waiting", "DELETE_CHAT"): Step((S("reports.common.delete_conversation"),)),
    # --- with a counselor: the bot is silent but for the safe word and media -------------
    ("counselor", "*"): Step((), effects=("relay",)),
    ("counselor", "safe_word"): Step((S("replies.safe_word"),), effects=("relay",)),
    ("counselor", "media"): Step((S("replies.media"),), effects=("relay",)),
}

# Named button sets: (title, payload). A title that is a content key is looked up. A set named
# "<name>:parent" is offered to parents instead of "<name>".
BUTTONS: dict[str, tuple[tuple[str, str], ...]] = {
    "audience": (
        ("onboarding.ask_audience.buttons.child", "AUDIENCE_CHILD"),
        ("onboarding.ask_audience.buttons.parent", "AUDIENCE_PARENT"),
    ),
    "age": (
        ("onboarding.ask_age.buttons.under13", "AGE:under13"),
        ("onboarding.ask_age.buttons.13-15", "AGE:13-15"),
        ("onboarding.ask_age.buttons.16-17", "AGE:16-17"),
    ),
    "menu": (
        ("onboarding.menu_buttons.report", "REPORT"),
        ("onboarding.menu_buttons.advice", "ADVICE"),
        ("onboarding.menu_buttons.counselor", "COUNSELOR"),
    ),
    "counselor": (("onboarding.menu_buttons.counselor", "COUNSELOR"),),
    "delete": (
        ("onboarding.menu_buttons.delete", "DELETE_CHAT"),
        ("onboarding.menu_buttons.counselor", "COUNSELOR"),
    ),
    "check": (
        ("reports.common.check_buttons.yes", "CHECK_YES"),
        ("reports.common.check_buttons.no", "CHECK_NO"),
        ("reports.common.check_buttons.counselor", "COUNSELOR"),
    ),
    "check_in": (
        ("replies.check_in.buttons.yes", "CHECK_IN_YES"),
        ("replies.check_in.buttons.no", "CHECK_IN_NO"),
        ("onboarding.menu_buttons.counselor", "COUNSELOR"),
    ),
    "safety": (
        ("replies.safety_script.buttons.safe", "SAFE_NOW"),
        ("replies.safety_script.buttons.not_safe", "NOT_SAFE"),
    ),
    "waiting": (
        ("handoff.buttons.leave", "LEAVE_QUEUE"),
        ("handoff.buttons.delete", "DELETE_CHAT"),
    ),
    "ongoing": (
        ("reports.common.ongoing_buttons.yes", "ONGOING_YES"),
        ("reports.common.ongoing_buttons.no", "ONGOING_NO"),
    ),
    "after_report": (
        ("reports.common.after_buttons.how_to_report", "HOW_TO_REPORT"),
        ("onboarding.menu_buttons.counselor", "COUNSELOR"),
        ("onboarding.menu_buttons.delete", "DELETE_CHAT"),
    ),
    "after_report:parent": (
        ("reports.common.after_buttons.how_to_report", "HOW_TO_REPORT"),
        ("reports.common.after_buttons.talk", "PARENT_TALK"),
        ("onboarding.menu_buttons.counselor", "COUNSELOR"),
        ("onboarding.menu_buttons.delete", "DELETE_CHAT"),
    ),
    "after_report_high": (
        ("reports.common.after_buttons.evidence", "EVIDENCE"),
        ("reports.common.after_buttons.how_to_report", "HOW_TO_REPORT"),
    ),
    "after_report_high:parent": (
        ("reports.common.after_buttons.evidence", "EVIDENCE"),
        ("reports.common.after_buttons.how_to_report", "HOW_TO_REPORT"),
        ("reports.common.after_buttons.talk", "PARENT_TALK"),
    ),
    "after_steps": (
        ("onboarding.menu_buttons.counselor", "COUNSELOR"),
        ("onboarding.menu_buttons.delete", "DELETE_CHAT"),
    ),
    "after_advice": (
        ("onboarding.menu_buttons.advice", "ADVICE"),
        ("onboarding.menu_buttons.counselor", "COUNSELOR"),
    ),
    # "platforms" and "topics" are built from content/vi/platforms.yml and advice.yml.
}

# The states that asked a question with buttons, and the name of that question in
# content/vi/answers.yml (the typed answers to it).
QUESTIONS: dict[str, str] = {
    "check": "check",
    "ongoing": "ongoing",
    "check_in": "check_in",
    "waiting": "waiting",
}
# States that asked a question only the buttons (or their typed forms) answer.
CHOICES = frozenset({"check", "ongoing", "check_in"})
# States where an old button tapped again re-asks the current question.
ASKING = frozenset({"check", "what", "platform", "ongoing", "check_in"})
