"""Rendering: the plan (text or JSON) before anything happens, the outcome after.

:func:`plan_text` is what ``--dry-run`` and the confirmation prompt show;
:func:`write_plan_json` streams ``--format json`` commit by commit;
:func:`summary` says what was reverted, kept and skipped, and how to undo it;
:func:`progress_printer` shows the build's progress on a terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ai_rollback import plan

if TYPE_CHECKING:
    from ai_rollback.revert.runner import Outcome


def write_plan_json(p: plan.Plan, out: object, extra: dict[str, object] | None = None) -> None:
    """The plan as JSON, written commit by commit (no second copy of the whole list)."""
    write = out.write  # type: ignore[attr-defined]
    write("{\n  " + json.dumps("range") + ": " + json.dumps(p.range) + ',\n  "commits": [')
    first = True
    for c in reversed(p.commits):
        if not c.in_range:
            continue
        d = p.decisions[c.sha]
        item = {
            "sha": c.sha,
            "kind": c.kind,
            "subject": c.subject,
            "action": d.action,
            "reason": d.reason,
        }
        write(("\n    " if first else ",\n    ") + json.dumps(item, ensure_ascii=False))
        first = False
    entangled = [{"ai": e.target, "human": e.blockers, "files": e.files} for e in p.entangled]
    write('\n  ],\n  "entangled": ' + json.dumps(entangled, ensure_ascii=False))
    for key, value in (extra or {}).items():
        write(",\n  " + json.dumps(key) + ": " + json.dumps(value, ensure_ascii=False))
    write("\n}\n")


def plan_text(p: plan.Plan) -> str:
    by_sha = {c.sha: c for c in p.commits}
    lines = [f"Plan for {p.range} (newest first):"]
    for c in reversed(p.commits):
        if not c.in_range:
            continue
        d = p.decisions[c.sha]
        lines.append(f"  {d.action:6} {c.sha[:10]} {c.subject[:60]}")
        lines.append(f"         {d.reason}")
    if p.entangled:
        lines.append("")
        lines.append("Entangled (later commits changed these commits' lines, or the lines next to them):")
        for e in p.entangled:
            lines.append(f"  {by_sha[e.target].sha[:10]} {by_sha[e.target].subject[:60]}")
            for b in e.blockers:
                lines.append(f"    with {b[:10]} {by_sha[b].subject[:60] if b in by_sha else ''}")
            lines.append(f"    files: {', '.join(e.files)}")
    todo = p.to_revert
    lines.append("")
    if p.refused:
        lines.append(
            "Refusing: --entangled stop. Choose --entangled skip (revert only the free commits) "
            "or --entangled include (revert the entangled commits too)."
        )
    elif todo:
        lines.append(f"Would revert {len(todo)} commit{'s' if len(todo) != 1 else ''}.")
    else:
        lines.append("Nothing to revert.")
    return "\n".join(lines) + "\n"


def progress_printer(stream: object = None) -> Callable[[int, int], None] | None:
    """A progress line on stderr, on a terminal and for many commits only."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total < 20:
            return
        sys.stderr.write(f"\rai-revert: building reverts {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def summary(outcome: Outcome, no_commit: bool = False) -> str:
    """What was reverted, kept and skipped, and how to undo it."""
    p = outcome.plan
    lines: list[str] = []
    if outcome.recovered:
        lines.append(f"(first: {outcome.recovered})")
    reverted = [
        c
        for c in reversed(p.commits)
        if c.in_range and p.decisions[c.sha].action == plan.REVERT and c.sha not in outcome.skipped_empty
    ]
    kept = [c for c in p.commits if c.in_range and p.decisions[c.sha].action == plan.KEEP]
    skipped = [c for c in reversed(p.commits) if c.in_range and p.decisions[c.sha].action == plan.SKIP]
    branch = outcome.branch.removeprefix("refs/heads/")
    if not reverted or (not outcome.new and not no_commit):
        lines.append(f"Nothing to revert in {p.range}: no commit was selected.")
    else:
        verb = "Staged the revert of" if no_commit else "Reverted"
        lines.append(
            f"{verb} {len(reverted)} commit{'s' if len(reverted) != 1 else ''} on {branch} (newest first):"
        )
        lines += [f"  {c.sha[:10]} {c.subject[:70]}" for c in reverted]
        if p.included:
            lines.append(
                "  (entangled human commits included: " + ", ".join(s[:10] for s in p.included) + ")"
            )
    lines.append(f"Kept {len(kept)} commit{'s' if len(kept) != 1 else ''}.")
    if skipped:
        lines.append(f"Skipped {len(skipped)}:")
        lines += [f"  {c.sha[:10]} {c.subject[:50]}: {p.decisions[c.sha].reason}" for c in skipped]
    if outcome.new:
        lines.append(f"{branch} is now at {outcome.new[:10]} (was {outcome.old[:10]}; also in ORIG_HEAD).")
        if outcome.incident_tag:
            lines.append(f"Tagged {outcome.incident_tag}.")
        lines.append(
            f"To undo: git reset --keep {outcome.old[:10]}"
            + (f" && git tag -d {outcome.incident_tag}" if outcome.incident_tag else "")
        )
    elif no_commit and reverted:
        lines.append("Review with git diff --cached, then git commit (the message is prepared).")
        lines.append("To undo: git reset --merge")
    return "\n".join(lines) + "\n"
