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
    """Keep what the agent's ``event`` (``prompt`` or ``edit``) hands over; always exit 0.

    Nothing here may stop the agent: an unknown agent or event, a closed
    stream, input that is not JSON are said on stderr (when it is open).
    """
    notes: list[str] = []
    try:
        if agent == "cursor" and event == "prompt":
            _answer('{"continue": true}\n')  # Cursor waits for its answer
        elif agent == "gemini-cli":
            _answer("{}\n")  # Gemini CLI parses stdout as JSON: nothing to decide
        if agent not in AGENTS:
            notes.append(f"unknown agent {agent!r} (known: {', '.join(AGENTS)}): nothing kept")
        elif event not in ("prompt", "edit"):
            notes.append(f"unknown event {event!r} (prompt or edit): nothing kept")
        else:
            data = (
                (sys.stdin.buffer.read(MAX_INPUT) if sys.stdin is not None else b"")
                if stdin is None
                else stdin
            )
            notes += _keep(event, agent, data)
    except Exception as exc:  # never stop the agent; say what went wrong
        notes.append(f"not kept: {exc}")
        if event == "prompt":
            _forget_prompt(agent)  # a prompt we could not keep must not leave the last one standing
    for note in notes:
        try:
            sys.stderr.write(f"ai-rollback: {note}\n")
        except (OSError, ValueError, AttributeError):
            break
    return OK


#: the most of an agent's event we read (a prompt is cut far shorter; the rest is tool output)
MAX_INPUT = 8 << 20


def _answer(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError, AttributeError):
        pass  # nobody reads it


def _forget_prompt(agent: str) -> None:
    try:
        from ai_rollback import gitconfig

        paths = gitconfig.locate(os.getcwd())
        if paths is not None:
            capture.record_prompt(os.path.join(paths.git_dir, "ai-rollback"), agent, "")
    except Exception:  # noqa: S110 - best effort: the hook has said what failed
        pass


def _keep(event: str, agent: str, data: bytes) -> list[str]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        if event == "prompt":
            _forget_prompt(agent)
        return [f"the {agent} hook's input is not JSON: nothing kept"]
    if not isinstance(value, dict):
        return [f"the {agent} hook's input is not a JSON object: nothing kept"]
    from ai_rollback import gitconfig

    start = _where(value)
    if event == "prompt":
        paths = gitconfig.locate(start)
        if paths is None or paths.work_tree is None:
            return []  # not in a repository with a work tree: nothing to attribute
        prompt = value.get("prompt")
        text = prompt if isinstance(prompt, str) else ""
        return capture.record_prompt(os.path.join(paths.git_dir, "ai-rollback"), agent, text)
    notes: list[str] = []
    by_repo: dict[str, tuple[str, list[str]]] = {}
    for edited in _edited(value):
        full = os.path.join(start, edited)
        paths = gitconfig.locate(os.path.dirname(full) if os.path.isdir(os.path.dirname(full)) else start)
        if paths is None or paths.work_tree is None:
            continue  # a file in no repository (a workspace root need not be one)
        relative = _in_tree(full, paths.work_tree)
        if relative is not None:
            by_repo.setdefault(paths.git_dir, (paths.git_dir, []))[1].append(relative)
    for git_dir, files in by_repo.values():
        notes += capture.record_files(os.path.join(git_dir, "ai-rollback"), agent, files)
    return notes


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


def _in_tree(path: str, top: str) -> str | None:
    """``path`` (absolute) from the top of the work tree, or None outside it (or in .git)."""
    full = os.path.realpath(path)
    root = os.path.realpath(top)
    relative = os.path.relpath(full, root).replace(os.sep, "/")
    if relative in (".", "..") or relative.startswith("../") or relative.split("/")[0] == ".git":
        return None
    if "\n" in relative or "\r" in relative:
        return None  # a name no trailer can hold
    return relative


# -- init --agent: the agent's hook file and instruction file --


def init_agent(root: str, name: str) -> list[str]:
    """Set up ``name``'s hooks and instructions in the repository at ``root``; what was done.

    Both files are checked before either is written: a symlink (whose target
    may lie outside the repository), a file that is not UTF-8, or settings that
    are not plain JSON are refused, and nothing is changed.
    """
    agent = _agent(name)
    settings = os.path.join(root, agent.settings)
    instructions = os.path.join(root, agent.instructions)
    for path, shown in ((settings, agent.settings), (instructions, agent.instructions)):
        _refuse_links(root, path, shown, agent)
    text = _read(instructions, agent.instructions, agent) if os.path.exists(instructions) else ""
    return [_hook_file(settings, agent), _instructions(instructions, text, agent)]


def _refuse_links(root: str, path: str, shown: str, agent: Agent) -> None:
    """No symlink on the way to ``path``: writing through one could land outside the repository."""
    relative = os.path.relpath(path, root)
    at = root
    for part in relative.split(os.sep):
        at = os.path.join(at, part)
        if os.path.islink(at):
            raise UsageError(
                f"{shown}: {os.path.relpath(at, root)} is a symbolic link: not changed "
                "(it could point outside the repository)",
                hint=f"add the hooks by hand where it points: {_by_hand(agent)}",
            )


def _read(path: str, shown: str, agent: Agent) -> str:
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except UnicodeDecodeError:
        raise UsageError(
            f"{shown} is not UTF-8 text: not changed", hint=f"add the hooks by hand: {_by_hand(agent)}"
        ) from None


def _strict_object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _v in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"the key {next(k for k in keys if keys.count(k) > 1)!r} is given twice")
    return dict(pairs)


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _hook_file(path: str, agent: Agent) -> str:
    data: dict[str, object] = {}
    bom = False
    mode = 0o644
    if os.path.exists(path):
        with open(path, "rb") as f:
            raw = f.read()
        bom = raw.startswith(b"\xef\xbb\xbf")
        mode = os.stat(path).st_mode & 0o777
        try:
            text = raw.decode("utf-8-sig")
            loaded = json.loads(text, object_pairs_hook=_strict_object) if text.strip() else {}
        except ValueError as exc:
            raise UsageError(
                f"{agent.settings} is not plain JSON ({exc}): not changed",
                hint=f"fix it, or add the hooks by hand: {_by_hand(agent)}",
            ) from None
        if not isinstance(loaded, dict) or not isinstance(loaded.get("hooks", {}), dict):
            raise UsageError(
                f'{agent.settings} does not hold a JSON object with a "hooks" object: not changed',
                hint=f"add the hooks by hand: {_by_hand(agent)}",
            )
        if not _finite(loaded):
            raise UsageError(
                f"{agent.settings} holds a number JSON cannot write back as it is: not changed",
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
            raise UsageError(
                f'{agent.settings}: "hooks.{event}" is not a list: not changed',
                hint=f"add the hooks by hand: {_by_hand(agent)}",
            )
        if not _has_ours(existing, entry):
            existing.append(entry)
            added += 1
    if agent.name == "cursor":
        data.setdefault("version", 1)
    if not added:
        return f"kept: {agent.settings} already runs ai-rollback"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    from ai_rollback.atomic import replace_file

    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    replace_file(path, ("\ufeff" if bom else "").encode() + text.encode("utf-8"), mode)
    return f"added the {agent.name} hooks to {agent.settings} (prompts and edited files; see {agent.doc})"


#: each agent's hook events: (the prompt's event, the edit's event, the tools that write files)
_EVENTS = {
    "claude-code": ("UserPromptSubmit", "PostToolUse", CLAUDE_WRITERS),
    "gemini-cli": ("BeforeAgent", "AfterTool", GEMINI_WRITERS),
}


def _entries(agent: Agent) -> list[tuple[str, dict[str, object]]]:
    if agent.name in _EVENTS:  # Claude Code's layout, which Gemini CLI shares: matcher + command hooks
        prompt, edit, writers = _EVENTS[agent.name]

        def run(event: str) -> list[dict[str, str]]:
            return [{"type": "command", "command": _command(agent.name, event)}]

        return [(prompt, {"hooks": run("prompt")}), (edit, {"matcher": writers, "hooks": run("edit")})]
    return [
        ("beforeSubmitPrompt", {"command": _command(agent.name, "prompt")}),
        ("afterFileEdit", {"command": _command(agent.name, "edit")}),
    ]


def _commands(entry: object) -> list[str]:
    """Every ``command`` string in a hook entry (Claude Code's and Gemini's nest them)."""
    if isinstance(entry, dict):
        found = [entry["command"]] if isinstance(entry.get("command"), str) else []
        return found + [c for v in entry.values() if isinstance(v, list) for e in v for c in _commands(e)]
    return []


def _has_ours(existing: list[object], entry: dict[str, object]) -> bool:
    """Whether an entry of ``existing`` runs our command already (with the same matcher)."""
    ours = set(_commands(entry))
    return any(
        ours <= set(_commands(e)) and (not isinstance(e, dict) or e.get("matcher") == entry.get("matcher"))
        for e in existing
    )


def _by_hand(agent: Agent) -> str:
    return json.dumps(
        {"hooks": {event: [entry] for event, entry in _entries(agent)}}, separators=(", ", ": ")
    )


def _instructions(path: str, text: str, agent: Agent) -> str:
    if SECTION_START in text:
        return f"kept: {agent.instructions} already has the ai-rollback section"
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(("\n" if text and not text.endswith("\n") else "") + ("\n" if text else "") + SECTION)
    return f"added the convention to {agent.instructions} (its own section; the rest untouched)"


def print_init_agent(root: str, name: str) -> int:
    for line in init_agent(root, name):
        echo(line)
    return OK
