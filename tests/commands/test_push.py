"""pre-push and pre-receive against a real bare remote."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_rollback import checks
from conftest import Repo, ai_message


@pytest.fixture
def pair(make_repo) -> tuple[Repo, Repo]:  # type: ignore[no-untyped-def]
    remote = make_repo("remote.git", bare=True)
    work = make_repo("work")
    work.git("remote", "add", "origin", str(remote.path))
    work.install_hooks("pre-push")
    return work, remote


def test_first_push_checks_everything(pair: tuple[Repo, Repo]) -> None:
    work, remote = pair
    work.commit("no label", {"a": "a\n"})
    work.commit("Human: fine", {"b": "b\n"})
    done = work.git("push", "-q", "origin", "main", check=False)
    assert done.returncode != 0
    assert "subject-label" in done.stderr and "1 of the 2 commits" in done.stderr
    assert remote.git("rev-parse", "--verify", "-q", "refs/heads/main", check=False).returncode != 0


def test_only_new_commits_are_checked(pair: tuple[Repo, Repo]) -> None:
    work, _remote = pair
    work.commit("legacy commit before the convention", {"a": "a\n"})
    work.git("push", "-q", "--no-verify", "origin", "main")
    work.commit(ai_message("new work", ["n.py"]), {"n.py": "n\n"})
    work.git("push", "-q", "origin", "main")
    work.commit(ai_message("lying files", ["x.py"]), {"y.py": "y\n"})
    done = work.git("push", "-q", "origin", "main", check=False)
    assert done.returncode != 0 and "files-mismatch" in done.stderr
    assert "legacy" not in done.stderr


def test_new_branch_tags_deletions_and_up_to_date(pair: tuple[Repo, Repo]) -> None:
    work, _remote = pair
    work.commit("Human: base", {"a": "a\n"})
    work.git("push", "-q", "origin", "main")
    work.git("push", "-q", "origin", "main")  # up to date: empty stdin
    work.git("checkout", "-q", "-b", "topic")
    work.commit(ai_message("topic", ["t.py"]), {"t.py": "t\n"})
    work.git("push", "-q", "origin", "topic")
    work.git("push", "-q", "origin", "--delete", "topic")
    work.git("tag", "-a", "v1", "-m", "release", "main")
    work.git("push", "-q", "origin", "v1")  # tag of a commit the remote has
    work.git("checkout", "-q", "main")
    work.commit("untagged bad", {"z": "z\n"})
    work.git("tag", "-a", "v2", "-m", "release 2")
    done = work.git("push", "-q", "origin", "v2", check=False)
    assert done.returncode != 0 and "untagged bad" not in done.stderr and "subject-label" in done.stderr
    work.git("tag", "tree-tag", "HEAD^{tree}")
    work.git("push", "-q", "origin", "tree-tag")  # a tag of a tree has no commits


def test_pre_receive_on_the_server(pair: tuple[Repo, Repo]) -> None:
    work, remote = pair
    remote.tool("install", "--hook", "pre-receive")
    work.commit("Human: ok", {"a": "a\n"})
    work.git("push", "-q", "origin", "main")
    work.commit("sneaky", {"b": "b\n"})
    done = work.git("push", "-q", "--no-verify", "origin", "main", check=False)
    assert done.returncode != 0 and "pre-receive hook declined" in done.stderr
    assert "remote: " in done.stderr and "subject-label" in done.stderr
    assert remote.out("rev-list", "--count", "main") == "1"
    # the server reads its own configuration
    (remote.path / ".ai-rollback.toml").write_text('exempt-subjects = ["^sneaky$"]\n')
    work.git("push", "-q", "--no-verify", "origin", "main")


def test_push_revision_helpers(pair: tuple[Repo, Repo]) -> None:
    work, _ = pair
    work.commit("Human: one", {"a": "a\n"})
    one = work.head()
    work.commit("Human: two", {"b": "b\n"})
    two = work.head()
    from ai_rollback.git.run import Git

    git = Git(str(work.path), work.env)
    zero = "0" * 40
    assert checks.push_revisions(git, [("refs/heads/main", two, "refs/heads/main", one)], "origin") == [two]
    assert checks.push_revisions(git, [("(delete)", zero, "refs/heads/x", one)], "origin") == []
    assert checks.push_revisions(git, [("x", two, "x", zero)], "https://example.com/r.git") == [
        two,
        one,
    ]
    unknown = "1" * 40
    assert checks.push_revisions(git, [("x", two, "x", unknown)], "origin") == [two, one]
    assert checks.receive_revisions(git, [(zero, two, "refs/heads/new")]) == []
    env = {"PRE_COMMIT_FROM_REF": one, "PRE_COMMIT_TO_REF": two, "PRE_COMMIT_REMOTE_NAME": "origin"}
    assert checks.pre_commit_push_revisions(git, env) == [two]
    first = {"PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main", "PRE_COMMIT_REMOTE_NAME": "origin"}
    assert checks.pre_commit_push_revisions(git, first) == [two, one]
    assert checks.pre_commit_push_revisions(git, {}) is None
    assert checks.pre_commit_push_revisions(git, {"PRE_COMMIT_REMOTE_NAME": "origin"}) == []
    assert checks.parse_ref_lines("\n a b c \n", 3) == [["a", "b", "c"]]
    with pytest.raises(Exception, match="fields"):
        checks.parse_ref_lines("a b\n", 3)


def test_pre_push_under_pre_commit_environment(pair: tuple[Repo, Repo], tmp_path: Path) -> None:
    work, _ = pair
    work.commit("Human: one", {"a": "a\n"})
    one = work.head()
    work.commit("bad two", {"b": "b\n"})
    env = {
        "PRE_COMMIT_FROM_REF": one,
        "PRE_COMMIT_TO_REF": work.head(),
        "PRE_COMMIT_REMOTE_NAME": "origin",
    }
    done = work.tool("pre-push", check=False, env=env)
    assert done.returncode == 1 and "bad two" not in done.stdout and "subject-label" in done.stderr


def test_push_to_a_url_does_not_blame_what_the_remote_has(pair: tuple[Repo, Repo]) -> None:
    work, remote = pair
    work.commit("legacy commit before the convention", {"a": "a\n"})
    work.git("push", "-q", "--no-verify", "origin", "main")
    work.git("fetch", "-q", "origin")
    work.git("checkout", "-q", "-b", "topic")
    work.commit("Human: add b", {"b": "b\n"})
    work.git("push", "-q", str(remote.path), "topic")  # a URL, not the remote's name
    work.commit("no label", {"c": "c\n"})
    done = work.git("push", "-q", str(remote.path), "topic", check=False)
    assert done.returncode != 0 and "subject-label" in done.stderr and "legacy" not in done.stderr
