"""The AI/Human commit convention, as small rules over a parsed message.

Pure: a message as git stores it (:class:`~ai_rollback.parsed.Parsed`), the
paths the commit changes (or None when unknown) and the configuration go in;
a :class:`Verdict` with the commit's kind and its violations comes out.

Every rule is one small function with a stable id (the README's rule table),
found through :data:`RULES`, and reports in that table's order; each
violation names the 0-based line of the message it is about (or None) and a
one-line fix.
"""

from __future__ import annotations

from ai_rollback import kinds
from ai_rollback.message import SPACE, Trailer
from ai_rollback.parsed import Parsed
from ai_rollback.rules.base import (
    ASSISTED_KEY,
    KEY_SPELLINGS,
    MODEL_KEY,
    PROMPT_KEY,
    Checked,
    Facts,
    Hints,
    Verdict,
    Violation,
    glued,
)
from ai_rollback.rules.content import (
    assisted_by_format,
    empty_trailer,
    feature_flag,
    files_mismatch_rule,
    human_ai_trailer,
    message_nul,
    missing_trailer,
    prompt_secret,
)
from ai_rollback.rules.placement import trailer_key, trailers_glued, trailers_not_last
from ai_rollback.rules.subject import subject_empty, subject_label

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ai_rollback.config import Config

__all__ = [
    "ASSISTED_KEY",
    "KEY_SPELLINGS",
    "MODEL_KEY",
    "PROMPT_KEY",
    "RULES",
    "Checked",
    "Hints",
    "Verdict",
    "Violation",
    "exemption",
    "glued",
    "judge",
]


def exemption(subject: str, body_lines: Sequence[str], extra: Sequence[str] = ()) -> str | None:
    """Why a non-merge message is let through unchecked, or None.

    Reverts (``Revert "..."``/``Reapply "..."`` with ``This reverts commit``),
    autosquash commits (``fixup!``/``squash!``/``amend!``) and the configured
    ``exempt-subjects``.  Merges are recognised by their parents, not here.
    """
    if subject.startswith(('Revert "', 'Reapply "')) and any(
        line.startswith("This reverts commit ") for line in body_lines
    ):
        return "revert"
    if subject.startswith(("fixup! ", "squash! ", "amend! ")):
        return "autosquash"
    if extra:
        import re

        for pattern in extra:
            if re.search(pattern, subject):
                return "exempt-subjects"
    return None


_IDENTITY_KEYS = ("signed-off-by", "co-authored-by")


def ai_signoff(f: Facts) -> list[Violation]:
    """``rules.identity``, loaded only for a message that names someone (off the usual hook path)."""
    if not any(t.key.lower() in _IDENTITY_KEYS for t in f.msg.trailers):
        return []
    from ai_rollback.rules import identity

    return identity.ai_signoff(f)


def ai_coauthor(f: Facts) -> list[Violation]:
    if not any(t.key.lower() in _IDENTITY_KEYS for t in f.msg.trailers):
        return []
    from ai_rollback.rules import identity

    return identity.ai_coauthor(f)


RULES: tuple[tuple[str, Callable[[Facts], list[Violation]]], ...] = (
    ("subject-label", subject_label),
    ("subject-empty", subject_empty),
    ("missing-trailer", missing_trailer),
    ("empty-trailer", empty_trailer),
    ("assisted-by-format", assisted_by_format),
    ("trailers-glued", trailers_glued),
    ("trailers-not-last", trailers_not_last),
    ("trailer-key", trailer_key),
    ("files-mismatch", files_mismatch_rule),
    ("prompt-secret", prompt_secret),
    ("feature-flag", feature_flag),
    ("human-ai-trailer", human_ai_trailer),
    ("message-nul", message_nul),
    ("ai-signoff", ai_signoff),
    ("ai-coauthor", ai_coauthor),
)


def judge(
    msg: Parsed,
    config: Config,
    changed: Sequence[str] | None = None,
    *,
    is_merge: bool = False,
    hints: Hints | None = None,
) -> Verdict:
    """Judge one message as git stores it; ``changed``: the paths the commit changes, if known."""
    subject, lines = msg.subject, msg.lines
    if msg.nul_line is not None:
        return Verdict(kinds.HUMAN, subject, [], message_nul(Facts(msg, config, None)))
    if is_merge:
        return Verdict(kinds.EXEMPT, subject, msg.trailers, [])
    why = exemption(subject, lines[1:], config.exempt_subjects)
    if why == "autosquash" and subject.startswith("amend! "):
        return _judge_amend(msg, config)
    if why:
        return Verdict(kinds.EXEMPT, subject, msg.trailers, [])
    facts = Facts(msg, config, changed, hints)
    violations = [v for _rule, check in RULES for v in check(facts)]
    violations.sort(key=_report_order)
    return Verdict(facts.kind, subject, msg.trailers, violations)


#: Violations are reported by topic (the subject, secrets, where trailers stand, what they hold),
#: and within a topic in the message's order: misplaced lines by line, required keys as configured.
_ORDER = {
    rule: n
    for n, rule in enumerate(
        (
            "message-nul",
            "subject-empty",
            "subject-label",
            "prompt-secret",
            "trailers-glued",
            "misplaced",
            "required",
            "files-mismatch",
            "feature-flag",
            "human-ai-trailer",
            "identity",
        )
    )
}
_TOPIC = {"trailer-key": "misplaced", "trailers-not-last": "misplaced"}
_TOPIC.update(dict.fromkeys(("ai-signoff", "ai-coauthor"), "identity"))
_TOPIC.update(dict.fromkeys(("assisted-by-format", "missing-trailer", "empty-trailer"), "required"))


def _report_order(v: Violation) -> tuple[int, int]:
    return (_ORDER[_TOPIC.get(v.rule, v.rule)], v.order)


def _judge_amend(msg: Parsed, config: Config) -> Verdict:
    """``amend!`` replaces its target's message with its body: judge that body."""
    lines = msg.lines
    body_start = 1
    while body_start < len(lines) and not lines[body_start].strip(SPACE):
        body_start += 1
    if body_start >= len(lines):
        return Verdict(kinds.EXEMPT, lines[0], msg.trailers, [])
    body = Parsed(
        "".join(line + "\n" for line in lines[body_start:]),
        [Trailer(t.key, t.value, t.line - body_start) for t in msg.trailers],
        msg.comment,
        lambda i: msg.raw_line(i + body_start),
    )
    inner = judge(body, config, None)
    return Verdict(
        kinds.EXEMPT,
        lines[0],
        msg.trailers,
        [
            Violation(v.rule, v.message, None if v.line is None else v.line + body_start, v.fix)
            for v in inner.violations
        ],
    )
