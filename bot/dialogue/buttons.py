"""The button sets the table names, and the questions they answer."""

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
