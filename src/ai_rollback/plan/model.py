"""What a plan is made of: the commits it looks at, a decision for each, the entanglements.

Plain data, shared by every stage: ``ai_rollback.revert.gather`` fills
:class:`Commit` from git, the planner (``decide.py``) returns a :class:`Plan`,
``ai_rollback.revert.build`` reverts ``Plan.to_revert``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ai_rollback.kinds import KEEP, REVERT, SKIP

if TYPE_CHECKING:
    from ai_rollback.kinds import Action, Kind

__all__ = ["KEEP", "REVERT", "SKIP", "Commit", "Decision", "Entangled", "Pairs", "Plan", "Track"]

#: The line tracker as the planner calls it: ``track(file_ids, ids)`` -> the
#: entangled pairs ``(earlier commit, later commit) -> paths``.
#: ``track(contested file ids, ids, commits to revert)`` -> (earlier, later) -> paths: the line
#: tracker's pairs, plus the renames a revert will not find again
#: (earlier, later) -> the paths where ``later`` touched what ``earlier`` wrote: a tuple, not a set,
#: since most pairs have one path and a real history has hundreds of thousands of pairs
Pairs = dict[tuple[int, int], tuple[str, ...]]
Track = Callable[[set[int], dict[tuple[int, str], int], set[int]], Pairs]


@dataclass(slots=True)
class Commit:
    """What the planner knows of one commit of the analysed history."""

    index: int  # position, oldest first
    sha: str
    parents: list[str]
    subject: str
    kind: Kind
    reason: str
    model: str | None = None
    in_range: bool = True
    paths: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # status, old, new
    reverts: list[str] = field(default_factory=list)  # the commits it reverts, if it is a revert


@dataclass(slots=True)
class Decision:
    action: Action
    reason: str


@dataclass(slots=True)
class Entangled:
    target: str  # the commit we want to revert
    blockers: list[str]  # kept commits that changed its lines (or next to them)
    files: list[str]


@dataclass
class Plan:
    range: str
    commits: list[Commit]  # oldest first
    decisions: dict[str, Decision]
    entangled: list[Entangled]
    refused: bool  # --entangled stop found entanglement
    included: list[str] = field(default_factory=list)

    @property
    def to_revert(self) -> list[Commit]:
        """Commits to revert, newest first (the order they are reverted in)."""
        return [
            c
            for c in reversed(self.commits)
            if self.decisions.get(c.sha, Decision(KEEP, "")).action == REVERT
        ]
