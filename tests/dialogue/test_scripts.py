"""The fast tier of the conversation scripts: every script in tests/dialogue/scripts/*.yml
against the pure engine with the real content and the readings the script gives. No Redis,
no model: the whole set runs in a few seconds. The format itself is tested at the bottom."""

from pathlib import Path

import pytest

from tests.dialogue.scripts import SCRIPTS_DIR, Script, ScriptError, load, load_all, run_fast

SCRIPTS = load_all()


def marked(script: Script) -> object:
    marks = [pytest.mark.xfail(reason=script.xfail, strict=True)] if script.xfail else []
    return pytest.param(script, id=script.id, marks=marks)


@pytest.mark.parametrize("script", [marked(s) for s in SCRIPTS])
def test_script(script: Script) -> None:
    run_fast(script)


def test_every_theme_has_scripts_and_about_five_go_through_the_webhook() -> None:
    themes = {path.stem for path in SCRIPTS_DIR.glob("*.yml")}
    assert {"crisis_waiting", "typed_answers", "parents", "onboarding", "short", "waiting",
            "small_things"} <= themes  # fmt: skip
    assert 4 <= sum(script.real for script in SCRIPTS) <= 7


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "probe.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name: a\nsteps:\n  - say: hi\n    expect: {contain: [x]}\n",
            "probe.yml:4: unknown key 'contain'",
        ),
        ("name: a\nsteps:\n  - say: hi\n", "probe.yml:3: a step without an expectation"),
        (
            "name: a\nsteps:\n  - say: hi\n    expect: {}\n",
            "probe.yml:3: a step without an expectation",
        ),
        (
            "name: a\nsteps:\n  - say: hi\n    tap: Có\n    expect: {state: idle}\n",
            "probe.yml:3: a step has exactly one",
        ),
        (
            "name: a\nwho: teacher\nsteps:\n  - say: hi\n    expect: {state: idle}\n",
            "probe.yml:2: who is one of",
        ),
        (
            "name: a\nsteps:\n  - say: hi\n    read_as: crisis\n    expect: {state: idle}\n",
            "probe.yml:4: read_as is an intent",
        ),
        (
            "name: a\nsteps:\n  - say: hi\n    expect: {silent: true, contains: [x]}\n",
            "probe.yml:4: silent, yet",
        ),
        (
            "name: a\nsteps:\n  - say: hi\n    expect: {at_most: 5}\n",
            "probe.yml:4: at_most is 1, 2 or 3",
        ),
        (
            "name: a\nreal: true\nstart: ongoing\n"
            "steps:\n  - say: hi\n    expect: {state: idle}\n",
            "probe.yml:1: a script run through the webhook",
        ),
        ("name: a\nname: b\nsteps: []\n", "probe.yml:2: 'name' twice"),
    ],
    ids=[
        "unknown key",
        "no expect",
        "empty expect",
        "say and tap",
        "bad who",
        "bad reading",
        "silent and says",
        "too many messages",
        "real mid-flow",
        "a key twice",
    ],  # fmt: skip
)
def test_a_script_that_cannot_run_as_written_says_where(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ScriptError, match=message.replace("(", r"\(")):
        load(write(tmp_path, text))


def test_tapping_a_button_never_shown_is_an_error(tmp_path: Path) -> None:
    [script] = load(
        write(tmp_path, "name: a\nsteps:\n  - tap: Đúng vậy\n    expect: {state: what}\n")
    )
    with pytest.raises(ScriptError, match="probe.yml:3: no button \\[Đúng vậy\\] was shown"):
        run_fast(script)


def test_a_failing_step_names_its_line_and_shows_what_the_person_got(tmp_path: Path) -> None:
    text = (
        "name: a\nsteps:\n  - say: chào\n    read_as: greet\n"
        "    expect: {contains: [xin vĩnh biệt]}\n"
    )
    [script] = load(write(tmp_path, text))
    with pytest.raises(AssertionError) as failure:
        run_fast(script)
    said = str(failure.value)
    assert said.startswith("probe.yml:3: 'a', step 1: the person 'chào'")
    assert "never said 'xin vĩnh biệt'" in said
    assert "| Chào bạn! Mình là trợ lý tự động" in said
