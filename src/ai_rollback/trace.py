"""Agent Trace records of AI commits (pure): https://agent-trace.dev, the ``trace-record`` schema.

One record per AI (or mixed) commit: ``vcs`` names the commit, ``files``
the lines it added (from its ``-U0`` diff: ranges of the new file's lines),
under one conversation whose ``contributor`` is ``ai`` or ``mixed`` with the
model.  The record's ``id`` is derived from the commit (a UUID 5), so
exporting the same history again gives the same records.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping, Sequence

from ai_rollback.plan.patch import _header_paths, _side, _unquote

#: the Agent Trace version the records follow (the schema's ``^[0-9]+\.[0-9]+$``)
VERSION = "0.1"
#: record ids are UUID 5 of the commit in this namespace: the same commit, the same id
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://agent-trace.dev/ai-rollback")

#: model names as commits write them -> the provider part of a models.dev id
PROVIDERS = (
    ("claude", "anthropic"),
    ("gpt", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("codex", "openai"),
    ("gemini", "google"),
    ("gemma", "google"),
    ("llama", "meta"),
    ("mistral", "mistral"),
    ("codestral", "mistral"),
    ("deepseek", "deepseek"),
    ("qwen", "alibaba"),
    ("grok", "xai"),
)


def record_id(sha: str) -> str:
    return str(uuid.uuid5(NAMESPACE, sha))


def model_id(model: str | None) -> str | None:
    """A models.dev-style ``provider/model`` id of a model as a commit names it, when we can tell.

    ``anthropic/claude-sonnet-4-5`` for "Claude Sonnet 4.5"; a name that already has a
    ``provider/`` is kept; an unknown family gives None (the record then names no model).
    """
    if not model:
        return None
    text = model.strip()
    if "/" in text and " " not in text:
        return text[:250]
    slug = "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
    for prefix, provider in PROVIDERS:
        if slug.startswith(prefix):
            return f"{provider}/{slug}"[:250]
    return None


def added_ranges(lines: Iterable[str]) -> list[tuple[str, list[tuple[int, int]]]]:
    """``(path, [(start, end), ...])`` of the lines a commit added, from its ``-U0`` diff lines.

    Lines are 1-based, in the new file; a rename is under its new path; a deleted
    file, a binary one, or one with no added line is left out.
    """
    out: list[tuple[str, list[tuple[int, int]]]] = []
    path: str | None = None
    ranges: list[tuple[int, int]] = []
    in_hunk = False

    def close() -> None:
        if path is not None and ranges:
            out.append((path, list(ranges)))

    for line in lines:
        first = line[:1]
        if in_hunk and first in "+-\\" and line:
            continue
        if first == "@" and line.startswith("@@ -"):
            in_hunk = True
            spec = line.split(" ", 3)[2] if line.count(" ") >= 2 else ""
            if spec.startswith("+"):
                start, _, count = spec[1:].partition(",")
                n = int(count) if count else 1
                if n > 0 and path is not None:
                    ranges.append((int(start), int(start) + n - 1))
            continue
        in_hunk = False
        if line.startswith("diff --git "):
            close()
            path, ranges = _header_paths(line)[1] or None, []
        elif path is None:
            continue
        elif line.startswith("deleted file mode"):
            path = None
        elif line.startswith("rename to "):
            path = _unquote(line[len("rename to ") :])
        elif line.startswith("+++ "):
            path = _side(line[4:].rstrip("\t"), "b/")
    close()
    return out


def utc(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def record(
    sha: str,
    kind: str,
    model: str | None,
    committed: int,
    files: Sequence[tuple[str, list[tuple[int, int]]]],
    tool_version: str,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The Agent Trace record of one commit (``kind``: ``ai`` or ``mixed``)."""
    contributor: dict[str, object] = {"type": kind}
    found = model_id(model)
    if found:
        contributor["model_id"] = found
    out: dict[str, object] = {
        "version": VERSION,
        "id": record_id(sha),
        "timestamp": utc(committed),
        "vcs": {"type": "git", "revision": sha},
        "tool": {"name": "ai-rollback", "version": tool_version},
        "files": [
            {
                "path": path,
                "conversations": [
                    {
                        "contributor": contributor,
                        "ranges": [{"start_line": a, "end_line": b} for a, b in spans],
                    }
                ],
            }
            for path, spans in files
        ],
    }
    metadata = {"model": model, **(extra or {})}
    out["metadata"] = {"dev.ai-rollback": {k: v for k, v in metadata.items() if v is not None}}
    return out
