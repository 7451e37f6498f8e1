"""Renamed files where git's revert looks for them by content: the plan against ``git revert``.

Each history was a break a hostile tester found; each test checks the plan's
one exact outcome and that it is what ``git revert --no-commit`` of the AI
commit on the tip does.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Repo, ai_message
from revert.revert_helpers import ai_revert


def lines(*numbers: int) -> str:
    return "".join(f"{n}\n" for n in numbers)


def git_conflicts(repo: Repo, sha: str, tmp: Path) -> bool:
    """Does ``git revert --no-commit sha`` on the tip stop at a conflict? (in a worktree)"""
    where = tmp / "twin"
    repo.git("worktree", "add", "-q", "--detach", str(where), "HEAD")
    done = repo.run(
        "git", "-c", "core.hooksPath=/dev/null", "revert", "--no-commit", sha, check=False, cwd=where
    )
    repo.git("worktree", "remove", "--force", str(where))
    return done.returncode != 0


def plan_of(repo: Repo, start: str) -> tuple[int, dict[str, object]]:
    done = ai_revert(repo, f"{start}..HEAD", "--dry-run", "--format", "json")
    return done.returncode, json.loads(done.stdout)


def test_a_rename_onto_a_path_the_commit_had_is_no_rename_to_git(repo: Repo, tmp_path: Path) -> None:
    """b.txt existed in the AI commit's tree: to the revert it is modified, not added, so git
    never pairs a.txt with it: a modify/delete conflict with the commit that moved a.txt."""
    repo.commit("Human: base", {"a.txt": lines(*range(1, 31)), "b.txt": lines(*range(100, 131))})
    start = repo.head()
    repo.commit(
        ai_message("edit a", ["a.txt"]), {"a.txt": lines(*range(1, 5), 0, *range(6, 31))}, "--no-verify"
    )
    ai = repo.head()
    repo.git("rm", "-q", "b.txt")
    repo.commit("Human: rm b")
    repo.git("mv", "a.txt", "b.txt")
    repo.commit("Human: mv a b")
    mover = repo.head()
    code, plan = plan_of(repo, start)
    assert git_conflicts(repo, ai, tmp_path)
    assert code == 1
    assert plan["entangled"] == [{"ai": ai, "human": [mover], "files": ["a.txt"]}]


def test_a_name_git_cannot_be_asked_about_keeps_the_line_tracker_s_verdict(
    repo: Repo, tmp_path: Path
) -> None:
    """A created file renamed to a name with a newline: it is not gone, git conflicts
    (rename/delete), and the plan says entangled instead of clean."""
    repo.commit("Human: base", {"base": "x\n"})
    start = repo.head()
    repo.commit(ai_message("create a", ["a.txt"]), {"a.txt": lines(*range(1, 31))}, "--no-verify")
    ai = repo.head()
    repo.git("mv", "a.txt", "new\nname.txt")
    repo.commit("Human: mv")
    code, plan = plan_of(repo, start)
    assert git_conflicts(repo, ai, tmp_path)
    assert code == 1
    assert [e["ai"] for e in plan["entangled"]] == [ai]  # type: ignore[union-attr]


def test_a_name_that_is_not_utf8_is_asked_about_as_bytes(repo: Repo, tmp_path: Path) -> None:
    """A Latin-1 file name (``caf\\xe9.txt``) that a human edits after the AI created it: no
    crash, and the plan is git's verdict (modify/delete)."""
    repo.commit("Human: base", {"base": "x\n"})
    start = repo.head()
    latin1 = Path((bytes(repo.path) + b"/caf\xe9.txt").decode("utf-8", "surrogateescape"))
    latin1.write_text(lines(*range(1, 31)))
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-verify", "-m", ai_message("create it", ["x"]))
    ai = repo.head()
    latin1.write_text(lines(*range(1, 30), 99))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Human: edit it")
    code, plan = plan_of(repo, start)
    assert git_conflicts(repo, ai, tmp_path)
    assert code == 1
    assert [e["ai"] for e in plan["entangled"]] == [ai]  # type: ignore[union-attr]
