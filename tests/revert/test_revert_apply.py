"""ai-revert's apply, all or nothing: commits, --squash, --no-commit, crash points, Ctrl-C, recovery."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from revert_helpers import ai_revert, release_history, snapshot

from conftest import Repo


@pytest.fixture
def release(repo: Repo) -> Repo:
    return release_history(repo)


def test_apply_one_commit_per_revert(release: Repo) -> None:
    old = release.head()
    release.write("untracked.txt", "keep me\n")
    release.write("README", "r\nmore\nlocal edit\n")  # unrelated local change: carried over
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Reverted 3 commits on main" in done.stdout and f"git reset --keep {old[:10]}" in done.stdout
    subjects = release.out("log", "--format=%s", "-3").splitlines()
    assert subjects == [
        'Revert "AI: cache the images"',
        'Revert "AI: speed up line 5"',
        'Revert "AI: log more"',
    ]
    assert not (release.path / "cache.py").exists() and "(fast)" not in (release.path / "app.py").read_text()
    assert (release.path / "untracked.txt").read_text() == "keep me\n"
    assert (release.path / "README").read_text() == "r\nmore\nlocal edit\n"
    assert release.out("rev-parse", "ORIG_HEAD") == old
    assert "ai-revert: revert 3 commits of v2.1.0..HEAD" in release.out("reflog", "-1", "--format=%gs")
    message = release.out("log", "-1", "--format=%B")
    assert "This reverts commit " in message and "Reverts: " in release.out(
        "log", "-1", "--format=%(trailers:key=Reverts)"
    )
    assert release.tool("check", "--range", f"{old}..HEAD", check=False).returncode == 0
    # running it again: everything is already reverted
    again = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert again.returncode == 0 and "Nothing to revert" in again.stdout
    # the printed undo works
    release.git("reset", "-q", "--keep", old)
    assert (release.path / "cache.py").exists()


def test_squash_no_commit_and_incident(release: Repo) -> None:
    old = release.head()
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", "--squash", "--incident")
    assert done.returncode == 0, done.stderr
    assert release.out("rev-list", "--count", f"{old}..HEAD") == "1"
    assert release.out("log", "-1", "--format=%s") == 'Revert "3 AI commits of v2.1.0..HEAD"'
    tag = release.out("tag", "--list", "incident-*")
    assert tag.startswith("incident-") and release.out("cat-file", "-t", tag) == "tag"
    body = release.out("tag", "-l", "--format=%(contents)", tag)
    assert "v2.1.0..HEAD" in body and old in body and body.count("Reverts: ") == 3
    release.git("reset", "-q", "--keep", old)
    staged = ai_revert(release, "v2.1.0..HEAD", "--yes", "--no-commit")
    assert staged.returncode == 0, staged.stderr
    assert release.head() == old
    assert release.out("diff", "--cached", "--name-only").split() == [
        "app.py",
        "cache.py",
        "log.py",
    ]
    assert "This reverts commit" in (release.path / ".git" / "MERGE_MSG").read_text()
    release.git("commit", "-q", "--no-edit")
    assert release.out("log", "-1", "--format=%s").startswith('Revert "3 AI commits')


#: A run killed (SIGKILL) at each crash point leaves exactly this state, and the next run
#: says exactly this line about it ({old} and {new}: the journal's tips, abbreviated).
KILLED_AT = {
    "after-journal": (
        "old state intact",
        "ai-revert: rolled back an interrupted ai-revert: main had not moved, nothing had changed",
    ),
    "after-update-ref": (
        "branch moved; index and work tree as before",
        "ai-revert: finished an interrupted ai-revert: main is at {new}; undo with: git reset --keep {old}",
    ),
    "after-work-tree": (
        "new state; ORIG_HEAD not yet set",
        "ai-revert: finished an interrupted ai-revert: main is at {new}; undo with: git reset --keep {old}",
    ),
}


def killed_state(repo: Repo, before: dict[str, object], old: str, new: str, new_tree: str) -> str:
    """Which state a killed apply left ``repo`` in, ``before`` being its snapshot before the run."""
    state = snapshot(repo)
    if state == before:
        return "old state intact"
    refs = str(before["refs"]).replace(f"refs/heads/main {old}\n", f"refs/heads/main {new}\n")
    if state == dict(before, refs=refs):
        return "branch moved; index and work tree as before"
    if (
        state["refs"] == refs
        and state["orig_head"] == before["orig_head"]
        and repo.out("write-tree") == new_tree
        and repo.out("status", "--porcelain") == ""
    ):
        return "new state; ORIG_HEAD not yet set"
    return "another state; changed: " + ", ".join(k for k in state if state[k] != before[k])


@pytest.mark.parametrize("point", list(KILLED_AT))
def test_killed_mid_apply_leaves_old_new_or_journal(release: Repo, make_repo, point: str) -> None:  # type: ignore[no-untyped-def]
    twin = make_repo("twin", init=False)
    subprocess.run(["git", "clone", "-q", str(release.path), str(twin.path)], env=release.env, check=True)
    twin.git("tag", "-f", "v2.1.0", release.out("rev-parse", "v2.1.0"))
    twin.git("checkout", "-q", "main")
    assert ai_revert(twin, "v2.1.0..HEAD", "--yes").returncode == 0
    expected_tree = twin.out("rev-parse", "HEAD^{tree}")
    before = snapshot(release)
    old = release.head()
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", env={"AI_ROLLBACK_TEST_CRASH_AT": point})
    assert done.returncode == -9
    journal = release.path / ".git" / "ai-rollback" / "journal.json"
    assert journal.exists()
    recorded = json.loads(journal.read_text())
    assert recorded["old"] == old
    expected_state, expected_line = KILLED_AT[point]
    assert killed_state(release, before, old, recorded["new"], expected_tree) == expected_state
    # the next run notices, says what it did, and the repository is whole again
    done = ai_revert(release, "v2.1.0..HEAD", "--dry-run")
    assert journal.exists()  # a dry run changes nothing, not even the journal
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0, done.stderr
    assert expected_line.format(old=old[:10], new=recorded["new"][:10]) in done.stderr.splitlines()
    assert not journal.exists()
    assert release.out("rev-parse", "HEAD^{tree}") == expected_tree
    assert release.out("status", "--porcelain") == ""


def test_ctrl_c_during_apply_rolls_back(release: Repo) -> None:
    before = snapshot(release)
    done = ai_revert(
        release,
        "v2.1.0..HEAD",
        "--yes",
        env={"AI_ROLLBACK_TEST_CRASH_AT": "after-update-ref:interrupt"},
    )
    assert done.returncode == 130, done.stderr
    after = snapshot(release)
    assert after == before


def test_pending_journal_when_the_branch_never_moved(release: Repo) -> None:
    journal = release.path / ".git" / "ai-rollback" / "journal.json"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(
        json.dumps(
            {
                "ref": "refs/heads/main",
                "old": release.head(),
                "new": hashlib.sha1(b"x").hexdigest(),
                "mode": "commit",
            }
        )
    )
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0 and "rolled back an interrupted ai-revert" in done.stderr
    assert not journal.exists()


def test_ctrl_c_with_other_staged_changes(release: Repo) -> None:
    release.write("staged.txt", "s\n")
    release.git("add", "staged.txt")
    before = snapshot(release)
    done = ai_revert(
        release, "v2.1.0..HEAD", "--yes", env={"AI_ROLLBACK_TEST_CRASH_AT": "after-work-tree:interrupt"}
    )
    assert done.returncode == 130
    assert snapshot(release) == before


def test_recovery_never_overwrites_later_edits(release: Repo) -> None:
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", env={"AI_ROLLBACK_TEST_CRASH_AT": "after-update-ref"})
    assert done.returncode == -9
    release.write("log.py", "my edit after the crash\n")
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert (release.path / "log.py").read_text() == "my edit after the crash\n"
    assert done.returncode == 3 and "changes of yours" in done.stderr


def test_killed_while_rolling_back(release: Repo) -> None:
    before = snapshot(release)
    done = ai_revert(
        release,
        "v2.1.0..HEAD",
        "--yes",
        env={"AI_ROLLBACK_TEST_CRASH_AT": "rolling-back", "AI_ROLLBACK_TEST_INTERRUPT_AT": "after-work-tree"},
    )
    assert done.returncode == -9
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", env={"AI_ROLLBACK_TEST_CRASH_AT": "never"})
    assert "finished rolling back" in done.stderr
    assert done.returncode == 0
    # the rollback is finished first, then the revert that was asked for runs whole
    old_head = before["refs"].split()[1]  # type: ignore[union-attr]
    assert release.git("merge-base", "--is-ancestor", old_head, "HEAD", check=False).returncode == 0
    assert release.out("rev-parse", "HEAD") != old_head
    assert release.out("status", "--porcelain") == ""
    assert not (release.path / "log.py").exists()
