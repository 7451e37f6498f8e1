"""``ai-rollback log RANGE --format agent-trace``: our attribution as Agent Trace records (JSON lines).

The commits come from the report's reader (classified as ``log`` classifies
them); the lines each AI or mixed commit added from one ``git log -p -U0``
of those commits (:func:`ai_rollback.git.log.iter_patches`); the record
itself from :mod:`ai_rollback.trace`.  An AI commit that lists its
``Files`` is attributed those files only: the rest of its change is not
claimed to be AI output.
"""

from __future__ import annotations

import json

from ai_rollback import __version__, kinds, trace
from ai_rollback.git.log import iter_patches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO

    from ai_rollback.history import Reader


def commit_times(reader: Reader, shas: Sequence[str]) -> dict[str, int]:
    """Each commit's committer time (seconds since the epoch), in one git call per 2,000."""
    out: dict[str, int] = {}
    for start in range(0, len(shas), 2000):
        chunk = shas[start : start + 2000]
        text = reader.git.run(
            "log",
            "--no-walk=unsorted",
            "--stdin",
            "--format=%H %ct",
            input="".join(s + "\n" for s in chunk).encode(),
        ).decode("ascii", "replace")
        for line in text.splitlines():
            sha, _, seconds = line.partition(" ")
            if seconds.isdigit():
                out[sha] = int(seconds)
    return out


def agent_trace(reader: Reader, revisions: Sequence[str], out: IO[str]) -> int:
    """Write one Agent Trace record per AI or mixed commit of ``revisions``, newest first; their count."""
    wanted = [e for e in reader.entries(revisions, False) if e.kind in (kinds.AI, kinds.MIXED)]
    if not wanted:
        return 0
    by_sha = {e.sha: e for e in wanted}
    times = commit_times(reader, list(by_sha))
    written = 0
    for sha, lines in iter_patches(reader.git, list(by_sha)):
        entry = by_sha[sha]
        files = trace.added_ranges(lines)
        if entry.kind == kinds.AI and entry.files:
            listed = set(entry.files)
            files = [(path, spans) for path, spans in files if path in listed]
        extra = {"kind": entry.kind, "subject": entry.subject, "prompt": entry.prompt}
        kind = "ai" if entry.kind == kinds.AI else "mixed"
        record = trace.record(sha, kind, entry.model, times.get(sha, 0), files, __version__, extra)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        written += 1
    return written
