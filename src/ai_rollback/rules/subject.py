"""Rules on the subject line: ``subject-label`` and ``subject-empty``."""

from __future__ import annotations

from ai_rollback.message import SPACE
from ai_rollback.rules.base import Facts, Violation


def _subject_problem(subject: str, ai: str, human: str) -> Violation | None:
    for label in (ai, human):
        if subject.startswith(label + ":"):
            rest = subject[len(label) + 1 :]
            if not rest.strip(SPACE):
                return Violation(
                    "subject-empty",
                    f'the subject is only "{label}:"; it needs a summary',
                    0,
                    f'write "{label}: <what the commit does>"',
                )
            if not rest.startswith(" "):
                return Violation(
                    "subject-label", f'put a space after "{label}:"', 0, f'write "{label}: {rest.lstrip()}"'
                )
            return None
    head = subject.split(":", 1)[0].strip(" []()")
    for label in (ai, human):
        if head.lower() == label.lower():
            return Violation(
                "subject-label",
                f'the label must be written exactly "{label}:"',
                0,
                f'start the subject with "{label}: "',
            )
    return Violation(
        "subject-label",
        f'the subject must start with "{ai}:" or "{human}:"',
        0,
        f'write "{human}: <summary>" for your own work, or "{ai}: <summary>" plus '
        "Generated-by/Prompt/Files trailers for AI output",
    )


def subject_empty(f: Facts) -> list[Violation]:
    problem = _subject_problem(f.msg.subject, f.config.ai_label, f.config.human_label)
    return [problem] if problem and problem.rule == "subject-empty" else []


def subject_label(f: Facts) -> list[Violation]:
    problem = _subject_problem(f.msg.subject, f.config.ai_label, f.config.human_label)
    return [problem] if problem and problem.rule == "subject-label" else []
