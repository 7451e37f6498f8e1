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


def local_overlap(
    git: Git, old: str, new: str, work_tree: str, env: dict[str, str] | None = None
) -> list[str]:
    """What git itself would refuse to overwrite when moving index and work tree to ``new``.

    A dry run (``read-tree -m -u -n``) of the very update the apply makes: local
    changes, staged changes, untracked or ignored files in the way, a file where
    a directory must go.  Returns the paths (or git's words when it names none).
    """
    import re

    env = dict(env or git.env, GIT_OPTIONAL_LOCKS="0")
    code, _, err = git.run_full("read-tree", "-m", "-u", "-n", old, new, check=False, env=env)
    if code != 0:
        text = err.decode("utf-8", "replace")
        paths = sorted({m.group(1) for m in re.finditer(r"'(.+?)'", text)})
        return paths or [line.removeprefix("error: ") for line in text.splitlines() if line.strip()][:3]
    return in_the_way(git, old, new, work_tree)


def in_the_way(git: Git, old: str, new: str, work_tree: str) -> list[str]:
    """Files the revert creates that already exist untracked, ignored ones included.

    ``read-tree`` treats an ignored file as expendable and overwrites it; we
    promise that nothing is lost, so an ignored ``build.log`` in the way is
    refused like any untracked file.
    """
    raw = git.run("diff-tree", "-r", "-z", "--no-renames", "--diff-filter=A", "--name-only", old, new)
    created = [p.decode("utf-8", "surrogateescape") for p in raw.split(b"\0") if p]
    if not created:
        return []
    # read-tree passed, so none of them is in the index: any file there is untracked,
    # but for a directory the revert turns back into a file (read-tree checks what is in it)
    found = []
    for path in created:
        full = os.path.join(work_tree, path)
        if not os.path.lexists(full):
            continue
        if os.path.isdir(full) and not os.path.islink(full) and git.run("ls-tree", old, "--", path).strip():
            continue
        found.append(path)
    return found
