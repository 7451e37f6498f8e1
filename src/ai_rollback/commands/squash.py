"""``ai-rollback squash-message RANGE``, and the squash message prepare-commit-msg writes.

The message of a squash that keeps each commit's attribution (``squash.py``
says its layout); ``git merge --squash`` gets it in the editor, and a forge's
squash button can be given it (``--title`` for the pull request's title).
"""

from __future__ import annotations

import sys

from ai_rollback import classify, kinds, squash
from ai_rollback.commands.common import open_project
from ai_rollback.errors import OK, CheckFailed, UsageError
from ai_rollback.filelist import FILES_KEY, split_files
from ai_rollback.git.log import LogCommit, iter_listed, iter_log
from ai_rollback.git.run import check_range_words
from ai_rollback.rules.base import PROMPT_KEY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from ai_rollback.config import Config
    from ai_rollback.git.run import Git
    from ai_rollback.gitconfig import GitSettings


def squashed(commits: Iterable[LogCommit], config: Config, settings: GitSettings) -> list[squash.Squashed]:
    """What the squash keeps of each commit (oldest first), classified as ``log`` classifies it."""
    detection = classify.detection_from(config)
    out = []
    for commit in commits:
        if commit.is_merge:
            raise UsageError(
                f"{commit.sha[:12]} is a merge: a squash message is written for a linear run of commits",
                hint="name the commits of one branch, e.g. main..topic (git log --first-parent shows them)",
            )
        found, trailers = classify.classify_stored(commit, detection, settings)
        prompt = next((t.value for t in trailers if t.key_is(PROMPT_KEY)), None)
        files = split_files(t.value for t in trailers if t.key_is(FILES_KEY))
        if found.kind == kinds.AI and not files:
            files = commit.paths  # another tool's AI commit: what it changed
        out.append(squash.Squashed(commit.sha, commit.message, found.kind, found.model, prompt, tuple(files)))
    return out


def squash_message(range_text: str, title: str | None = None) -> int:
    """Print the squash message of RANGE; refuse a mixed one unless the configuration allows it."""
    project = open_project()
    check_range_words(range_text)
    commits = list(iter_log(project.repo.git, range_text.split()))[::-1]
    if not commits:
        raise UsageError(f"{range_text!r} holds no commits: there is nothing to squash")
    found = squash.squash_message(squashed(commits, project.config, project.settings), project.config, title)
    if found.kind == kinds.MIXED and project.config.squash != "allow-mixed":
        message, hint = squash.mixed_refusal(found)
        raise CheckFailed(message, hint=hint)
    sys.stdout.write(found.text)
    return OK


def for_git_squash(
    raw: str, git: Git, config: Config, settings: GitSettings
) -> tuple[str, str | None] | None:
    """``(message, note)`` for ``git merge --squash``'s commit, from the commits git listed in it.

    None (leave git's message) when it lists none.  ``note``: for a mixed
    squash the configuration refuses, why the commit-msg hook will refuse it.
    """
    shas = [
        words[1]
        for line in raw.split("\n")
        if line.startswith("commit ") and len(words := line.split()) == 2 and _is_hex(words[1])
    ]
    if not shas:
        return None
    commits = list(iter_listed(git, shas))[::-1]  # git lists the newest first
    found = squash.squash_message(squashed(commits, config, settings), config)
    if found.kind == kinds.MIXED and config.squash != "allow-mixed":
        message, hint = squash.mixed_refusal(found)
        return found.text, f"{message}; {hint}"
    return found.text, None


def _is_hex(word: str) -> bool:
    return len(word) >= 40 and all(c in "0123456789abcdef" for c in word)
