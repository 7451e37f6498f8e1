"""The words every module shares, defined once: commit kinds, plan actions, policies.

Plain strings at run time (the hook path pays nothing for ``enum`` or
``typing``); ``Literal`` types for mypy under ``TYPE_CHECKING``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    #: What a commit is: AI output, a person's work, a merge, or let through unchecked.
    Kind = Literal["ai", "human", "merge", "exempt"]
    #: What ai-revert does with a commit of the range.
    Action = Literal["revert", "keep", "skip"]
    #: ai-revert's answer to entanglement (``--entangled``).
    Policy = Literal["stop", "skip", "include"]

AI = "ai"
HUMAN = "human"
MERGE = "merge"
EXEMPT = "exempt"
KINDS = (AI, HUMAN, MERGE, EXEMPT)

REVERT = "revert"
KEEP = "keep"
SKIP = "skip"
ACTIONS = (REVERT, KEEP, SKIP)

POLICIES = ("stop", "skip", "include")
