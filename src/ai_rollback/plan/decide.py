"""The planner: a decision for every commit of the range, then entanglement and the policy.

Two pure steps.  :func:`select` decides each commit on its own (its kind,
``--only``, ``--model``, ``--path``, whether a later commit already reverts
it).  :func:`entangle` then asks the line tracker which commits to revert
are entangled with later kept commits and applies ``--entangled``: ``stop``
refuses, ``skip`` drops the entangled commits, ``include`` reverts their
blockers too; the contested files are re-derived whenever a policy moves
commits between the two sets.  :func:`make_plan` is both.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ai_rollback import kinds
from ai_rollback.plan.history import already_reverted, ancestry, blocked, contested, file_identities
from ai_rollback.plan.model import KEEP, REVERT, SKIP, Commit, Decision, Entangled, Pairs, Plan, Track


@dataclass
class Selection:
    """What :func:`select` decided, before entanglement."""

    decisions: dict[str, Decision]  # sha -> decision, for the commits of the range
    revert: set[int]  # indices of the commits to revert
    cancelled: dict[str, str]  # target sha -> the revert that cancels it (see already_reverted)
    mixed: set[int] = field(default_factory=set)  # squashes of AI and human work (entangled as such)


def _describe(indices: Iterable[int], commits: Sequence[Commit], limit: int = 4) -> str:
    items = sorted(indices)
    text = ", ".join(f"{commits[i].sha[:10]} ({commits[i].subject[:50]})" for i in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def select(
    commits: Sequence[Commit],
    *,
    only: str = "ai",
    model: str | None = None,
    path_selected: set[str] | None = None,
) -> Selection:
    """Decide each commit of the range on its own: revert, keep or skip, and why."""
    import fnmatch

    decisions: dict[str, Decision] = {}
    cancelled = already_reverted(commits)
    revert: set[int] = set()
    mixed: set[int] = set()
    for c in commits:
        if not c.in_range:
            continue
        if c.kind == kinds.MERGE:
            decisions[c.sha] = Decision(SKIP, c.reason)
            continue
        if c.kind == kinds.MIXED:  # AI and human work in one squash: entangled by construction
            if only == "ai" and c.sha not in cancelled:
                decisions[c.sha] = Decision(REVERT, f"mixed ({c.reason})")
                mixed.add(c.index)
            else:
                decisions[c.sha] = Decision(KEEP, f"mixed ({c.reason})")
            continue
        if c.kind != only:
            other = "AI" if c.kind == kinds.AI else "human"
            decisions[c.sha] = Decision(KEEP, sys.intern(f"{other} ({c.reason})"))
            continue
        if c.sha in cancelled:
            decisions[c.sha] = Decision(SKIP, f"already reverted by {cancelled[c.sha][:10]}")
            continue
        if only == "human" and c.reverts:
            decisions[c.sha] = Decision(
                SKIP, f"a revert of {c.reverts[0][:10]}: reverting it would bring that back"
            )
            continue
        if model is not None and not fnmatch.fnmatchcase((c.model or "").lower(), model.lower()):
            decisions[c.sha] = Decision(
                KEEP, f"AI, but its model ({c.model or 'unknown'}) does not match --model {model}"
            )
            continue
        if path_selected is not None and c.sha not in path_selected:
            decisions[c.sha] = Decision(KEEP, "changes nothing under --path")
            continue
        if not c.paths:  # nothing to revert is not a revert
            decisions[c.sha] = Decision(SKIP, "empty commit: it changes no file")
            continue
        label = "AI" if c.kind == kinds.AI else "human"
        decisions[c.sha] = Decision(REVERT, sys.intern(f"{label} ({c.reason})"))
        revert.add(c.index)
    return Selection(decisions, revert, cancelled, mixed)


def entangle(
    range_text: str,
    commits: Sequence[Commit],
    track: Track,
    selection: Selection,
    policy: str = "stop",
) -> Plan:
    """Find the entangled commits of ``selection`` and apply ``policy`` to them.

    ``selection`` is not changed: the plan gets its own decisions.
    """
    decisions = dict(selection.decisions)
    revert = set(selection.revert)
    ids = file_identities(commits)
    everything = {c.index for c in commits}
    position = {c.sha: c.index for c in commits}
    neutral = {position[s] for pair in selection.cancelled.items() for s in pair if s in position}
    tracked: set[int] = set()
    pairs: Pairs = {}
    entangled: dict[int, Entangled] = {}
    included: list[str] = []
    refused = False
    for index in sorted(selection.mixed):  # a squash of AI and human work: the policy decides
        c = commits[index]
        entangled[index] = Entangled(c.sha, [], sorted({p for _s, o, n in c.paths for p in (o, n) if p}))
        if policy == "stop":
            refused = True
            decisions[c.sha] = Decision(
                REVERT, decisions[c.sha].reason + "; a squash of AI and human work: --entangled stop refuses"
            )
        elif policy == "skip":
            decisions[c.sha] = Decision(SKIP, decisions[c.sha].reason + " (--entangled skip)")
        else:
            revert.add(index)
            included.append(c.sha)
            decisions[c.sha] = Decision(
                REVERT, decisions[c.sha].reason + ", reverted whole with its human work (--entangled include)"
            )
    reach = ancestry(commits)
    while True:
        files = contested(commits, revert, ids, reach)
        if not files <= tracked:
            tracked |= files
            pairs = track(tracked, ids, revert)
        kept = everything - revert
        found = blocked(revert, kept - neutral, pairs, neutral)
        if not found:
            break
        for target, blockers in sorted(found.items()):
            entry = entangled.setdefault(target, Entangled(commits[target].sha, [], []))
            for k in sorted(blockers):
                if commits[k].sha not in entry.blockers:
                    entry.blockers.append(commits[k].sha)
            entry.files = sorted(set(entry.files) | {f for fs in blockers.values() for f in fs})
        if policy == "stop":
            refused = True
            for target, blockers in found.items():
                decisions[commits[target].sha] = Decision(
                    REVERT,
                    decisions[commits[target].sha].reason
                    + f"; entangled with {_describe(blockers, commits)}: "
                    "--entangled stop refuses the revert",
                )
            break
        changed = False
        for target, blockers in sorted(found.items()):
            if policy == "include" and all(
                commits[k].in_range and commits[k].kind != kinds.MERGE for k in blockers
            ):
                for k in blockers:
                    revert.add(k)
                    included.append(commits[k].sha)
                    decisions[commits[k].sha] = Decision(
                        REVERT,
                        f"entangled with {commits[target].sha[:10]}, reverted with it (--entangled include)",
                    )
                changed = True
            else:
                revert.discard(target)
                why = (
                    "outside the range or a merge, so --entangled include cannot take it"
                    if policy == "include"
                    else "--entangled skip"
                )
                decisions[commits[target].sha] = Decision(
                    SKIP, f"entangled with {_describe(blockers, commits)} ({why})"
                )
                changed = True
        if not changed:  # pragma: no cover - every round moves a commit
            break
    return Plan(
        range_text,
        list(commits),
        decisions,
        [entangled[k] for k in sorted(entangled)],
        refused,
        included,
    )


def make_plan(
    range_text: str,
    commits: Sequence[Commit],
    track: Track,
    *,
    only: str = "ai",
    model: str | None = None,
    path_selected: set[str] | None = None,
    policy: str = "stop",
) -> Plan:
    """Decide every commit of the range; ``track(file_ids, ids, revert)`` runs the line tracker.

    ``commits`` are oldest first and include, with ``in_range=False``, the
    commits after the range up to the tip (they are kept, and can entangle).
    """
    selection = select(commits, only=only, model=model, path_selected=path_selected)
    return entangle(range_text, commits, track, selection, policy)
