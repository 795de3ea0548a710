"""`python -m bot users add`: the password comes from stdin, the account can log in."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def add(var: Path, username: str, role: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VAR_DIR": str(var), "DATABASE_URL": "", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "users", "add", "--username", username, "--role", role],
        input=password + "\n", text=True, capture_output=True, env=env, cwd=ROOT, check=False,
    )  # fmt: skip


def test_users_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    made = add(tmp_path, "Lan.Nguyen", "supervisor", "một mật khẩu dài")
    assert made.returncode == 0, made.stderr
    assert "lan.nguyen (supervisor)" in made.stdout
    assert "một mật khẩu dài" not in made.stdout + made.stderr
    again = add(tmp_path, "lan.nguyen", "counselor", "một mật khẩu khác")
    assert again.returncode == 1
    assert "exists already" in again.stderr
    short = add(tmp_path, "minh", "counselor", "ngắn")
    assert short.returncode == 1
    assert "at least 12" in short.stderr
    assert add(tmp_path, "minh", "counselor", "").returncode == 1


def test_users_add_refuses_weak_passwords(tmp_path: Path) -> None:
    for weak in ("aaaaaaaaaaaa", "abcabcabcabc", "Password2024!", "123456789012", "matkhau12345"):
        made = add(tmp_path, "minh", "counselor", weak)
        assert made.returncode == 1, weak  # was 0 for all but the first two
        assert "password:" in made.stderr
    assert add(tmp_path, "minh", "counselor", "minh-minh-1234").returncode == 1  # the name
    assert add(tmp_path, "minh", "counselor", "ba con mèo trèo cây cau").returncode == 0
