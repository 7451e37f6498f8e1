"""Planning a revert: what to revert, in which order, and what is entangled.

Pure functions over plain data (commits, their changed paths, their ``-U0``
hunks).  Nothing here runs git.  The stages, in the order a run uses them:

* ``model``: the data (:class:`Commit`, :class:`Decision`, :class:`Entangled`, :class:`Plan`).
* ``ancestry``: :class:`Ancestry`, which commit is an ancestor of which, built in one pass.
* ``history``: file identities across renames, merges' side commits, reverts that
  cancel, the contested files (changed by a commit to revert and a later kept one).
* ``patch``: one commit's ``git log -p -U0`` lines -> :class:`FileDiff` values.
* ``tracker``: :class:`LineTracker`, who wrote each line and who touched it since.
* ``renames``: renamed files a revert will not find again (git's similarity score).
* ``diffs``: which commits' diffs the tracker needs, and the walk that feeds them.
* ``decide``: :func:`make_plan` = :func:`select` (each commit on its own), then
  :func:`entangle` (the tracker's pairs and the ``--entangled`` policy).
"""

from __future__ import annotations

from ai_rollback.plan.ancestry import Ancestry
from ai_rollback.plan.decide import Selection, entangle, make_plan, select
from ai_rollback.plan.diffs import child_counts, diffs_needed, revert_targets, track_lines
from ai_rollback.plan.history import (
    already_reverted,
    ancestry,
    blocked,
    contested,
    file_identities,
    side_commits,
)
from ai_rollback.plan.model import (
    KEEP,
    REVERT,
    SKIP,
    Commit,
    Decision,
    Entangled,
    Pairs,
    Plan,
    Track,
)
from ai_rollback.plan.patch import parse_patch
from ai_rollback.plan.renames import Question, pairs_by_content, renamed_away
from ai_rollback.plan.tracker import FileDiff, FileState, Hunk, Line, LineTracker

__all__ = [
    "KEEP",
    "REVERT",
    "SKIP",
    "Ancestry",
    "Commit",
    "Decision",
    "Entangled",
    "FileDiff",
    "FileState",
    "Hunk",
    "Line",
    "LineTracker",
    "Pairs",
    "Plan",
    "Question",
    "Selection",
    "Track",
    "already_reverted",
    "ancestry",
    "blocked",
    "child_counts",
    "contested",
    "diffs_needed",
    "entangle",
    "file_identities",
    "make_plan",
    "pairs_by_content",
    "parse_patch",
    "renamed_away",
    "revert_targets",
    "select",
    "side_commits",
    "track_lines",
]
