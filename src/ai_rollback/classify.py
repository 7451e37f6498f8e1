"""Which commits are AI output: our convention, and the marks other tools leave.

Pure: commit facts in, a :class:`Classification` out.  The detectors form a
documented table (README "Detectors"); each can be switched off, and the
identities and trailer keys they look for extended, in
``[tool.ai-rollback.detectors]``.

Rules of evidence (from the tools' own documentation, see the README):

* trailers are read as git parses them, never grepped out of prose;
* AI identities are matched by e-mail address (exact, or a GitHub
  ``<id>+<login>@users.noreply.github.com`` login), never by a first name:
  a person called Claude is a person;
* our ``Human:`` label is an explicit statement and wins over other marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from ai_rollback import kinds
from ai_rollback.agents import Agents, Tool, table
from ai_rollback.gitconfig import GitSettings
from ai_rollback.kinds import DETECTORS
from ai_rollback.message import Trailer, parse_trailers
from ai_rollback.notes import Note
from ai_rollback.rules import ASSISTED_KEY, MODEL_KEY

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ai_rollback.config import Config
    from ai_rollback.kinds import Kind


def _agents() -> Agents:
    return Agents(table())


@dataclass(frozen=True)
class Detection:
    """Detector settings: which are on, the tools table (with the identities a project adds)."""

    enabled: frozenset[str] = frozenset(DETECTORS)
    agents: Agents = field(default_factory=_agents)
    extra_trailers: tuple[str, ...] = ("Co-authored-by-AI", "Made-with")
    ai_label: str = "AI"
    human_label: str = "Human"
    notes: Mapping[str, Note] = field(default_factory=dict)  # git-ai's, by commit (refs/notes/ai)
    #: ``exempt-subjects``: a squashed commit with such a subject is neither AI nor human work
    exempt_subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Classification:
    kind: Kind
    reason: str
    model: str | None = None
    detector: str | None = None
    #: a squash's models, when its AI commits name more than one (``model`` is the first)
    models: tuple[str, ...] = ()


def _email(value: str) -> str:
    """The address inside ``Name <addr>`` (or the value itself), lower-cased."""
    start, end = value.rfind("<"), value.rfind(">")
    address = value[start + 1 : end] if 0 <= start < end else value
    return address.strip().lower()


def _name(value: str) -> str:
    start = value.rfind("<")
    return (value[:start] if start >= 0 else value).strip()


def wildcard_match(text: str, pattern: str) -> bool:
    """``*`` matches anything; every other character, ``[`` included, is literal."""
    parts = pattern.split("*")
    if len(parts) == 1:
        return text == pattern
    if not text.startswith(parts[0]) or not text.endswith(parts[-1]):
        return False
    pos = len(parts[0])
    end = len(text) - len(parts[-1])
    for part in parts[1:-1]:
        found = text.find(part, pos, end)
        if found < 0:
            return False
        pos = found + len(part)
    return pos <= end


def model_in_name(name: str, tool: Tool) -> str:
    """The model a co-author's name carries: ``aider (gpt-5.4)`` -> gpt-5.4; ``Claude Opus 4.5``
    as it is; ``Claude Opus 4.6 (1M context)`` -> Claude Opus 4.6 (the parentheses hold a model
    only after a bare tool name); a bare login (``google-labs-jules[bot]``): the tool's name."""
    name = name.strip()
    if name.endswith(")") and "(" in name:
        before, inner = name[: name.rindex("(")].strip(), name[name.rindex("(") + 1 : -1].strip()
        bare = before.lower() in {tool.name.lower(), *tool.name.lower().split()}
        if bare and inner:
            return inner
        name = before or name
    if not name or name.endswith("[bot]"):
        return tool.name
    return name


def _first(trailers: list[Trailer], key: str) -> Trailer | None:
    return next((t for t in trailers if t.key_is(key)), None)


_MODEL_LOWER, _ASSISTED_LOWER = MODEL_KEY.lower(), ASSISTED_KEY.lower()


def model_of(trailers: list[Trailer]) -> str | None:
    """The model a message names: Generated-by, else the MODEL of Assisted-by AGENT:MODEL.

    The first of each key counts (keys compared as git does, without case).
    """
    generated = assisted = None
    for trailer in trailers:  # one pass: this runs for every AI commit a report reads
        key = trailer.key.lower()
        if key == _MODEL_LOWER and generated is None:
            if trailer.value:
                return trailer.value
            generated = trailer
        elif key == _ASSISTED_LOWER and assisted is None:
            assisted = trailer
    if assisted and assisted.value:
        first = assisted.value.split(" ", 1)[0]
        return first.partition(":")[2] or first
    return None


class StoredCommit(Protocol):
    """What :func:`classify_stored` reads of a commit (``LogCommit`` has it)."""

    @property
    def sha(self) -> str: ...
    @property
    def parents(self) -> list[str]: ...
    @property
    def subject(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def author_name(self) -> str: ...
    @property
    def author_email(self) -> str: ...
    @property
    def committer_email(self) -> str: ...


_mark_patterns: dict[tuple[object, ...], re.Pattern[str]] = {}


def _may_carry_marks(commit: StoredCommit, detection: Detection, separators: str) -> bool:
    """False only when no detector could fire: most commits of a real history, at a regex's cost.

    Every trailer a detector reads starts a line with its key (git allows
    blanks before the separator); documented lines, squash sections, the
    subject, the author's name and the identities are checked as
    :func:`classify` checks them.  (With ``trailer.<name>.key`` aliases
    configured, git may read other keys as these: the full parse runs.)
    """
    if commit.sha in detection.notes or len(commit.parents) > 1:
        return True
    agents = detection.agents
    keys = (
        "generated-by",
        "assisted-by",
        "co-authored-by",
        "reverts",
        *detection.extra_trailers,
        *agents.trailer_keys,
    )
    cache_key = (keys, separators, id(agents))
    pattern = _mark_patterns.get(cache_key)
    if pattern is None:
        alternatives = "|".join(re.escape(k) for k in keys)
        pattern = re.compile(rf"(?im)^(?:{alternatives})[ \t]*[{re.escape(separators)}]")
        _mark_patterns[cache_key] = pattern
    message = commit.message
    if pattern.search(message) or "\n* " in message:
        return True
    if commit.subject.startswith((detection.ai_label + ":", detection.human_label + ":")):
        return True
    if agents.by_subject(commit.subject) or agents.by_author_name(commit.author_name):
        return True
    if agents.by_email(commit.author_email) or agents.by_email(commit.committer_email):
        return True
    return agents.by_body(message) is not None


def classify_stored(
    commit: StoredCommit, detection: Detection, settings: GitSettings
) -> tuple[Classification, list[Trailer]]:
    """Classify a stored commit, its trailers parsed with the repository's settings; both."""
    if not settings.configured and not _may_carry_marks(commit, detection, settings.separators):
        return Classification(kinds.HUMAN, "no AI marks"), []
    trailers = parse_trailers(
        commit.message, settings.parse_comment, settings.separators, settings.configured
    )
    found = classify(
        parents=len(commit.parents),
        subject=commit.subject,
        message=commit.message,
        author_name=commit.author_name,
        author_email=commit.author_email,
        committer_email=commit.committer_email,
        detection=detection,
        trailers=trailers,
        note=detection.notes.get(commit.sha) if "git-ai-notes" in detection.enabled else None,
    )
    return found, trailers


def classify(
    *,
    parents: int,
    subject: str,
    message: str,
    author_name: str,
    author_email: str,
    committer_email: str,
    detection: Detection,
    trailers: list[Trailer] | None = None,
    note: Note | None = None,
) -> Classification:
    """Classify one commit.  ``message`` is the full stored message; ``note`` its git-ai note."""
    if parents > 1:
        return Classification(kinds.MERGE, "merge commit: its changes are judged commit by commit")
    on = detection.enabled
    if trailers is None:
        trailers = parse_trailers(message)
    model = model_of(trailers)
    if "convention" in on:
        models: tuple[str, ...] = ()
        if "squash" in on and SQUASH_MARK in message and "\n* " in message:
            # a labelled squash that ``squash-message`` wrote: its sections say what it holds
            squashed = _squash(message, trailers, detection)
            if squashed is not None and squashed.kind == kinds.MIXED:
                return squashed
            models = squashed.models if squashed is not None else ()
        if subject.startswith(detection.human_label + ":"):
            return Classification(kinds.HUMAN, f'labelled "{detection.human_label}:"', None, "convention")
        if subject.startswith(detection.ai_label + ":"):
            label = f'labelled "{detection.ai_label}:"'
            return Classification(kinds.AI, label, model, "convention", models)
    if note is not None and note.ai_lines:
        who = note.model or note.tool
        if note.human_lines:
            return Classification(
                kinds.MIXED,
                f"git-ai note: {note.ai_lines} AI lines, {note.human_lines} by people",
                model or who,
                "git-ai-notes",
            )
        return Classification(
            kinds.AI, f"git-ai note: {note.ai_lines} AI lines", model or who, "git-ai-notes"
        )
    if "squash" in on and "\n* " in message:
        squashed = _squash(message, trailers, detection)
        if squashed is not None:
            return squashed
    if "generated-by" in on and _first(trailers, MODEL_KEY):
        return Classification(kinds.AI, "Generated-by: trailer", model, "generated-by")
    if "assisted-by" in on and _first(trailers, ASSISTED_KEY):
        return Classification(kinds.AI, "Assisted-by: trailer", model, "assisted-by")
    agents = detection.agents
    if "co-authored-by" in on:
        for t in trailers:
            if t.key_is("Co-authored-by"):
                tool = agents.by_email(_email(t.value))
                if tool is not None and tool.is_ai:
                    return Classification(
                        kinds.AI,
                        f"Co-authored-by: {tool.name}",
                        model or model_in_name(_name(t.value), tool),
                        "co-authored-by",
                    )
    if "co-authored-by" in on and "co-authored-by" in message.lower():
        # a whole "Co-authored-by: Name <addr>" line outside the last paragraph (say, before an
        # "Executed-By:" paragraph): git reads no trailer there, but the line names an AI identity
        for line in message.split("\n")[1:]:
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() == "co-authored-by" and "<" in value:
                tool = agents.by_email(_email(value))
                if tool is not None and tool.is_ai:
                    return Classification(
                        kinds.AI,
                        f"a Co-authored-by: {tool.name} line (outside the trailers)",
                        model or model_in_name(_name(value), tool),
                        "co-authored-by",
                    )
    if "ai-author" in on:
        for who, address in (("author", author_email), ("committer", committer_email)):
            tool = agents.by_email(address)
            if tool is not None and tool.is_ai:
                return Classification(kinds.AI, f"{who} is {tool.name}", model or tool.name, "ai-author")
    if "tool-trailer" in on:
        for t in trailers:
            tool = agents.trailer_keys.get(t.key.lower())
            if tool is not None and tool.is_ai:
                return Classification(
                    kinds.AI, f"{t.key}: trailer ({tool.name})", model or tool.name, "tool-trailer"
                )
    if "aider-author" in on:
        tool = agents.by_author_name(author_name)
        if tool is not None:
            return Classification(kinds.AI, f"author name of {tool.name}", model or tool.name, "aider-author")
    if "aider-subject" in on:
        tool = agents.by_subject(subject)
        if tool is not None:
            return Classification(
                kinds.AI, f"subject prefix of {tool.name}", model or tool.name, "aider-subject"
            )
    if "body-line" in on:
        tool = agents.by_body(message)
        if tool is not None:
            return Classification(
                kinds.AI, f"{tool.name}'s line in the message", model or tool.name, "body-line"
            )
    if "extra-trailers" in on:
        for key in detection.extra_trailers:
            found = _first(trailers, key)
            if found:
                return Classification(
                    kinds.AI, f"{found.key}: trailer", model or found.value or None, "extra-trailers"
                )
    return Classification(kinds.HUMAN, "no AI marks")


#: The line GitHub puts between a squash's sections and its co-author block.
SQUASH_SEPARATOR = "---------"
#: The trailer ``ai-rollback squash-message`` ends a squash with: what tells its layout from prose
#: that happens to hold a ``* `` paragraph and a line of dashes.
SQUASHED_KEY = "Squashed-commits"
SQUASH_MARK = f"\n{SQUASHED_KEY}: "


def squash_sections(message: str) -> list[str] | None:
    """The squashed commits of a squash merge's message, each as a message of its own.

    GitHub's default squash body lists each commit as a paragraph starting
    ``* <subject>``, its body and trailers after it, then optionally a
    ``---------`` line and the co-author block.  GitLab's ``%{all_commits}``
    (in a squash commit template) is the same list without the separator:
    each commit's whole message after ``* ``, newest first, the sections
    apart by a blank line; the template may put the title before it, or
    nothing.  None when the message does not start that way (a list in prose
    is one paragraph of ``*`` lines, not sections: each section must start a
    paragraph).  ``ai-rollback squash-message`` writes GitHub's layout.
    """
    spans = squash_spans(message)
    return None if spans is None else [text for _start, text in spans]


def squash_spans(message: str) -> list[tuple[int, str]] | None:
    """:func:`squash_sections` with the 0-based line of the message each section starts at."""
    lines = message.split("\n")
    if lines[0].startswith("* "):
        first = 0  # GitLab's %{all_commits} alone: the first commit's subject is the message's
    elif len(lines) >= 3 and not lines[1].strip() and lines[2].startswith("* "):
        first = 2
    else:
        return None
    sections: list[tuple[int, list[str]]] = []
    for n, line in enumerate(lines[first:], first):
        if line.rstrip() == SQUASH_SEPARATOR:
            break
        if line.startswith("* ") and (n == 0 or not lines[n - 1].strip()):
            sections.append((n, [line[2:]]))
        elif sections:
            sections[-1][1].append(line)
    if len(sections) < 2 and SQUASH_SEPARATOR not in lines:
        return None  # one "* " paragraph and no separator: an ordinary bulleted body
    return [(start, "\n".join(section).strip("\n") + "\n") for start, section in sections]


def squash_parts(message: str, detection: Detection) -> list[tuple[Classification, list[Trailer]]] | None:
    """Each squashed commit of a squash's message (:func:`squash_sections`) that is work of its
    own, classified as a message of its own, with its trailers; None when it is no squash."""
    sections = squash_sections(message)
    if sections is None:
        return None
    from ai_rollback.rules import exemption

    # a revert or a fixup! among them is neither AI nor human work of its own
    exempt = detection.exempt_subjects
    sections = [t for t in sections if not exemption(t.split("\n", 1)[0], t.split("\n")[1:], exempt)]
    # each section as a message of its own (no squash inside it): one Detection for all of them
    sectional = replace(detection, enabled=detection.enabled - {"squash"}, notes={})
    parts = []
    for text in sections:
        trailers = parse_trailers(text)
        parts.append((classify_text(text, sectional, trailers=trailers), trailers))
    return parts


def _squash(message: str, trailers: list[Trailer], detection: Detection) -> Classification | None:
    """AI when every squashed commit is AI, mixed when some are; None when none shows a mark."""
    parts = squash_parts(message, detection)
    if parts is None:
        return None
    found = [f for f, _ in parts]
    ai = [f for f in found if f.kind == kinds.AI]
    n = len(found)
    if not n:
        return None
    sectional = replace(detection, enabled=detection.enabled - {"squash"}, notes={})
    if ai:
        named = tuple(dict.fromkeys(f.model for f in ai if f.model))
        model = named[0] if named else None
        models = named if len(named) > 1 else ()
        if len(ai) == n:
            return Classification(kinds.AI, f"a squash of {n} AI commits", model, "squash", models)
        return Classification(
            kinds.MIXED, f"a squash of {len(ai)} AI and {n - len(ai)} other commits", model, "squash", models
        )
    tail = classify_text(
        "\n\n" + "".join(f"{t.key}: {t.value}\n" for t in trailers), sectional, trailers=trailers
    )
    if tail.kind == kinds.AI and n > 1:
        # an AI co-authored some of the squashed commits, and none of them says which
        return Classification(
            kinds.MIXED, f"a squash of {n} commits, co-authored by AI ({tail.reason})", tail.model, "squash"
        )
    return None


def classify_text(
    text: str,
    detection: Detection,
    without: frozenset[str] = frozenset(),
    trailers: list[Trailer] | None = None,
) -> Classification:
    """A message's kind by its text alone (no author, no note), detectors ``without`` left out.

    What a squash's section, or a message being written, can say for itself.
    """
    if without:
        detection = replace(detection, enabled=detection.enabled - without, notes={})
    return classify(
        parents=1,
        subject=text.split("\n", 1)[0],
        message=text,
        author_name="",
        author_email="",
        committer_email="",
        detection=detection,
        trailers=trailers,
    )


def reverted_targets(message: str, trailers: list[Trailer] | None = None) -> list[str]:
    """Commits a revert commit reverts: ``This reverts commit <sha>.`` lines, ``Reverts:`` trailers."""
    marker = "This reverts commit "
    found: list[str] = []
    for line in message.split("\n"):
        if line.startswith(marker):
            rest = line[len(marker) :]
            sha = rest[: len(rest) - len(rest.lstrip("0123456789abcdef"))]
            if len(sha) >= 7 and sha not in found:
                found.append(sha)
    for sha in reverts_trailers(trailers or []):
        if sha not in found:
            found.append(sha)
    return found


def reverts_trailers(trailers: list[Trailer]) -> list[str]:
    """Commits named by our ``Reverts:`` trailers."""
    return [t.value.split()[0] for t in trailers if t.key_is("Reverts") and t.value]


def detection_from(config: Config, notes: Mapping[str, Note] | None = None) -> Detection:
    """The detectors as ``[tool.ai-rollback.detectors]`` configures them (and git-ai's notes)."""
    settings = config.detectors
    extra: dict[str, str] = {}
    for entry in settings.ai_identities:
        pattern, _, tool = entry.partition("=")
        extra[pattern.strip().lower()] = tool.strip() or pattern.strip()
    return Detection(
        settings.enabled,
        Agents(table(config.cache_dir), extra),
        tuple(settings.extra_trailers),
        config.ai_label,
        config.human_label,
        notes or {},
        tuple(config.exempt_subjects),
    )
