"""``ai-revert``: revert the AI commits of a range, all or nothing.

gather -> sanity checks -> plan -> (confirm) -> build -> apply, as
git-filter-repo and pre-commit's staged-files-only do destructive work, one
module per stage:

* ``state``: the repository may be changed (a branch, nothing in progress,
  no local change in the way).
* ``gather``: the range, one streamed ``git log`` of it and everything after
  it up to HEAD, and the ``-U0`` diffs the planner asks for
  (``ai_rollback.plan`` decides).
* ``build``: each revert as new objects only (``git merge-tree``, or a
  direct tree edit where nothing changed since).
* ``apply``: the branch moves once in a ref transaction that checks its old
  value, index and work tree are updated once, Ctrl-C is held off and rolls
  everything back.
* ``journal``: what a killed run leaves behind (the journal, a copy of the
  index) and the work-tree moves; ``recover``: what the next run does first;
  ``lock``: one run at a time.
* ``output``: the plan and the outcome, as text or JSON.
* ``runner``: :class:`Runner` ties the stages together.

Importing this package loads no click, jinja2 or GitPython.
"""

from __future__ import annotations

from ai_rollback.revert.errors import Conflict, Entanglement, Refused
from ai_rollback.revert.journal import JOURNAL
from ai_rollback.revert.output import plan_text, progress_printer, summary, write_plan_json
from ai_rollback.revert.recover import recover
from ai_rollback.revert.runner import CRASH_ENV, Options, Outcome, Runner

__all__ = [
    "CRASH_ENV",
    "JOURNAL",
    "Conflict",
    "Entanglement",
    "Options",
    "Outcome",
    "Refused",
    "Runner",
    "plan_text",
    "progress_printer",
    "recover",
    "summary",
    "write_plan_json",
]
