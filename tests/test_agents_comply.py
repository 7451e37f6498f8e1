"""Agents comply with zero effort (issue 11, item 4): their hooks, their ``-m`` commits.

Each agent's hook is run as a real process with the input its documentation
specifies (Claude Code: UserPromptSubmit and PostToolUse; Cursor:
beforeSubmitPrompt and afterFileEdit); commits are real ``git commit -m``s
through the installed hooks.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest

from ai_rollback import capture
from conftest import Repo, tool

CLAUDE = "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>"


@pytest.fixture
def agent_repo(repo: Repo) -> Repo:
    repo.commit("Human: start", {"README.md": "readme\n"})
    repo.install_hooks("commit-msg", "prepare-commit-msg")
    return repo


def claude_prompt(repo: Repo, prompt: str) -> dict[str, object]:
    """Claude Code's UserPromptSubmit input, as its hooks reference gives it."""
    return {
        "session_id": "abc123",
        "transcript_path": str(repo.path / ".." / "transcript.jsonl"),
        "cwd": str(repo.path),
        "permission_mode": "default",
        "hook_event_name": "UserPromptSubmit",
        "prompt": prompt,
    }


def claude_write(repo: Repo, path: str, tool_name: str = "Write") -> dict[str, object]:
    """Claude Code's PostToolUse input for its Write (or Edit) tool."""
    tool_input: dict[str, object] = {"file_path": str(repo.path / path)}
    if tool_name == "Write":
        tool_input["content"] = "x\n"
    else:
        tool_input.update(old_string="a", new_string="b")
    return {
        "session_id": "abc123",
        "transcript_path": "/tmp/transcript.jsonl",
        "cwd": str(repo.path),
        "hook_event_name": "PostToolUse",
        "tool_name": tool_name,
        "tool_input": tool_input,
        "tool_response": {"filePath": str(repo.path / path), "success": True},
    }


def hook(repo: Repo, event: str, data: object, agent: str = "claude-code", cwd: Path | None = None):  # type: ignore[no-untyped-def]
    done = repo.tool("agent-hook", event, "--agent", agent, input=json.dumps(data), check=False, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done


def captured(repo: Repo) -> dict[str, object] | None:
    path = repo.path / ".git" / "ai-rollback" / "agent-capture.json"
    return json.loads(path.read_text()) if path.exists() else None


def test_claude_codes_hooks_are_kept_private(agent_repo: Repo) -> None:
    done = hook(agent_repo, "prompt", claude_prompt(agent_repo, "Add a receipt total line"))
    assert done.stdout == ""  # UserPromptSubmit's stdout would go into the agent's context
    agent_repo.write("src/receipt.py", "total\n")
    hook(agent_repo, "edit", claude_write(agent_repo, "src/receipt.py"))
    hook(agent_repo, "edit", claude_write(agent_repo, "README.md", "Edit"))
    hook(agent_repo, "edit", claude_write(agent_repo, "../outside.py"))  # not in the repository
    kept = captured(agent_repo)
    assert kept is not None and kept["prompt"] == "Add a receipt total line"
    assert kept["files"] == ["src/receipt.py", "README.md"] and kept["agent"] == "claude-code"
    mode = (agent_repo.path / ".git" / "ai-rollback" / "agent-capture.json").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_cursors_hooks(agent_repo: Repo) -> None:
    prompt = {
        "conversation_id": "c1",
        "generation_id": "g1",
        "hook_event_name": "beforeSubmitPrompt",
        "workspace_roots": [str(agent_repo.path)],
        "prompt": "Tidy the parser",
        "attachments": [],
    }
    done = hook(agent_repo, "prompt", prompt, "cursor")
    assert json.loads(done.stdout) == {"continue": True}  # Cursor waits for this answer
    edit = {
        "conversation_id": "c1",
        "hook_event_name": "afterFileEdit",
        "workspace_roots": [str(agent_repo.path)],
        "file_path": str(agent_repo.path / "parser.py"),
        "edits": [{"old_string": "a", "new_string": "b"}],
    }
    hook(agent_repo, "edit", edit, "cursor")
    kept = captured(agent_repo)
    assert kept is not None and (kept["agent"], kept["prompt"], kept["files"]) == (
        "cursor",
        "Tidy the parser",
        ["parser.py"],
    )


@pytest.mark.parametrize("data", ["not json", "[1, 2]", '{"prompt": 7}', ""])
def test_a_hook_given_nonsense_never_stops_the_agent(agent_repo: Repo, data: str) -> None:
    done = agent_repo.tool("agent-hook", "prompt", "--agent", "claude-code", input=data, check=False)
    assert done.returncode == 0 and "Traceback" not in done.stderr and captured(agent_repo) is None


def test_a_secret_in_a_prompt_is_kept_redacted_and_a_huge_one_cut(agent_repo: Repo) -> None:
    key = "ghp_" + "a1B2c3D4e5" * 4
    done = hook(agent_repo, "prompt", claude_prompt(agent_repo, f"use token {key}\x00 please"))
    assert "kept redacted" in done.stderr
    kept = captured(agent_repo)
    assert kept is not None and key not in str(kept["prompt"]) and "\x00" not in str(kept["prompt"])
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "word " * 5000))
    kept = captured(agent_repo)
    assert kept is not None and len(str(kept["prompt"])) <= capture.MAX_PROMPT + 6


def test_an_agents_plain_m_commit_passes(agent_repo: Repo) -> None:
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "Add a receipt total line"))
    agent_repo.write("src/receipt.py", "total\n")
    hook(agent_repo, "edit", claude_write(agent_repo, "src/receipt.py"))
    agent_repo.git("add", "src/receipt.py")
    done = agent_repo.git("commit", "-q", "-m", "receipt total line", "-m", CLAUDE, check=False)
    assert done.returncode == 0, done.stderr
    assert agent_repo.out("log", "-1", "--format=%B") == (
        f"AI: receipt total line\n\n{CLAUDE}\nGenerated-by: Claude Opus 4.5\n"
        "Prompt: Add a receipt total line\nFiles: src/receipt.py"
    )
    # used up once the commit exists: the next look (the next commit's hooks) sees HEAD moved
    state = str(agent_repo.path / ".git" / "ai-rollback")
    assert capture.load(state, agent_repo.head()) == (None, None) and captured(agent_repo) is None


def test_a_persons_staged_change_is_refused_from_an_agent_commit(agent_repo: Repo) -> None:
    """The break the issue names: Files from the staged paths made isolation pass by construction."""
    agent_repo.write("README.md", "readme\nthe person's line\n")  # a person's edit
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "receipt total"))
    agent_repo.write("src/receipt.py", "total\n")
    agent_repo.git("add", "src/receipt.py")
    hook(agent_repo, "edit", claude_write(agent_repo, "src/receipt.py"))
    env = {"AI_ROLLBACK_MODEL": "Claude Opus 4.5"}
    done = agent_repo.git("commit", "-qam", "AI: receipt total line", env=env, check=False)
    assert done.returncode == 1
    assert "staged but not written by the agent (claude-code): README.md; commit them apart as Human:" in (
        done.stderr
    )
    assert "changed but not listed: README.md" in done.stderr
    assert captured(agent_repo) is not None  # nothing was committed: the capture stays


def test_what_cannot_be_known_is_one_clear_rejection(agent_repo: Repo) -> None:
    agent_repo.write("a.py", "a\n")
    agent_repo.git("add", "a.py")
    body = "🤖 Generated with [Claude Code](https://claude.com/claude-code)"
    done = agent_repo.git("commit", "-q", "-m", "add a", "-m", body, check=False)
    assert done.returncode == 1
    assert 'an "AI:" commit needs a "Generated-by:" trailer' in done.stderr
    assert 'an "AI:" commit needs a "Prompt:" trailer' in done.stderr
    assert "Files is filled in from the staged paths, a guess" in done.stderr


def test_a_persons_unlabelled_message_is_left_alone(agent_repo: Repo) -> None:
    agent_repo.write("a.py", "a\n")
    agent_repo.git("add", "a.py")
    done = agent_repo.git("commit", "-q", "-m", "fix it", check=False)
    assert done.returncode == 1 and "subject-label" in done.stderr and "AI: fix it" not in done.stderr


def test_a_stale_or_foreign_capture_is_not_used(agent_repo: Repo) -> None:
    state = agent_repo.path / ".git" / "ai-rollback"
    hook(agent_repo, "prompt", claude_prompt(agent_repo, "old prompt"))
    kept = captured(agent_repo)
    assert kept is not None
    kept["updated"] = time.time() - capture.STALE_AFTER - 3600
    (state / capture.CAPTURE_FILE).write_text(json.dumps(kept))
    found, note = capture.load(str(state))
    assert found is None and note is not None and "hours old" in note
    (state / capture.CAPTURE_FILE).write_text('{"prompt": "injected"}')
    found, note = capture.load(str(state))
    assert found is None and note is not None and "not an agent capture ai-rollback wrote" in note
    agent_repo.write("a.py", "a\n")
    agent_repo.git("add", "a.py")
    env = {"AI_ROLLBACK_MODEL": "m"}
    done = agent_repo.git("commit", "-q", "-m", "AI: a", env=env, check=False)
    assert done.returncode == 1 and "injected" not in agent_repo.out("log", "-1", "--format=%B")


def test_capture_can_be_required(agent_repo: Repo) -> None:
    agent_repo.write(".ai-rollback.toml", 'agent-capture = "required"\n')
    agent_repo.git("add", ".ai-rollback.toml")
    env = {"AI_ROLLBACK_MODEL": "m", "AI_ROLLBACK_PROMPT": "p"}
    done = agent_repo.git("commit", "-q", "-m", "AI: config", env=env, check=False)
    assert done.returncode == 1 and 'agent-capture = "required"' in done.stderr
    assert 'needs a "Files:" trailer' in done.stderr


# -- init --agent --


def test_init_agent_merges_into_the_users_settings(repo: Repo) -> None:
    repo.commit("Human: start", {"a": "a\n"})
    settings = {
        "model": "opus",
        "hooks": {"PostToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "lint"}]}]},
    }
    repo.write(".claude/settings.json", json.dumps(settings))
    repo.write("CLAUDE.md", "# My project\n\nBe kind.")
    done = tool(repo, "init", "--rev", "v1", "--agent", "claude-code")
    assert done.returncode == 0, done.stderr
    merged = json.loads((repo.path / ".claude" / "settings.json").read_text())
    assert merged["model"] == "opus"
    post = merged["hooks"]["PostToolUse"]
    assert post[0] == settings["hooks"]["PostToolUse"][0]  # theirs first, untouched  # type: ignore[index]
    assert post[1]["matcher"] == "Edit|Write|MultiEdit|NotebookEdit"
    assert merged["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"] == (
        "ai-rollback agent-hook prompt --agent claude-code"
    )
    instructions = (repo.path / "CLAUDE.md").read_text()
    assert instructions.startswith("# My project\n\nBe kind.\n\n<!-- ai-rollback: begin -->")
    again = tool(repo, "init", "--rev", "v1", "--agent", "claude-code")
    assert "kept: .claude/settings.json already runs ai-rollback" in again.stdout
    assert (repo.path / "CLAUDE.md").read_text() == instructions


def test_init_agent_refuses_a_malformed_settings_file(repo: Repo) -> None:
    repo.write(".claude/settings.json", '{"hooks": {')
    done = tool(repo, "init", "--rev", "v1", "--agent", "claude-code")
    assert (
        done.returncode == 2 and "is not plain JSON" in done.stderr and "add the hooks by hand" in done.stderr
    )
    assert (repo.path / ".claude" / "settings.json").read_text() == '{"hooks": {'


def test_init_agent_for_cursor(repo: Repo) -> None:
    done = tool(repo, "init", "--rev", "v1", "--agent", "cursor")
    assert done.returncode == 0
    hooks = json.loads((repo.path / ".cursor" / "hooks.json").read_text())
    assert hooks["version"] == 1
    assert hooks["hooks"]["afterFileEdit"] == [{"command": "ai-rollback agent-hook edit --agent cursor"}]
    assert "<!-- ai-rollback: begin -->" in (repo.path / "AGENTS.md").read_text()


def test_the_hook_works_from_a_linked_worktree(agent_repo: Repo, tmp_path: Path) -> None:
    other = tmp_path / "wt"
    agent_repo.git("worktree", "add", "-q", str(other))
    data = claude_prompt(agent_repo, "in the worktree")
    data["cwd"] = str(other)
    hook(agent_repo, "prompt", data)
    git_dir = Path(agent_repo.run("git", "rev-parse", "--absolute-git-dir", cwd=other).stdout.strip())
    assert (
        json.loads((git_dir / "ai-rollback" / capture.CAPTURE_FILE).read_text())["prompt"]
        == "in the worktree"
    )
    assert captured(agent_repo) is None  # per worktree
    assert os.path.isdir(git_dir)


def test_gemini_clis_hooks(agent_repo: Repo) -> None:
    """Gemini CLI's BeforeAgent and AfterTool inputs (its hooks reference); stdout must be JSON."""
    base = {"session_id": "s", "transcript_path": "/tmp/t.json", "cwd": str(agent_repo.path),
            "timestamp": "2026-12-03T00:00:00Z"}  # fmt: skip
    done = hook(
        agent_repo,
        "prompt",
        {**base, "hook_event_name": "BeforeAgent", "prompt": "Add retries"},
        "gemini-cli",
    )
    assert json.loads(done.stdout) == {}
    write = {**base, "hook_event_name": "AfterTool", "tool_name": "write_file",
             "tool_input": {"file_path": str(agent_repo.path / "retry.py"), "content": "r"},
             "tool_response": {"llmContent": "ok"}}  # fmt: skip
    assert json.loads(hook(agent_repo, "edit", write, "gemini-cli").stdout) == {}
    kept = captured(agent_repo)
    assert kept is not None and (kept["prompt"], kept["files"]) == ("Add retries", ["retry.py"])
    assert tool(agent_repo, "init", "--rev", "v1", "--agent", "gemini-cli").returncode == 0
    settings = json.loads((agent_repo.path / ".gemini" / "settings.json").read_text())
    assert settings["hooks"]["AfterTool"][0]["matcher"] == "write_file|replace"
    assert (agent_repo.path / "GEMINI.md").exists()
