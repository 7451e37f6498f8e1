"""Planning (pure): the line tracker, the patch parser, the policies."""

from __future__ import annotations

import subprocess

import pytest

from ai_rollback.git.log import iter_patches
from ai_rollback.git.run import Git
from ai_rollback.plan import (
    Commit,
    FileDiff,
    Hunk,
    LineTracker,
    already_reverted,
    make_plan,
    parse_patch,
)
from conftest import Repo


def modify(path: str, start: int, count: int, *lines: str) -> FileDiff:
    return FileDiff(path, path, [Hunk(start, count, list(lines))])


def run_tracker(steps: list[list[FileDiff]]) -> dict[tuple[int, int], set[str]]:
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
    assert pairs[(1, 3)] == {"g"}


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


def test_patch_parser_on_real_git_output(repo: Repo) -> None:
    repo.commit(
        "Human: base",
        {"a file.txt": "1\n2\n3\n", "b.txt": "x\n" * 30, "tab\tname": "t\n", "bin.dat": ""},
    )
    (repo.path / "bin.dat").write_bytes(b"\0\1\2")
    repo.write("a file.txt", "1\nTWO\n3\n")
    repo.write("new.txt", "new\n")
    repo.git("rm", "-q", "tab\tname")
    repo.git("mv", "b.txt", "c.txt")
    repo.write("c.txt", "x\n" * 29 + "y")  # no newline at the end
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Human: many")
    git = Git(str(repo.path), repo.env)
    ((sha, lines),) = list(iter_patches(git, [repo.head()]))
    assert sha == repo.head()
    diffs = {(d.old_path, d.new_path): d for d in parse_patch(lines)}
    assert diffs[("a file.txt", "a file.txt")].hunks[0].old_start == 2
    assert diffs[("a file.txt", "a file.txt")].hunks[0].new_lines == ["TWO"]
    assert diffs[("bin.dat", "bin.dat")].binary
    assert ("b.txt", "c.txt") in diffs
    assert diffs[("b.txt", "c.txt")].hunks[0].new_lines == ["y"]
    assert (None, "new.txt") in diffs
    assert ("tab\tname", None) in diffs


def _commits(*specs: tuple[str, str, list[str]]) -> list[Commit]:
    import hashlib

    def sha(i: int) -> str:
        return hashlib.sha1(str(i).encode()).hexdigest()

    return [
        Commit(
            i,
            sha(i),
            [sha(i - 1)] if i else [],
            subject,
            kind,
            "test",
            paths=[("M", f, f) for f in files],
        )
        for i, (kind, subject, files) in enumerate(specs)
    ]


def test_policies() -> None:
    commits = _commits(
        ("human", "base", ["f"]),
        ("ai", "AI: a", ["f"]),
        ("human", "human on f", ["f"]),
        ("ai", "AI: free", ["g"]),
    )

    def track(files: set[int], ids: dict[tuple[int, str], int]) -> dict[tuple[int, int], set[str]]:
        assert files  # only f is contested
        return {(1, 2): {"f"}}

    stop = make_plan("r", commits, track, policy="stop")
    assert stop.refused and stop.entangled[0].target == commits[1].sha
    assert stop.entangled[0].blockers == [commits[2].sha] and stop.entangled[0].files == ["f"]
    skip = make_plan("r", commits, track, policy="skip")
    assert [c.subject for c in skip.to_revert] == ["AI: free"]
    assert skip.decisions[commits[1].sha].action == "skip"
    include = make_plan("r", commits, track, policy="include")
    assert [c.subject for c in include.to_revert] == ["AI: free", "human on f", "AI: a"]
    assert include.included == [commits[2].sha]
    human = make_plan("r", commits, lambda f, i: {}, only="human")
    assert [c.subject for c in human.to_revert] == ["human on f", "base"]


def test_filters_and_reverted() -> None:
    commits = _commits(("ai", "AI: a", ["f"]), ("ai", "AI: b", ["g"]), ("human", "Revert b", ["g"]))
    commits[0].model = "gpt-5"
    commits[1].model = "Claude"
    commits[2].reverts = [commits[1].sha[:12]]
    assert already_reverted(commits) == {commits[1].sha: commits[2].sha}
    p = make_plan("r", commits, lambda f, i: {})
    assert [c.subject for c in p.to_revert] == ["AI: a"]
    assert "already reverted" in p.decisions[commits[1].sha].reason
    assert make_plan("r", commits, lambda f, i: {}, model="claude*").to_revert == []
    assert [c.subject for c in make_plan("r", commits, lambda f, i: {}, model="GPT-*").to_revert] == ["AI: a"]
    assert make_plan("r", commits, lambda f, i: {}, path_selected=set()).to_revert == []


def test_reapplied_commit_is_live_again() -> None:
    commits = _commits(("ai", "AI: a", ["f"]), ("human", "Revert a", ["f"]), ("human", "Reapply a", ["f"]))
    commits[1].reverts = [commits[0].sha]
    commits[2].reverts = [commits[1].sha]
    assert already_reverted(commits) == {commits[1].sha: commits[2].sha}


def test_git_diff_u0_hunk_semantics_match_the_tracker(repo: Repo) -> None:
    """The tracker's reading of '@@ -a,b +c,d @@' agrees with what git produces."""
    repo.commit("Human: base", {"f": "".join(f"{i}\n" for i in range(1, 11))})
    repo.commit("Human: edit", {"f": "0\n1\n2\n3\nX\n5\n6\n8\n9\n10\nend\n"})
    out = subprocess.run(
        ["git", "show", "-U0", "--format=", "HEAD"],
        cwd=repo.path,
        env=repo.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    (diff,) = parse_patch(out)
    starts = [(h.old_start, h.old_count, h.new_lines) for h in diff.hunks]
    assert starts == [(0, 0, ["0"]), (4, 1, ["X"]), (7, 1, []), (10, 0, ["end"])]
