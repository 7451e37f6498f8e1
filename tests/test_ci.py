"""Pull-request checks in CI (issue 11, item 2): the run's commits, annotations, the step summary.

The README's GitHub Actions and GitLab CI recipes are run here as written, in
a simulated run of each event, against real clones of a real remote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ai_rollback import ci
from ai_rollback.errors import UsageError
from conftest import Repo, ai_message

README = Path(__file__).parents[1] / "README.md"
BIN = str(Path(sys.executable).parent)
ZERO = "0" * 40


# -- the run's commits, from the CI's variables (pure) --


def test_a_pull_request_is_base_to_head() -> None:
    event = {"number": 7, "pull_request": {"base": {"sha": "a" * 40}, "head": {"sha": "b" * 40}}}
    found = ci.event_range({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request"}, event)
    assert (found.base, found.head, found.what, found.text) == (
        "a" * 40,
        "b" * 40,
        "pull request #7",
        f"{'a' * 40}..{'b' * 40}",
    )


def test_a_push_is_before_to_after_and_a_first_push_has_no_base() -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}
    found = ci.event_range(env, {"ref": "refs/heads/main", "before": "c" * 40, "after": "d" * 40})
    assert (found.base, found.head, found.branch, found.what) == ("c" * 40, "d" * 40, "main", "push to main")
    first = ci.event_range(env, {"ref": "refs/heads/topic", "before": ZERO, "after": "d" * 40})
    assert first.base is None and first.text == "d" * 40


def test_gitlab_merge_requests_and_pushes() -> None:
    mr = ci.event_range(
        {
            "GITLAB_CI": "true",
            "CI_COMMIT_SHA": "e" * 40,
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": "f" * 40,
            "CI_MERGE_REQUEST_IID": "3",
            "CI_COMMIT_BEFORE_SHA": ZERO,
        }
    )
    assert (mr.base, mr.what) == ("f" * 40, "merge request !3")
    push = ci.event_range(
        {
            "GITLAB_CI": "true",
            "CI_COMMIT_SHA": "e" * 40,
            "CI_COMMIT_BEFORE_SHA": ZERO,
            "CI_COMMIT_BRANCH": "x",
        }
    )
    assert push.base is None and push.branch == "x"


@pytest.mark.parametrize(
    ("env", "event", "said"),
    [
        ({}, None, "neither GitHub Actions nor GitLab CI"),
        ({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "schedule"}, {}, "not 'schedule'"),
        ({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request"}, {}, "names no base and head"),
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"},
            {"after": "--upload-pack=evil"},
            "not a commit id",
        ),
        ({"GITLAB_CI": "true"}, None, "CI_COMMIT_SHA"),
    ],
)
def test_what_a_run_does_not_say_is_a_clear_error(env: dict[str, str], event: object, said: str) -> None:
    with pytest.raises(UsageError, match=re.escape(said)):
        ci.event_range(env, event)


def test_annotations_cannot_start_a_command_of_their_own() -> None:
    line = ci.annotation("error", "a: b, c", "subject\n::add-mask::x 100%\r")
    assert line == "::error title=a%3A b%2C c::subject%0A::add-mask::x 100%25%0D"
    assert "\n" not in line


# -- real clones of a real remote --


@pytest.fixture
def forge(make_repo) -> tuple[Repo, Repo]:  # type: ignore[no-untyped-def]
    """A remote with main (conventional history), and a developer's clone with a topic branch."""
    remote: Repo = make_repo("forge.git", bare=True)
    dev: Repo = make_repo("dev")
    dev.git("remote", "add", "origin", str(remote.path))
    dev.commit("Human: start", {"app.py": "app\n"})
    dev.git("push", "-q", "origin", "main")
    dev.git("checkout", "-q", "-b", "topic")
    dev.commit(ai_message("cache", ["cache.py"]), {"cache.py": "c\n"})
    dev.commit("tidy up the cache", {"cache.py": "c2\n"})  # no label: breaks the convention
    dev.commit("Human: document the cache", {"README": "r\n"})
    dev.git("push", "-q", "origin", "topic")
    return remote, dev


def runner_clone(remote: Repo, make_repo, ref: str = "topic", depth: int | None = None) -> Repo:  # type: ignore[no-untyped-def]
    """What actions/checkout with fetch-depth: 0 leaves: every branch as origin/*, ``ref`` checked out."""
    ci_repo: Repo = make_repo(f"runner-{ref}-{depth}", init=False)
    ci_repo.git(
        "clone", "-q", *(["--depth", str(depth), "--no-single-branch"] if depth else []), "--branch", ref,
        f"file://{remote.path}", str(ci_repo.path),
    )  # fmt: skip
    return ci_repo


def github_env(repo: Repo, tmp_path: Path, name: str, event: dict[str, object]) -> dict[str, str]:
    path = tmp_path / f"event-{name}.json"
    path.write_text(json.dumps(event))
    summary = tmp_path / f"summary-{name}.md"
    summary.write_text("")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_STEP_SUMMARY": str(summary),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def pr_event(remote: Repo) -> dict[str, object]:
    return {
        "number": 12,
        "pull_request": {
            "base": {"sha": remote.out("rev-parse", "main")},
            "head": {"sha": remote.out("rev-parse", "topic")},
        },
    }


def test_a_pull_request_gets_annotations_and_a_summary(
    forge: tuple[Repo, Repo],
    make_repo,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    remote, _dev = forge
    runner = runner_clone(remote, make_repo)
    env = github_env(runner, tmp_path, "pull_request", pr_event(remote))
    done = runner.tool("check", "--ci", env=env, check=False)
    assert done.returncode == 1
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    sha = remote.out("rev-parse", "topic~1")[:12]
    assert errors[0].startswith(
        f"::error title=ai-rollback%3A subject-label::{sha} 'tidy up the cache' (message line 1): "
    )
    assert "Fix: " in errors[0]
    notices = [line for line in done.stdout.splitlines() if line.startswith("::notice ")]
    assert len(notices) == 1 and "a squash merge would put them into one mixed commit" in notices[0]
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("## ai-rollback: pull request #12 (")
    assert "3 commits checked (1 ai, 2 human): **1 break the convention**." in summary
    assert f"| `{sha}` | human | tidy up the cache | ❌ `subject-label`" in summary
    assert "3 commits checked, 1 breaks the convention" in done.stderr


def test_the_summary_escapes_what_commits_say(forge: tuple[Repo, Repo], make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    remote, dev = forge
    dev.commit("<script>alert(1)</script> | `x`", {"x.py": "x\n"})
    dev.git("push", "-q", "origin", "topic")
    runner = runner_clone(remote, make_repo)
    env = github_env(runner, tmp_path, "pull_request", pr_event(remote))
    runner.tool("check", "--ci", env=env, check=False)
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "<script>" not in summary and "&lt;script&gt;alert(1)&lt;/script&gt; \\| 'x'" in summary


def test_a_first_push_judges_what_no_other_branch_has(
    forge: tuple[Repo, Repo],
    make_repo,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    remote, _dev = forge
    runner = runner_clone(remote, make_repo)
    event = {"ref": "refs/heads/topic", "before": ZERO, "after": remote.out("rev-parse", "topic")}
    done = runner.tool(
        "check", "--ci", "--format", "json", env=github_env(runner, tmp_path, "push", event), check=False
    )
    subjects = [c["subject"] for c in json.loads(done.stdout)["commits"]]
    assert subjects == ["Human: document the cache", "tidy up the cache", "AI: cache"]  # not main's


def test_a_force_push_whose_old_tip_is_gone_counts_as_a_first_push(
    forge: tuple[Repo, Repo],
    make_repo,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    remote, dev = forge
    dev.git("reset", "-q", "--hard", "HEAD~2")
    dev.commit("Human: the cache, tidied", {"cache.py": "c3\n"})
    old = remote.out("rev-parse", "topic")
    dev.git("push", "-q", "--force", "origin", "topic")
    remote.git("gc", "-q", "--prune=now")
    runner = runner_clone(remote, make_repo)
    assert runner.git("cat-file", "-e", old, check=False).returncode != 0
    event = {
        "ref": "refs/heads/topic",
        "before": old,
        "after": remote.out("rev-parse", "topic"),
        "forced": True,
    }
    done = runner.tool(
        "check", "--ci", "--format", "json", env=github_env(runner, tmp_path, "push", event), check=False
    )
    assert done.returncode == 0, done.stderr
    assert [c["subject"] for c in json.loads(done.stdout)["commits"]] == [
        "Human: the cache, tidied",
        "AI: cache",
    ]


def test_a_shallow_clone_is_an_error_not_a_pass(forge: tuple[Repo, Repo], make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    remote, _dev = forge
    runner = runner_clone(remote, make_repo, depth=1)
    event = {"ref": "refs/heads/topic", "before": ZERO, "after": remote.out("rev-parse", "topic")}
    done = runner.tool("check", "--ci", env=github_env(runner, tmp_path, "push", event), check=False)
    assert done.returncode == 2 and "shallow" in done.stderr and "fetch-depth: 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_gitlab_merge_request_in_text(forge: tuple[Repo, Repo], make_repo) -> None:  # type: ignore[no-untyped-def]
    remote, _dev = forge
    runner = runner_clone(remote, make_repo)
    env = {
        "GITLAB_CI": "true",
        "CI_COMMIT_SHA": remote.out("rev-parse", "topic"),
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": remote.out("rev-parse", "main"),
        "CI_MERGE_REQUEST_IID": "4",
    }
    done = runner.tool("check", "--ci", env=env, check=False)
    assert done.returncode == 1 and "subject-label" in done.stdout and "::error" not in done.stdout
    assert "note: 1 AI commit and 2 human commits" in done.stderr


def test_log_adds_the_report_to_the_summary(forge: tuple[Repo, Repo], make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    remote, _dev = forge
    runner = runner_clone(remote, make_repo)
    env = github_env(runner, tmp_path, "pull_request", pr_event(remote))
    done = runner.tool("log", "--ci", "--format", "github", env=env)
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("## AI contributions in `pull request #12 (") and "### AI commits" in summary
    assert done.stdout.startswith("::notice title=ai-rollback%3A AI share::pull request #12 (")
    assert "3 commits (0 merges): 1 AI, 2 human" in done.stdout


def test_format_github_needs_existing_commits(forge: tuple[Repo, Repo]) -> None:
    _remote, dev = forge
    msg = dev.write("msg.txt", "Human: x\n")
    done = dev.tool("check", "--format", "github", str(msg), check=False)
    assert done.returncode == 2 and "--format github reports on existing commits" in done.stderr


# -- the README's recipes, run as written --


def readme_yaml(marker: str) -> dict[str, object]:
    import yaml

    text = README.read_text()
    at = text.index(marker)
    block = text[text.index("```yaml\n", at) + len("```yaml\n") :]
    return yaml.safe_load(block[: block.index("```")])  # type: ignore[no-any-return]


def run_script(lines: list[str], repo: Repo, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The recipe's commands, as the CI runs them, except installing ai-rollback (installed here)."""
    commands = [line for line in lines if "pip install" not in line]
    return repo.run("bash", "-euc", "\n".join(commands), env=env, check=False)


def test_the_github_actions_recipe(forge: tuple[Repo, Repo], make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    workflow = readme_yaml("GitHub Actions (`.github/workflows/ai-rollback.yml`)")
    steps = workflow["jobs"]["convention"]["steps"]  # type: ignore[index]
    assert steps[0] == {"uses": "actions/checkout@v4", "with": {"fetch-depth": 0}}
    runs = [s["run"] for s in steps if "run" in s]
    assert runs[1:] == ["ai-rollback check --ci", "ai-rollback log --ci --format github"]
    assert set(workflow[True]) == {"push", "pull_request"}  # type: ignore[index]  # YAML 1.1: on is True
    remote, dev = forge
    runner = runner_clone(remote, make_repo)
    env = github_env(runner, tmp_path, "pull_request", pr_event(remote))
    done = run_script(runs[:2], runner, env)
    assert done.returncode == 1 and "::error title=ai-rollback%3A subject-label::" in done.stdout
    # the author fixes the branch and force-pushes: the same recipe passes
    dev.git("reset", "-q", "--hard", "HEAD~2")
    dev.commit("Human: tidy up the cache", {"cache.py": "c2\n"})
    dev.git("push", "-q", "--force", "origin", "topic")
    runner.git("fetch", "-q", "origin")
    env = github_env(runner, tmp_path, "pull_request", pr_event(remote))
    done = run_script(runs, runner, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all follow the convention" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def test_the_gitlab_recipe(forge: tuple[Repo, Repo], make_repo) -> None:  # type: ignore[no-untyped-def]
    job = readme_yaml("GitLab CI (`.gitlab-ci.yml`)")["ai-rollback"]
    assert job["variables"] == {"GIT_DEPTH": 0}  # type: ignore[index]
    remote, _dev = forge
    runner: Repo = make_repo("gitlab-runner", init=False)
    # GitLab's runner fetches only the pipeline's ref: the recipe fetches the other branches
    runner.git(
        "clone", "-q", "--single-branch", "--branch", "topic", f"file://{remote.path}", str(runner.path)
    )
    assert runner.git("rev-parse", "-q", "--verify", "origin/main", check=False).returncode != 0
    env = {
        "GITLAB_CI": "true",
        "CI_COMMIT_SHA": remote.out("rev-parse", "topic"),
        "CI_COMMIT_BEFORE_SHA": ZERO,
        "CI_COMMIT_BRANCH": "topic",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    done = run_script(job["script"], runner, env)  # type: ignore[index]
    assert done.returncode == 1 and "3 commits checked, 1 breaks the convention" in done.stderr


# -- found by a hostile tester (2026-12-03) --


def test_a_tag_push_judges_nothing_a_branch_holds(
    forge: tuple[Repo, Repo], make_repo, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    remote, dev = forge
    dev.git("tag", "v1", "topic")
    dev.git("push", "-q", "origin", "v1")
    runner = runner_clone(remote, make_repo)
    event = {"ref": "refs/tags/v1", "before": ZERO, "after": remote.out("rev-parse", "v1")}
    done = runner.tool("check", "--ci", "--format", "json", env=github_env(runner, tmp_path, "push", event))
    assert json.loads(done.stdout)["commits"] == []
    gitlab = {"GITLAB_CI": "true", "CI_COMMIT_SHA": remote.out("rev-parse", "v1"), "CI_COMMIT_TAG": "v1",
              "CI_COMMIT_BEFORE_SHA": ZERO}  # fmt: skip
    done = runner.tool("check", "--ci", "--format", "json", env=gitlab)
    assert json.loads(done.stdout)["commits"] == []


def test_a_deeply_nested_event_is_a_usage_error(forge: tuple[Repo, Repo], make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    remote, _dev = forge
    runner = runner_clone(remote, make_repo)
    env = github_env(runner, tmp_path, "push", {})
    Path(env["GITHUB_EVENT_PATH"]).write_text("[" * 100_000)
    done = runner.tool("check", "--ci", env=env, check=False)
    assert done.returncode == 2 and "cannot read GitHub's event file" in done.stderr


def test_the_summary_shows_links_and_html_as_text(
    forge: tuple[Repo, Repo], make_repo, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    remote, dev = forge
    dev.commit(
        "Human: x ![t](https://evil.example/t.png) [click](javascript:alert(1)) <b>b</b>", {"y": "y\n"}
    )
    dev.git("push", "-q", "origin", "topic")
    runner = runner_clone(remote, make_repo)
    env = github_env(runner, tmp_path, "pull_request", pr_event(remote))
    runner.tool("check", "--ci", env=env, check=False)
    runner.tool("log", "--ci", "--format", "github", env=env)
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "](" not in summary.replace("\\](", "") and "<b>" not in summary
    assert "!\\[t\\](https://evil.example/t.png)" in summary
