"""Reading history for the report: classified entries, counters, release segments.

Commits come from one streamed ``git log`` in the one format of
:mod:`ai_rollback.git.log`; each is classified as ai-revert classifies it.
Files of an AI commit are its ``Files:`` trailer, else what git says it
changed (:func:`resolve_files`, batched).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ai_rollback import classify, kinds
from ai_rollback.credentials import redact_text
from ai_rollback.filelist import credited, is_pattern, listed_files
from ai_rollback.git.log import LogCommit, iter_listed, iter_log
from ai_rollback.git.run import Git
from ai_rollback.gitconfig import GitSettings
from ai_rollback.message import Trailer, parse_trailers

if TYPE_CHECKING:
    from ai_rollback.kinds import Kind


@dataclass(slots=True)
class Entry:
    sha: str
    kind: Kind
    model: str | None
    subject: str
    files: list[str] | None
    lines: int | None = None
    release: str | None = None
    ai_lines: int | None = None  # lines its git-ai note attributes to AI, where it has one
    prompt: str | None = None  # an AI commit's Prompt, its first line, redacted (the general path only)
    models: tuple[str, ...] = ()  # a squash's models when its AI commits name several (``model``: the first)

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "sha": self.sha,
            "kind": self.kind,
            "model": self.model,
            "subject": self.subject,
            "files": self.files or [],
        }
        if self.lines is not None:
            out["lines"] = self.lines
        if self.release is not None:
            out["release"] = self.release
        return out


@dataclass
class Totals:
    commits: int = 0
    ai: int = 0
    human: int = 0
    mixed: int = 0  # squashes of AI and human work: neither AI nor human
    merges: int = 0
    lines: int = 0
    ai_lines: int = 0
    models: Counter[str] = field(default_factory=Counter)
    files: Counter[str] = field(default_factory=Counter)

    def add(self, entry: Entry) -> None:
        self.commits += 1
        if entry.kind == kinds.AI:
            self.ai += 1
            self.models.update(entry.models or (entry.model or "unknown",))  # a squash: each model once
            for path in entry.files or []:
                self.files[path] += 1
            self.ai_lines += entry.ai_lines if entry.ai_lines is not None else entry.lines or 0
        elif entry.kind == kinds.MERGE:
            self.merges += 1
        elif entry.kind == kinds.MIXED:
            self.mixed += 1
            self.models.update(entry.models or (entry.model or "unknown",))
            self.ai_lines += entry.ai_lines or 0
        else:
            self.human += 1
        self.lines += entry.lines or 0

    def merge(self, other: Totals) -> None:
        self.commits += other.commits
        self.ai += other.ai
        self.human += other.human
        self.mixed += other.mixed
        self.merges += other.merges
        self.lines += other.lines
        self.ai_lines += other.ai_lines
        self.models.update(other.models)
        self.files.update(other.files)

    def share(self) -> float:
        judged = self.commits - self.merges
        return round(self.ai / judged, 4) if judged else 0.0

    def as_json(self, with_lines: bool) -> dict[str, object]:
        out: dict[str, object] = {
            "commits": self.commits,
            "ai_commits": self.ai,
            "human_commits": self.human,
            "mixed_commits": self.mixed,
            "merges": self.merges,
            "ai_share": self.share(),
            "models": dict(self.models.most_common()),
        }
        if with_lines:
            out["lines"] = {
                "changed": self.lines,
                "ai": self.ai_lines,
                "ai_share": round(self.ai_lines / self.lines, 4) if self.lines else 0.0,
            }
        return out


def ai_facts(trailers: list[Trailer]) -> tuple[str | None, list[str]]:
    """Model and listed files of an AI commit (the model as :func:`classify.model_of` reads it)."""
    return classify.model_of(trailers), listed_files(trailers)


class Reader:
    """Turns ``git log`` output into classified entries."""

    def __init__(self, git: Git, detection: classify.Detection, settings: GitSettings) -> None:
        self.git = git
        self.detection = detection
        self.settings = settings
        self._human = detection.human_label + ":"

    def classify(self, commit: LogCommit) -> Entry:
        subject = redact_text(commit.title)  # a report is shared: no key copied into it
        if commit.is_merge:
            return Entry(commit.sha, kinds.MERGE, None, subject, [])
        if (
            "convention" in self.detection.enabled
            and subject.startswith(self._human)
            and "\nSquashed-commits: " not in commit.message  # a squash: its sections decide (classify.py)
        ):
            return Entry(commit.sha, kinds.HUMAN, None, subject, None)
        found, trailers = classify.classify_stored(commit, self.detection, self.settings)
        files = None
        prompt = None
        if found.kind == kinds.AI:
            files = ai_facts(trailers)[1] or None
        if found.kind in (kinds.AI, kinds.MIXED):  # a mixed squash's trailers keep its AI commits' prompt
            written = next((t.value for t in trailers if t.key_is("Prompt")), None)
            prompt = redact_text(written.split("\n", 1)[0]) if written else None
        model = redact_text(found.model) if found.model else found.model
        models = tuple(redact_text(m) for m in found.models)
        return Entry(commit.sha, found.kind, model, subject, files, prompt=prompt, models=models)

    def trailers(self, body: str) -> list[Trailer]:
        """The trailers of a stored message, read as ai-revert reads them."""
        s = self.settings
        return parse_trailers(body, s.parse_comment, s.separators, s.configured)

    def entries(self, revisions: Sequence[str], numstat: bool) -> Iterator[Entry]:
        options = ("--numstat", "--no-renames") if numstat else ("--name-status", "--no-renames")
        for commit in iter_log(self.git, revisions, *options):
            entry = self.classify(commit)
            entry.lines = commit.lines or 0
            note = self.detection.notes.get(commit.sha)
            if note is not None and entry.kind in (kinds.AI, kinds.MIXED):
                entry.ai_lines = note.ai_lines  # git-ai counted them line by line
            if entry.files is None or entry.kind != kinds.AI:
                entry.files = commit.paths
            elif any(map(is_pattern, entry.files)):
                entry.files = credited(entry.files, commit.paths)  # a dir/ or a glob: what it covers
            yield entry


def resolve_files(git: Git, entries: list[Entry]) -> None:
    """Changed paths of AI commits that list none (other tools' commits), in one git call."""
    missing = {e.sha: e for e in entries if e.kind == kinds.AI and e.files is None}
    if not missing:
        return
    for commit in iter_listed(git, list(missing)):
        entry = missing.get(commit.sha)
        if entry is not None:
            entry.files = list(commit.paths)


@dataclass
class Segment:
    release: str | None  # None: the whole range, or what is not released yet ("unreleased")
    revisions: list[str]


def segments(
    revisions: Sequence[str],
    positives: Sequence[str],
    negatives: Sequence[str],
    releases: Sequence[str],
    by_release: bool,
) -> list[Segment]:
    """The range as given, or split by release (each commit in the first release that has it).

    ``revisions`` are the user's (checked) words, which git reads the same way
    whether the command or :func:`entry._fast_log` asks first.
    """
    if not by_release:
        return [Segment(None, list(revisions))]
    exclude = [f"^{n}" for n in negatives]
    out = []
    earlier: list[str] = []
    for tag in releases:
        out.append(Segment(tag, [tag, *[f"^{e}" for e in earlier], *exclude]))
        earlier.append(tag)
    out.append(Segment("unreleased", [*positives, *[f"^{e}" for e in earlier], *exclude]))
    return list(reversed(out))  # newest first, like git log
