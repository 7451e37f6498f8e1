"""Recovery from an interrupted ai-revert: it finishes only what it finds exactly as it left it.

Each test is one fault the hostile run found (issue 16), with its one exact outcome.
"""

from __future__ import annotations

import json
import os

import pytest
from revert_helpers import ai_revert, release_history, snapshot

from conftest import Repo, ai_message

CRASH = "AI_ROLLBACK_TEST_CRASH_AT"
INTERRUPT = "AI_ROLLBACK_TEST_INTERRUPT_AT"
JOURNAL = (".git", "ai-rollback", "journal.json")


@pytest.fixture
def release(repo: Repo) -> Repo:
    return release_history(repo)


def journal(repo: Repo) -> dict[str, object]:
    path = repo.path.joinpath(*JOURNAL)
    data: dict[str, object] = json.loads(path.read_text())
    return data


def visible(repo: Repo) -> dict[str, object]:
    """What the user sees: refs, HEAD, ORIG_HEAD, files, the stash, and git's own status of the index."""
    state = snapshot(repo)
    state.pop("index")
    state["staged"] = repo.out("diff", "--cached", "--name-status")
    state["status"] = repo.out("status", "--porcelain")
    return state


def test_a_stale_journal_is_not_applied_to_another_branch(release: Repo) -> None:
    """Killed after the ref update; the user switches branch and commits there; the next run touches nothing."""
    release.git("branch", "feature", "v2.1.0")
    old = release.head()
    killed = ai_revert(release, "v2.1.0..HEAD", "--yes", env={CRASH: "after-update-ref"})
    assert killed.returncode == -9
    new = str(journal(release)["new"])
    release.git("switch", "-q", "feature")
    release.commit("Human: feature work", {"feature.txt": "f\n"})
    before = visible(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0, done.stderr
    assert (
        f"ai-revert: an interrupted ai-revert of main found main at {new[:10]} but HEAD on feature since; "
        "the index and work tree are yours; it touched nothing. Its revert commits stand on main; "
        f"undo them with: git branch -f main {old[:10]}"
    ) in done.stderr.splitlines()
    assert visible(release) == before  # feature's index, files and ORIG_HEAD as the user left them
    assert release.out("rev-parse", "main") == new
    assert not release.path.joinpath(*JOURNAL).exists()


def test_a_stale_no_commit_journal_checks_the_branch(release: Repo) -> None:
    killed = ai_revert(release, "v2.1.0..HEAD", "--yes", "--no-commit", env={CRASH: "after-work-tree"})
    assert killed.returncode == -9
    release.git("commit", "-q", "-m", "Human: my own commit of what was staged")
    before = visible(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--model", "nobody", "--yes")
    assert "that HEAD or its branch moved since (it stages on an unmoved branch); it touched nothing" in (
        done.stderr
    )
    assert done.returncode == 0, done.stderr
    assert visible(release) == before


def test_no_commit_recovery_finishes_the_message(release: Repo) -> None:
    killed = ai_revert(release, "v2.1.0..HEAD", "--yes", "--no-commit", env={CRASH: "after-work-tree"})
    assert killed.returncode == -9
    assert not (release.path / ".git" / "MERGE_MSG").exists()
    done = ai_revert(release, "v2.1.0..HEAD", "--model", "nobody", "--yes")
    assert "ai-revert: an interrupted `ai-revert --no-commit` had finished; its changes are staged" in (
        done.stderr.splitlines()
    )
    assert "This reverts commit" in (release.path / ".git" / "MERGE_MSG").read_text()


@pytest.mark.parametrize("staged", [True, False], ids=["staged-change", "clean"])
def test_a_killed_roll_back_is_finished_whole(release: Repo, staged: bool) -> None:
    """Ctrl-C after the ref update, then a kill during the roll back: the next run puts back everything."""
    if staged:
        release.write("staged.txt", "mine\n")
        release.git("add", "staged.txt")
    before = visible(release)
    assert before["orig_head"] is None
    killed = ai_revert(
        release, "v2.1.0..HEAD", "--yes", env={INTERRUPT: "after-update-ref", CRASH: "rolling-back"}
    )
    assert killed.returncode == -9
    assert journal(release)["phase"] == "rolling-back"
    done = ai_revert(release, "v2.1.0..HEAD", "--model", "nobody", "--yes")
    assert done.returncode == 0, done.stderr
    assert (
        "ai-revert: finished rolling back an interrupted ai-revert: everything is as it was before it"
        in done.stderr.splitlines()
    )
    assert visible(release) == before  # the staged change kept, ai.txt back, no ORIG_HEAD invented


def test_ctrl_c_after_the_apply_says_what_was_done(release: Repo) -> None:
    old = release.head()
    done = ai_revert(
        release, "v2.1.0..HEAD", "--yes", "--format", "json", env={CRASH: "after-apply:interrupt"}
    )
    assert done.returncode == 130
    new = release.head()
    assert new != old
    assert done.stderr.strip().splitlines()[-1] == (
        f"ai-rollback: error: interrupted after the revert was done: main is at {new[:10]}; "
        f"undo with: git reset --keep {old[:10]}"
    )
    assert "nothing was changed" not in done.stderr


def test_a_left_index_lock_and_a_half_written_file(release: Repo) -> None:
    """A killed process tree leaves git's index.lock and a file git was writing (0 bytes)."""
    killed = ai_revert(release, "v2.1.0..HEAD", "--yes", env={CRASH: "after-update-ref"})
    assert killed.returncode == -9
    new = str(journal(release)["new"])
    (release.path / "app.py").write_bytes(b"")  # git had begun to write the new app.py
    (release.path / "cache.py").unlink()  # ...and had removed cache.py
    lock = release.path / ".git" / "index.lock"
    lock.write_bytes(b"")
    before = snapshot(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 3
    assert f"hint: if no git command is running in this repository now, remove it (rm {lock})" in done.stderr
    assert snapshot(release) == before
    lock.unlink()
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0, done.stderr
    assert f"ai-revert: finished an interrupted ai-revert: main is at {new[:10]}" in done.stderr
    assert release.out("status", "--porcelain") == ""
    assert "line 5 (fast)" not in (release.path / "app.py").read_text()


def test_a_file_of_the_users_is_never_taken_for_a_half_written_one(release: Repo) -> None:
    killed = ai_revert(release, "v2.1.0..HEAD", "--yes", env={CRASH: "after-update-ref"})
    assert killed.returncode == -9
    (release.path / "app.py").write_text("my own rewrite\n")
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 3 and "app.py changed, and they now hold changes of yours" in done.stderr
    assert (release.path / "app.py").read_text() == "my own rewrite\n"


def test_a_stale_run_lock_is_taken_over(release: Repo) -> None:
    lock = release.path / ".git" / "ai-rollback" / "lock"
    lock.parent.mkdir()
    lock.write_text("999999999")  # no such process: a kill left it
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0, done.stderr


def test_a_file_that_appears_during_the_apply(release: Repo) -> None:
    """Created between the checks and the work-tree update: kept, everything put back, plainly said."""
    release.commit("Human: notes", {"notes.txt": "n\n"})
    release.git("rm", "-q", "notes.txt")
    release.git("commit", "-q", "-m", ai_message("drop notes", ["notes.txt"]))
    before = visible(release)
    done = ai_revert(
        release,
        "v2.1.0..HEAD",
        "--yes",
        env={"AI_ROLLBACK_TEST_CREATE_AT": f"after-journal={release.path / 'notes.txt'}"},
    )
    assert done.returncode == 3
    assert done.stderr.splitlines()[0] == (
        "ai-rollback: error: notes.txt appeared in the way while ai-revert worked; it was kept, and "
        "everything was put back: nothing was changed"
    )
    assert (release.path / "notes.txt").read_text() == "appeared meanwhile\n"
    (release.path / "notes.txt").unlink()
    assert visible(release) == before


def test_a_touched_file_is_no_local_change(release: Repo) -> None:
    """touch (or cp -a) without a content change: refreshed as git status does, not refused."""
    path = release.path / "app.py"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns + 10**9, stat.st_mtime_ns + 10**9))
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0, done.stderr


def test_an_empty_ai_commit_is_skipped_as_empty(release: Repo) -> None:
    release.git("commit", "-q", "--allow-empty", "-m", ai_message("nothing at all", ["app.py"]))
    planned = ai_revert(release, "v2.1.0..HEAD", "--dry-run", "--format", "json")
    decisions = {c["subject"]: c for c in json.loads(planned.stdout)["commits"]}
    assert (decisions["AI: nothing at all"]["action"], decisions["AI: nothing at all"]["reason"]) == (
        "skip",
        "empty commit: it changes no file",
    )
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Reverted 3 commits on main" in done.stdout


def test_a_latin1_history_gets_latin1_reverts(release: Repo) -> None:
    release.git("config", "i18n.commitEncoding", "ISO-8859-1")
    message = ai_message("café naïve", ["cafe.py"]).encode("latin-1")
    release.write("cafe.py", "x\n")
    release.git("add", "cafe.py")
    release.run("git", "commit", "-q", "--no-verify", "-F", "-", input=message)
    done = ai_revert(release, "HEAD~1..HEAD", "--yes")
    assert done.returncode == 0, done.stderr
    raw = release.run("git", "cat-file", "commit", "HEAD").stdout
    assert "\nencoding ISO-8859-1\n" in raw
    assert release.out("-c", "i18n.logOutputEncoding=UTF-8", "log", "-1", "--format=%s") == (
        'Revert "AI: café naïve"'
    )


#: (kill, state) -> the one line the next run says, and what it leaves.  "before": exactly the
#: user's state before the run; "reverted": the revert made, the user's changes kept; "untouched":
#: exactly the state the user had made after the crash.
MATRIX = {
    ("after-journal", "plain"): ("main had not moved, nothing had changed", "before"),
    ("after-journal", "staged"): ("main had not moved, nothing had changed", "before"),
    ("after-journal", "switched"): ("main had not moved, nothing had changed", "untouched"),
    ("after-update-ref", "plain"): ("finished an interrupted ai-revert: main is at {new}", "reverted"),
    ("after-update-ref", "staged"): ("finished an interrupted ai-revert: main is at {new}", "reverted"),
    ("after-update-ref", "switched"): (
        "but HEAD on feature since; the index and work tree are yours",
        "untouched",
    ),
    ("after-work-tree", "plain"): ("finished an interrupted ai-revert: main is at {new}", "reverted"),
    ("after-work-tree", "staged"): ("finished an interrupted ai-revert: main is at {new}", "reverted"),
    ("after-work-tree", "switched"): (
        "but HEAD on feature since; the index and work tree are yours",
        "untouched",
    ),
    ("rolling-back", "plain"): ("everything is as it was before it", "before"),
    ("rolling-back", "staged"): ("everything is as it was before it", "before"),
    ("rolling-back", "switched"): (
        "as far as it could: HEAD is on another branch now, so the index and work tree were left as they are",
        "untouched",
    ),
}


@pytest.mark.parametrize(("point", "state"), list(MATRIX), ids=[f"{p}-{s}" for p, s in MATRIX])
def test_every_crash_point_with_every_state(release: Repo, make_repo, point: str, state: str) -> None:  # type: ignore[no-untyped-def]
    twin = make_repo("twin", init=False)
    release.run("git", "clone", "-q", str(release.path), str(twin.path))
    twin.git("tag", "-f", "v2.1.0", release.out("rev-parse", "v2.1.0"))
    assert ai_revert(twin, "v2.1.0..HEAD", "--yes").returncode == 0
    reverted_tree = twin.out("rev-parse", "HEAD^{tree}")
    release.git("branch", "feature", "HEAD~1")
    if state == "staged":
        release.write("staged.txt", "mine\n")
        release.git("add", "staged.txt")
    before = visible(release)
    env = {CRASH: point} if point != "rolling-back" else {INTERRUPT: "after-update-ref", CRASH: point}
    assert ai_revert(release, "v2.1.0..HEAD", "--yes", env=env).returncode == -9
    new = str(journal(release)["new"])
    if state == "switched":
        release.git("switch", "-q", "feature")
    after_crash = visible(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--model", "nobody", "--yes")
    assert done.returncode == 0, done.stderr
    line, outcome = MATRIX[point, state]
    recovery = done.stderr.splitlines()[0]
    assert recovery.startswith("ai-revert: ") and line.format(new=new[:10]) in recovery
    assert not release.path.joinpath(*JOURNAL).exists()
    if outcome == "before":
        assert visible(release) == before
    elif outcome == "untouched":
        assert {k: v for k, v in visible(release).items() if k != "refs"} == {
            k: v for k, v in after_crash.items() if k != "refs"
        }
    else:
        assert release.out("rev-parse", "HEAD") == new
        assert release.out("rev-parse", "HEAD^{tree}") == reverted_tree
        assert release.out("diff", "--cached", "--name-only") == ("staged.txt" if state == "staged" else "")
        assert release.out("status", "--porcelain") == ("A  staged.txt" if state == "staged" else "")
        assert release.out("rev-parse", "ORIG_HEAD") == release.out("rev-parse", "HEAD~3")


def test_a_roll_back_is_not_finished_over_a_users_commit(release: Repo) -> None:
    """Killed while rolling back; the user commits what they see: recovery touches nothing."""
    env = {INTERRUPT: "after-update-ref", CRASH: "rolling-back"}
    assert ai_revert(release, "v2.1.0..HEAD", "--yes", env=env).returncode == -9
    release.git("commit", "-q", "--no-verify", "-m", "Human: what I see")
    before = visible(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--model", "nobody", "--yes")
    assert done.returncode == 0, done.stderr
    assert "while it was rolling back; it touched nothing" in done.stderr.splitlines()[0]
    assert visible(release) == before


def test_a_roll_back_does_not_move_the_branch_under_a_staged_change(release: Repo) -> None:
    """Killed before the roll back moved the branch back; the user stages a file: nothing moves."""
    env = {INTERRUPT: "after-update-ref", CRASH: "rolling-back-journal"}
    assert ai_revert(release, "v2.1.0..HEAD", "--yes", env=env).returncode == -9
    new = str(journal(release)["new"])
    release.write("notes.txt", "mine\n")
    release.git("add", "notes.txt")
    before = visible(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--model", "nobody", "--yes")
    assert done.returncode == 0, done.stderr
    first = done.stderr.splitlines()[0]
    assert (
        "at its revert commits and HEAD or the index changed since" in first and "git reset --keep" in first
    )
    assert visible(release) == before and release.head() == new


def test_a_users_edit_that_looks_half_written_is_kept(release: Repo) -> None:
    """No index.lock was left, so git was not killed mid-write: a shortened file is the user's."""
    assert ai_revert(release, "v2.1.0..HEAD", "--yes", env={CRASH: "after-update-ref"}).returncode == -9
    text = (release.path / "app.py").read_text()
    (release.path / "app.py").write_text(text[:20])  # a prefix of what the revert would write, too
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 3 and "changes of yours" in done.stderr
    assert (release.path / "app.py").read_text() == text[:20]


def test_an_incident_tag_of_a_revert_the_user_undid_goes(release: Repo) -> None:
    old = release.head()
    killed = ai_revert(release, "v2.1.0..HEAD", "--yes", "--incident", env={CRASH: "after-update-ref"})
    assert killed.returncode == -9
    tag = str(journal(release)["tag"])
    release.git("reset", "-q", "--hard", old)
    done = ai_revert(release, "v2.1.0..HEAD", "--model", "nobody", "--yes")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"ai-revert: an interrupted ai-revert had moved main, and it has been put back since; "
        f"its incident tag {tag} was deleted"
    )
    assert release.out("tag", "--list", "incident-*") == ""


def test_no_commit_ctrl_c_then_killed_while_undoing_stays_undone(release: Repo) -> None:
    before = visible(release)
    env = {INTERRUPT: "after-work-tree", CRASH: "rolling-back"}
    assert ai_revert(release, "v2.1.0..HEAD", "--yes", "--no-commit", env=env).returncode == -9
    done = ai_revert(release, "v2.1.0..HEAD", "--model", "nobody", "--yes")
    assert done.returncode == 0, done.stderr
    assert "finished rolling back an interrupted ai-revert" in done.stderr.splitlines()[0]
    assert visible(release) == before


def test_no_commit_undone_by_the_user_is_not_staged_again(release: Repo) -> None:
    assert (
        ai_revert(release, "v2.1.0..HEAD", "--yes", "--no-commit", env={CRASH: "after-work-tree"}).returncode
        == -9
    )
    release.git("reset", "-q", "--hard")
    before = visible(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--model", "nobody", "--yes")
    assert done.returncode == 0, done.stderr
    assert "the staged revert undone since (git reset or git stash); it touched nothing" in done.stderr
    assert visible(release) == before


def test_an_ignored_file_appearing_during_the_apply_is_kept(release: Repo) -> None:
    release.commit("Human: ignore logs", {".gitignore": "build.log\n"})
    release.write("build.log", "tracked\n")
    release.git("add", "-f", "build.log")
    release.git("commit", "-q", "-m", "Human: track a log")
    release.git("rm", "-q", "build.log")
    release.git("commit", "-q", "-m", ai_message("drop the log", ["build.log"]))
    before = visible(release)
    target = release.path / "build.log"
    done = ai_revert(
        release, "v2.1.0..HEAD", "--yes", env={"AI_ROLLBACK_TEST_CREATE_AT": f"after-journal={target}"}
    )
    assert done.returncode == 3
    assert "build.log appeared in the way while ai-revert worked; it was kept" in done.stderr
    assert target.read_text() == "appeared meanwhile\n"
    target.unlink()
    assert visible(release) == before


def test_recovery_keeps_an_ignored_file_written_since(release: Repo) -> None:
    release.commit("Human: ignore logs", {".gitignore": "build.log\n"})
    release.write("build.log", "tracked\n")
    release.git("add", "-f", "build.log")
    release.git("commit", "-q", "-m", "Human: track a log")
    release.git("rm", "-q", "build.log")
    release.git("commit", "-q", "-m", ai_message("drop the log", ["build.log"]))
    assert ai_revert(release, "v2.1.0..HEAD", "--yes", env={CRASH: "after-update-ref"}).returncode == -9
    release.write("build.log", "my build's output\n")
    done = ai_revert(release, "v2.1.0..HEAD", "--yes")
    assert done.returncode == 3 and "build.log, and a file of yours is there now" in done.stderr
    assert (release.path / "build.log").read_text() == "my build's output\n"
