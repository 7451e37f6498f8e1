"""Adopting the convention midway (issue 11, item 5): ``enforce-from`` and what judges it.

A repository with history from before the convention: ``init`` records HEAD
as where enforcement starts; pre-push, pre-receive and ``check --range``
judge only the commits after it, while ``log`` still classifies every commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import Repo, ai_message, tool

SERVER_HOOK = "#!/bin/sh\nexec {python} -m ai_rollback pre-receive\n"


@pytest.fixture
def legacy(make_repo) -> Repo:  # type: ignore[no-untyped-def]
    """Two commits from before the convention, then ``ai-rollback init``, committed as a person's."""
    work: Repo = make_repo("legacy")
    work.commit("initial import", {"app.py": "app\n"})
    work.commit("Fix the thing\n\nCo-authored-by: Claude <noreply@anthropic.com>", {"app.py": "app 2\n"})
    done = tool(work, "init", "--rev", "v1")
    assert done.returncode == 0, done.stderr
    work.git("add", "-A")
    work.commit("Human: adopt ai-rollback")
    return work


def start_of(repo: Repo) -> str:
    text = (repo.path / ".ai-rollback.toml").read_text()
    line = next(line for line in text.splitlines() if line.startswith("enforce-from = "))
    return line.split('"')[1]


def test_init_records_head_as_the_start(legacy: Repo) -> None:
    start = start_of(legacy)
    assert start == legacy.out("rev-parse", "HEAD~1")  # HEAD when init ran
    shown = tool(legacy, "config")
    assert f'enforce-from = "{start}"' in shown.stdout


def test_init_says_where_enforcement_starts(make_repo) -> None:  # type: ignore[no-untyped-def]
    work: Repo = make_repo("says")
    work.commit("old", {"a": "a\n"})
    done = tool(work, "init", "--rev", "v1")
    assert f"enforcement starts after {work.head()[:12]} (HEAD)" in done.stdout


def test_init_in_an_empty_repository_starts_at_the_beginning(make_repo) -> None:  # type: ignore[no-untyped-def]
    work: Repo = make_repo("empty")
    done = tool(work, "init", "--rev", "v1")
    assert done.returncode == 0 and "enforcement starts" not in done.stdout
    assert "\nenforce-from" not in (work.path / ".ai-rollback.toml").read_text()


def test_init_into_pyproject_sets_the_key_in_its_table(make_repo) -> None:  # type: ignore[no-untyped-def]
    import tomllib

    work: Repo = make_repo("py")
    work.commit("old", {"pyproject.toml": '[project]\nname = "x"\n'})
    tool(work, "init", "--rev", "v1")
    data = tomllib.loads((work.path / "pyproject.toml").read_text())
    assert data["tool"]["ai-rollback"]["enforce-from"] == work.head()


def test_init_keeping_a_configuration_says_how_to_start(make_repo) -> None:  # type: ignore[no-untyped-def]
    work: Repo = make_repo("kept")
    work.commit("old", {".ai-rollback.toml": 'files-match = "cover"\n'})
    done = tool(work, "init", "--rev", "v1")
    assert "kept: .ai-rollback.toml" in done.stdout
    assert f'add enforce-from = "{work.head()}" to .ai-rollback.toml at its top level' in done.stdout
    assert (work.path / ".ai-rollback.toml").read_text() == 'files-match = "cover"\n'  # untouched
    work.write(".ai-rollback.toml", f'enforce-from = "{work.head()}"\n')
    assert "add enforce-from" not in tool(work, "init", "--rev", "v1").stdout


def test_check_range_judges_only_commits_after_the_start(legacy: Repo) -> None:
    legacy.commit("no label either", {"b.py": "b\n"})
    root = legacy.out("rev-list", "--max-parents=0", "HEAD")
    done = tool(legacy, "check", "--range", f"{root}..HEAD", "--format", "json")
    assert done.returncode == 1
    subjects = [c["subject"] for c in json.loads(done.stdout)["commits"]]
    assert subjects == ["no label either", "Human: adopt ai-rollback"]  # not the legacy commit
    # without the key every commit is judged
    legacy.write(".ai-rollback.toml", "")
    done = tool(legacy, "check", "--range", f"{root}..HEAD", "--format", "json")
    assert len(json.loads(done.stdout)["commits"]) == 3


def test_first_push_of_an_adopted_repository_passes(legacy: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    remote: Repo = make_repo("adopted.git", bare=True)
    legacy.install_hooks("pre-push")
    legacy.commit(ai_message("new work", ["n.py"]), {"n.py": "n\n"})
    legacy.git("push", "-q", str(remote.path), "main")  # the legacy commits are not judged
    legacy.commit("unlabelled new work", {"m.py": "m\n"})
    done = legacy.git("push", "-q", str(remote.path), "main", check=False)
    assert done.returncode != 0 and "1 of the 1 commits" in done.stderr


def test_pre_receive_judges_only_commits_after_the_start(legacy: Repo, make_repo) -> None:  # type: ignore[no-untyped-def]
    server: Repo = make_repo("server.git", bare=True)
    hook = server.path / "hooks" / "pre-receive"
    hook.write_text(SERVER_HOOK.format(python=sys.executable))
    hook.chmod(0o755)
    (server.path / ".ai-rollback.toml").write_text(f'enforce-from = "{start_of(legacy)}"\n')
    # the server's configuration: the bare repository's directory is its root
    done = legacy.git("push", "-q", str(server.path), "main", check=False)
    assert done.returncode == 0, done.stderr
    legacy.commit("unlabelled", {"u.py": "u\n"})
    done = legacy.git("push", "-q", str(server.path), "main", check=False)
    assert done.returncode != 0 and "subject-label" in done.stderr and "initial import" not in done.stderr


def test_log_still_reads_every_commit(legacy: Repo) -> None:
    done = tool(legacy, "log", "--format", "json")
    summary = json.loads(done.stdout)["summary"]
    assert summary["commits"] == 3 and summary["ai_commits"] == 1  # the co-authored legacy commit


def test_a_start_the_repository_lacks_is_a_clear_error(legacy: Repo) -> None:
    legacy.write(".ai-rollback.toml", f'enforce-from = "{"ab" * 20}"\n')
    done = tool(legacy, "check", "--range", "HEAD~1..HEAD")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"enforce-from = '{'ab' * 20}'" in done.stderr and "does not have" in done.stderr
    assert "fetch-depth: 0" in done.stderr


@pytest.mark.parametrize("value", ['"HEAD"', '"abc123"', "7", '"' + "A" * 40 + '"'])
def test_enforce_from_must_be_a_full_commit_id(legacy: Repo, value: str) -> None:
    legacy.write(".ai-rollback.toml", f"enforce-from = {value}\n")
    done = tool(legacy, "check", "--range", "HEAD~1..HEAD")
    assert done.returncode == 3 and "must be a full commit id" in done.stderr  # a configuration error
    assert "Traceback" not in done.stderr


def test_readme_tells_how_to_adopt() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "enforce-from" in readme and "Adopting in an existing repository" in readme
