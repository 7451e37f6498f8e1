"""The words every module shares, defined once: commit kinds, plan actions, policies, detectors.

Plain strings at run time (the hook path pays nothing for ``enum`` or
``typing``); ``Literal`` types for mypy under ``TYPE_CHECKING``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final, Literal

    #: What a commit is: AI output, a person's work, a squash of both, a merge, or let through unchecked.
    Kind = Literal["ai", "human", "mixed", "merge", "exempt"]
    #: What ai-revert does with a commit of the range.
    Action = Literal["revert", "keep", "skip"]
    #: ai-revert's answer to entanglement (``--entangled``).
    Policy = Literal["stop", "skip", "include"]

AI: Final = "ai"
HUMAN: Final = "human"
MIXED: Final = "mixed"  # a squash merge of AI and human commits
MERGE: Final = "merge"
EXEMPT: Final = "exempt"
KINDS = (AI, HUMAN, MIXED, MERGE, EXEMPT)

REVERT: Final = "revert"
KEEP: Final = "keep"
SKIP: Final = "skip"
ACTIONS = (REVERT, KEEP, SKIP)

POLICIES = ("stop", "skip", "include")

#: name -> what it looks for.  Order is the order of evaluation.
DETECTORS: dict[str, str] = {
    "convention": 'subject label "AI:" (ours; "Human:" marks a human commit and wins)',
    "git-ai-notes": "a git-ai authorship note (refs/notes/ai) attributing lines to an AI session:"
    " ai, or mixed when people's lines are attested too",
    "squash": "a GitHub squash merge whose sections (* subject, its own trailers) carry AI marks:"
    " all of them AI, else mixed",
    "generated-by": "a Generated-by: trailer (ours, ASF)",
    "assisted-by": "an Assisted-by: trailer (Linux kernel, Fedora)",
    "co-authored-by": "a Co-authored-by: trailer whose e-mail is a known AI identity",
    "ai-author": "an author or committer e-mail that is a known AI identity (coding agents)",
    "tool-trailer": "a trailer key that only one AI tool writes (e.g. Claude-Session, Copilot-Session)",
    "aider-author": 'an author name ending in a suffix a tool writes (aider\'s " (aider)")',
    "aider-subject": 'a subject starting with a prefix a tool writes (aider\'s "aider: ")',
    "body-line": "a line a tool documents, at the start of a line of the message (e.g. Claude Code's"
    ' "🤖 Generated with [Claude Code]")',
    "extra-trailers": "a trailer key listed in detectors.extra-trailers (e.g. Co-authored-by-AI, Made-with)",
}
