"""Squash messages that keep attribution, and judging them section by section.

Pure.  :func:`squash_message` writes one message for a run of commits in
GitHub's squash layout, the one ``classify.squash_sections`` reads back (one
format, one parser)::

    AI: <title>

    * AI: <subject of the oldest commit>

    <its body and trailers, as it wrote them>

    * Human: <the next one>
    ...

    ---------

    Generated-by: <each distinct model>
    Prompt: <the prompt, or how many there were>
    Files: <the union of the AI commits' Files>
    Squashed-commits: <count>: <sha>, <sha>, ...

git reads the last paragraph as the message's trailers, so every later tool
sees the AI work; each section is a message of its own, with its own
trailers.  A squash of AI and human commits is ``mixed``: refused unless the
configuration says ``squash = "allow-mixed"``.  :func:`judge_sections` judges
a squash message as the commit-msg hook must: each section by the rules, and
the final ``Files`` against the sections and the staged change.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai_rollback import kinds
from ai_rollback.classify import SQUASH_MARK, SQUASH_SEPARATOR, SQUASHED_KEY, squash_spans
from ai_rollback.filelist import FILES_KEY, listing, quote_path, split_files
from ai_rollback.rules.base import MODEL_KEY, PROMPT_KEY, Violation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence

    from ai_rollback.config import Config
    from ai_rollback.gitconfig import GitSettings
    from ai_rollback.parsed import Parsed
    from ai_rollback.rules.base import Verdict


@dataclass(frozen=True)
class Squashed:
    """One commit of a squash: what its message says, and how it was classified."""

    sha: str
    message: str
    kind: str  # kinds.AI, kinds.HUMAN (or another kind, which counts as not AI)
    model: str | None = None
    prompt: str | None = None
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class SquashText:
    text: str
    kind: str  # ai, human or mixed
    ai: int
    human: int


def _label_off(subject: str, config: Config) -> str:
    for label in (config.ai_label, config.human_label):
        if subject.startswith(label + ":"):
            return subject[len(label) + 1 :].strip()
    return subject.strip()


def _section(message: str) -> str:
    """A commit's message as a section: ``* `` before it; nothing in it can start another section.

    A paragraph starting ``* `` (a bulleted body) would read as a squashed commit of its own,
    and a ``---------`` line as the end of the sections: they become ``- `` and ``--------``.
    """
    lines = message.strip("\n").split("\n")
    for n in range(1, len(lines)):
        if lines[n].startswith("* ") and not lines[n - 1].strip():
            lines[n] = "- " + lines[n][2:]
        if lines[n].rstrip() == SQUASH_SEPARATOR:
            lines[n] = SQUASH_SEPARATOR[1:]
    return "* " + "\n".join(lines)


def squash_message(
    commits: Sequence[Squashed],
    config: Config,
    title: str | None = None,
    changed: Collection[str] | None = None,
) -> SquashText:
    """The message of a squash of ``commits`` (oldest first); see the module doc.

    ``changed``: the paths the squash changes (a file added and deleted again
    within it is not one); the final ``Files`` lists only those.  Exempt
    commits (reverts, ``fixup!``) count as neither AI nor human work.
    """
    if not commits:
        raise ValueError("nothing to squash")
    # a mixed commit (a squash of both, squashed again) is AI and human work at once
    ai = [c for c in commits if c.kind in (kinds.AI, kinds.MIXED)]
    human = sum(1 for c in commits if c.kind in (kinds.HUMAN, kinds.MIXED))
    kind = kinds.MIXED if ai and human else kinds.AI if ai else kinds.HUMAN
    label = config.human_label if kind == kinds.HUMAN else config.ai_label
    first_subject = commits[0].message.split("\n", 1)[0]
    heading = f"{label}: {_label_off(title or first_subject, config)}"
    parts = [heading, *(_section(c.message) for c in commits), SQUASH_SEPARATOR]
    block: list[str] = []
    if ai:
        models = list(dict.fromkeys(c.model for c in ai if c.model))
        block += [f"{MODEL_KEY}: {m}" for m in models]
        prompts = list(dict.fromkeys(" ".join(c.prompt.split()) for c in ai if c.prompt))
        if len(prompts) == 1:
            block.append(f"{PROMPT_KEY}: {prompts[0]}")
        elif prompts:
            block.append(f"{PROMPT_KEY}: {len(prompts)} prompts, each in its squashed commit above")
        files = [f for f in dict.fromkeys(f for c in ai for f in c.files) if changed is None or f in changed]
        if files:
            block.append(f"{FILES_KEY}: " + ", ".join(quote_path(f) for f in files))
    block.append(f"{SQUASHED_KEY}: {len(commits)}: " + ", ".join(c.sha[:12] for c in commits))
    text = "\n\n".join([*parts, "\n".join(block)]) + "\n"
    return SquashText(text, kind, len(ai), human)


def mixed_refusal(found: SquashText) -> tuple[str, str]:
    """What to say when a squash mixes AI and human commits: (message, hint)."""
    return (
        f"this squash mixes {found.ai} AI and {found.human} human commit{'s' if found.human != 1 else ''}: "
        "one commit of both can only be reverted whole",
        "merge without squashing (a merge commit, or rebase), or squash the AI and the human commits "
        'apart; squash = "allow-mixed" in the configuration lets it through, read back as mixed',
    )


def is_squash_message(text: str) -> bool:
    """A message :func:`squash_message` wrote: sections, the separator, and its ``Squashed-commits``."""
    return SQUASH_MARK in text and f"\n{SQUASH_SEPARATOR}\n" in text and squash_spans(text) is not None


def section_kind(section: str, config: Config) -> str:
    """A section's kind as ``log`` reads it back (the detectors, on its text alone); exempt: neither."""
    from ai_rollback import classify, rules

    lines = section.split("\n")
    if rules.exemption(lines[0], lines[1:], config.exempt_subjects):
        return kinds.EXEMPT
    found = classify.classify_text(section, classify.detection_from(config), frozenset({"squash"}))
    return kinds.AI if found.kind == kinds.AI else kinds.HUMAN


def judge_sections(
    text: str,
    config: Config,
    settings: GitSettings,
    changed: Sequence[str] | None,
) -> tuple[str, list[Violation]]:
    """Judge a squash message (as git stores it) section by section: ``(kind, violations)``.

    Each section is classified as ``log`` reads it back; a labelled one is
    judged by the rules as its own commit's message was (no staged paths: a
    section's ``Files`` are its own commit's).  The final ``Files`` names no
    file that no AI section lists (when each lists its files), and every file
    an AI section lists that the squash changes.
    """
    from ai_rollback import parsed, rules

    spans = squash_spans(text) or []
    violations: list[Violation] = []
    ai_files: list[str] = []
    complete = True  # every AI section lists its files
    ai = human = 0
    labels = (config.ai_label + ":", config.human_label + ":")
    for start, section in spans:
        kind = section_kind(section, config)
        msg = parsed.from_commit(section, settings)
        listed = split_files(t.value for t in msg.trailers if t.key_is(FILES_KEY))
        if kind == kinds.AI:
            ai += 1
            ai_files += listed
            complete = complete and bool(listed)
        elif kind == kinds.HUMAN:
            human += 1
        if kind == kinds.EXEMPT or not section.startswith(labels):
            continue  # another tool's commit, or one let through: its kind is all that counts
        subject = section.split("\n", 1)[0]
        for v in rules.judge(msg, config, None).violations:
            violations.append(
                Violation(
                    v.rule,
                    f"squashed commit {subject!r}: {v.message}",
                    None if v.line is None else v.line + start,
                    v.fix,
                    v.order,
                    v.level,
                )
            )
    kind = kinds.MIXED if ai and human else kinds.AI if ai else kinds.HUMAN
    final = parsed.from_commit(text, settings)
    listed = split_files(t.value for t in final.trailers if t.key_is(FILES_KEY))
    files_line = next((t.line for t in final.trailers if t.key_is(FILES_KEY)), None)
    union = list(dict.fromkeys(ai_files))
    extra = [f for f in listed if f not in union] if complete else []
    missing = [f for f in union if f not in listed and (changed is None or f in changed)]
    if ai and (missing or extra):
        what = "; ".join(
            part
            for part in (
                f"in a squashed AI commit and changed, but not listed: {listing(missing)}" if missing else "",
                f"listed but in no squashed AI commit: {listing(extra)}" if extra else "",
            )
            if part
        )
        violations.append(
            Violation(
                "files-mismatch",
                f"the squash's \"Files:\" does not match its AI commits' Files ({what})",
                files_line,
                "write the message with `ai-rollback squash-message RANGE`",
            )
        )
    if kind == kinds.MIXED and changed is not None:
        unstaged = [f for f in listed if f not in set(changed)]
        if unstaged:
            violations.append(
                Violation(
                    "files-mismatch",
                    f"the squash's AI commits list files it does not change: {listing(unstaged)}",
                    files_line,
                    "squash exactly the commits the message lists",
                )
            )
    if kind == kinds.MIXED and config.squash != "allow-mixed":
        message, hint = mixed_refusal(SquashText(text, kind, ai, human))
        violations.append(Violation("mixed-squash", message, 0, hint))
    return kind, violations


def judge_squash(
    verdict: Verdict,
    msg: Parsed,
    config: Config,
    settings: GitSettings,
    changed: Sequence[str] | None,
    rejudge: Callable[[], Verdict],
) -> Verdict:
    """``verdict`` of a message in the squash layout, completed by :func:`judge_sections`.

    A mixed squash is judged again without the staged paths (``rejudge``): its
    final ``Files`` names the AI work only, which :func:`judge_sections` checks.
    """
    kind, extra = judge_sections(msg.text, config, settings, changed)
    if kind == kinds.MIXED:
        verdict = rejudge()
        verdict.kind = kinds.MIXED
    verdict.violations.extend(extra)
    return verdict
