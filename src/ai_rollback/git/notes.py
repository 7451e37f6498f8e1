"""Reading a notes ref whole: every note in two git calls, whatever the number of commits."""

from __future__ import annotations

from ai_rollback.git.run import Git
from ai_rollback.notes import Note, parse_notes

AI_NOTES = "refs/notes/ai"


def read_notes(git: Git, ref: str = AI_NOTES) -> dict[str, bytes]:
    """``commit -> note bytes`` of every note under ``ref`` (empty when the ref does not exist)."""
    code, out, _ = git.run_full("notes", "--ref", ref, "list", check=False)
    if code != 0 or not out.strip():
        return {}
    pairs = [line.split() for line in out.decode("ascii", "replace").splitlines() if line.strip()]
    blobs = [p[0] for p in pairs if len(p) == 2]
    data = git.run("cat-file", "--batch", input="".join(b + "\n" for b in blobs).encode())
    contents: dict[str, bytes] = {}
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3:  # "<sha> missing"
            continue
        size = int(header[2])
        contents[header[0].decode()] = data[pos : pos + size]
        pos += size + 1
    return {commit: contents[blob] for blob, commit in (p for p in pairs if len(p) == 2) if blob in contents}


_warned: list[bool] = []


def ai_notes(git: Git) -> dict[str, Note]:
    """git-ai's notes, parsed; notes that cannot be read are named once on stderr, then ignored."""
    notes, problems = parse_notes(read_notes(git))
    if problems and not _warned:
        _warned.append(True)
        import sys

        sys.stderr.write(
            f"ai-rollback: warning: {len(problems)} note(s) in {AI_NOTES} are not git-ai authorship notes "
            f"we can read (first: {problems[0]}); they were ignored\n"
        )
    return notes
