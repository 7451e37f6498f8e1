"""Agent Trace records of AI commits (pure): https://agent-trace.dev, the ``trace-record`` schema.

One record per AI (or mixed) commit: ``vcs`` names the commit, ``files``
the lines it added (from its ``-U0`` diff: ranges of the new file's lines),
under one conversation whose ``contributor`` is ``ai`` or ``mixed`` with the
model.  The record's ``id`` is derived from the commit (a UUID 5), so
exporting the same history again gives the same records.
"""

from __future__ import annotations

import json
import re
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

    ``anthropic/claude-sonnet-4-5`` for "Claude Sonnet 4.5" (Anthropic's ids write a version
    with dashes); ``openai/gpt-5.1`` for "GPT-5.1" and ``google/gemini-2.5-pro`` for "Gemini 2.5
    Pro" (every other provider's ids keep the dot); a name that already has a ``provider/`` is
    kept; an unknown family gives None (the record then names no model).
    """
    if not model:
        return None
    text = model.strip()
    if "/" in text and " " not in text:
        return text[:250]
    words = "".join(c if c.isalnum() or c == "." else " " for c in text.lower()).split()
    slug = "-".join(w for w in (w.strip(".") for w in words) if w)
    for prefix, provider in PROVIDERS:
        if slug.startswith(prefix):
            if provider == "anthropic":
                slug = slug.replace(".", "-")
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


#: the latest time the schema's ``timestamp`` can say (its years have four digits)
LATEST = 253402300799  # 9999-12-31T23:59:59Z


def utc(seconds: int) -> str:
    """``seconds`` since the epoch as the schema's ``timestamp``, kept within 1970..9999."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(min(max(seconds, 0), LATEST)))


#: what ``str.splitlines()`` (and JavaScript's line terminators) would cut a JSON line at, that
#: ``json.dumps(..., ensure_ascii=False)`` writes raw: the C1 controls (NEL among them) and the
#: line and paragraph separators.  They only occur inside strings, where ``\uXXXX`` says the same.
_LINE_BREAKERS = {c: f"\\u{c:04x}" for c in (*range(0x80, 0xA0), 0x2028, 0x2029)}
_HAS_BREAKER = re.compile(r"[\x80-\x9f\u2028\u2029]").search


def json_line(record: Mapping[str, object]) -> str:
    """``record`` as one line of JSON for every line splitter, ending in a newline."""
    text = json.dumps(record, ensure_ascii=False)
    if not text.isascii() and _HAS_BREAKER(text):
        text = text.translate(_LINE_BREAKERS)
    return text + "\n"


def record(
    sha: str,
    kind: str,
    model: str | None,
    committed: int | None,
    files: Sequence[tuple[str, list[tuple[int, int]]]],
    tool_version: str,
    extra: Mapping[str, object] | None = None,
    models: Mapping[str, str | None] | None = None,
) -> dict[str, object]:
    """The Agent Trace record of one commit (``kind``: ``ai`` or ``mixed``).

    ``committed``: the commit's time, None when git could not read it (the record then says the
    epoch, as ``git log`` shows such a commit, and ``committed_at`` in its metadata is null);
    a time after 9999 is said as the schema's last second, its real value in ``committed_at``.
    ``models``: where a file's lines are not the commit's ``model``'s (a squash of several
    models' commits), the model to credit it to, or None for none we can tell.
    """
    contributors: dict[str | None, dict[str, object]] = {}

    def contributor(name: str | None) -> dict[str, object]:
        found = contributors.get(name)
        if found is None:
            found = {"type": kind}
            known = model_id(name)
            if known:
                found["model_id"] = known
            contributors[name] = found
        return found

    out: dict[str, object] = {
        "version": VERSION,
        "id": record_id(sha),
        "timestamp": utc(committed or 0),
        "vcs": {"type": "git", "revision": sha},
        "tool": {"name": "ai-rollback", "version": tool_version},
        "files": [
            {
                "path": path,
                "conversations": [
                    {
                        "contributor": contributor(models[path] if models and path in models else model),
                        "ranges": [{"start_line": a, "end_line": b} for a, b in spans],
                    }
                ],
            }
            for path, spans in files
        ],
    }
    metadata = {"model": model, **(extra or {})}
    ours = {k: v for k, v in metadata.items() if v is not None}
    if committed is None or committed != min(max(committed, 0), LATEST):
        ours["committed_at"] = committed
    out["metadata"] = {"dev.ai-rollback": ours}
    return out
