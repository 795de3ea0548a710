"""The 21 intents, the actions and the risk levels of TAXONOMY.md. The names are a contract."""

from enum import IntEnum, StrEnum


class Intent(StrEnum):
    REPORT_SEXUAL_ABUSE = "report_sexual_abuse"
    REPORT_BULLYING = "report_bullying"
    REPORT_GROOMING = "report_grooming"
    REPORT_DEFAMATION = "report_defamation"
    REPORT_PRIVACY_LEAK = "report_privacy_leak"
    REPORT_SCAM = "report_scam"
    REPORT_TRAFFICKING = "report_trafficking"
    REPORT_HARMFUL_CONTENT = "report_harmful_content"
    ASK_ONLINE_SAFETY = "ask_online_safety"
    CRISIS_SELF_HARM = "crisis_self_harm"
    CRISIS_IMMEDIATE_DANGER = "crisis_immediate_danger"
    REQUEST_COUNSELOR = "request_counselor"
    ASK_CONFIDENTIALITY = "ask_confidentiality"
    ASK_HOTLINE_INFO = "ask_hotline_info"
    BOT_CHALLENGE = "bot_challenge"
    GREET = "greet"
    GOODBYE = "goodbye"
    THANK = "thank"
    AFFIRM = "affirm"
    DENY = "deny"
    OUT_OF_SCOPE = "out_of_scope"


class Action(StrEnum):
    URGENT_HANDOFF = "urgent_handoff"
    CHECK_IN = "check_in"
    REPORT = "report"
    HANDOFF = "handoff"
    ADVICE = "advice"
    INFO = "info"
    SMALLTALK = "smalltalk"
    FALLBACK = "fallback"


class Risk(StrEnum):
    IMMINENT = "imminent"
    HIGH = "high"
    MEDIUM = "medium"
    NONE = "none"


class Severity(IntEnum):
    """How far an action goes towards a person; the safety screen may only raise it."""

    ROUTINE = 0
    CHECK = 1
    PERSON = 2
    URGENT = 3


CRISIS_INTENTS = frozenset({Intent.CRISIS_SELF_HARM, Intent.CRISIS_IMMEDIATE_DANGER})
REPORT_INTENTS = frozenset(intent for intent in Intent if intent.startswith("report_"))
HIGH_RISK_INTENTS = frozenset(
    {Intent.REPORT_SEXUAL_ABUSE, Intent.REPORT_GROOMING, Intent.REPORT_TRAFFICKING}
)

ACTION_BY_INTENT: dict[Intent, Action] = {
    **{intent: Action.URGENT_HANDOFF for intent in CRISIS_INTENTS},
    **{intent: Action.REPORT for intent in REPORT_INTENTS},
    Intent.REQUEST_COUNSELOR: Action.HANDOFF,
    Intent.ASK_ONLINE_SAFETY: Action.ADVICE,
    Intent.ASK_CONFIDENTIALITY: Action.INFO,
    Intent.ASK_HOTLINE_INFO: Action.INFO,
    Intent.BOT_CHALLENGE: Action.INFO,
    Intent.GREET: Action.SMALLTALK,
    Intent.GOODBYE: Action.SMALLTALK,
    Intent.THANK: Action.SMALLTALK,
    Intent.AFFIRM: Action.SMALLTALK,
    Intent.DENY: Action.SMALLTALK,
    Intent.OUT_OF_SCOPE: Action.FALLBACK,
}

SEVERITY: dict[Action, Severity] = {
    Action.URGENT_HANDOFF: Severity.URGENT,
    Action.CHECK_IN: Severity.CHECK,
    Action.REPORT: Severity.PERSON,
    Action.HANDOFF: Severity.PERSON,
    Action.ADVICE: Severity.ROUTINE,
    Action.INFO: Severity.ROUTINE,
    Action.SMALLTALK: Severity.ROUTINE,
    Action.FALLBACK: Severity.ROUTINE,
}
