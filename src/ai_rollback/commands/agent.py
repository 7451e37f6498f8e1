"""Agents that comply with zero effort: their hooks hand us the prompt and the files they write.

``ai-rollback init --agent NAME`` adds our commands to the agent's own
documented hook file, merged into what is there (never overwriting a
user's hooks; a file that is not valid JSON is refused, with how to fix it),
and a short section on the convention to the agent's instruction file.
The agent then runs ``ai-rollback agent-hook prompt|edit --agent NAME`` with
its event on standard input, which :mod:`ai_rollback.capture` keeps.

The hook never stands in the agent's way: whatever goes wrong is said on
stderr and it exits 0 (Claude Code would show a failure, and exit 2 would
block the prompt).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

from ai_rollback import capture
from ai_rollback.console import echo
from ai_rollback.errors import OK, UsageError


@dataclass(frozen=True)
class Agent:
    """An agent whose documented hooks can hand us prompts and edits."""

    name: str
    settings: str  # the hook file, from the repository's top
    instructions: str  # the instruction file the agent reads
    doc: str


AGENTS = {
    "claude-code": Agent(
        "claude-code",
        ".claude/settings.json",
        "CLAUDE.md",
        "https://docs.anthropic.com/en/docs/claude-code/hooks (UserPromptSubmit, PostToolUse)",
    ),
    "cursor": Agent(
        "cursor",
        ".cursor/hooks.json",
        "AGENTS.md",
        "https://cursor.com/docs/agent/hooks (beforeSubmitPrompt, afterFileEdit)",
    ),
    "gemini-cli": Agent(
        "gemini-cli",
        ".gemini/settings.json",
        "GEMINI.md",
        "https://geminicli.com/docs/hooks/reference (BeforeAgent, AfterTool)",
    ),
}
#: Gemini CLI's tools that write files (AfterTool matcher)
GEMINI_WRITERS = "write_file|replace"
#: Claude Code's tools that write files (PostToolUse matcher)
CLAUDE_WRITERS = "Edit|Write|MultiEdit|NotebookEdit"
SECTION_START = "<!-- ai-rollback: begin -->"
SECTION_END = "<!-- ai-rollback: end -->"
SECTION = f"""{SECTION_START}
## Commits: the AI/Human convention (ai-rollback)

- Commit only what you wrote, apart from the person's changes: stage your files alone and commit
  with `git commit -m "AI: <what it does>"`. Leave their changes unstaged: they commit them as
  `Human: ...`.
- Keep your `Co-Authored-By:` line out; ai-rollback fills in `Generated-by`, `Prompt` and
  `Files` from what your hooks told it. Set `AI_ROLLBACK_MODEL` to your model if you can.
- Never write `Signed-off-by` for yourself: only a person can sign off.
- If the commit is rejected, read the message: it names the one thing to fix.
{SECTION_END}
"""


def _agent(name: str) -> Agent:
    found = AGENTS.get(name)
    if found is None:
        raise UsageError(f"unknown agent {name!r}", hint="known: " + ", ".join(AGENTS))
    return found


def _command(agent: str, event: str) -> str:
    return f"ai-rollback agent-hook {event} --agent {agent}"


# -- the hook: what the agent runs --


def agent_hook(event: str, agent: str, stdin: bytes | None = None) -> int:
    """Keep what the agent's ``event`` (``prompt`` or ``edit``) hands over; always exit 0."""
    data = sys.stdin.buffer.read() if stdin is None else stdin
    if agent == "cursor" and event == "prompt":
        sys.stdout.write('{"continue": true}\n')  # Cursor waits for its answer
        sys.stdout.flush()
    elif agent == "gemini-cli":
        sys.stdout.write("{}\n")  # Gemini CLI parses stdout as JSON: nothing to decide
        sys.stdout.flush()
    try:
        notes = _keep(event, agent, data)
    except Exception as exc:  # never stop the agent; say what went wrong
        notes = [f"not kept: {exc}"]
    for note in notes:
        sys.stderr.write(f"ai-rollback: {note}\n")
    return OK


def _keep(event: str, agent: str, data: bytes) -> list[str]:
    try:
        value = json.loads(data)
    except ValueError:
        return [f"the {agent} hook's input is not JSON: nothing kept"]
    if not isinstance(value, dict):
        return [f"the {agent} hook's input is not a JSON object: nothing kept"]
    from ai_rollback import gitconfig

    start = _where(value)
    paths = gitconfig.locate(start)
    if paths is None or paths.work_tree is None:
        return []  # not in a repository with a work tree: nothing to attribute
    state = os.path.join(paths.git_dir, "ai-rollback")
    if event == "prompt":
        prompt = value.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            return []
        return capture.record_prompt(state, agent, prompt)
    if event == "edit":
        files = [p for p in (_in_tree(f, start, paths.work_tree) for f in _edited(value)) if p]
        return capture.record_files(state, agent, files) if files else []
    return [f"unknown event {event!r}: nothing kept"]


def _where(value: dict[str, object]) -> str:
    """The directory the agent works in (Claude Code's ``cwd``, Cursor's first workspace root)."""
    cwd = value.get("cwd")
    roots = value.get("workspace_roots")
    if isinstance(cwd, str) and cwd:
        return cwd
    if isinstance(roots, list) and roots and isinstance(roots[0], str):
        return roots[0]
    return os.getcwd()


def _edited(value: dict[str, object]) -> list[str]:
    """The files a tool event names: ``tool_input.file_path`` (or ``notebook_path``), ``file_path``."""
    found: list[str] = []
    tool_input = value.get("tool_input")
    for source in (tool_input if isinstance(tool_input, dict) else {}, value):
        for key in ("file_path", "notebook_path"):
            item = source.get(key)
            if isinstance(item, str) and item:
                found.append(item)
    return list(dict.fromkeys(found))


def _in_tree(path: str, start: str, top: str) -> str | None:
    """``path`` from the top of the work tree, or None when it lies outside it (or in .git)."""
    full = os.path.realpath(os.path.join(start, path))
    root = os.path.realpath(top)
    relative = os.path.relpath(full, root)
    if relative == "." or relative.startswith(("..", ".git/")) or relative == ".git":
        return None
    return relative.replace(os.sep, "/")


# -- init --agent: the agent's hook file and instruction file --


def init_agent(root: str, name: str) -> list[str]:
    """Set up ``name``'s hooks and instructions in the repository at ``root``; what was done."""
    agent = _agent(name)
    return [_hook_file(root, agent), _instructions(root, agent)]


def _hook_file(root: str, agent: Agent) -> str:
    path = os.path.join(root, agent.settings)
    data: dict[str, object] = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            loaded = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            raise UsageError(
                f"{agent.settings} is not valid JSON ({exc}): not changed",
                hint=f"fix it, or add the hooks by hand: {_by_hand(agent)}",
            ) from None
        if not isinstance(loaded, dict) or not isinstance(loaded.get("hooks", {}), dict):
            raise UsageError(
                f'{agent.settings} does not hold a JSON object with a "hooks" object: not changed',
                hint=f"add the hooks by hand: {_by_hand(agent)}",
            )
        data = loaded
    hooks = data.setdefault("hooks", {})
    if not isinstance(hooks, dict):  # pragma: no cover - refused above
        raise UsageError(f'{agent.settings}: "hooks" is not an object: not changed')
    added = 0
    for event, entry in _entries(agent):
        existing = hooks.setdefault(event, [])
        if not isinstance(existing, list):
            raise UsageError(f'{agent.settings}: "hooks.{event}" is not a list: not changed')
        if json.dumps(entry) not in {json.dumps(e) for e in existing} and not _has_ours(existing, agent):
            existing.append(entry)
            added += 1
    if agent.name == "cursor":
        data.setdefault("version", 1)
    if not added:
        return f"kept: {agent.settings} already runs ai-rollback"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".ai-rollback.tmp"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(temporary, path)
    return f"added the {agent.name} hooks to {agent.settings} (prompts and edited files; see {agent.doc})"


def _entries(agent: Agent) -> list[tuple[str, dict[str, object]]]:
    if agent.name == "claude-code":
        return [
            ("UserPromptSubmit", {"hooks": [{"type": "command", "command": _command(agent.name, "prompt")}]}),
            (
                "PostToolUse",
                {
                    "matcher": CLAUDE_WRITERS,
                    "hooks": [{"type": "command", "command": _command(agent.name, "edit")}],
                },
            ),
        ]
    if agent.name == "gemini-cli":
        return [
            ("BeforeAgent", {"hooks": [{"type": "command", "command": _command(agent.name, "prompt")}]}),
            (
                "AfterTool",
                {
                    "matcher": GEMINI_WRITERS,
                    "hooks": [{"type": "command", "command": _command(agent.name, "edit")}],
                },
            ),
        ]
    return [
        ("beforeSubmitPrompt", {"command": _command(agent.name, "prompt")}),
        ("afterFileEdit", {"command": _command(agent.name, "edit")}),
    ]


def _has_ours(entries: list[object], agent: Agent) -> bool:
    return any("ai-rollback agent-hook" in json.dumps(e) for e in entries) and bool(entries)


def _by_hand(agent: Agent) -> str:
    return json.dumps({"hooks": dict(_entries(agent))}, separators=(", ", ": "))


def _instructions(root: str, agent: Agent) -> str:
    path = os.path.join(root, agent.instructions)
    text = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if SECTION_START in text:
            return f"kept: {agent.instructions} already has the ai-rollback section"
    with open(path, "a", encoding="utf-8") as f:
        f.write(("\n" if text and not text.endswith("\n") else "") + ("\n" if text else "") + SECTION)
    return f"added the convention to {agent.instructions} (its own section; the rest untouched)"


def print_init_agent(root: str, name: str) -> int:
    for line in init_agent(root, name):
        echo(line)
    return OK
