"""The password policy for console accounts: long enough, not a common or a patterned one."""

import string

MIN_LENGTH = 12
# The most common choices (in English and Vietnamese), checked with digits and punctuation
# around them taken off: "Password2024!" is "password".
COMMON = frozenset(
    """password passw0rd p@ssword p@ssw0rd admin administrator root welcome welcome1 letmein
    iloveyou qwerty qwertyuiop qwertyuiopasdfghjkl asdfghjkl zxcvbnm abc abcd abcdef abcdefgh
    monkey dragon master sunshine princess football baseball superman batman trustno1
    changeme secret login access matkhau matkhaucuatoi matkhaumoi toidaiday anhyeuem
    emyeuanh yeuem yeuanh vietnam hanoi saigon hochiminh tongdai tongdai111 tuvan
    tuvanvien treem baove counselor console chatbot hotline""".split()  # noqa: SIM905
)
SEQUENCES = ("0123456789" * 3, "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm")
TRIM = string.digits + string.punctuation + " "


def problem(password: str, username: str = "") -> str | None:
    """Why `password` is refused, or None when it may be used."""
    if len(password) < MIN_LENGTH:
        return f"password: at least {MIN_LENGTH} characters"
    lowered = password.lower()
    if lowered.strip(TRIM) in COMMON or lowered.strip(TRIM) == "":
        return "password: one of the most common passwords"
    if len(set(lowered)) < 5 or _periodic(lowered):
        return "password: a repeated pattern (like aaaaaaaaaaaa or abcabcabcabc)"
    if any(lowered in sequence or lowered in sequence[::-1] for sequence in SEQUENCES):
        return "password: a run of the keyboard or the alphabet"
    if len(username) >= 3 and username.lower() in lowered:
        return "password: must not contain the username"
    return None


def _periodic(text: str) -> bool:
    """True when `text` is a shorter string repeated ("abab", "xyzxyzxyz")."""
    return (text + text).find(text, 1) < len(text)
