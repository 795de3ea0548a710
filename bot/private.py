"""Files the bot keeps under var/ hold children's words, raw platform ids and session tokens:
only the bot's own user may read them (files 0600, folders 0700)."""

import os
from pathlib import Path

UMASK = 0o077


def private_dir(folder: Path) -> Path:
    """`folder` (made if needed) readable by its owner only."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def private_file(path: Path) -> None:
    """An existing file narrowed to its owner (made before the umask, or by a library)."""
    _narrow(path, 0o600)


def make_private(var_dir: Path) -> None:
    """The process creates everything private from now on (umask 077), and what an older
    version left under `var_dir` with wider modes is narrowed."""
    os.umask(UMASK)
    private_dir(var_dir)
    for root, folders, files in os.walk(var_dir):
        for name in folders:
            _narrow(Path(root, name), 0o700)
        for name in files:
            _narrow(Path(root, name), 0o600)


def _narrow(path: Path, mode: int) -> None:
    if path.is_symlink() or path.is_socket():
        return
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(mode)
    except (PermissionError, FileNotFoundError):
        pass  # not ours, or gone meanwhile
