"""Opening a repository: where it lives, and a :class:`Git` that runs commands in it.

:func:`open_repository_fast` spends one ``git rev-parse``; :func:`open_repository`
uses GitPython, off every hot path.  (HEAD read from git's own files, for the
commit-msg hook that cannot afford a git call for it: ``gitconfig.read_head``.)
"""

from __future__ import annotations

import os

from ai_rollback.errors import GitError
from ai_rollback.git.run import Git, decode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ai_rollback.gitconfig import RepoPaths


class Repository:
    """An opened repository: where it lives, and a :class:`Git` to run commands in it."""

    def __init__(self, work_tree: str | None, git_dir: str, common_dir: str) -> None:
        self.work_tree = work_tree
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.git = Git(work_tree or git_dir)

    @property
    def root(self) -> str:
        return self.work_tree or self.git_dir

    def paths(self) -> RepoPaths:
        from ai_rollback.gitconfig import RepoPaths

        return RepoPaths(self.git_dir, self.common_dir, self.work_tree)


def open_repository_fast(path: str | None = None) -> Repository:
    """Like :func:`open_repository`, with one ``git rev-parse`` instead of GitPython.

    For the commands with a speed budget (ai-revert), where importing
    GitPython alone would cost a sixth of it.
    """
    cwd = os.path.abspath(path or os.getcwd())
    git = Git(cwd)
    code, out, err = git.run_full(
        "rev-parse",
        "--absolute-git-dir",
        "--git-common-dir",
        "--is-bare-repository",
        "--show-toplevel",
        check=False,
    )
    lines = decode(out).split("\n")
    if code != 0 and "not a git repository" in decode(err):
        raise GitError(
            f"not a git repository: {cwd}",
            hint="run this inside a git repository (or `git init` one)",
        )
    if code != 0 and not (len(lines) >= 3 and lines[2] == "true"):
        raise git.error(["rev-parse"], code, err)
    git_dir = lines[0]
    common = os.path.normpath(os.path.join(cwd, lines[1]))
    work_tree = None if lines[2] == "true" or len(lines) < 4 or not lines[3] else lines[3]
    return Repository(work_tree, git_dir, common)


def open_repository(path: str | None = None) -> Repository:
    """Open the repository containing ``path`` (default: the current directory)."""
    import git as gitpython

    try:
        repo = gitpython.Repo(path or os.getcwd(), search_parent_directories=True)
    except (gitpython.InvalidGitRepositoryError, gitpython.NoSuchPathError):
        raise GitError(
            f"not a git repository: {os.path.abspath(path or os.getcwd())}",
            hint="run this inside a git repository (or `git init` one)",
        ) from None
    try:
        git_dir = os.path.abspath(repo.git_dir)
        common_dir = os.path.abspath(repo.common_dir)
        work_tree = None if repo.bare else os.path.abspath(str(repo.working_tree_dir))
    finally:
        repo.close()
    return Repository(work_tree, git_dir, common_dir)
