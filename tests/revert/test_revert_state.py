"""ai-revert's sanity checks: the branch, work in progress, local changes, the range."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest
from revert_helpers import ai_revert, release_history, snapshot

from conftest import Repo, ai_message


@pytest.fixture
def release(repo: Repo) -> Repo:
    return release_history(repo)


@pytest.mark.parametrize(
    ("setup", "code", "needle"),
    [
        ("dirty-overlap", 3, "overlap"),
        ("untracked-overlap", 3, "overlap"),
        ("detached", 3, "detached"),
        ("rebase", 3, "rebase"),
        ("rebase-detached", 3, "a rebase is in progress"),
        ("ignored-overlap", 3, "build.log overlap"),
        ("another-run", 3, "another ai-revert (process"),
        ("merge", 3, "merge"),
        ("no-terminal", 2, "--yes"),
    ],
)
def test_refusals_change_nothing(
    release: Repo, setup: str, code: int, needle: str, request: pytest.FixtureRequest
) -> None:
    args = ["v2.1.0..HEAD", "--yes"]
    release.write("README", "r\nmore\nstashed work\n")
    release.git("stash", "push", "-q", "-m", "precious")  # must survive every refusal
    if setup == "dirty-overlap":
        release.write("log.py", "log = False  # my local edit\n")
    elif setup == "untracked-overlap":
        release.commit("Human: notes", {"notes.txt": "notes\n"})
        release.git("rm", "-q", "notes.txt")
        release.git("commit", "-q", "-m", ai_message("drop the notes", ["notes.txt"]))
        release.write("notes.txt", "my own new notes\n")  # the revert would bring notes.txt back
    elif setup == "detached":
        release.git("checkout", "-q", "--detach")
    elif setup == "rebase":
        (release.path / ".git" / "rebase-merge").mkdir()
    elif setup == "rebase-detached":  # as a rebase stopped on a commit leaves it: named as a rebase
        release.git("checkout", "-q", "--detach")
        (release.path / ".git" / "rebase-merge").mkdir()
    elif setup == "ignored-overlap":  # git would overwrite an ignored file; we keep it
        release.commit("Human: ignore logs", {".gitignore": "build.log\n"})
        release.write("build.log", "tracked log\n")
        release.git("add", "-f", "build.log")
        release.git("commit", "-q", "-m", "Human: track a log")
        release.git("rm", "-q", "--cached", "build.log")
        release.git("commit", "-q", "-m", ai_message("untrack the log", ["build.log"]))
        release.write("build.log", "my data, ignored by git\n")
    elif setup == "another-run":  # a live ai-revert holds the lock
        (release.path / ".git" / "ai-rollback").mkdir()
        lock = release.path / ".git" / "ai-rollback" / "lock"
        lock.write_text(str(os.getpid()))
        holder = open(lock, "rb")  # noqa: SIM115 - held until the test ends
        fcntl.flock(holder, fcntl.LOCK_EX)
        request.addfinalizer(holder.close)
    elif setup == "merge":
        release.write(".git/MERGE_HEAD", release.head() + "\n")
    elif setup == "no-terminal":
        args = ["v2.1.0..HEAD"]
    before = snapshot(release)
    done = ai_revert(release, *args)
    assert done.returncode == code, done.stderr
    assert needle in done.stderr and "Traceback" not in done.stderr
    assert snapshot(release) == before


@pytest.mark.parametrize(
    ("range_", "code"),
    [
        ("--output=/tmp/x", 2),
        ("-x", 2),
        ("--all", 2),
        ("nosuch..HEAD", 2),
        ("v2.1.0..nosuch", 2),
        ("HEAD..HEAD", 2),
        ("v2.1.0..v2.1.0", 2),
    ],
)
def test_bad_ranges(release: Repo, range_: str, code: int) -> None:
    before = snapshot(release)
    done = ai_revert(release, range_, "--yes")
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(release) == before


def test_range_off_the_branch_and_unborn(release: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    release.git("checkout", "-q", "-b", "other", "v2.1.0")
    done = ai_revert(release, "v2.1.0..main", "--yes")
    assert done.returncode == 2 and "not on the current branch" in done.stderr
    empty = make_repo("empty")
    done = ai_revert(empty, "HEAD", "--yes")
    assert done.returncode == 3 and "unborn" in done.stderr


def test_shallow_clone_without_the_base(release: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    shallow = make_repo("shallow", init=False)
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{release.path}", str(shallow.path)],
        env=release.env,
        check=True,
    )
    base = release.out("rev-parse", "v2.1.0")
    done = ai_revert(shallow, f"{base}..HEAD", "--yes")
    assert done.returncode in (2, 3) and "shallow" in done.stderr
    done = ai_revert(shallow, "HEAD~1..HEAD", "--dry-run")
    assert done.returncode == 0


def test_shallow_clone_in_a_linked_worktree(release: Repo, make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shallow = make_repo("shallow2", init=False)
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{release.path}", str(shallow.path)],
        env=release.env,
        check=True,
    )
    shallow.git("worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    wt = Repo(tmp_path / "wt", release.env)
    before = snapshot(wt)
    done = ai_revert(wt, "HEAD", "--yes")
    assert done.returncode == 3 and "shallow" in done.stderr
    assert snapshot(wt) == before


def test_untracked_file_in_the_way_is_never_deleted(repo: Repo) -> None:
    repo.commit("Human: base", {"d/x": "x\n"})
    repo.git("rm", "-q", "d/x")
    repo.git("commit", "-q", "-m", ai_message("remove d/x", ["d/x"]))
    repo.write("d", "my notes\n")  # untracked, where the revert would put the directory back
    before = snapshot(repo)
    done = ai_revert(repo, "HEAD~1..HEAD", "--yes")
    assert done.returncode == 3 and "d" in done.stderr
    assert snapshot(repo) == before


def test_a_corrupt_blob_is_an_error_not_a_clean_plan(repo: Repo) -> None:
    """git log -p fails on the tip's last diff, after the tracker read what it needed (found by a
    review): before, the dry run planned a clean revert of a commit a human had since edited."""
    repo.commit("Human: start", {"f": "a\n"})
    base = repo.head()
    repo.commit(ai_message("add g", ["g"]), {"g": "g1\ng2\n"})
    repo.commit("Human: edit g", {"g": "g1\nHUMAN\n"})
    intact = ai_revert(repo, f"{base}..HEAD", "--dry-run")
    assert intact.returncode == 1 and "entangled" in intact.stdout + intact.stderr
    blob = repo.out("rev-parse", "HEAD:g")
    loose = Path(repo.out("rev-parse", "--git-path", f"objects/{blob[:2]}/{blob[2:]}"))
    loose = loose if loose.is_absolute() else repo.path / loose
    loose.chmod(0o644)
    loose.write_bytes(b"garbage")
    before = snapshot(repo)
    done = ai_revert(repo, f"{base}..HEAD", "--dry-run")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "git log failed" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(repo) == before
