"""Renamed files a revert will not find again: the questions, and git's answer by content.

Reverting a commit R that changed ``P`` is a three-way merge with R as the
base.  When the tip has no ``P``, git looks for it under another name by
content: R's version against each file added since, paired when they are at
least 50% alike (``merge.renames``' default score).  When the file changed
too much after its rename, git sees ``P`` deleted on one side and modified
(or renamed back) on the other: a modify/delete (rename/delete) conflict.
The line tracker cannot see this, since each commit's own rename was found.

Pure: :func:`renamed_away` asks which (commit, path) pairs need the check,
:func:`pairs_by_content` is git's similarity estimate (``diffcore-delta.c``,
``diffcore-rename.c``) on two blobs.  ``ai_rollback.revert.gather`` reads the
blobs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ai_rollback.plan.ancestry import Ancestry
from ai_rollback.plan.history import ancestry
from ai_rollback.plan.model import Commit

#: git's ``MAX_SCORE`` and its default rename score (50%)
MAX_SCORE = 60000
MINIMUM_SCORE = 30000


@dataclass(frozen=True, slots=True)
class Question:
    """Is the file ``path`` of commit ``commit`` at the tip, or found there by content?"""

    commit: int
    path: str
    paths: tuple[str, ...]  # every name the file had
    renamers: tuple[int, ...] = ()  # changed: the commits that renamed it away from ``path``
    created: bool = False  # the commit added the file


def renamed_away(
    commits: Sequence[Commit],
    files: set[int],
    ids: dict[tuple[int, str], int],
    revert: set[int] | None = None,
    reach: Ancestry | None = None,
) -> list[Question]:
    """The commits to revert whose verdict depends on git finding their file at the tip.

    Two kinds, for the commits of ``revert`` (every non-merge commit of the
    range if None) and the files of ``files``:

    * a commit that changed (``M``) or renamed a file which a commit that is
      not its ancestor renamed away from the same path (later, or on a branch
      merged since): lost at the tip, the revert conflicts with the renamers;
    * a commit that added a file: lost at the tip (deleted, or renamed past
      recognition), its revert deletes what is already gone, and conflicts
      with none of the later changes to the file.

    ``reach``: the :func:`ancestry` of ``commits``, if the caller has it.
    """
    moves: dict[int, list[tuple[int, str]]] = {}  # file id -> (renaming commit, old path)
    paths_of: dict[int, set[str]] = {}
    for commit in commits:
        for status, old, new in commit.paths:
            if status.startswith("R") and old is not None and new is not None:
                ident = ids.get((commit.index, new))
                if ident is not None and ident in files:
                    moves.setdefault(ident, []).append((commit.index, old))
                    paths_of.setdefault(ident, set()).update((old, new))
    out: list[Question] = []
    for commit in commits:
        if revert is not None and commit.index not in revert:
            continue
        if not commit.in_range or len(commit.parents) > 1:
            continue
        for status, _old, new in commit.paths:
            if new is None:
                continue
            ident = ids.get((commit.index, new))
            if ident is None or ident not in files:
                continue
            names = tuple(sorted(paths_of.get(ident, {new})))
            if status == "A":
                out.append(Question(commit.index, new, names, created=True))
                continue
            if ident not in moves or not (status == "M" or status.startswith("R")):
                continue
            if reach is None:
                reach = ancestry(commits)
            renamers = tuple(
                k for k, old in moves[ident] if old == new and not reach.reaches(commit.index, k)
            )
            if renamers:
                out.append(Question(commit.index, new, names, renamers))
    return out


#: git's ``HASHBASE`` (``diffcore-delta.c``)
HASHBASE = 107927
_MASK = 0xFFFFFFFF


#: span -> its hash (versions of one file share their lines); emptied when it grows past this
_hashes: dict[bytes, int] = {}
_HASHES_KEPT = 100_000


def _span_hash(span: bytes) -> int:
    """git's hash of one span, in 32-bit unsigned arithmetic as C computes it."""
    found = _hashes.get(span)
    if found is None:
        accum1 = accum2 = 0
        for c in span:
            old = accum1
            accum1 = (((accum1 << 7) ^ (accum2 >> 25)) + c) & _MASK
            accum2 = ((accum2 << 7) ^ (old >> 25)) & _MASK
        found = ((accum1 + accum2 * 0x61) & _MASK) % HASHBASE
        if len(_hashes) >= _HASHES_KEPT:
            _hashes.clear()
        _hashes[span] = found
    return found


#: blob -> its spans, for the few blobs (the tip's versions) compared again and again
_spans_of: dict[bytes, Counter[bytes]] = {}


def _spans_cached(data: bytes) -> Counter[bytes]:
    found = _spans_of.get(data)
    if found is None:
        if len(_spans_of) >= 64:
            _spans_of.clear()
        found = _spans_of[data] = _spans(data)
    return found


def _spans(data: bytes) -> Counter[bytes]:
    """The spans of ``data`` as ``hash_chars`` in git's ``diffcore-delta.c`` cuts them, counted.

    A span is a line with its LF, cut every 64 bytes; the CR of a CRLF does
    not count (in text); what follows the last LF counts only in full 64-byte
    pieces.
    """
    if b"\0" not in data[:8000]:  # git's buffer_is_binary
        data = data.replace(b"\r\n", b"\n")
    lines = data.split(b"\n")
    last = lines.pop()
    pieces = [line + b"\n" for line in lines]
    if len(last) >= 64:
        pieces.append(last[: len(last) - len(last) % 64])
    long = [piece for piece in pieces if len(piece) > 64]
    if long:
        pieces = [piece for piece in pieces if len(piece) <= 64]
        for piece in long:
            pieces.extend(piece[i : i + 64] for i in range(0, len(piece), 64))
    return Counter(pieces)


def similarity(src: bytes, dst: bytes, enough: int | None = None) -> int:
    """git's rename score of ``src`` -> ``dst`` (0 to :data:`MAX_SCORE`), ``estimate_similarity``.

    git counts bytes per span *hash*: per hash, the smaller of the two sides'
    bytes.  The spans both sides share count whole; git's hash is computed
    only for what is left over on each side, where two different spans can
    share a hash and count as copied, as they do in git.  With ``enough``, a
    score that is surely at least ``enough``, or surely under it, is returned
    as soon as that is known (not exact then, but on the same side of it).
    """
    if not src or not dst:
        return 0  # a merge never pairs an empty file (merge-ort turns rename_empty off)
    if src == dst:
        return MAX_SCORE
    max_size = max(len(src), len(dst))
    delta = max_size - min(len(src), len(dst))
    if max_size * (MAX_SCORE - MINIMUM_SCORE) < delta * MAX_SCORE:
        return 0
    mine, theirs = _spans(src), _spans_cached(dst)
    # what both hold, each span the fewer times (Counter's ``&``, with the key sets met in C)
    common = {span: min(mine[span], theirs[span]) for span in mine.keys() & theirs.keys()}
    copied = _size(common)
    if enough is not None:
        if copied * MAX_SCORE // max_size >= enough:
            return copied * MAX_SCORE // max_size
        # at most all of the smaller side: what they share, and all it holds besides
        at_most = min(_size(mine), _size(theirs))
        if at_most * MAX_SCORE // max_size < enough:
            return at_most * MAX_SCORE // max_size
    rest_mine, rest_theirs = _less(mine, common), _less(theirs, common)
    left = _by_hash(rest_mine)
    if left:
        right = _by_hash(rest_theirs, left)
        copied += sum(min(count, left[h]) for h, count in right.items())
    return copied * MAX_SCORE // max_size


def _less(spans: Mapping[bytes, int], common: Mapping[bytes, int]) -> dict[bytes, int]:
    """What ``spans`` holds beyond ``common`` (Counter's ``-``: only what is left over)."""
    return {span: n - common.get(span, 0) for span, n in spans.items() if n > common.get(span, 0)}


def _size(spans: Mapping[bytes, int]) -> int:
    """The bytes ``spans`` count."""
    return sum(len(span) * count for span, count in spans.items())


def _by_hash(spans: Mapping[bytes, int], only: dict[int, int] | None = None) -> dict[int, int]:
    """Span hash -> bytes, as git counts them (``only``: the hashes in it, none other)."""
    out: dict[int, int] = {}
    for span, count in spans.items():
        h = _span_hash(span)
        if only is None or h in only:
            out[h] = out.get(h, 0) + len(span) * count
    return out


def pairs_by_content(src: bytes, dst: bytes) -> bool:
    """Would git's rename detection pair ``src`` (deleted) with ``dst`` (added)?"""
    return similarity(src, dst, MINIMUM_SCORE) >= MINIMUM_SCORE
