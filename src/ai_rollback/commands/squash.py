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
from ai_rollback.git.run import EMPTY_TREE_SHA1, EMPTY_TREE_SHA256, check_range_words, decode, staged_paths
from ai_rollback.rules.base import PROMPT_KEY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from ai_rollback.config import Config
    from ai_rollback.git.run import Git
    from ai_rollback.gitconfig import GitSettings


def squashed(commits: Iterable[LogCommit], config: Config, settings: GitSettings) -> list[squash.Squashed]:
    """What the squash keeps of each commit (oldest first), classified as ``log`` classifies it.

    Merges are left out (what one brings is in the base already, or in the
    commits of its other side, which the range holds).  A commit that is AI
    by its author or a note, not by its text, gets a trailer saying so in its
    section, so that the squash reads back as ``log`` read the commit.
    """
    from ai_rollback import message, rules

    detection = classify.detection_from(config)  # by the commits' text and authors, as they go along
    out = []
    for commit in commits:
        if commit.is_merge:
            continue
        found, trailers = classify.classify_stored(commit, detection, settings)
        lines = commit.message.split("\n")
        text = commit.message
        kind: str = found.kind if found.kind in (kinds.AI, kinds.MIXED) else kinds.HUMAN
        if rules.exemption(commit.subject, lines[1:], config.exempt_subjects):
            kind = kinds.EXEMPT  # a revert, a fixup!: neither AI nor human work of its own
        elif kind == kinds.AI and squash.section_kind(text, config) != kinds.AI:
            # AI by its author, a note: say so where the section can be read without them
            text = message.add_trailers(text, [(rules.MODEL_KEY, found.model or found.reason)], "#", ":", ())
        prompt = next((t.value for t in trailers if t.key_is(PROMPT_KEY)), None)
        files = split_files(t.value for t in trailers if t.key_is(FILES_KEY))
        if kind == kinds.AI and not files:
            files = commit.paths  # another tool's AI commit: what it changed
        out.append(squash.Squashed(commit.sha, text, kind, found.model, prompt, tuple(files)))
    return out


def _title(title: str | None) -> str | None:
    if title is None:
        return None
    if "\n" in title or "\r" in title:
        raise UsageError("--title is one line: the squash's subject")
    if not title.strip():
        raise UsageError("--title is empty", hint="give the pull request's title, or leave --title out")
    return title.strip()


def squash_message(range_text: str, title: str | None = None) -> int:
    """Print the squash message of RANGE; refuse a mixed one unless the configuration allows it."""
    project = open_project()
    git = project.repo.git
    check_range_words(range_text)
    subject = _title(title)
    commits = list(iter_log(git, range_text.split()))[::-1]
    kept = squashed(commits, project.config, project.settings)
    if not kept:
        raise UsageError(f"{range_text!r} holds no commits but merges: there is nothing to squash")
    skipped = len(commits) - len(kept)
    if skipped:
        sys.stderr.write(
            f"ai-rollback: left out {skipped} merge commit{'s' if skipped != 1 else ''}: "
            "what a merge brings is in the base, or in the range's other commits\n"
        )
    oldest = next(c for c in commits if not c.is_merge)
    base = (
        oldest.parents[0]
        if oldest.parents
        else (EMPTY_TREE_SHA256 if len(oldest.sha) == 64 else EMPTY_TREE_SHA1)
    )
    names = git.run("diff", "--name-only", "-z", "--no-renames", base, commits[-1].sha, "--")
    changed = set(decode(names).split("\0")) - {""}  # what the squash changes, net
    found = squash.squash_message(kept, project.config, subject, changed)
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
    kept = squashed(list(iter_listed(git, shas))[::-1], config, settings)  # git lists the newest first
    if not kept:
        return None
    found = squash.squash_message(kept, config, None, set(staged_paths()))
    if found.kind == kinds.MIXED and config.squash != "allow-mixed":
        message, hint = squash.mixed_refusal(found)
        return found.text, f"{message}; {hint}"
    return found.text, None


def _is_hex(word: str) -> bool:
    return len(word) >= 40 and all(c in "0123456789abcdef" for c in word)
