"""What a hostile tester broke in the agent hooks and capture (2026-12-03), one outcome each."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from ai_rollback import capture
from conftest import PYTHON, Repo, tool
from test_agents_comply import CLAUDE, captured, claude_prompt, claude_write, hook


@pytest.fixture
def agent_repo(repo: Repo) -> Repo:
    repo.commit("Human: start", {"README.md": "readme\n"})
    repo.install_hooks("commit-msg", "prepare-commit-msg")
    return repo


def state_of(repo: Repo) -> str:
    return str(repo.path / ".git" / "ai-rollback")


# 1
def test_init_never_writes_through_a_symlink(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "bashrc").write_text("mine\n")
    (outside / "notes").write_text("mine\n")
    evil: Repo = make_repo("evil")
    evil.write(".claude/settings.json", '{"hooks": {}}')
    os.symlink(outside / "notes", evil.path / "CLAUDE.md")
    done = tool(evil, "init", "--rev", "v1", "--agent", "claude-code")
    assert done.returncode == 2 and "CLAUDE.md is a symbolic link: not changed" in done.stderr
    assert (evil.path / ".claude" / "settings.json").read_text() == '{"hooks": {}}'  # nothing written
    os.unlink(evil.path / "CLAUDE.md")
    os.symlink(outside / "bashrc", evil.path / ".claude" / "settings.json.ai-rollback.tmp")
    assert tool(evil, "init", "--rev", "v1", "--agent", "claude-code").returncode == 0
    assert (outside / "bashrc").read_text() == "mine\n" and (outside / "notes").read_text() == "mine\n"
    os.symlink(outside / "bashrc", evil.path / ".cursor")
    done = tool(evil, "init", "--rev", "v1", "--agent", "cursor")
    assert done.returncode == 2 and ".cursor is a symbolic link" in done.stderr


# 2
def test_files_written_by_hand_cannot_bring_a_persons_change_in(agent_repo: Repo) -> None:
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "receipt total"))
    agent_repo.write("receipt.py", "total\n")
    hook(agent_repo, "edit", claude_write(agent_repo, "receipt.py"))
    agent_repo.write("README.md", "readme\nthe person's line\n")
    message = "AI: receipt total line\n\nGenerated-by: X\nPrompt: p\nFiles: README.md, receipt.py"
    agent_repo.git("add", "-A")
    done = agent_repo.git("commit", "-q", "-m", message, check=False)
    assert done.returncode == 1
    assert "agent-files: staged but not written by the agent (claude-code): README.md" in done.stderr
    assert "git restore --staged -- README.md" in done.stderr


# 3
def test_secrets_in_a_prompt_never_reach_the_commit(agent_repo: Repo) -> None:
    secret = "postgres://admin:hunter2hunter2@db.example.com/prod and DB_PASSWORD=Tr0ub4dor3x"
    hook(agent_repo, "prompt", claude_prompt(agent_repo, f"connect with {secret}"))
    agent_repo.write("db.py", "db\n")
    hook(agent_repo, "edit", claude_write(agent_repo, "db.py"))
    agent_repo.git("add", "db.py")
    agent_repo.git("commit", "-q", "-m", "connect", "-m", CLAUDE)
    message = agent_repo.out("log", "-1", "--format=%B")
    assert (
        "hunter2hunter2" not in message and "Tr0ub4dor3x" not in message and "Prompt: connect with" in message
    )


# 4
def test_a_prompt_that_cannot_be_kept_does_not_leave_the_last_one(agent_repo: Repo) -> None:
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "delete the prod database"))
    data = '{"cwd": "' + str(agent_repo.path) + '", "prompt": "add a readme \\ud83d"}'
    assert agent_repo.tool("agent-hook", "prompt", "--agent", "claude-code", input=data).returncode == 0
    kept = captured(agent_repo)
    assert kept is not None and kept["prompt"] == "add a readme"
    agent_repo.tool("agent-hook", "prompt", "--agent", "claude-code", input="not json", cwd=agent_repo.path)
    kept = captured(agent_repo)
    assert kept is not None and kept["prompt"] is None


# 5
def test_parallel_edits_are_all_kept(agent_repo: Repo) -> None:
    procs = [
        subprocess.Popen(
            [PYTHON, "-m", "ai_rollback", "agent-hook", "edit", "--agent", "claude-code"],
            stdin=subprocess.PIPE,
            cwd=agent_repo.path,
            env=agent_repo.env,
        )
        for _ in range(16)
    ]
    for n, proc in enumerate(procs):
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(claude_write(agent_repo, f"f{n}.py")).encode())
        proc.stdin.close()
    assert all(proc.wait() == 0 for proc in procs)
    kept = captured(agent_repo)
    assert kept is not None and sorted(kept["files"]) == sorted(f"f{n}.py" for n in range(16))  # type: ignore[arg-type]


# 6
def test_one_prompt_several_commits_and_an_amend(agent_repo: Repo) -> None:
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "add a and b, one commit each"))
    for name in ("a.py", "b.py"):
        agent_repo.write(name, "x\n")
        hook(agent_repo, "edit", claude_write(agent_repo, name))
    agent_repo.git("add", "a.py")
    agent_repo.git("commit", "-q", "-m", "add a", "-m", CLAUDE)
    agent_repo.git("add", "b.py")
    agent_repo.git("commit", "-q", "-m", "add b", "-m", CLAUDE)  # the prompt stays for the second
    assert "Prompt: add a and b, one commit each" in agent_repo.out("log", "-1", "--format=%B")
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "also tweak b"))
    agent_repo.write("b.py", "y\n")
    hook(agent_repo, "edit", claude_write(agent_repo, "b.py"))
    agent_repo.git("add", "b.py")
    agent_repo.git("commit", "-q", "--amend", "-m", "add b", "-m", CLAUDE)
    agent_repo.git("rm", "-q", "a.py")  # deleted by the agent's shell: nothing a revert could lose
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "drop a"))
    agent_repo.git("commit", "-q", "-m", "drop a", "-m", CLAUDE)


# 7
def test_a_subject_starting_with_a_hash_gets_the_label(agent_repo: Repo) -> None:
    agent_repo.write("a.py", "a\n")
    agent_repo.git("add", "a.py")
    env = {"AI_ROLLBACK_PROMPT": "fix it"}
    agent_repo.git("commit", "-q", "-m", "#12 fix crash", "-m", CLAUDE, env=env)
    assert agent_repo.out("log", "-1", "--format=%s") == "AI: #12 fix crash"


# 8
def test_a_commit_that_fails_after_commit_msg_leaves_the_capture(agent_repo: Repo) -> None:
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "add a"))
    agent_repo.write("a.py", "a\n")
    hook(agent_repo, "edit", claude_write(agent_repo, "a.py"))
    agent_repo.git("add", "a.py")
    lock = agent_repo.path / ".git" / "refs" / "heads" / "main.lock"
    lock.write_text("")
    assert agent_repo.git("commit", "-q", "-m", "add a", "-m", CLAUDE, check=False).returncode != 0
    lock.unlink()
    agent_repo.git("commit", "-q", "-m", "add a", "-m", CLAUDE)
    message = agent_repo.out("log", "-1", "--format=%B")
    assert "Prompt: add a" in message and "Files: a.py" in message


# 9
def test_an_edit_is_kept_in_the_repository_that_holds_the_file(agent_repo: Repo, tmp_path: Path) -> None:
    edit = {"hook_event_name": "afterFileEdit", "workspace_roots": [str(tmp_path)],
            "file_path": str(agent_repo.path / "sub" / "p.py")}  # fmt: skip
    (agent_repo.path / "sub").mkdir()
    hook(agent_repo, "edit", edit, "cursor", cwd=tmp_path)
    kept = captured(agent_repo)
    assert kept is not None and kept["files"] == ["sub/p.py"]


# 10
@pytest.mark.parametrize("argv", [["edit", "--agent", "claude"], ["typo", "--agent", "claude-code"]])
def test_the_hook_exits_0_whatever_it_is_given(agent_repo: Repo, argv: list[str]) -> None:
    done = agent_repo.tool("agent-hook", *argv, input="{}", check=False)
    assert done.returncode == 0 and "nothing kept" in done.stderr


def test_the_hook_exits_0_with_its_output_closed(agent_repo: Repo) -> None:
    done = subprocess.run(
        [PYTHON, "-m", "ai_rollback", "agent-hook", "prompt", "--agent", "cursor"],
        input=b"{}", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        cwd=agent_repo.path, env=agent_repo.env, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    closed = subprocess.run(
        ["sh", "-c", f"{PYTHON} -m ai_rollback agent-hook prompt --agent gemini-cli >&- <&-"],
        cwd=agent_repo.path, env=agent_repo.env, capture_output=True, check=False,
    )  # fmt: skip
    assert closed.returncode == 0 and b"Traceback" not in closed.stderr


# 11, 12
def test_the_by_hand_entries_are_what_init_would_write(repo: Repo) -> None:
    repo.write(".claude/settings.json", "{")
    done = tool(repo, "init", "--rev", "v1", "--agent", "claude-code")
    by_hand = done.stderr.split("add the hooks by hand: ", 1)[1].strip()
    repo.write(".claude/settings.json", by_hand)
    assert (
        "kept: .claude/settings.json already runs ai-rollback"
        in tool(repo, "init", "--rev", "v1", "--agent", "claude-code").stdout
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"a": 1, "a": 2}', "is given twice"),
        ('{"n": 1e400}', "cannot write back"),
        ("// c\n{}", "not plain JSON"),
    ],
)
def test_settings_that_would_not_survive_a_rewrite_are_refused(repo: Repo, text: str, said: str) -> None:
    repo.write(".claude/settings.json", text)
    done = tool(repo, "init", "--rev", "v1", "--agent", "claude-code")
    assert done.returncode == 2 and said in done.stderr
    assert (repo.path / ".claude" / "settings.json").read_text() == text


def test_the_rewrite_keeps_the_files_mode_and_bom(repo: Repo) -> None:
    path = repo.write(".claude/settings.json", "\ufeff" + json.dumps({"model": "opus"}))
    path.chmod(0o600)
    assert tool(repo, "init", "--rev", "v1", "--agent", "claude-code").returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert json.loads(path.read_text(encoding="utf-8-sig"))["model"] == "opus"


# 13, 14
def test_a_name_starting_with_two_dots_is_in_the_tree(agent_repo: Repo) -> None:
    (agent_repo.path / "..data").mkdir()
    hook(agent_repo, "edit", claude_write(agent_repo, "..data/x.py"))
    kept = captured(agent_repo)
    assert kept is not None and kept["files"] == ["..data/x.py"]


def test_a_capture_from_the_future_is_stale_too(agent_repo: Repo) -> None:
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "p"))
    path = Path(state_of(agent_repo)) / capture.CAPTURE_FILE
    data = json.loads(path.read_text())
    data["updated"] = time.time() + capture.STALE_AFTER + 3600
    path.write_text(json.dumps(data))
    found, note = capture.load(state_of(agent_repo))
    assert found is None and note is not None and "in the future" in note


# found in review (2026-12-03)
def test_fix_true_cannot_mend_away_a_stranger(agent_repo: Repo) -> None:
    agent_repo.write(".ai-rollback.toml", "fix = true\n")
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "add a"))
    agent_repo.write("a.py", "a\n")
    hook(agent_repo, "edit", claude_write(agent_repo, "a.py"))
    agent_repo.write("b.py", "b\n")
    agent_repo.git("add", "a.py", "b.py", ".ai-rollback.toml")
    message = (
        "AI: add a\nGenerated-by: m\nPrompt: p\nFiles: a.py, b.py, .ai-rollback.toml\n"  # glued: fixable
    )
    done = agent_repo.git("commit", "-q", "-m", message, check=False)
    assert done.returncode == 1 and "agent-files" in done.stderr


def test_a_redacted_value_is_only_what_redact_leaves() -> None:
    from ai_rollback.credentials import find_credentials

    assert find_credentials("token=ab****cdefgh1234567")  # stars inside a value do not hide it
    assert not find_credentials("token=ab**************")  # what redact() writes
