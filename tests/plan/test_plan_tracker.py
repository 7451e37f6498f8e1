"""The line tracker (pure): who wrote each line, and which later change touches it."""

from __future__ import annotations

import pytest

from ai_rollback.plan import (
    FileDiff,
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
