"""Rules on who a message names: AI identities in ``Signed-off-by`` and ``Co-authored-by``.

Only a person can sign off: the DCO certifies that whoever signs may submit
the work, so ``Signed-off-by`` with an AI identity (the tools table, and the
identities a project adds) is always an error.  An AI ``Co-authored-by``
breaks contributor-licence checks (an AI co-author fails EasyCLA);
``ai-coauthor`` says whether it is allowed, a warning (the default) or an
error, and the fix is the Linux kernel's form, ``Assisted-by: AGENT:MODEL``,
which ``check --fix`` writes (:func:`assisted_by`).

The tools table is read only when a message has one of these trailers.
"""

from __future__ import annotations

from ai_rollback import kinds
from ai_rollback.rules.base import Facts, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ai_rollback.agents import Agents, Tool
    from ai_rollback.config import Config

SIGNOFF_KEY = "Signed-off-by"
COAUTHOR_KEY = "Co-authored-by"

#: the tools table with a configuration's own identities, per configuration (built once)
_lookups: dict[int, tuple[Config, Agents]] = {}


def agents_for(config: Config) -> Agents:
    """The AI identities ``config`` knows: the packaged table and ``detectors.ai-identities``."""
    known = _lookups.get(id(config))
    if known is None or known[0] is not config:
        from ai_rollback.classify import detection_from

        known = _lookups[id(config)] = (config, detection_from(config).agents)
    return known[1]


def identity_of(value: str, agents: Agents) -> Tool | None:
    """The AI tool a ``Name <address>`` trailer value names, or None (a person, a non-AI bot)."""
    start, end = value.rfind("<"), value.rfind(">")
    if not 0 <= start < end:
        return None
    tool = agents.by_email(value[start + 1 : end])
    return tool if tool is not None and tool.is_ai else None


def _token(text: str) -> str:
    """One word of ``AGENT:MODEL``: what is in parentheses goes, spaces become dashes
    (``Claude Code`` -> ``Claude-Code``; ``GitHub Copilot (applied suggestions)`` -> ``GitHub-Copilot``)."""
    import re

    plain = re.sub(r"\([^)]*\)", " ", text).replace(":", " ")
    return "-".join(plain.split()) or "unknown"


def assisted_by(value: str, tool: Tool) -> tuple[str, str]:
    """``(Assisted-by value, model)`` for an AI co-author ``Name <address>`` of ``tool``.

    A tool a project named only by a pattern (``ai-identities = ["*@agents.example"]``)
    goes by the co-author's name.
    """
    from ai_rollback.classify import model_in_name

    start = value.rfind("<")
    name = (value[:start] if start >= 0 else value).strip()
    agent = tool.name if not any(c in tool.name for c in "*@<>") else (name or "agent")
    model = model_in_name(name, tool) if agent == tool.name else name or agent
    return f"{_token(agent)}:{_token(model).lower()}", model


def ai_signoff(f: Facts) -> list[Violation]:
    return [v for v in _identities(f) if v.rule == "ai-signoff"]


def ai_coauthor(f: Facts) -> list[Violation]:
    return [v for v in _identities(f) if v.rule == "ai-coauthor"]


def _identities(f: Facts) -> list[Violation]:
    trailers = [t for t in f.msg.trailers if t.key_is(SIGNOFF_KEY) or t.key_is(COAUTHOR_KEY)]
    if not trailers:
        return []
    agents = agents_for(f.config)
    mode = f.config.ai_coauthor
    out = []
    for order, t in enumerate(trailers):
        tool = identity_of(t.value, agents)
        if tool is None:
            continue
        assisted, _model = assisted_by(t.value, tool)
        if t.key_is(SIGNOFF_KEY):
            out.append(
                Violation(
                    "ai-signoff",
                    f'"{t.key}: {t.value}" names an AI ({tool.name}); only a person can sign off '
                    "(the DCO certifies who may submit the work)",
                    t.line,
                    f'sign off yourself (git commit -s) and name the tool as "Assisted-by: {assisted}"',
                    order,
                )
            )
        elif mode != "allow":
            fix = (
                f'write "Assisted-by: {assisted}" instead (`ai-rollback check --fix FILE` does it)'
                if f.kind == kinds.AI
                else f'if the AI wrote it, label the commit "{f.config.ai_label}:" and write '
                f'"Assisted-by: {assisted}"; else drop the line'
            )
            out.append(
                Violation(
                    "ai-coauthor",
                    f'"{t.key}: {t.value}" names an AI ({tool.name}) as a co-author, which '
                    "contributor-licence checks (EasyCLA) reject",
                    t.line,
                    fix,
                    order,
                    level="warning" if mode == "warn" else "error",
                )
            )
    return out
