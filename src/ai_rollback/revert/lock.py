"""One ai-revert at a time in a repository: ``.git/ai-rollback/lock`` holds the running one's pid.

A second run is refused with that pid; a lock whose process is gone (a kill
left it) is taken over.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from ai_rollback.git.repo import Repository
from ai_rollback.revert.errors import Refused

LOCK = "lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def run_lock(repo: Repository) -> Iterator[None]:
    """One ai-revert at a time in a repository; a lock whose process is gone is taken over."""
    os.makedirs(os.path.join(repo.git_dir, "ai-rollback"), exist_ok=True)
    path = os.path.join(os.path.join(repo.git_dir, "ai-rollback"), LOCK)
    for _attempt in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                with open(path, encoding="ascii") as f:
                    pid = int(f.read().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and pid != os.getpid() and _alive(pid):
                raise Refused(
                    f"another ai-revert (process {pid}) is running in this repository; nothing was changed",
                    hint="wait for it to finish, then run ai-revert again",
                ) from None
            try:
                os.unlink(path)  # its process is gone: a kill left it
            except FileNotFoundError:
                pass
            continue
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(str(os.getpid()))
        break
    else:  # pragma: no cover - a third run raced us twice
        raise Refused("another ai-revert is starting in this repository; nothing was changed")
    try:
        yield
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
