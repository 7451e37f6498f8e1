"""Writing the report (``ai-rollback log``): table, JSON or markdown, streamed.

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
from collections.abc import Sequence
from itertools import compress, count, repeat
from json.encoder import encode_basestring
from typing import IO

from ai_rollback import kinds
from ai_rollback.credentials import redact_lines, redact_text
from ai_rollback.git.log import (
    ROW_MESSAGE,
    ROW_PARENTS,
    ROW_SHA,
    ROW_SIZE,
    ROW_TITLE,
    iter_rows,
    prefetch_listed,
    row_commit,
)
from ai_rollback.history.read import Entry, Reader, Segment, Totals, ai_facts, resolve_files
from ai_rollback.history.text import markdown, summary_text

#: AI commits whose files are looked up in one git call: each call costs git its start (40 ms
#: in Aider-AI/aider's history), so 256 at a time made 16 calls of 9,457 commits' report
LOOKUP_BATCH = 2000


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
        #: a batch handed over: its file lookup runs in git while the next batch is read
        self.held: tuple[list[str | Entry], list[Entry]] | None = None
        self.seg = Totals()  # the segment being written: files found late are counted there

    def render(self, entry: Entry) -> str:
        if self.fmt == "json":
            return _entry_json(entry)
        model = (entry.model or "-")[:24]
        release = f"{entry.release or '-':{RELEASE_WIDTH}} " if self.segmented else ""
        return f"{entry.sha[:10]}  {entry.kind:6} {model:24} {release}{entry.subject}\n"

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
        if self.unresolved >= LOOKUP_BATCH or len(self.pending) >= 4096:
            self._hand_over()  # enough wait for a file lookup: start it, read on meanwhile
        elif not self.unresolved and self.held is None:
            self.flush()  # nothing waits: write now

    def _waiting(self, items: list[str | Entry]) -> list[Entry]:
        return [e for e in items if isinstance(e, Entry) and e.kind == kinds.AI and e.files is None]

    def _hand_over(self) -> None:
        """Write the batch handed over before (its lookup has had this batch's time), then start
        this batch's lookup in git and hold the batch until the next hand-over or flush."""
        self._write_held()
        waiting = self._waiting(self.pending)
        if not waiting:
            self.flush()
            return
        prefetch_listed(self.reader.git, [e.sha for e in waiting])
        self.held = (self.pending, waiting)
        self.pending = []
        self.unresolved = 0

    def _write_held(self) -> None:
        if self.held is not None:
            items, waiting = self.held
            self.held = None
            self._write(items, waiting)

    def flush(self) -> None:
        self._write_held()
        self._write(self.pending, self._waiting(self.pending))
        self.pending = []
        self.unresolved = 0

    def _write(self, items: list[str | Entry], waiting: list[Entry]) -> None:
        resolve_files(self.reader.git, waiting)
        for entry in waiting:
            self.seg.files.update(entry.files or [])
        if self.fmt != "markdown":
            texts = [self.render(e) if isinstance(e, Entry) else e for e in items]
            if self.fmt == "json" and texts:
                self.out.write(("\n    " if self.first else ",\n    ") + ",\n    ".join(texts))
                self.first = False
            else:
                self.out.write("".join(texts))


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


#: Width of the release column of a table split by release.
RELEASE_WIDTH = 12


def _json_object(value: dict[str, object], indent: str) -> str:
    """The report's one JSON style: a key per line; a list of objects, an object per line."""
    inner = indent + "  "
    parts = []
    for key, item in value.items():
        if isinstance(item, list) and item and all(isinstance(i, dict) for i in item):
            rows = f",\n{inner}  ".join(json.dumps(i, ensure_ascii=False) for i in item)
            text = f"[\n{inner}  {rows}\n{inner}]"
        else:
            text = json.dumps(item, ensure_ascii=False)
        parts.append(f"{inner}{json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + f"\n{indent}}}"


def _quote(text: str) -> str:
    return encode_basestring(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


_PLAIN = re.compile(rb'[\x00-\x1f"\\\x7f-\xff]')  # bytes a JSON string would have to escape
_CONTROLS = bytes(range(10)) + bytes(range(11, 32)) + b"\x7f"  # the controls but newline


def _verbatim(lines: bytes) -> bool:
    """Whether JSON can take each of ``lines`` (joined by newlines) as written: no byte to escape.

    :data:`_PLAIN`'s question, asked of a batch with the fastest scans bytes have.
    """
    return (
        lines.isascii()
        and b'"' not in lines
        and b"\\" not in lines
        and len(lines.translate(None, _CONTROLS)) == len(lines)
    )


#: the trailer a labelled squash ends with (``classify.SQUASH_MARK``)
SQUASH_LINE = b"\nSquashed-commits: "
SQUASHES = repeat(SQUASH_LINE)


def _not_human(
    subjects: bytes, parents: Sequence[bytes], human: bytes, label: re.Pattern[bytes]
) -> list[int]:
    """Indices (in order) of a batch's commits that need a look: not labelled, or merges.

    ``subjects`` are the batch's subjects joined by newlines (no subject holds
    one); ``label`` finds each newline not followed by the human label.  Regex
    scans and counts, not a Python step per commit.
    """
    out: list[int] = [] if subjects.startswith(human) else [0]
    index = last = 0
    for match in label.finditer(subjects):
        after = match.start() + 1
        index += subjects.count(b"\n", last, after)
        last = after
        out.append(index)
    joined = b"\n".join(parents)
    space = joined.find(b" ")
    if space < 0:
        return out  # no merge in the batch: nearly always
    merges: list[int] = []
    index = last = 0
    while space >= 0:
        index += joined.count(b"\n", last, space)
        merges.append(index)
        last = joined.find(b"\n", space)
        if last < 0:
            break
        space = joined.find(b" ", last)
    return sorted(set(out).union(merges))


def _scan(
    reader: Reader, output: _Output, revisions: Sequence[str], seg: Totals, release: str | None
) -> None:
    """The common case (no --lines), kept tight: commits labelled "Human:" never become objects.

    A batch's subjects are searched at once (secrets, characters JSON must
    escape, the label); the lines of a run of human commits are built from
    git's bytes directly, and buffered; commits labelled "AI:" that list their
    files take a short path; everything else the general one, through :class:`Entry`.
    """
    human = reader._human.encode()
    ai = (reader.detection.ai_label + ":").encode()
    convention = "convention" in reader.detection.enabled
    label = re.compile(b"\n(?!" + re.escape(human) + b")")
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

    json_head = b'{"sha": "'
    json_mid = b'", "kind": "human", "model": null, "subject": "'
    json_end = b'", "files": []' + json_tail
    if fmt == "json":
        tail = json_tail.replace(b"%", b"%%")
        head = b'{"sha": "%s", "kind": "human", "model": null, "subject": '
        human_line = head + b'%s, "files": []' + tail  # the subject escaped
    else:
        column = f"{release or '-':{RELEASE_WIDTH}} ".encode() if output.segmented else b""
        human_line = b"%.10s  human  " + b"-".ljust(24) + b" " + column.replace(b"%", b"%%") + b"%s\n"
    append = lines.append
    models: dict[str | None, tuple[str | None, bytes]] = {}  # a model as written: redacted, quoted
    for tokens in iter_rows(reader.git, revisions):
        subjects = redact_lines(tokens[ROW_TITLE::ROW_SIZE])
        shas = tokens[ROW_SHA::ROW_SIZE]
        parents = tokens[ROW_PARENTS::ROW_SIZE]
        joined = b"\n".join(subjects)
        # the subjects JSON can take as git wrote them (nearly every batch)
        verbatim = fmt != "json" or _verbatim(joined)
        others = _not_human(joined, parents, human, label) if convention else list(range(len(shas)))
        if convention:  # a labelled squash's sections may say otherwise (classify.py): a look each
            squashes = list(
                compress(count(), map(bytes.__contains__, tokens[ROW_MESSAGE::ROW_SIZE], SQUASHES))
            )
            if squashes:
                others = sorted(set(others).union(squashes))
        others.append(len(shas))
        start = 0
        for k in others:
            if k > start:  # a run of commits labelled "Human:", start to k - 1
                humans += k - start
                if fmt == "json" and verbatim:
                    n = k - start
                    parts: list[bytes] = [json_mid] * (4 * n - 1)
                    parts[0::4] = shas[start:k]
                    parts[2::4] = subjects[start:k]
                    parts[3::4] = [json_end + b",\n    " + json_head] * (n - 1)
                    append(json_head + b"".join(parts) + json_end)
                elif fmt == "json":
                    lines.extend(
                        human_line % (sha, encode_basestring(subject.decode("utf-8", "replace")).encode())
                        if plain(subject)
                        else json_head + sha + json_mid + subject + json_end
                        for sha, subject in zip(shas[start:k], subjects[start:k], strict=True)
                    )
                elif fmt == "table":
                    lines.extend(map(human_line.__mod__, zip(shas[start:k], subjects[start:k], strict=True)))
                if len(lines) >= 2048:
                    drain()
            start = k + 1
            if k == len(shas):
                break
            sha, subject, i = shas[k], subjects[k], k * ROW_SIZE
            if (
                convention
                and subject.startswith(ai)
                and b" " not in parents[k]
                and fmt != "markdown"
                and SQUASH_LINE not in tokens[i + ROW_MESSAGE]
            ):
                model, files = ai_facts(
                    reader.trailers(tokens[i + ROW_MESSAGE].decode("utf-8", "surrogateescape"))
                )
                known = models.get(model)
                if known is None:
                    clean = redact_text(model) if model else model
                    known = models[model] = (clean, _quote(clean).encode() if clean is not None else b"null")
                model = known[0]
                if files:  # the common case: our convention, Files listed; no object needed
                    seg.commits += 1
                    seg.ai += 1
                    seg.models[model or "unknown"] += 1
                    seg.files.update(files)
                    if fmt == "json":
                        append(
                            b'{"sha": "%s", "kind": "ai", "model": %s, "subject": %s, "files": [%s]'
                            % (
                                sha,
                                known[1],
                                b'"' + subject + b'"'
                                if verbatim or not plain(subject)
                                else encode_basestring(subject.decode("utf-8", "replace")).encode(),
                                ", ".join(map(_quote, files)).encode(),
                            )
                            + json_tail
                        )
                    else:
                        entry = Entry(
                            sha.decode(),
                            kinds.AI,
                            model,
                            subject.decode("utf-8", "replace"),
                            files,
                            release=release,
                        )
                        append(output.render(entry).encode("utf-8", "surrogateescape"))
                    if len(lines) >= 2048:
                        drain()
                    continue
            drain()
            entry = reader.classify(row_commit(tokens[i : i + ROW_SIZE]))
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
        heading = f"{'release':{RELEASE_WIDTH}} " if segmented else ""
        out.write(f"{'commit':10}  {'kind':6} {'model':24} {heading}subject\n")
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
    # ties by path: the same order whatever order the files were counted in (a file named by
    # its commit is counted as it is read, one found through git when its batch is written)
    ranked = sorted(totals.files.items(), key=lambda item: (-item[1], item[0]))[:top]
    summary["top_ai_files"] = [{"path": p, "ai_commits": n} for p, n in ranked]
    if fmt == "json":
        out.write('\n  ],\n  "summary": ' + _json_object(summary, "  ") + "\n}\n")
    elif fmt == "table":
        out.write(summary_text(range_text, totals, per_release, summary, with_lines))
    else:
        out.write(markdown(range_text, totals, per_release, summary, output.ai_entries, with_lines))
    return totals
