"""ai-revert's plan as users see it: --dry-run text and JSON, filters, the refusal, the prompt."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from revert_helpers import ai_revert, entangled_history, release_history, snapshot

from conftest import AI_REVERT, PYTHON, Repo


@pytest.fixture
def release(repo: Repo) -> Repo:
    return release_history(repo)


@pytest.fixture
def entangled(repo: Repo) -> Repo:
    return entangled_history(repo)


def test_dry_run_json_and_nothing_changes(release: Repo) -> None:
    before = snapshot(release)
    done = ai_revert(release, "v2.1.0..HEAD", "--dry-run", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["range"] == "v2.1.0..HEAD" and data["entangled"] == []
    assert [(c["kind"], c["action"]) for c in data["commits"]] == [
        ("ai", "revert"),
        ("human", "keep"),
        ("ai", "revert"),
        ("ai", "revert"),
    ]
    assert set(data["commits"][0]) == {"sha", "kind", "subject", "action", "reason"}
    assert snapshot(release) == before
    text = ai_revert(release, "v2.1.0..HEAD", "--dry-run").stdout
    assert "Would revert 3 commits." in text


def test_filters(release: Repo) -> None:
    done = ai_revert(release, "v2.1.0..HEAD", "--dry-run", "--format", "json", "--path", "log.py")
    actions = [c["action"] for c in json.loads(done.stdout)["commits"]]
    assert actions == ["revert", "keep", "keep", "keep"]
    done = ai_revert(release, "v2.1.0..HEAD", "--dry-run", "--format", "json", "--model", "gpt*")
    assert all(c["action"] == "keep" for c in json.loads(done.stdout)["commits"])
    done = ai_revert(release, "v2.1.0..HEAD", "--yes", "--only", "human")
    assert done.returncode == 0 and release.out("log", "-1", "--format=%s") == 'Revert "Human: docs"'


def test_entangled_stop_refuses_and_names_everything(entangled: Repo) -> None:
    before = snapshot(entangled)
    done = ai_revert(entangled, "v1..HEAD", "--yes")
    assert done.returncode == 1
    assert "Human: fix the AI's line" in done.stderr and "app.py" in done.stderr
    assert "--entangled skip" in done.stderr
    assert snapshot(entangled) == before
    data = json.loads(ai_revert(entangled, "v1..HEAD", "--dry-run", "--format", "json").stdout)
    assert data["entangled"][0]["files"] == ["app.py"]
    assert ai_revert(entangled, "v1..HEAD", "--dry-run").returncode == 1


def test_confirmation_prompt_through_a_pty(release: Repo) -> None:
    import pty
    import select

    def run(answer: bytes) -> tuple[int, str]:
        pid, fd = pty.fork()
        if pid == 0:  # the child: ai-revert on a terminal
            os.chdir(release.path)
            os.execve(PYTHON, [*AI_REVERT, "v2.1.0..HEAD"], release.env)
        output = b""
        sent = False
        while True:
            ready, _, _ = select.select([fd], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if not sent and b"Confirm rollback? (yes/no)" in output:
                os.write(fd, answer)
                sent = True
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")

    old = release.head()
    code, out = run(b"no\n")
    assert code == 1 and "Would revert 3 commits" in out and release.head() == old
    code, out = run(b"yes\n")
    assert code == 0, out
    assert release.out("log", "-1", "--format=%s").startswith('Revert "')


def test_help_and_version() -> None:
    done = subprocess.run([*AI_REVERT, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "Examples:" in done.stdout and "--entangled" in done.stdout
