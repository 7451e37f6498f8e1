"""Planning a revert: what to revert, in which order, and what is entangled.

Pure functions over plain data (commits, their changed paths, their ``-U0``
hunks).  Nothing here runs git.

Entanglement
    Reverting commit R is a three-way merge of R's parent over the current
    tip with R as the base.  git reports a conflict when a later change
    overlaps R's change *or touches it* (xdiff treats adjacent changes as
    conflicting).  :class:`LineTracker` follows every line of the files that
    matter through the history, remembering which commit wrote it and where
    a commit deleted lines, and records a pair (R, K) whenever a later commit
    K changes lines R wrote, or the lines right next to them, or the place
    where R deleted lines.  Renames git detects carry the lines along; a
    binary file is one line; lines a merge brings in keep the author they
    had on the merged branch when their text matches.

    Only files that both a commit to revert and a later kept commit touch
    can conflict, so only those are tracked (``contested``); the plan is
    re-derived when a policy moves commits between the two sets.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

# A tracked line: (owner, text, deletion points just before it).
# owner: index of the commit that wrote it (-1: before the tracked history).
Line = tuple[int, "str | None", tuple[int, ...]]

REVERT = "revert"
KEEP = "keep"
SKIP = "skip"

POLICIES = ("stop", "skip", "include")


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
    lines: list[Line]
    eof_gaps: tuple[int, ...] = ()
    creator: int = -1  # the commit that added the file (-1: before the tracked history)
    file_owner: int = -1  # the last commit that renamed it or changed its mode
    deleted_by: int | None = None  # a tombstone: the commit that deleted (or renamed away) the file


class LineTracker:
    """Follows line ownership through commits given oldest first (see module doc)."""

    def __init__(self, reverts: dict[int, int] | None = None) -> None:
        self.pairs: dict[tuple[int, int], set[str]] = {}
        self._states: dict[int, dict[str, FileState]] = {}
        self._pending: dict[int, int] = {}
        #: revert commit -> the commit it reverts: lines it brings back get their old owner
        self._reverts = reverts or {}
        self._removed: dict[int, dict[str, list[int]]] = {}
        self._parents: dict[int, list[int]] = {}
        self._ancestors: dict[int, set[int]] = {}
        self._mainline: set[int] = set()

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
            self._states.pop(parent, None)

    def commit(self, index: int, parents: Sequence[int | None], diffs: Iterable[FileDiff]) -> None:
        """Apply one commit's diffs (against its first parent)."""
        self._parents[index] = [p for p in parents if p is not None]
        first = parents[0] if parents else None
        base = self._parent_state(first)
        state = dict(base)
        others = [self._parent_state(p) for p in parents[1:]]
        self._mainline = (self._ancestors_of(first) | {first}) if others and first is not None else set()
        for diff in diffs:
            self._apply(index, state, base, diff, others)
            if others and diff.new_path is not None and diff.new_path in state:
                self._concurrent(index, state[diff.new_path], diff.new_path)
        if others and first is not None:
            self._dropped(index, first, state, others)
        self._states[index] = state
        for parent in parents:
            self._release(parent)

    def _ancestors_of(self, index: int) -> set[int]:
        found = self._ancestors.get(index)
        if found is None:
            found = set()
            stack = list(self._parents.get(index, []))
            while stack:
                parent = stack.pop()
                if parent not in found:
                    found.add(parent)
                    stack.extend(self._parents.get(parent, []))
            self._ancestors[index] = found
        return found

    def _dropped(
        self, merge: int, first: int, merged: dict[str, FileState], others: list[dict[str, FileState]]
    ) -> None:
        """Lines written on a merged branch that the merge did not keep (``-X ours``, a resolution).

        Reverting their commit conflicts: the merge already undid them differently.
        """
        mainline = self._ancestors_of(first) | {first}
        for other in others:
            for path, side in other.items():
                if side.deleted_by is not None:
                    continue
                kept = merged.get(path)
                texts = {text for _o, text, _g in kept.lines} if kept is not None else set()
                for owner, text, _gaps in side.lines:
                    if owner >= 0 and owner not in mainline and text not in texts:
                        self._touch(owner, merge, path)

    def _concurrent(self, merge: int, merged: FileState, path: str) -> None:
        """Lines a merge puts side by side that were written on different branches.

        Neither could be reverted without conflicting with the other: git's
        merge base for the revert predates the other branch's change.
        """
        lines = merged.lines
        for i in range(len(lines) - 1):
            a, b = lines[i][0], lines[i + 1][0]
            if a < 0 or b < 0 or a == b or merge in (a, b):
                continue
            if a in self._ancestors_of(b) or b in self._ancestors_of(a):
                continue
            self._touch(a, b, path)
            self._touch(b, a, path)

    def skip(self, index: int, parents: Sequence[int | None]) -> None:
        """A commit that changes no tracked file: same state as its first parent."""
        self._parents[index] = [p for p in parents if p is not None]
        first = parents[0] if parents else None
        self._states[index] = self._parent_state(first)
        for parent in parents:
            self._release(parent)

    def _touch(self, owner: int, toucher: int, path: str) -> None:
        if owner < 0 or owner == toucher:
            return
        self.pairs.setdefault((owner, toucher), set()).add(path)

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
            current = FileState([], creator=index)
        else:
            found = base.get(old_path)
            current = found if found is not None and found.deleted_by is None else FileState([])
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
            state[old_path or ""] = FileState([], creator=current.creator, deleted_by=index)
            return
        if renamed:
            state[old_path or ""] = FileState([], deleted_by=index)
        file_owner = index if (renamed or diff.mode_change) else current.file_owner
        if diff.binary:
            for owner, _text, gaps in current.lines:
                touch(owner, index, path)
                for gap in gaps:
                    touch(gap, index, path)
            for gap in current.eof_gaps:
                touch(gap, index, path)
            state[new_path] = FileState([(index, None, ())], (), current.creator, file_owner)
            return
        if not diff.hunks:
            state[new_path] = FileState(current.lines, current.eof_gaps, current.creator, file_owner)
            return
        lines = list(current.lines)
        eof_gaps = current.eof_gaps
        merged_from = [o.get(new_path) for o in others]
        # a merge that deletes lines usually carries a deletion made on the merged branch
        side_gaps = tuple(
            g
            for other in merged_from
            if other is not None
            for g in dict.fromkeys([*other.eof_gaps, *(g for _o, _t, gaps in other.lines for g in gaps)])
            if g not in self._mainline
        )
        for hunk in sorted(diff.hunks, key=lambda h: h.old_start, reverse=True):
            # "-a,0": an insertion after old line a; "-a,b": old lines a..a+b-1
            start = hunk.old_start if hunk.old_count == 0 else hunk.old_start - 1
            end = start + hunk.old_count
            if len(lines) < end:
                # lines we had not seen yet (the file was there before the tracked history):
                # what we took for the end of the file was not its end
                first_new = len(lines)
                lines.extend((-1, None, ()) for _ in range(end - len(lines)))
                if eof_gaps:
                    lines[first_new] = (-1, None, eof_gaps)
                    eof_gaps = ()
            # what a revert of an earlier commit would collide with
            for i in range(max(0, start - 1), min(len(lines), end + 1)):
                touch(lines[i][0], index, path)
            for i in range(start, min(len(lines), end + 1)):
                for gap in lines[i][2]:
                    touch(gap, index, path)
            if end >= len(lines):
                for gap in eof_gaps:
                    touch(gap, index, path)
            # apply
            carried: tuple[int, ...] = tuple(g for i in range(start, end) for g in lines[i][2])
            removed = self._removed.setdefault(index, {})
            for owner, text, _gaps in lines[start:end]:
                if text is not None or owner >= 0:
                    removed.setdefault(text or "", []).append(owner)
            restoring = self._removed.get(self._reverts.get(index, -2))
            new = []
            for text in hunk.new_lines:
                author: int | None = None
                if restoring and restoring.get(text):
                    author = restoring[text].pop(0)  # a revert brings the line back to its author
                elif merged_from:
                    author = self._inherit(text, merged_from)
                new.append((index if author is None else author, text, ()))
            if hunk.old_count and not hunk.new_lines:
                carried = (*carried, index, *side_gaps)
            lines[start:end] = new
            if carried:
                if start < len(lines):
                    owner, text, gaps = lines[start]
                    lines[start] = (owner, text, tuple(dict.fromkeys(gaps + carried)))
                else:
                    eof_gaps = tuple(dict.fromkeys(eof_gaps + carried))
        state[new_path] = FileState(lines, eof_gaps, current.creator, file_owner)

    @staticmethod
    def _tombstones_around(state: dict[str, FileState], path: str) -> Iterator[tuple[str, FileState]]:
        """Deleted files at ``path``, at a parent of it, or under it."""
        tomb = state.get(path)
        if tomb is not None and tomb.deleted_by is not None:
            yield path, tomb
        parts = path.split("/")
        for i in range(1, len(parts)):
            parent = state.get("/".join(parts[:i]))
            if parent is not None and parent.deleted_by is not None:
                yield path, parent
        prefix = path + "/"
        for other, tomb in state.items():
            if tomb.deleted_by is not None and other.startswith(prefix):
                yield other, tomb

    @staticmethod
    def _inherit(text: str, merged: list[FileState | None]) -> int | None:
        """Owner of a line a merge brings in: who wrote the same text on the merged branch."""
        for other in merged:
            if other is None:
                continue
            for owner, other_text, _gaps in other.lines:
                if other_text == text and owner >= 0:
                    return owner
        return None


# --------------------------------------------------------------------------
# Parsing ``git log -p -U0`` output
# --------------------------------------------------------------------------


def _unquote(path: str) -> str:
    """git's C-style quoted path (``"a\\tb"``) -> text; others unchanged."""
    if not (len(path) >= 2 and path[0] == '"' and path[-1] == '"'):
        return path
    body = path[1:-1]
    out = bytearray()
    i = 0
    escapes = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, '"': 34}
    raw = body.encode("utf-8", "surrogateescape")
    while i < len(raw):
        ch = raw[i]
        if ch == 92 and i + 1 < len(raw):  # backslash
            nxt = chr(raw[i + 1])
            if nxt in escapes:
                out.append(escapes[nxt])
                i += 2
                continue
            if nxt.isdigit() and i + 3 < len(raw) + 1:
                out.append(int(raw[i + 1 : i + 4], 8))
                i += 4
                continue
        out.append(ch)
        i += 1
    return out.decode("utf-8", "surrogateescape")


def _side(path: str, prefix: str) -> str | None:
    if path == "/dev/null":
        return None
    path = _unquote(path)
    return path[len(prefix) :] if path.startswith(prefix) else path


def _header_paths(header: str) -> tuple[str, str]:
    """Paths of ``diff --git a/X b/Y``; for unquoted equal paths with spaces, split in half."""
    rest = header[len("diff --git ") :]
    if rest.startswith('"'):
        end = rest.index('"', 1)
        while rest[end - 1] == "\\":
            end = rest.index('"', end + 1)
        first, second = rest[: end + 1], rest[end + 2 :]
        return _side(first, "a/") or "", _side(second, "b/") or ""
    if rest.endswith('"'):
        start = rest.rindex(' "')
        return _side(rest[:start], "a/") or "", _side(rest[start + 1 :], "b/") or ""
    half = (len(rest) - 1) // 2
    return rest[2:half], rest[half + 3 :]


def parse_patch(lines: Iterable[str]) -> list[FileDiff]:
    """File diffs of one commit from ``git diff -U0 -M --src-prefix=a/ --dst-prefix=b/`` lines."""
    diffs: list[FileDiff] = []
    current: FileDiff | None = None
    hunk: Hunk | None = None
    for line in lines:
        if line.startswith("diff --git "):
            old, new = _header_paths(line)
            current = FileDiff(old, new)
            diffs.append(current)
            hunk = None
        elif current is None:
            continue
        elif line.startswith("@@ -"):
            spec = line.split("@@", 2)[1].strip()
            old_spec = spec.split(" ")[0][1:]
            start, _, count = old_spec.partition(",")
            hunk = Hunk(int(start), int(count) if count else 1, [])
            current.hunks.append(hunk)
        elif hunk is not None and line.startswith("+"):
            hunk.new_lines.append(line[1:])
        elif hunk is not None and line.startswith(("-", "\\")):
            continue
        elif line.startswith("new mode "):
            current.mode_change = True
        elif line.startswith("new file mode"):
            current.old_path = None
        elif line.startswith("deleted file mode"):
            current.new_path = None
        elif line.startswith("rename from "):
            current.old_path = _unquote(line[len("rename from ") :])
        elif line.startswith("rename to "):
            current.new_path = _unquote(line[len("rename to ") :])
        elif line.startswith("--- ") and hunk is None:
            current.old_path = _side(line[4:].rstrip("\t"), "a/")
        elif line.startswith("+++ ") and hunk is None:
            current.new_path = _side(line[4:].rstrip("\t"), "b/")
        elif line.startswith(("Binary files ", "GIT binary patch")):
            current.binary = True
    return diffs


# --------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------


@dataclass(slots=True)
class Commit:
    """What the planner knows of one commit of the analysed history."""

    index: int  # position, oldest first
    sha: str
    parents: list[str]
    subject: str
    kind: str  # ai | human | merge
    reason: str
    model: str | None = None
    in_range: bool = True
    paths: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # status, old, new
    reverts: list[str] = field(default_factory=list)  # the commits it reverts, if it is a revert


@dataclass(slots=True)
class Decision:
    action: str
    reason: str


@dataclass(slots=True)
class Entangled:
    target: str  # the commit we want to revert
    blockers: list[str]  # kept commits that changed its lines (or next to them)
    files: list[str]


@dataclass
class Plan:
    range: str
    commits: list[Commit]  # oldest first
    decisions: dict[str, Decision]
    entangled: list[Entangled]
    refused: bool  # --entangled stop found entanglement
    included: list[str] = field(default_factory=list)

    @property
    def to_revert(self) -> list[Commit]:
        """Commits to revert, newest first (the order they are reverted in)."""
        return [
            c
            for c in reversed(self.commits)
            if self.decisions.get(c.sha, Decision(KEEP, "")).action == REVERT
        ]


def file_identities(commits: Sequence[Commit]) -> dict[tuple[int, str], int]:
    """A stable id per file across renames: (commit index, path) -> file id."""
    ids: dict[str, int] = {}
    result: dict[tuple[int, str], int] = {}
    counter = 0
    for commit in commits:
        for status, old, new in commit.paths:
            if status.startswith("R") and old is not None and new is not None:
                ident = ids.pop(old, None)
                if ident is None:
                    ident = counter
                    counter += 1
                ids[new] = ident
                result[(commit.index, new)] = ident
                result[(commit.index, old)] = ident
                continue
            path = new or old
            if path is None:
                continue
            if path not in ids:
                ids[path] = counter
                counter += 1
            result[(commit.index, path)] = ids[path]
    return result


def contested(commits: Sequence[Commit], revert: set[int], ids: dict[tuple[int, str], int]) -> set[int]:
    """Ids of files a commit to revert and a later kept commit both change.

    A file and the directory of the same name count as one place
    (file/directory conflicts): ``x`` and ``x/y`` contest each other.
    """
    side = side_commits(commits)
    first_revert: dict[int, int] = {}
    revert_paths: dict[str, int] = {}  # path -> its id, for paths commits to revert changed
    revert_dirs: dict[str, set[int]] = {}  # directory -> ids of reverted paths under it
    out: set[int] = set()
    for commit in commits:
        paths = [p for _s, o, n in commit.paths for p in (o, n) if p is not None and (commit.index, p) in ids]
        if commit.index in revert:
            for p in paths:
                f = ids[(commit.index, p)]
                first_revert.setdefault(f, commit.index)
                revert_paths[p] = f
                parts = p.split("/")
                for k in range(1, len(parts)):
                    revert_dirs.setdefault("/".join(parts[:k]), set()).add(f)
            continue
        for brought in side.get(commit.index, ()):
            if brought in revert:  # a merge carries (or drops) what its branch changed
                out |= {
                    ids[(brought, p)]
                    for _s, o, n in commits[brought].paths
                    for p in (o, n)
                    if p is not None and (brought, p) in ids
                }
        for p in paths:
            f = ids[(commit.index, p)]
            if f in first_revert and first_revert[f] < commit.index:
                out.add(f)
            parts = p.split("/")
            clash = {
                revert_paths["/".join(parts[:k])]
                for k in range(1, len(parts))
                if "/".join(parts[:k]) in revert_paths
            }
            clash |= revert_dirs.get(p, set())
            if clash:
                out |= clash | {f}
    return out


def side_commits(commits: Sequence[Commit]) -> dict[int, set[int]]:
    """For each merge, the commits it brings in (reachable from a later parent, not the first)."""
    index = {c.sha: c.index for c in commits}
    parents = {c.index: [index[p] for p in c.parents if p in index] for c in commits}
    memo: dict[int, set[int]] = {}

    def ancestors(start: int) -> set[int]:
        if start in memo:
            return memo[start]
        found: set[int] = set()
        stack = [start]
        while stack:
            node = stack.pop()
            for parent in parents.get(node, []):
                if parent not in found:
                    found.add(parent)
                    stack.append(parent)
        memo[start] = found
        return found

    out: dict[int, set[int]] = {}
    for c in commits:
        if len(c.parents) > 1 and c.parents[0] in index:
            first = index[c.parents[0]]
            brought: set[int] = set()
            for p in c.parents[1:]:
                if p in index:
                    brought |= ancestors(index[p]) | {index[p]}
            out[c.index] = brought - ancestors(first) - {first}
    return out


def blocked(
    revert: set[int],
    kept: set[int],
    pairs: dict[tuple[int, int], set[str]],
    neutral: set[int] = frozenset(),  # type: ignore[assignment]
) -> dict[int, dict[int, set[str]]]:
    """For each commit to revert, the later kept commits entangled with it (and where).

    ``neutral`` commits (a commit and the revert that cancels it) change nothing together.
    """
    out: dict[int, dict[int, set[str]]] = {}
    for (earlier, later), files in pairs.items():
        if earlier in revert and later in kept and later not in neutral:
            out.setdefault(earlier, {})[later] = files
    return out


def already_reverted(commits: Sequence[Commit]) -> dict[str, str]:
    """target sha -> the effective revert commit (a revert that is itself reverted cancels)."""
    by_sha = {c.sha: c for c in commits}
    reverters: dict[str, str] = {}
    for c in commits:
        for named in c.reverts:
            target = (
                by_sha[named].sha
                if named in by_sha
                else next((s for s in by_sha if s.startswith(named)), None)
            )
            if target:
                reverters[target] = c.sha
    memo: dict[str, bool] = {}

    def live(sha: str, depth: int = 0) -> bool:
        if sha in memo:
            return memo[sha]
        reverter = reverters.get(sha)
        result = True if reverter is None or depth > 50 else not live(reverter, depth + 1)
        memo[sha] = result
        return result

    return {target: reverter for target, reverter in reverters.items() if not live(target)}


def iter_short(shas: Iterable[str], by_sha: dict[str, Commit]) -> Iterator[str]:
    for sha in shas:
        commit = by_sha.get(sha)
        yield f"{sha[:10]} {commit.subject}" if commit else sha[:10]


def _describe(indices: Iterable[int], commits: Sequence[Commit], limit: int = 4) -> str:
    items = sorted(indices)
    text = ", ".join(f"{commits[i].sha[:10]} ({commits[i].subject[:50]})" for i in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def make_plan(
    range_text: str,
    commits: Sequence[Commit],
    track: Callable[[set[int], dict[tuple[int, str], int]], dict[tuple[int, int], set[str]]],
    *,
    only: str = "ai",
    model: str | None = None,
    path_selected: set[str] | None = None,
    policy: str = "stop",
) -> Plan:
    """Decide every commit of the range; ``track(file_ids, ids)`` runs the line tracker.

    ``commits`` are oldest first and include, with ``in_range=False``, the
    commits after the range up to the tip (they are kept, and can entangle).
    """
    import fnmatch

    decisions: dict[str, Decision] = {}
    cancelled = already_reverted(commits)
    revert: set[int] = set()
    for c in commits:
        if not c.in_range:
            continue
        if c.kind == "merge":
            decisions[c.sha] = Decision(SKIP, c.reason)
            continue
        if c.kind != only:
            other = "AI" if c.kind == "ai" else "human"
            decisions[c.sha] = Decision(KEEP, sys.intern(f"{other} ({c.reason})"))
            continue
        if c.sha in cancelled:
            decisions[c.sha] = Decision(SKIP, f"already reverted by {cancelled[c.sha][:10]}")
            continue
        if only == "human" and c.reverts:
            decisions[c.sha] = Decision(
                SKIP, f"a revert of {c.reverts[0][:10]}: reverting it would bring that back"
            )
            continue
        if model is not None and not fnmatch.fnmatchcase((c.model or "").lower(), model.lower()):
            decisions[c.sha] = Decision(
                KEEP, f"AI, but its model ({c.model or 'unknown'}) does not match --model {model}"
            )
            continue
        if path_selected is not None and c.sha not in path_selected:
            decisions[c.sha] = Decision(KEEP, "changes nothing under --path")
            continue
        label = "AI" if c.kind == "ai" else "human"
        decisions[c.sha] = Decision(REVERT, sys.intern(f"{label} ({c.reason})"))
        revert.add(c.index)

    ids = file_identities(commits)
    everything = {c.index for c in commits}
    position = {c.sha: c.index for c in commits}
    neutral = {position[s] for pair in cancelled.items() for s in pair if s in position}
    tracked: set[int] = set()
    pairs: dict[tuple[int, int], set[str]] = {}
    entangled: dict[int, Entangled] = {}
    included: list[str] = []
    refused = False
    while True:
        files = contested(commits, revert, ids)
        if not files <= tracked:
            tracked |= files
            pairs = track(tracked, ids)
        kept = everything - revert
        found = blocked(revert, kept - neutral, pairs, neutral)
        if not found:
            break
        for target, blockers in sorted(found.items()):
            entry = entangled.setdefault(target, Entangled(commits[target].sha, [], []))
            for k in sorted(blockers):
                if commits[k].sha not in entry.blockers:
                    entry.blockers.append(commits[k].sha)
            entry.files = sorted(set(entry.files) | {f for fs in blockers.values() for f in fs})
        if policy == "stop":
            refused = True
            for target, blockers in found.items():
                decisions[commits[target].sha] = Decision(
                    REVERT,
                    decisions[commits[target].sha].reason
                    + f"; entangled with {_describe(blockers, commits)}: "
                    "--entangled stop refuses the revert",
                )
            break
        changed = False
        for target, blockers in sorted(found.items()):
            if policy == "include" and all(
                commits[k].in_range and commits[k].kind != "merge" for k in blockers
            ):
                for k in blockers:
                    revert.add(k)
                    included.append(commits[k].sha)
                    decisions[commits[k].sha] = Decision(
                        REVERT,
                        f"entangled with {commits[target].sha[:10]}, reverted with it (--entangled include)",
                    )
                changed = True
            else:
                revert.discard(target)
                why = (
                    "outside the range or a merge, so --entangled include cannot take it"
                    if policy == "include"
                    else "--entangled skip"
                )
                decisions[commits[target].sha] = Decision(
                    SKIP, f"entangled with {_describe(blockers, commits)} ({why})"
                )
                changed = True
        if not changed:  # pragma: no cover - every round moves a commit
            break
    return Plan(
        range_text,
        list(commits),
        decisions,
        [entangled[k] for k in sorted(entangled)],
        refused,
        included,
    )
