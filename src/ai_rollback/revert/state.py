"""Sanity checks of the repository before anything is read or written.

A branch to move (not detached, not unborn, not bare), no merge, rebase,
cherry-pick, bisect or other git process in progress, and, once the result is
built, no local change that moving the index and work tree would overwrite.
"""

from __future__ import annotations

import os

from ai_rollback.git.repo import Repository
from ai_rollback.git.run import Git
from ai_rollback.revert.errors import Refused


def current_branch(repo: Repository) -> tuple[str, str]:
    """``(refs/heads/<branch>, tip)``; refuses detached HEAD, an unborn branch, a bare repo."""
    if repo.work_tree is None:
        raise Refused("this repository has no work tree (bare); ai-revert works in a checkout")
    code, out, _ = repo.git.run_full("symbolic-ref", "-q", "HEAD", check=False)
    if code != 0:
        raise Refused(
            "HEAD is detached: there is no branch to move",
            hint="check out the branch to revert on first: git switch <branch>",
        )
    ref = out.decode().strip()
    code, out, _ = repo.git.run_full("rev-parse", "--verify", "-q", ref, check=False)
    if code != 0:
        raise Refused(f"{ref.removeprefix('refs/heads/')} has no commits yet (unborn branch)")
    return ref, out.decode().strip()


IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or am",
    "BISECT_LOG": "a bisect",
    "sequencer": "a cherry-pick or revert sequence",
}


def check_idle(repo: Repository) -> None:
    for name, what in IN_PROGRESS.items():
        if os.path.exists(os.path.join(repo.git_dir, name)):
            raise Refused(
                f"{what} is in progress; finish or abort it first",
                hint="git status shows how (e.g. git merge --abort, git rebase --continue)",
            )
    if os.path.exists(os.path.join(repo.git_dir, "index.lock")):
        raise Refused(
            "another git process is running (index.lock exists)",
            hint="wait for it; if none is running, remove .git/index.lock",
        )


def local_overlap(git: Git, old: str, new: str, work_tree: str) -> list[str]:
    """What git itself would refuse to overwrite when moving index and work tree to ``new``.

    A dry run (``read-tree -m -u -n``) of the very update the apply makes: local
    changes, staged changes, untracked or ignored files in the way, a file where
    a directory must go.  Returns the paths (or git's words when it names none).
    """
    import re

    env = dict(git.env, GIT_OPTIONAL_LOCKS="0")
    code, _, err = git.run_full("read-tree", "-m", "-u", "-n", old, new, check=False, env=env)
    if code == 0:
        return []
    text = err.decode("utf-8", "replace")
    paths = sorted({m.group(1) for m in re.finditer(r"'(.+?)'", text)})
    return paths or [line.removeprefix("error: ") for line in text.splitlines() if line.strip()][:3]
