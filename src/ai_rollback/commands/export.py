"""``ai-rollback log RANGE --format agent-trace``: our attribution as Agent Trace records (JSON lines).

The commits come from the report's reader (classified as ``log`` classifies
them); the lines each AI or mixed commit added from one ``git log -p -U0``
of those commits (:func:`ai_rollback.git.log.iter_patches`); the record
itself from :mod:`ai_rollback.trace`.  An AI commit that lists its
``Files`` is attributed those files only (a listed ``dir/`` or glob: the
files it covers, as ``files-match = "cover"`` reads them): the rest of its
change is not claimed to be AI output.  A squash of several models' commits
credits each file to the model whose sections list it, and to no model
where several do.

The records are written only once every git call has succeeded: a git that
fails halfway leaves no record claiming what it could not read.
"""

from __future__ import annotations

import tempfile

from ai_rollback import __version__, classify, kinds, trace
from ai_rollback.credentials import redact_text
from ai_rollback.filelist import credited, listed_files
from ai_rollback.git.log import iter_log, iter_patches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO

    from ai_rollback.history import Reader
    from ai_rollback.history.read import Entry

#: records kept in memory up to this size, then in a temporary file
SPOOL_IN_MEMORY = 4 << 20

#: a squash's AI sections: (model, the files it lists) of each
Sections = list[tuple["str | None", list[str]]]


def commit_times(reader: Reader, shas: Sequence[str]) -> dict[str, int]:
    """Each commit's committer time (seconds since the epoch), in one git call per 2,000.

    A commit whose time git cannot read (``%ct`` is empty for a malformed committer line)
    is left out: its record says so (see :func:`ai_rollback.trace.record`).
    """
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


def squash_sections(message: str, detection: classify.Detection) -> Sections | None:
    """The AI sections of a squash, classified each as :func:`ai_rollback.classify.classify`
    classifies them; None when the message is no squash, or none of its sections is AI."""
    if "squash" not in detection.enabled or "\n* " not in message:
        return None
    parts = classify.squash_parts(message, detection) or []
    out: Sections = [
        (redact_text(found.model) if found.model else None, listed_files(trailers))
        for found, trailers in parts
        if found.kind == kinds.AI
    ]
    return out or None


def _model_key(model: str | None) -> str | None:
    return trace.model_id(model) or model


def squash_models(sections: Sections, paths: Sequence[str]) -> tuple[list[str | None], dict[str, str | None]]:
    """The distinct models of a squash's AI sections, and each of ``paths``' model: the one
    model whose sections list it, None where sections of several models do (or one that names
    no model).  A section that lists no files may have written any of them; a path no section
    lists is any of the models'."""
    names: dict[str | None, str | None] = {}
    for model, _listed in sections:
        names.setdefault(_model_key(model), model)
    matchers = [
        (_model_key(model), set(credited(listed, paths)) if listed else None) for model, listed in sections
    ]
    out: dict[str, str | None] = {}
    for path in paths:
        keys = {key for key, match in matchers if match is None or path in match} or set(names)
        out[path] = names[next(iter(keys))] if len(keys) == 1 else None
    return list(names.values()), out


def agent_trace(reader: Reader, revisions: Sequence[str], out: IO[str]) -> int:
    """Write one Agent Trace record per AI or mixed commit of ``revisions``, newest first; their count.

    Nothing is written unless every git call succeeds (the records wait in a temporary file).
    """
    wanted: dict[str, tuple[Entry, Sections | None]] = {}
    for commit in iter_log(reader.git, revisions, "--no-renames"):
        entry = reader.classify(commit)
        if entry.kind in (kinds.AI, kinds.MIXED):
            wanted[entry.sha] = (entry, squash_sections(commit.message, reader.detection))
    if not wanted:
        return 0
    times = commit_times(reader, list(wanted))
    written = 0
    with tempfile.SpooledTemporaryFile(
        SPOOL_IN_MEMORY, "w+", encoding="utf-8", errors="surrogatepass", newline="\n"
    ) as spool:
        for sha, lines in iter_patches(reader.git, list(wanted)):
            entry, sections = wanted[sha]
            files = trace.added_ranges(lines)
            if entry.kind == kinds.AI and entry.files:
                kept = set(credited(entry.files, [path for path, _spans in files]))
                files = [(path, spans) for path, spans in files if path in kept]
            extra: dict[str, object] = {"kind": entry.kind, "subject": entry.subject, "prompt": entry.prompt}
            model = entry.model
            per_file = None
            if sections is not None and len({_model_key(m) for m, _listed in sections}) > 1:
                models, per_file = squash_models(sections, [path for path, _spans in files])
                model = None  # no one model wrote this commit: metadata lists them all
                extra["models"] = [m for m in models if m is not None]
            kind = "ai" if entry.kind == kinds.AI else "mixed"
            record = trace.record(sha, kind, model, times.get(sha), files, __version__, extra, per_file)
            spool.write(trace.json_line(record))
            written += 1
        spool.seek(0)
        for line in spool:
            out.write(line)
        out.flush()
    return written
