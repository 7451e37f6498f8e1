"""Feeding the line tracker: which commits' diffs it needs, and the walk that applies them.

Pure: :func:`diffs_needed` chooses the commits whose ``-U0`` diffs must be
read for a set of contested files; :func:`track_lines` walks the history
oldest first and applies those diffs, given as ``(sha, patch lines)`` in the
same order (``ai_rollback.revert.gather`` reads them from git, one call).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ai_rollback.errors import GitError
from ai_rollback.plan.history import ancestry
from ai_rollback.plan.model import Commit, Pairs
from ai_rollback.plan.patch import parse_patch
from ai_rollback.plan.tracker import LineTracker


def diffs_needed(commits: Sequence[Commit], files: set[int], ids: dict[tuple[int, str], int]) -> list[Commit]:
    """The commits (oldest first) that change one of ``files``, and every merge."""
    return [
        c
        for c in commits
        if len(c.parents) > 1  # a merge may drop a branch's lines without touching the file
        or any(ids.get((c.index, p)) in files for _s, o, n in c.paths for p in (o, n) if p is not None)
    ]


def revert_targets(commits: Sequence[Commit], index_of: dict[str, int]) -> dict[int, int]:
    """Revert commit -> the commit it reverts (names may be abbreviated), both by index."""
    reverts: dict[int, int] = {}
    for c in commits:
        for target in c.reverts:
            found = (
                index_of.get(target)
                if target in index_of
                else next((i for s, i in index_of.items() if s.startswith(target)), None)
            )
            if found is not None:
                reverts[c.index] = found
    return reverts


def child_counts(commits: Sequence[Commit], index_of: dict[str, int]) -> dict[int, int]:
    """How many children of the walk each commit has (the tracker frees a state after the last)."""
    children: dict[int, int] = {}
    for c in commits:
        for p in c.parents:
            if p in index_of:
                children[index_of[p]] = children.get(index_of[p], 0) + 1
    return children


def track_lines(
    commits: Sequence[Commit],
    files: set[int],
    ids: dict[tuple[int, str], int],
    needed: Sequence[Commit],
    patches: Iterator[tuple[str, list[str]]],
) -> Pairs:
    """Run the tracker over ``commits`` (oldest first); ``patches`` are the diffs of ``needed``."""
    index_of = {c.sha: c.index for c in commits}
    wanted = {c.sha for c in needed}
    tracker = LineTracker(revert_targets(commits, index_of), ancestry(commits))
    tracker.expect_children(child_counts(commits, index_of))
    for c in commits:
        parents = [index_of.get(p) for p in c.parents]
        if c.sha in wanted:
            sha, lines = next(patches)
            if sha != c.sha:  # pragma: no cover - git keeps the order we ask for
                raise GitError("git log returned commits out of order")
            diffs = [
                d for d in parse_patch(lines) if ids.get((c.index, d.new_path or d.old_path or "")) in files
            ]
            tracker.commit(c.index, parents, diffs)
        else:
            tracker.skip(c.index, parents)
    return tracker.pairs
