"""``ai-rollback log``: who wrote what, AI or human, per model and per release.

One streamed ``git log`` per release segment (no diffs), read one pipe-full
at a time: the report keeps only counters, so memory does not grow with the
range.  Commits labelled "Human:" never become Python objects; the others'
trailers are parsed as ai-revert parses them (git's rules, :mod:`message`).
Files come from the AI commits' ``Files:`` trailers (a name-status lookup,
batched, for AI commits that have none); with ``--lines`` every commit's
``--numstat`` is read too, which is what the share of changed lines costs.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import IO, TYPE_CHECKING

from ai_rollback import classify, kinds
from ai_rollback.filelist import split_files
from ai_rollback.git.log import (
    MESSAGE,
    NFIELDS,
    PARENTS,
    SHA,
    TITLE,
    LogCommit,
    iter_listed,
    iter_log,
    iter_rows,
)
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
    merges: int = 0
    lines: int = 0
    ai_lines: int = 0
    models: Counter[str] = field(default_factory=Counter)
    files: Counter[str] = field(default_factory=Counter)

    def add(self, entry: Entry) -> None:
        self.commits += 1
        if entry.kind == kinds.AI:
            self.ai += 1
            self.models[entry.model or "unknown"] += 1
            for path in entry.files or []:
                self.files[path] += 1
            self.ai_lines += entry.lines or 0
        elif entry.kind == kinds.MERGE:
            self.merges += 1
        else:
            self.human += 1
        self.lines += entry.lines or 0

    def merge(self, other: Totals) -> None:
        self.commits += other.commits
        self.ai += other.ai
        self.human += other.human
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


def _ai_facts(trailers: list[Trailer]) -> tuple[str | None, list[str]]:
    """Model and files of an "AI:" commit (the model as :func:`classify.model_of` reads it)."""
    generated = assisted = None
    files = []
    for trailer in trailers:
        key = trailer.key.lower()
        if key == "files":
            files.append(trailer.value)
        elif key == "generated-by":
            generated = trailer.value if generated is None else generated
        elif key == "assisted-by":
            assisted = trailer.value if assisted is None else assisted
    if generated or not assisted:
        return generated or None, split_files(files)
    return classify.model_of(trailers), split_files(files)


class Reader:
    """Turns ``git log`` output into classified entries."""

    def __init__(self, git: Git, detection: classify.Detection, settings: GitSettings) -> None:
        self.git = git
        self.detection = detection
        self.settings = settings
        self._human = detection.human_label + ":"

    def classify(self, commit: LogCommit) -> Entry:
        subject = commit.title
        if commit.is_merge:
            return Entry(commit.sha, kinds.MERGE, None, subject, [])
        if "convention" in self.detection.enabled and subject.startswith(self._human):
            return Entry(commit.sha, kinds.HUMAN, None, subject, None)
        found, trailers = classify.classify_stored(commit, self.detection, self.settings)
        files = None
        if found.kind == kinds.AI:
            files = _ai_facts(trailers)[1] or None
        return Entry(commit.sha, found.kind, found.model, subject, files)

    def trailers(self, body: str) -> list[Trailer]:
        """The trailers of a stored message, read as ai-revert reads them."""
        s = self.settings
        return parse_trailers(body, s.parse_comment, s.separators, s.configured)

    def entries(self, revisions: Sequence[str], numstat: bool) -> Iterator[Entry]:
        options = ("--numstat", "--no-renames") if numstat else ("--name-status", "--no-renames")
        for commit in iter_log(self.git, revisions, *options):
            entry = self.classify(commit)
            entry.lines = commit.lines or 0
            if entry.files is None or entry.kind != kinds.AI:
                entry.files = commit.paths
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
    whether the command or :func:`entry._prefetch_log` asks first.
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


class _Output:
    """Renders entries as they come; holds back only what waits for a file lookup."""

    def __init__(self, reader: Reader, fmt: str, out: IO[str], segmented: bool) -> None:
        self.reader = reader
        self.fmt = fmt
        self.out = out
        self.segmented = segmented
        self.first = True
        self.ai_entries: list[Entry] = []  # markdown lists the AI commits
        self.pending: list[str | Entry] = []
        self.unresolved = 0
        self.seg = Totals()  # the segment being written: files found late are counted there

    def render(self, entry: Entry) -> str:
        if self.fmt == "json":
            return _entry_json(entry)
        model = (entry.model or "-")[:24]
        return f"{entry.sha[:10]}  {entry.kind:6} {model:24} {entry.subject}\n"

    def add(self, item: str | Entry) -> None:
        if isinstance(item, Entry):
            if item.kind == kinds.AI and self.fmt == "markdown":
                self.ai_entries.append(item)
            if item.kind == kinds.AI and item.files is None:
                self.unresolved += 1
            elif self.fmt != "markdown":
                item = self.render(item)
        if self.fmt == "markdown" and not isinstance(item, Entry):
            return
        self.pending.append(item)
        if not self.unresolved or self.unresolved >= 256 or len(self.pending) >= 4096:
            self.flush()  # nothing waits for a file lookup (or enough do): write now

    def flush(self) -> None:
        waiting = [e for e in self.pending if isinstance(e, Entry) and e.kind == kinds.AI and e.files is None]
        resolve_files(self.reader.git, waiting)
        for entry in waiting:
            self.seg.files.update(entry.files or [])
        if self.fmt != "markdown":
            texts = [self.render(e) if isinstance(e, Entry) else e for e in self.pending]
            if self.fmt == "json" and texts:
                self.out.write(("\n    " if self.first else ",\n    ") + ",\n    ".join(texts))
                self.first = False
            else:
                self.out.write("".join(texts))
        self.pending.clear()
        self.unresolved = 0


def _entry_json(entry: Entry) -> str:
    """One commit as JSON (the same as ``json.dumps(entry.as_json())``, without its overhead)."""
    text = (
        f'{{"sha": "{entry.sha}", "kind": "{entry.kind}", "model": '
        f"{_quote(entry.model) if entry.model is not None else 'null'}, "
        f'"subject": {_quote(entry.subject)}, "files": [{", ".join(_quote(f) for f in entry.files or [])}]'
    )
    if entry.lines is not None:
        text += f', "lines": {entry.lines}'
    if entry.release is not None:
        text += f', "release": {_quote(entry.release)}'
    return text + "}"


def _quote(text: str) -> str:
    return encode_basestring(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


_PLAIN = re.compile(rb'[\x00-\x1f"\\\x7f-\xff]')  # bytes a JSON string would have to escape


def _scan(
    reader: Reader, output: _Output, revisions: Sequence[str], seg: Totals, release: str | None
) -> None:
    """The common case (no --lines), kept tight: commits labelled "Human:" never become objects.

    Their JSON (or table) line is built from git's bytes directly when the
    subject needs no escaping, and buffered; everything else takes the
    general path through :class:`Entry`.
    """
    human = reader._human.encode()
    ai = (reader.detection.ai_label + ":").encode()
    convention = "convention" in reader.detection.enabled
    fmt = output.fmt
    json_tail = (', "release": ' + _quote(release) + "}").encode() if release is not None else b"}"
    plain = _PLAIN.search
    humans = 0
    lines: list[bytes] = []

    def drain() -> None:
        if lines:
            joined = b",\n    ".join(lines) if fmt == "json" else b"".join(lines)
            output.add(joined.decode("utf-8", "replace"))
            lines.clear()

    if fmt == "json":
        tail = json_tail.replace(b"%", b"%%")
        head = b'{"sha": "%s", "kind": "human", "model": null, "subject": '
        human_line = head + b'%s, "files": []' + tail  # the subject escaped
        plain_line = head + b'"%s", "files": []' + tail  # the subject as git wrote it
    else:
        human_line = plain_line = b"%.10s  human  " + b"-".ljust(24) + b" %s\n"
    append = lines.append
    for tokens in iter_rows(reader.git, revisions):
        for i, sha, parents, subject in zip(
            range(0, len(tokens), NFIELDS),
            tokens[SHA::NFIELDS],
            tokens[PARENTS::NFIELDS],
            tokens[TITLE::NFIELDS],
            strict=True,
        ):
            if convention and subject.startswith(human) and b" " not in parents:
                humans += 1
                if fmt == "markdown":
                    continue
                if fmt != "json" or not plain(subject):
                    append(plain_line % (sha, subject))
                else:
                    append(human_line % (sha, encode_basestring(subject.decode("utf-8", "replace")).encode()))
                if len(lines) >= 2048:
                    drain()
                continue
            if convention and subject.startswith(ai) and b" " not in parents and fmt != "markdown":
                model, files = _ai_facts(
                    reader.trailers(tokens[i + MESSAGE].decode("utf-8", "surrogateescape"))
                )
                if files:  # the common case: our convention, Files listed; no object needed
                    seg.commits += 1
                    seg.ai += 1
                    seg.models[model or "unknown"] += 1
                    seg.files.update(files)
                    if fmt == "json":
                        lines.append(
                            b'{"sha": "%s", "kind": "ai", "model": %s, "subject": %s, "files": [%s]'
                            % (
                                sha,
                                _quote(model).encode() if model is not None else b"null",
                                b'"' + subject + b'"'
                                if not plain(subject)
                                else encode_basestring(subject.decode("utf-8", "replace")).encode(),
                                ", ".join(map(_quote, files)).encode(),
                            )
                            + json_tail
                        )
                    else:
                        entry = Entry(
                            sha.decode(), kinds.AI, model, subject.decode("utf-8", "replace"), files
                        )
                        lines.append(output.render(entry).encode("utf-8", "surrogateescape"))
                    if len(lines) >= 2048:
                        drain()
                    continue
            drain()
            entry = reader.classify(LogCommit.from_tokens(tokens[i : i + NFIELDS]))
            entry.release = release
            seg.add(entry)
            output.add(entry)
    drain()
    seg.commits += humans
    seg.human += humans


def write_report(
    reader: Reader,
    parts: Sequence[Segment],
    fmt: str,
    out: IO[str],
    *,
    range_text: str,
    with_lines: bool,
    top: int = 10,
) -> Totals:
    """Stream the report of ``parts`` to ``out`` in ``fmt`` (table, json or markdown)."""
    segmented = len(parts) > 1
    output = _Output(reader, fmt, out, segmented)
    per_release: list[tuple[str, Totals]] = []
    if fmt == "json":
        out.write("{\n  " + json.dumps("range") + ": " + json.dumps(range_text) + ',\n  "commits": [')
    elif fmt == "table":
        out.write(f"{'commit':10}  {'kind':6} {'model':24} subject\n")
    totals = Totals()
    for part in parts:
        seg = Totals()
        output.seg = seg
        release = part.release if segmented else None
        if with_lines:
            for entry in reader.entries(part.revisions, True):
                entry.release = release
                seg.add(entry)
                output.add(entry)
        else:
            _scan(reader, output, part.revisions, seg, release)
        output.flush()
        totals.merge(seg)
        if segmented and part.release is not None and seg.commits:
            per_release.append((part.release, seg))
    output.flush()
    summary = totals.as_json(with_lines)
    if segmented:
        summary["releases"] = [{"release": name, **t.as_json(with_lines)} for name, t in per_release]
    summary["top_ai_files"] = [{"path": p, "ai_commits": n} for p, n in totals.files.most_common(top)]
    if fmt == "json":
        body = json.dumps(summary, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        out.write('\n  ],\n  "summary": ' + body + "\n}\n")
    elif fmt == "table":
        out.write(_summary_text(range_text, totals, per_release, summary, with_lines))
    else:
        out.write(_markdown(range_text, totals, per_release, summary, output.ai_entries, with_lines))
    return totals


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _summary_text(
    range_text: str,
    totals: Totals,
    per_release: list[tuple[str, Totals]],
    summary: dict[str, object],
    with_lines: bool,
) -> str:
    lines = [
        "",
        f"{range_text}: {totals.commits} commits, {totals.ai} AI ({_pct(totals.share())} of "
        f"{totals.commits - totals.merges} non-merge commits), {totals.human} human, {totals.merges} merges",
    ]
    if with_lines and totals.lines:
        lines.append(
            f"changed lines: {totals.lines}, by AI {totals.ai_lines} ({_pct(totals.ai_lines / totals.lines)})"
        )
    if totals.models:
        lines.append("models: " + ", ".join(f"{m} ({n})" for m, n in totals.models.most_common()))
    for name, t in per_release:
        lines.append(f"  {name}: {t.commits} commits, {t.ai} AI ({_pct(t.share())})")
    top = summary.get("top_ai_files")
    if isinstance(top, list) and top:
        lines.append(
            "files most touched by AI: " + ", ".join(f"{f['path']} ({f['ai_commits']})" for f in top)
        )
    return "\n".join(lines) + "\n"


def _markdown(
    range_text: str,
    totals: Totals,
    per_release: list[tuple[str, Totals]],
    summary: dict[str, object],
    ai_entries: list[Entry],
    with_lines: bool,
) -> str:
    md = [
        f"## AI contributions in `{range_text}`",
        "",
        "| | commits | AI | AI share |",
        "| --- | ---: | ---: | ---: |",
        f"| all | {totals.commits - totals.merges} | {totals.ai} | {_pct(totals.share())} |",
    ]
    md += [f"| {name} | {t.commits - t.merges} | {t.ai} | {_pct(t.share())} |" for name, t in per_release]
    if with_lines and totals.lines:
        md += [
            "",
            f"Changed lines: {totals.lines}, by AI {totals.ai_lines} "
            f"({_pct(totals.ai_lines / totals.lines)}).",
        ]
    if totals.models:
        md += ["", "**Models:** " + ", ".join(f"{m} ({n})" for m, n in totals.models.most_common())]
    top = summary.get("top_ai_files")
    if isinstance(top, list) and top:
        md += [
            "",
            "**Files most touched by AI:** " + ", ".join(f"`{f['path']}` ({f['ai_commits']})" for f in top),
        ]
    if ai_entries:
        md += ["", "### AI commits", "", "| commit | model | subject | files |", "| --- | --- | --- | --- |"]
        for e in ai_entries:
            subject = e.subject.replace("|", "\\|")
            md.append(f"| `{e.sha[:10]}` | {e.model or 'unknown'} | {subject} | {len(e.files or [])} |")
    return "\n".join(md) + "\n"
