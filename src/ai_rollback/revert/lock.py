"""One ai-revert at a time in a repository: an exclusive ``flock`` on ``.git/ai-rollback/lock``.

The kernel holds the lock for the running process and drops it when that
process ends, however it ends: a killed run leaves no stale lock, and two
runs starting together cannot both take it.  The file holds the holder's
pid, for the message a second run gets.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from ai_rollback.git.repo import Repository
from ai_rollback.revert.errors import Refused

LOCK = "lock"


@contextmanager
def run_lock(repo: Repository) -> Iterator[None]:
    """Hold the repository's ai-revert lock for the block; refuse if another run holds it."""
    with exclusive(
        repo,
        LOCK,
        "another ai-revert (process {holder}) is running in this repository; nothing was changed",
        "wait for it to finish, then run ai-revert again",
    ):
        yield


@contextmanager
def exclusive(repo: Repository, name: str, busy: str, hint: str, common: bool = False) -> Iterator[None]:
    """Hold ``.git/ai-rollback/NAME`` for the block; :class:`Refused` (``busy``, with the holder) if taken.

    ``common``: in the repository's common git directory, shared by all its worktrees.
    """
    directory = os.path.join(repo.common_dir if common else repo.git_dir, "ai-rollback")
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise Refused(busy.format(holder=holder), hint=hint) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
