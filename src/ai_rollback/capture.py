"""What an AI agent's own hooks hand us: its latest prompt, and the files it wrote.

The agent (Claude Code, Cursor: see ``commands/agent.py``) runs
``ai-rollback agent-hook prompt|edit`` from its documented hooks; what they
carry is kept in one file of the worktree's git directory,
``ai-rollback/agent-capture.json`` (mode 0600, written whole and renamed into
place), until a commit uses it.  prepare-commit-msg then fills ``Prompt`` and
``Files`` of the agent's ``-m`` commit from it, where only the agent could
know them.

What is kept is checked on the way in and on the way out: a prompt is run
through the secret scan (kept redacted), cut at :data:`MAX_PROMPT`
characters, and cleaned of NUL and control characters; a capture older than
:data:`STALE_AFTER` seconds, or a file that is not ours, is not used, and the
note says why.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

CAPTURE_FILE = "agent-capture.json"
FORMAT = "ai-rollback-agent-capture"
MAX_PROMPT = 8192  # characters: a trailer value, not a transcript
STALE_AFTER = 12 * 3600  # seconds: a prompt from another working day is not this commit's
MAX_FILES = 10_000


@dataclass
class Capture:
    agent: str
    prompt: str | None = None
    files: list[str] = field(default_factory=list)
    updated: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "version": 1,
            "agent": self.agent,
            "prompt": self.prompt,
            "files": self.files,
            "updated": self.updated,
        }


def capture_path(state_dir: str) -> str:
    return os.path.join(state_dir, CAPTURE_FILE)


def load(state_dir: str, now: float | None = None) -> tuple[Capture | None, str | None]:
    """``(capture, note)``: the capture to use (None: none, or not usable), and why not."""
    path = capture_path(state_dir)
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 22)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"cannot read the agent capture {path}: {exc.strerror}"
    found = _parse(data)
    if found is None:
        return None, f"{path} is not an agent capture ai-rollback wrote: not used (remove it)"
    age = (time.time() if now is None else now) - found.updated
    if age > STALE_AFTER:
        hours = int(age // 3600)
        return None, f"the agent capture is {hours} hours old: not used for this commit"
    return found, None


def _parse(data: bytes) -> Capture | None:
    import json

    try:
        value = json.loads(data)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        return None
    agent, prompt, files, updated = (value.get(k) for k in ("agent", "prompt", "files", "updated"))
    if not isinstance(agent, str) or not isinstance(updated, int | float):
        return None
    if prompt is not None and not isinstance(prompt, str):
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return Capture(agent, clean_prompt(prompt)[0] if prompt else None, list(dict.fromkeys(files)), updated)


def save(state_dir: str, capture: Capture) -> None:
    """Write the capture whole (a temporary file renamed into place), mode 0600."""
    os.makedirs(state_dir, exist_ok=True)
    path = capture_path(state_dir)
    temporary = f"{path}.{os.getpid()}.tmp"
    import json

    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(capture.as_json(), f, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def clean_prompt(prompt: str) -> tuple[str, list[str]]:
    """A prompt fit to keep: ``(text, notes)`` (secrets redacted, cut, no control characters)."""
    from ai_rollback.credentials import find_credentials, redact_text

    notes = []
    text = "".join(c if c in "\n\t" or (c >= " " and c != "\x7f") else " " for c in prompt).strip()
    if find_credentials(text):
        text = redact_text(text)
        notes.append("the prompt holds what looks like a credential: it is kept redacted")
    if len(text) > MAX_PROMPT:
        text = text[:MAX_PROMPT].rstrip() + " [...]"
        notes.append(f"the prompt is longer than {MAX_PROMPT} characters: it is kept cut short")
    return text, notes


def _current(state_dir: str, agent: str) -> tuple[Capture, str | None]:
    """The capture to add to: what is there if it is ours (stale or not), else a new one."""
    path = capture_path(state_dir)
    try:
        with open(path, "rb") as f:
            found = _parse(f.read(1 << 22))
    except FileNotFoundError:
        return Capture(agent), None
    if found is None:
        return Capture(agent), f"{path} was not an agent capture ai-rollback wrote: replaced"
    if time.time() - found.updated > STALE_AFTER:
        return Capture(agent), None  # another day's work: start again
    found.agent = agent
    return found, None


def record_prompt(state_dir: str, agent: str, prompt: str) -> list[str]:
    """Keep the agent's latest prompt; returns notes for the user."""
    capture, note = _current(state_dir, agent)
    text, notes = clean_prompt(prompt)
    capture.prompt = text or None
    capture.updated = time.time()
    save(state_dir, capture)
    return [note, *notes] if note else notes


def record_files(state_dir: str, agent: str, paths: list[str]) -> list[str]:
    """Add files the agent wrote (paths from the top of the work tree)."""
    capture, note = _current(state_dir, agent)
    capture.files = list(dict.fromkeys([*capture.files, *paths]))[-MAX_FILES:]
    capture.updated = time.time()
    save(state_dir, capture)
    return [note] if note else []


def consume(state_dir: str, prompt: str | None, committed: list[str]) -> None:
    """A commit used the capture: forget its prompt (when it is the one committed) and its files."""
    capture, _note = load(state_dir)
    if capture is None:
        return
    if (
        prompt is not None
        and capture.prompt is not None
        and " ".join(prompt.split()) == " ".join(capture.prompt.split())
    ):
        capture.prompt = None
    done = set(committed)
    capture.files = [f for f in capture.files if f not in done]
    if capture.prompt is None and not capture.files:
        try:
            os.unlink(capture_path(state_dir))
        except OSError:
            pass
        return
    save(state_dir, capture)
