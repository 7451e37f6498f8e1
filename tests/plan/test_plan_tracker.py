"""The line tracker (pure): who wrote each line, and which later change touches it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from ai_rollback.plan import (
    FileDiff,
    FileState,
    Hunk,
    LineTracker,
)


def modify(path: str, start: int, count: int, *lines: str) -> FileDiff:
    return FileDiff(path, path, [Hunk(start, count, list(lines))])


def run_tracker(steps: list[list[FileDiff]]) -> dict[tuple[int, int], tuple[str, ...]]:
    tracker = LineTracker()
    for index, diffs in enumerate(steps):
        tracker.commit(index, [index - 1] if index else [], diffs)
    return tracker.pairs


BASE = FileDiff(None, "f", [Hunk(0, 0, [f"line {i}" for i in range(1, 11)])])


@pytest.mark.parametrize(
    ("later", "entangled"),
    [
        (modify("f", 5, 1, "human 5"), True),  # the same line
        (modify("f", 6, 1, "human 6"), True),  # the next line: git conflicts on touching changes
        (modify("f", 4, 1, "human 4"), True),  # the line before
        (modify("f", 8, 1, "human 8"), False),  # further away
        (modify("f", 5, 0, "inserted after 5"), True),  # insertion right after
        (modify("f", 2, 0, "inserted after 2"), False),
        (FileDiff("f", None, [Hunk(1, 10, [])]), True),  # file deleted
        (FileDiff("g", "g", [Hunk(1, 1, ["x"])]), False),  # another file
    ],
)
def test_line_level_entanglement(later: FileDiff, entangled: bool) -> None:
    pairs = run_tracker([[BASE], [modify("f", 5, 1, "AI 5")], [later]])
    assert ((1, 2) in pairs) is entangled


def test_deletion_points_entangle() -> None:
    pairs = run_tracker([[BASE], [modify("f", 5, 2)], [modify("f", 4, 0, "human inserts where AI deleted")]])
    assert (1, 2) in pairs
    pairs = run_tracker([[BASE], [modify("f", 5, 2)], [modify("f", 1, 1, "far away")]])
    assert (1, 2) not in pairs


def test_ownership_moves_with_the_latest_writer() -> None:
    pairs = run_tracker(
        [
            [BASE],
            [modify("f", 5, 1, "AI")],
            [modify("f", 5, 1, "AI again")],
            [modify("f", 5, 1, "human")],
        ]
    )
    assert (2, 3) in pairs and (1, 2) in pairs and (1, 3) not in pairs


def test_offsets_follow_earlier_hunks() -> None:
    # AI writes line 8; a human inserts 3 lines at the top; then edits (new) line 11 = AI's line
    pairs = run_tracker(
        [
            [BASE],
            [modify("f", 8, 1, "AI 8")],
            [modify("f", 0, 0, "a", "b", "c")],
            [modify("f", 11, 1, "human on AI")],
        ]
    )
    assert (1, 3) in pairs and (1, 2) not in pairs


def test_renames_carry_lines() -> None:
    rename = FileDiff("f", "g", [])
    pairs = run_tracker([[BASE], [modify("f", 5, 1, "AI")], [rename], [modify("g", 5, 1, "human")]])
    assert pairs[(1, 3)] == ("g",)


def test_binary_files_are_one_line() -> None:
    binary = FileDiff("img.png", "img.png", binary=True)
    pairs = run_tracker([[FileDiff(None, "img.png", binary=True)], [binary], [binary]])
    assert (1, 2) in pairs and (0, 1) in pairs


def test_merges_bring_lines_with_their_authors() -> None:
    tracker = LineTracker()
    tracker.commit(0, [], [BASE])
    tracker.commit(1, [0], [modify("f", 2, 1, "main edit")])  # main
    tracker.commit(2, [0], [modify("f", 8, 1, "AI on branch")])  # side branch
    tracker.commit(3, [1, 2], [modify("f", 8, 1, "AI on branch")])  # merge, first-parent diff
    tracker.commit(4, [3], [modify("f", 8, 1, "human later")])
    assert (2, 4) in tracker.pairs
    tracker.skip(5, [4])


def test_a_state_s_authors_are_the_first_known_owner_of_each_text() -> None:
    """FileState.authors (built in C calls) against the plain loop it stands for."""
    import random

    from ai_rollback.plan import FileState

    rng = random.Random(7)
    for _ in range(300):
        lines = [
            (rng.choice([-1, 0, 3, 5, 9]), rng.choice(["a", "b", "c", None]), ())
            for _ in range(rng.randint(0, 12))
        ]
        expected: dict[str | None, int] = {}
        for owner, text, _gaps in lines:
            if owner >= 0 and text not in expected:
                expected[text] = owner
        assert FileState(lines).authors() == expected


class ScanningTracker(LineTracker):
    """The tracker as it was before its indexes: every question scans a whole state."""

    def _own(self, first: int | None, base: dict[str, FileState]) -> dict[str, FileState]:
        return dict(base)  # never takes a parent's state over

    def _brought_paths(self, parents: Sequence[int | None], files: int) -> set[str] | None:
        return None  # every path of the merged side

    def _counterpart(self, other: dict[str, FileState], path: str, ident: str) -> FileState | None:
        found = other.get(path)
        if (found is None or found.deleted_by is not None) and ident:
            for candidate in other.values():
                if candidate.deleted_by is None and candidate.ident == ident:
                    return candidate
        return found

    def _tombstones_under(self, state: dict[str, FileState], path: str) -> Iterator[tuple[str, FileState]]:
        for other, tomb in state.items():
            if tomb.deleted_by is not None and other.startswith(path + "/"):
                yield other, tomb


PATHS = ["a", "b", "c", "d", "d/x", "d/y", "e/f", "e", *(f"g/{i}" for i in range(12))]
TEXTS = ["one", "two", "three", "four", "five", "six"]


def _clashes(path: str, files: dict[str, int]) -> bool:
    """Would ``path`` be a file where a directory of ``files`` is, or the other way round?"""
    return any(p.startswith(path + "/") or path.startswith(p + "/") for p in files)


def _history(seed: int) -> list[tuple[list[int], list[FileDiff]]]:
    """A history git could have made: forks, merges, renames, deletions, file/directory swaps.

    Each commit's diffs are against its first parent, each path once as a source and once
    as a destination; a merge takes the union of its parents' files.
    """
    import random

    rng = random.Random(seed)
    trees: list[dict[str, int]] = []  # commit -> path -> its number of lines
    out: list[tuple[list[int], list[FileDiff]]] = []
    heads: list[int] = []

    def lines(n: int) -> list[str]:
        return [rng.choice(TEXTS) for _ in range(n)]

    def edit(tree: dict[str, int], path: str) -> FileDiff:
        """Replace up to two lines of ``path`` (or insert into it) by up to three."""
        start = rng.randint(1, tree[path]) if tree[path] else 0
        count = rng.randint(0, min(2, tree[path] - start + 1)) if start else 0
        new = lines(rng.randint(0 if count else 1, 3))
        tree[path] += len(new) - count
        return modify(path, start, count, *new)

    for index in range(rng.randint(8, 40)):
        parents: list[int] = []
        if index:
            first = rng.choice(heads) if rng.random() < 0.8 else rng.randrange(index)
            parents = [first]
            others = [h for h in heads if h != first]
            if others and rng.random() < 0.3:
                parents.append(rng.choice(others))
        tree = dict(trees[parents[0]]) if parents else {}
        diffs: list[FileDiff] = []
        if len(parents) == 2:
            side = trees[parents[1]]
            for path, n in side.items():
                if path not in tree and not _clashes(path, tree):
                    tree[path] = n
                    diffs.append(FileDiff(None, path, [Hunk(0, 0, lines(n))]))
                elif path in tree and rng.random() < 0.5:
                    diffs.append(edit(tree, path))
            for path in [p for p in tree if p not in side]:
                if rng.random() < 0.3:  # a resolution edits a file the side renamed or deleted
                    diffs.append(edit(tree, path))
        else:
            touched: set[str] = set()
            for _ in range(rng.randint(0, 3)):
                live = [p for p in tree if p not in touched]
                free = [p for p in PATHS if p not in tree and p not in touched and not _clashes(p, tree)]
                action = rng.choice(["modify", "modify", "add", "delete", "rename", "binary"])
                diff: FileDiff | None = None
                if action == "add" and free:
                    path = rng.choice(free)
                    tree[path] = rng.randint(1, 4)
                    diff = FileDiff(None, path, [Hunk(0, 0, lines(tree[path]))])
                elif action == "delete" and live:
                    path = rng.choice(live)
                    n = tree.pop(path)
                    diff = FileDiff(path, None, [Hunk(1, n, [])] if n else [])
                elif action == "rename" and live:
                    path = rng.choice(live)
                    n = tree.pop(path)
                    free = [p for p in free if not _clashes(p, tree)]
                    if free:
                        new_path = rng.choice(free)
                        tree[new_path] = n + (0 if n else 1)
                        diff = FileDiff(path, new_path, [Hunk(1 if n else 0, 1 if n else 0, lines(1))])
                    else:
                        tree[path] = n
                elif action == "binary" and live:
                    path = rng.choice(live)
                    tree[path] = 1
                    diff = FileDiff(path, path, binary=True)
                elif live:
                    diff = edit(tree, rng.choice(live))
                if diff is not None:
                    diffs.append(diff)
                    touched.update(p for p in (diff.old_path, diff.new_path) if p)
        trees.append(tree)
        out.append((parents, diffs))
        heads = [h for h in heads if h not in parents] + [index]
    return out


def _pairs_of(tracker: LineTracker, history: list[tuple[list[int], list[FileDiff]]]) -> dict:
    children: dict[int, int] = {}
    for parents, _diffs in history:
        for p in parents:
            children[p] = children.get(p, 0) + 1
    tracker.expect_children(children)
    for index, (parents, diffs) in enumerate(history):
        if diffs or len(parents) > 1:
            tracker.commit(index, list(parents), diffs)
        else:
            tracker.skip(index, list(parents))
    return {pair: set(paths) for pair, paths in tracker.pairs.items()}


def _reverts(seed: int, history: list[tuple[list[int], list[FileDiff]]]) -> dict[int, int]:
    """Some commits revert an earlier one, on their branch or not (``git revert`` of any commit)."""
    import random

    rng = random.Random(seed)
    return {
        index: rng.randrange(index)
        for index, (parents, diffs) in enumerate(history)
        if index and diffs and len(parents) == 1 and rng.random() < 0.2
    }


@pytest.mark.parametrize("seed", range(300))
def test_the_indexes_answer_what_a_scan_of_the_whole_state_does(seed: int) -> None:
    """Taking a parent's state over, the tombstone and identity indexes, a merge's brought paths."""
    history = _history(seed)
    assert _pairs_of(LineTracker(), history) == _pairs_of(ScanningTracker(), history)
    # reverts give lines back to their authors, even to a commit of another branch
    reverts = _reverts(seed, history)
    assert _pairs_of(LineTracker(reverts), history) == _pairs_of(ScanningTracker(reverts), history)


def test_a_revert_of_another_branch_s_commit_keeps_merges_looking_at_every_path() -> None:
    """``git revert X`` on main, X on an unmerged branch: the line goes back to its author W, whom
    main never saw. A later merge that keeps main's version drops W's line although no commit it
    brings in wrote that file: found only by looking at every path (found by a review)."""
    history: list[tuple[list[int], list[FileDiff]]] = [
        ([], [FileDiff(None, "p", [Hunk(0, 0, ["L0"])]), FileDiff(None, "q", [Hunk(0, 0, ["q0"])])]),
        ([0], [modify("p", 1, 1, "L")]),  # 1, feature: W (AI)
        ([1], [modify("p", 1, 1, "L2")]),  # 2, feature: X
        ([0], [modify("p", 1, 1, "L")]),  # 3, main: the same as W
        ([3], [modify("p", 1, 1, "L2")]),  # 4, main: the same as X
        ([4], [modify("p", 1, 1, "L")]),  # 5, main: git revert X ("L" goes back to W)
        ([5], [modify("q", 1, 1, "q1")]),  # 6, side: touches q only
        ([5], [modify("p", 1, 1, "L3")]),  # 7, main: F
        ([7, 6], [modify("q", 1, 1, "q1")]),  # 8: merge side into main, p as main has it
    ]
    pairs = _pairs_of(LineTracker({5: 2}), history)
    assert pairs.get((1, 8)) == {"p"}  # the merge dropped W's line
    assert pairs == _pairs_of(ScanningTracker({5: 2}), history)
