"""The line tracker: who wrote each line of the contested files, and who touched it since.

Reverting commit R is a three-way merge of R's parent over the current tip
with R as the base.  git reports a conflict when a later change overlaps R's
change *or touches it* (xdiff treats adjacent changes as conflicting).
:class:`LineTracker` follows every line of the files that matter through the
history, remembering which commit wrote it and where a commit deleted lines,
and records a pair (R, K) whenever a later commit K changes lines R wrote, or
the lines right next to them, or the place where R deleted lines.  Renames git
detects carry the lines along; a binary file is one line; lines a merge brings
in keep the author they had on the merged branch when their text matches.

Which commits saw which comes from :class:`~ai_rollback.plan.ancestry.Ancestry`,
built as the commits arrive: no ancestor set is ever walked.

Pure: it is fed :class:`FileDiff` values (see ``patch.py``), never runs git.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, groupby, pairwise
from operator import itemgetter, lt

from ai_rollback.plan.ancestry import Ancestry, mask, members
from ai_rollback.plan.model import Pairs

# A tracked line: (owner, text, deletion points just before it).
# owner: index of the commit that wrote it (-1: before the tracked history).
Line = tuple[int, "str | None", tuple[int, ...]]

_owner = itemgetter(0)
_text = itemgetter(1)
_KNOWN = (-1).__lt__  # an owner that is a commit of the history (owner >= 0)
#: a line the tracker had not seen yet (one shared tuple: lines are never changed in place)
_UNSEEN: Line = (-1, None, ())


@dataclass(slots=True)
class Hunk:
    old_start: int  # 1-based, as in "@@ -a,b +c,d @@"
    old_count: int
    new_lines: list[str]


@dataclass(slots=True)
class FileDiff:
    old_path: str | None  # None: file added
    new_path: str | None  # None: file deleted
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False
    mode_change: bool = False


@dataclass(slots=True)
class FileState:
    lines: list[Line]  # never changed once the state is made: a later commit makes a new state
    eof_gaps: tuple[int, ...] = ()
    creator: int = -1  # the commit that added the file (-1: before the tracked history)
    file_owner: int = -1  # the last commit that renamed it or changed its mode
    deleted_by: int | None = None  # a tombstone: the commit that deleted (or renamed away) the file
    moved_to: str | None = None  # a rename's tombstone: where the file went
    ident: str = ""  # the path the file had when first seen: the same file on every branch
    # what merges ask of a state, worked out once (see owners, authors, gaps)
    _owners: int = field(default=-1, repr=False, compare=False)
    _authors: dict[str | None, int] | None = field(default=None, repr=False, compare=False)
    _gaps: tuple[int, ...] | None = field(default=None, repr=False, compare=False)

    def owners(self) -> int:
        """At least the commits that own a line, as a bitset (see ``ancestry``; maybe more)."""
        if self._owners < 0:
            self._owners = mask(owner for owner, _text, _gaps in self.lines)
        return self._owners

    def authors(self) -> dict[str | None, int]:
        """text -> the owner of its first line that has one."""
        if self._authors is None:
            # read backwards, the first line of each text is the last one written
            backwards = self.lines[::-1]
            owners = list(map(_owner, backwards))
            known = list(map(_KNOWN, owners))
            self._authors = dict(
                zip(compress(map(_text, backwards), known), compress(owners, known), strict=True)
            )
        return self._authors

    def gaps(self) -> tuple[int, ...]:
        """Every deletion point in the file, once each: at its end, then line by line."""
        if self._gaps is None:
            self._gaps = tuple(
                dict.fromkeys([*self.eof_gaps, *(g for _o, _t, gaps in self.lines for g in gaps)])
            )
        return self._gaps


class LineTracker:
    """Follows line ownership through commits given oldest first (see module doc)."""

    def __init__(self, reverts: dict[int, int] | None = None, ancestry: Ancestry | None = None) -> None:
        """``ancestry``: the index of the whole history, if the caller has it (else built here)."""
        self.pairs: Pairs = {}
        self._states: dict[int, dict[str, FileState]] = {}
        #: id of a state -> how many commits hold it (a commit that changes nothing shares its
        #: parent's): a state held once, by the last parent still waiting for a child, is
        #: taken over by that child instead of copied
        self._holders: dict[int, int] = {}
        self._pending: dict[int, int] = {}
        #: revert commit -> the commit it reverts: lines it brings back get their old owner
        self._reverts = reverts or {}
        #: for the commits a revert targets: the lines each removed (text -> owners), to give back
        self._removed: dict[int, dict[str, list[int]]] = {}
        self._targets = set(self._reverts.values())
        self._ancestry = ancestry if ancestry is not None else Ancestry()
        #: while a merge is applied: its first parent (whose history is the mainline), -1: none
        self._first = -1
        # Indexes over every state ever made, so that no question scans a whole state (a
        # state holds every tracked file and tombstone: it grows with the history):
        #: commit -> the paths it made states for (what a merge can bring in from it)
        self._wrote: list[tuple[str, ...] | None] = []
        self._names: dict[str, str] = {}  # one string per path for the indexes (a diff's are new)
        #: a revert gave a line back to a commit its branch never saw (``git revert`` of a commit
        #: on another branch): from then on a state can hold lines its maker did not see, and
        #: merges look at every path (see _brought_paths)
        self._foreign = False
        #: directory -> paths under it that some commit made a tombstone
        self._tombs_under: dict[str, set[str]] = {}
        #: a file's identity -> the paths a live state of it was ever kept at
        self._kept_at: dict[str, set[str]] = {}

    def expect_children(self, counts: dict[int, int]) -> None:
        """How many tracked children each commit has (to free states early)."""
        self._pending = dict(counts)

    def _parent_state(self, parent: int | None) -> dict[str, FileState]:
        if parent is None or parent not in self._states:
            return {}
        return self._states[parent]

    def _release(self, parent: int | None) -> None:
        if parent is None or parent not in self._pending:
            return
        self._pending[parent] -= 1
        if self._pending[parent] <= 0:
            self._drop_state(parent)

    def _hold(self, index: int, state: dict[str, FileState]) -> None:
        self._states[index] = state
        self._holders[id(state)] = self._holders.get(id(state), 0) + 1

    def _drop_state(self, index: int) -> None:
        state = self._states.pop(index, None)
        left = self._holders.pop(id(state), 1) - 1
        if left:
            self._holders[id(state)] = left

    def _own(self, first: int | None, base: dict[str, FileState]) -> dict[str, FileState]:
        """The state a commit changes: its first parent's, taken over when no one else needs it.

        Taking it over is safe: a commit reads its parent's state only at the paths it
        changes, before it changes them (git's diff names a path once as a source and once
        as a destination), or at tombstones it makes itself, which touch nothing.
        """
        if first is not None and self._pending.get(first) == 1 and self._holders.get(id(base)) == 1:
            return base
        return dict(base)

    def commit(self, index: int, parents: Sequence[int | None], diffs: Iterable[FileDiff]) -> None:
        """Apply one commit's diffs (against its first parent)."""
        self._ancestry.add(index, parents)
        first = parents[0] if parents else None
        base = self._parent_state(first)
        others = [self._parent_state(p) for p in parents[1:]]
        state = dict(base) if any(o is base for o in others) else self._own(first, base)
        self._first = first if others and first is not None else -1
        wrote: list[str] = []
        name = self._names.setdefault
        for diff in diffs:
            self._apply(index, state, base, diff, others)
            if diff.old_path is not None and diff.old_path != diff.new_path:
                old = name(diff.old_path, diff.old_path)
                wrote.append(old)
                self._tombstone_at(old)  # deleted, or renamed away
            if diff.new_path is not None:
                new = name(diff.new_path, diff.new_path)
                wrote.append(new)
                made = state[new]
                self._kept_at.setdefault(made.ident, set()).add(new)
                if others:
                    self._concurrent(index, made, new)
        if wrote:
            self._wrote.extend([None] * (index + 1 - len(self._wrote)))  # commits come in order
            self._wrote[index] = tuple(wrote)
        if others and first is not None:
            self._dropped(index, first, state, others, parents)
        self._hold(index, state)
        for parent in parents:
            self._release(parent)

    def _tombstone_at(self, path: str) -> None:
        parts = path.split("/")
        for i in range(1, len(parts)):
            self._tombs_under.setdefault("/".join(parts[:i]), set()).add(path)

    def _on_mainline(self, commit: int) -> bool:
        """Is ``commit`` the merge's first parent or one of its ancestors?"""
        return self._first >= 0 and self._ancestry.reaches(self._first, commit)

    def _dropped(
        self,
        merge: int,
        first: int,
        merged: dict[str, FileState],
        others: list[dict[str, FileState]],
        parents: Sequence[int | None],
    ) -> None:
        """Lines written on a merged branch that the merge did not keep (``-X ours``, a resolution).

        Reverting their commit conflicts: the merge already undid them differently.
        """
        mainline = self._ancestry.closure(first)
        elsewhere = ~mainline  # bitset of every commit not on the mainline
        touch = self._touch
        candidates = self._brought_paths(parents, max(map(len, others)))
        for other in others:
            # the files the merge took as they are on that side: every text is there
            if candidates is None:
                kept_as = zip(other, other.values(), map(merged.get, other), strict=True)
                paths = [p for p, there, here in kept_as if there is not here]
            else:
                paths = [p for p in candidates if p in other and other[p] is not merged.get(p)]
            for path in paths:
                side = other[path]
                if side.deleted_by is not None:
                    continue
                kept = merged.get(path)
                for _hop in range(64):  # renamed on the mainline: the lines went with the file
                    if kept is None or kept.moved_to is None:
                        break
                    kept = merged.get(kept.moved_to)
                if kept is not None and kept.lines is side.lines:
                    continue  # the very lines the merge kept: every text is there
                brought = (side._owners if side._owners >= 0 else side.owners()) & elsewhere
                if not brought:
                    continue  # no line of it was written on the merged branch
                authors = set(members(brought))
                theirs = list(compress(side.lines, map(authors.__contains__, map(_owner, side.lines))))
                if not theirs:
                    continue
                texts = set(map(_text, kept.lines)) if kept is not None else set()
                for owner, text, _gaps in theirs:
                    if text not in texts:
                        touch(owner, merge, path)

    def _brought_paths(self, parents: Sequence[int | None], files: int) -> set[str] | None:
        """The paths the commits a merge brings in made states for; None: fewer to scan ``files``.

        Only such a state can hold a line written off the mainline: the commit that
        makes a state sees every owner of its lines (unless a revert gave a line back to a
        commit of another branch: then every path is looked at).
        """
        if self._foreign:
            return None
        brought = self._ancestry.brought_in(parents)
        if brought.bit_count() >= files:
            return None
        wrote = self._wrote
        known = len(wrote)
        return {p for c in members(brought) if c < known for p in wrote[c] or ()}

    def _concurrent(self, merge: int, merged: FileState, path: str) -> None:
        """Lines a merge puts side by side that were written on different branches.

        Neither could be reverted without conflicting with the other: git's
        merge base for the revert predates the other branch's change.
        """
        runs = [owner for owner, _lines in groupby(map(_owner, merged.lines))]  # each owner once a run
        related = self._ancestry.related
        side_by_side = dict.fromkeys(pairwise(runs))  # neighbours, in the order first met
        for a, b in side_by_side:
            if a < 0 or b < 0 or merge in (a, b) or related(a, b):
                continue
            self._touch(a, b, path)
            self._touch(b, a, path)

    def skip(self, index: int, parents: Sequence[int | None]) -> None:
        """A commit that changes no tracked file: same state as its first parent."""
        self._ancestry.add(index, parents)
        first = parents[0] if parents else None
        self._hold(index, self._parent_state(first))
        for parent in parents:
            self._release(parent)

    def _touch(self, owner: int, toucher: int, path: str) -> None:
        if owner < 0 or owner == toucher:
            return
        found = self.pairs.get((owner, toucher))
        if found is None:
            self.pairs[(owner, toucher)] = (path,)
        elif path not in found:
            self.pairs[(owner, toucher)] = (*found, path)

    def _apply(
        self,
        index: int,
        state: dict[str, FileState],
        base: dict[str, FileState],
        diff: FileDiff,
        others: list[dict[str, FileState]],
    ) -> None:
        old_path, new_path = diff.old_path, diff.new_path
        path = new_path or old_path or ""
        touch = self._touch
        if old_path is None:
            # an added file collides with the deletion of whatever was there before: the
            # same path, a file where its directory goes, or files under it (file/directory)
            for where, tomb in self._tombstones_around(base, new_path or ""):
                touch(tomb.deleted_by if tomb.deleted_by is not None else -1, index, where)
            current = FileState([], creator=index, ident=new_path or "")
        else:
            found = base.get(old_path)
            if found is None or found.deleted_by is not None:
                found = FileState([], ident=found.ident if found is not None and found.ident else old_path)
            current = found
        renamed = old_path is not None and new_path is not None and old_path != new_path
        if renamed or diff.mode_change or new_path is None:
            touch(current.file_owner, index, path)  # rename/rename, rename/delete, mode/mode...
        if new_path is not None:
            touch(current.creator, index, path)  # reverting the file's creator deletes it: modify/delete
        if new_path is None:
            # deleted: every line collides with it, except for the commit that created the
            # file (reverting that commit deletes it too: no conflict)
            for owner, _text, gaps in current.lines:
                if owner != current.creator:
                    touch(owner, index, path)
                for gap in gaps:
                    touch(gap, index, path)
            for gap in current.eof_gaps:
                touch(gap, index, path)
            state[old_path or ""] = FileState(
                [], creator=current.creator, deleted_by=index, ident=current.ident
            )
            return
        if renamed:
            state[old_path or ""] = FileState([], deleted_by=index, moved_to=new_path, ident=current.ident)
        file_owner = index if (renamed or diff.mode_change) else current.file_owner
        creator = current.creator
        # what a merge brings in keeps who did it on the merged branch: the commit that added
        # the file, the one that renamed it (reverting either conflicts with later changes)
        merged_from = [self._counterpart(o, new_path, current.ident) for o in others]
        side = next((m for m in merged_from if m is not None and m.deleted_by is None), None)
        if side is not None:
            if old_path is None:
                # the merge brings the file in (under a name its diff may not pair with the
                # old one): it is the merged branch's file, created and renamed there
                creator = side.creator
                if side.file_owner >= 0:
                    file_owner = side.file_owner
            if (renamed or diff.mode_change) and side.file_owner >= 0:
                file_owner = side.file_owner
        if diff.binary:
            for owner, _text, gaps in current.lines:
                touch(owner, index, path)
                for gap in gaps:
                    touch(gap, index, path)
            for gap in current.eof_gaps:
                touch(gap, index, path)
            owner = index
            if (
                side is not None
                and len(side.lines) == 1
                and side.lines[0][1] is None
                and side.lines[0][0] >= 0
            ):
                owner = side.lines[0][0]  # the merged branch's version of the binary file
            state[new_path] = FileState(
                [(owner, None, ())], (), creator, file_owner, ident=current.ident, _owners=1 << owner
            )
            return
        if not diff.hunks:
            state[new_path] = FileState(
                current.lines,
                current.eof_gaps,
                creator,
                file_owner,
                ident=current.ident,
                _owners=current._owners,
            )
            return
        owners = current.owners()
        lines = list(current.lines)
        eof_gaps = current.eof_gaps
        side_gaps: tuple[int, ...] | None = None
        removed = self._removed.setdefault(index, {}) if index in self._targets else None
        restoring = self._removed.get(self._reverts.get(index, -2))
        # lines a merge brings in keep their author: who wrote the same text on the merged branch
        lookups = [m.authors() for m in merged_from if m is not None]
        seen: set[int] = set()  # owners already in ``owners``
        pairs = self.pairs

        def hit(owner: int) -> None:  # _touch(owner, index, path), inlined for the hot loop
            if owner >= 0 and owner != index:
                found = pairs.get((owner, index))
                if found is None:
                    pairs[(owner, index)] = (path,)
                elif path not in found:
                    pairs[(owner, index)] = (*found, path)

        hunks = diff.hunks
        starts = [h.old_start for h in hunks]
        if all(map(lt, starts, starts[1:])):
            hunks = hunks[::-1]  # git's order, last first: what sorted() would give, faster
        else:
            hunks = sorted(hunks, key=lambda h: h.old_start, reverse=True)
        for hunk in hunks:
            # "-a,0": an insertion after old line a; "-a,b": old lines a..a+b-1
            start = hunk.old_start if hunk.old_count == 0 else hunk.old_start - 1
            end = start + hunk.old_count
            if len(lines) < end:
                # lines we had not seen yet (the file was there before the tracked history):
                # what we took for the end of the file was not its end
                first_new = len(lines)
                lines.extend([_UNSEEN] * (end - len(lines)))
                if eof_gaps:
                    lines[first_new] = (-1, None, eof_gaps)
                    eof_gaps = ()
            # what a revert of an earlier commit would collide with
            for owner, _text, _gaps in lines[max(0, start - 1) : end + 1]:
                hit(owner)
            carried: tuple[int, ...] = ()
            for at, (_owner, _text, gaps) in enumerate(lines[start : end + 1], start):
                if gaps:
                    for gap in gaps:
                        hit(gap)
                    if at < end:
                        carried += gaps
            if end >= len(lines):
                for gap in eof_gaps:
                    hit(gap)
            # apply
            if removed is not None:
                for owner, text, _gaps in lines[start:end]:
                    if text is not None or owner >= 0:
                        removed.setdefault(text or "", []).append(owner)
            new = []
            for text in hunk.new_lines:
                if restoring and restoring.get(text):
                    author = restoring[text].pop(0)  # a revert brings the line back to its author
                    if author >= 0 and not self._ancestry.reaches(index, author):
                        self._foreign = True
                else:
                    author = index
                    for known in lookups:
                        inherited = known.get(text)
                        if inherited is not None:
                            author = inherited
                            break
                if author >= 0 and author not in seen:
                    seen.add(author)
                    owners |= 1 << author  # lines it replaced may stay in: owners() may say more
                new.append((author, text, ()))
            if hunk.old_count and not hunk.new_lines:
                if side_gaps is None:
                    # a merge that deletes lines usually carries a deletion made on the merged branch
                    side_gaps = tuple(
                        g
                        for other in merged_from
                        if other is not None
                        for g in other.gaps()
                        if not self._on_mainline(g)
                    )
                carried = (*carried, index, *side_gaps)
            lines[start:end] = new
            if carried:
                if start < len(lines):
                    owner, text, gaps = lines[start]
                    lines[start] = (owner, text, tuple(dict.fromkeys(gaps + carried)))
                else:
                    eof_gaps = tuple(dict.fromkeys(eof_gaps + carried))
        state[new_path] = FileState(lines, eof_gaps, creator, file_owner, ident=current.ident, _owners=owners)

    def _counterpart(self, other: dict[str, FileState], path: str, ident: str) -> FileState | None:
        """The merged branch's version of the file at ``path``: there, or renamed on one side."""
        found = other.get(path)
        if (found is None or found.deleted_by is not None) and ident:
            live = [
                candidate
                for candidate in map(other.get, self._kept_at.get(ident, ()))
                if candidate is not None and candidate.deleted_by is None and candidate.ident == ident
            ]
            if len(live) == 1:
                return live[0]
            if live:  # several: the first in the state's order, as a scan of it finds
                return next(c for c in other.values() if c.deleted_by is None and c.ident == ident)
        return found

    def _tombstones_around(self, state: dict[str, FileState], path: str) -> Iterator[tuple[str, FileState]]:
        """Deleted files at ``path``, at a parent of it, or under it."""
        tomb = state.get(path)
        if tomb is not None and tomb.deleted_by is not None:
            yield path, tomb
        parts = path.split("/")
        for i in range(1, len(parts)):
            parent = state.get("/".join(parts[:i]))
            if parent is not None and parent.deleted_by is not None:
                yield path, parent
        yield from self._tombstones_under(state, path)

    def _tombstones_under(self, state: dict[str, FileState], path: str) -> Iterator[tuple[str, FileState]]:
        """Deleted files under the directory ``path`` (from the index, not a scan of ``state``)."""
        for other in self._tombs_under.get(path, ()):
            tomb = state.get(other)
            if tomb is not None and tomb.deleted_by is not None:
                yield other, tomb
