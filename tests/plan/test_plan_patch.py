"""Reading `git log -p -U0`: the patch parser on real git output."""

from __future__ import annotations

import subprocess

from ai_rollback.git.log import iter_patches
from ai_rollback.git.run import Git
from ai_rollback.plan import (
    parse_patch,
)
from conftest import Repo


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
