"""git-ai's notes (``refs/notes/ai``), read as they are needed.

One ``git notes list`` says which commits have a note; a note is read (one
long-lived ``git cat-file --batch``) and parsed only when a commit of the
range asks for it.  A repository's notes can hold hundreds of megabytes of
prompt transcripts, mostly on commits outside the range: reading them all
up front cost git-ai's own history 20 s and 1 GB.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Iterator, Mapping

from ai_rollback.errors import GitError
from ai_rollback.git.objects import CatFile
from ai_rollback.git.run import Git
from ai_rollback.notes import Note, NoteError, parse_note

AI_NOTES = "refs/notes/ai"


def note_blobs(git: Git, ref: str = AI_NOTES) -> dict[str, str]:
    """``commit -> note blob`` for every note under ``ref`` (empty when there is none)."""
    code, out, _ = git.run_full("notes", "--ref", ref, "list", check=False)
    if code != 0:
        return {}
    blobs = {}
    for line in out.decode("ascii", "replace").splitlines():
        fields = line.split()
        if len(fields) == 2:
            blobs[fields[1]] = fields[0]
    return blobs


class NoteIndex(Mapping[str, Note]):
    """The readable notes by commit; a note that does not parse is named once on stderr, then ignored."""

    def __init__(self, git: Git, ref: str = AI_NOTES) -> None:
        self.git = git
        self.blobs = note_blobs(git, ref)
        self._notes: dict[str, Note | None] = {}
        self._cat: CatFile | None = None
        self.problems: list[str] = []

    def _load(self, commit: str) -> Note | None:
        if commit in self._notes:
            return self._notes[commit]
        blob = self.blobs.get(commit)
        note = None
        if blob is not None:
            if self._cat is None:
                self._cat = CatFile(self.git)
                weakref.finalize(self, self._cat.close)
            try:
                note = parse_note(self._cat.read(blob)[1].decode("utf-8"))
            except (NoteError, UnicodeDecodeError, GitError) as exc:
                self._problem(f"{commit[:10]}: {exc}")
        self._notes[commit] = note
        return note

    def _problem(self, text: str) -> None:
        if not self.problems:
            sys.stderr.write(
                f"ai-rollback: warning: a note in {AI_NOTES} is not a git-ai authorship note we can read "
                f"({text}); such notes are ignored\n"
            )
        self.problems.append(text)

    def __getitem__(self, commit: str) -> Note:
        note = self._load(commit)
        if note is None:
            raise KeyError(commit)
        return note

    def __contains__(self, commit: object) -> bool:
        return isinstance(commit, str) and commit in self.blobs

    def __iter__(self) -> Iterator[str]:
        return iter(self.blobs)

    def __len__(self) -> int:
        return len(self.blobs)


def ai_notes(git: Git) -> Mapping[str, Note]:
    """git-ai's notes of this repository, read lazily (an empty mapping when there are none)."""
    index = NoteIndex(git)
    return index if index.blobs else {}
