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
    #: a commit that commit-msg let through: (HEAD before it, its files, the prompt it used);
    #: settled by the next look (:func:`settle`)
    pending: tuple[str, list[str], str | None] | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "version": 1,
            "agent": self.agent,
            "prompt": self.prompt,
            "files": self.files,
            "updated": self.updated,
            "pending": None
            if self.pending is None
            else {"head": self.pending[0], "files": self.pending[1], "prompt": self.pending[2]},
        }


def capture_path(state_dir: str) -> str:
    return os.path.join(state_dir, CAPTURE_FILE)


def load(
    state_dir: str, head: str | None = None, now: float | None = None
) -> tuple[Capture | None, str | None]:
    """``(capture, note)``: the capture to use (None: none, or not usable), and why not.

    ``head``: the commit HEAD is at now; a commit commit-msg let through (see
    :func:`mark_used`) that did happen is settled first: its files are used up.
    """
    if head is not None:
        settle(state_dir, head)
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
    if abs(age) > STALE_AFTER:
        hours = int(abs(age) // 3600)
        return None, f"the agent capture is {hours} hours {'old' if age > 0 else 'in the future'}: not used"
    return found, None


def _parse(data: bytes) -> Capture | None:
    import json

    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        return None
    agent, prompt, files, updated = (value.get(k) for k in ("agent", "prompt", "files", "updated"))
    if not isinstance(agent, str) or not isinstance(updated, int | float) or isinstance(updated, bool):
        return None
    if prompt is not None and not isinstance(prompt, str):
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    pending = value.get("pending")
    held: tuple[str, list[str], str | None] | None = None
    if isinstance(pending, dict) and isinstance(pending.get("head"), str):
        done = pending.get("files")
        used = pending.get("prompt")
        held = (
            pending["head"],
            [f for f in done if isinstance(f, str)] if isinstance(done, list) else [],
            used if isinstance(used, str) else None,
        )
    cleaned = clean_prompt(prompt)[0] if prompt else None
    return Capture(agent, cleaned, list(dict.fromkeys(files)), updated, held)


class _Lock:
    """An exclusive lock on the capture (agents run their hooks in parallel), where there is flock."""

    def __init__(self, state_dir: str) -> None:
        self.path = os.path.join(state_dir, CAPTURE_FILE + ".lock")
        self.fd = -1

    def __enter__(self) -> _Lock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return self
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        self.fd = os.open(self.path, flags, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing releases the lock
            self.fd = -1


def save(state_dir: str, capture: Capture) -> None:
    """Write the capture whole (a file beside it renamed into place), mode 0600."""
    import json

    from ai_rollback.atomic import replace_file

    os.makedirs(state_dir, exist_ok=True)
    data = json.dumps(capture.as_json(), ensure_ascii=False).encode("utf-8")
    replace_file(capture_path(state_dir), data, 0o600)


def clean_prompt(prompt: str) -> tuple[str, list[str]]:
    """A prompt fit to keep: ``(text, notes)`` (secrets redacted, cut, no control characters)."""
    from ai_rollback.credentials import find_credentials, redact_text

    notes = []
    text = "".join(
        c if c in "\n\t" or (c >= " " and c != "\x7f" and not "\ud800" <= c <= "\udfff") else " "
        for c in prompt
    ).strip()  # a lone surrogate (half of a cut emoji) is valid JSON but no text
    if find_credentials(text):
        text = redact_text(text)
        notes.append("the prompt holds what looks like a credential: it is kept redacted")
    if len(text) > MAX_PROMPT:
        text = text[:MAX_PROMPT].rstrip() + " [...]"
        notes.append(f"the prompt is longer than {MAX_PROMPT} characters: it is kept cut short")
    return text, notes


def _current(state_dir: str, agent: str) -> tuple[Capture, str | None]:
    """The capture to add to (under the lock): what is there if it is ours and fresh, else a new one."""
    path = capture_path(state_dir)
    try:
        with open(path, "rb") as f:
            found = _parse(f.read(1 << 22))
    except FileNotFoundError:
        return Capture(agent), None
    if found is None:
        return Capture(agent), f"{path} was not an agent capture ai-rollback wrote: replaced"
    if abs(time.time() - found.updated) > STALE_AFTER:
        return Capture(agent), None  # another day's work: start again
    found.agent = agent
    return found, None


def record_prompt(state_dir: str, agent: str, prompt: str) -> list[str]:
    """Keep the agent's latest prompt (an empty one forgets the last); returns notes for the user."""
    if not prompt.strip() and not os.path.exists(capture_path(state_dir)):
        return []  # nothing to keep, nothing to forget
    os.makedirs(state_dir, exist_ok=True)
    with _Lock(state_dir):
        capture, note = _current(state_dir, agent)
        text, notes = clean_prompt(prompt)
        capture.prompt = text or None
        capture.updated = time.time()
        save(state_dir, capture)
    return [note, *notes] if note else notes


def record_files(state_dir: str, agent: str, paths: list[str]) -> list[str]:
    """Add files the agent wrote (paths from the top of the work tree)."""
    os.makedirs(state_dir, exist_ok=True)
    with _Lock(state_dir):
        capture, note = _current(state_dir, agent)
        capture.files = list(dict.fromkeys([*capture.files, *paths]))[-MAX_FILES:]
        if capture.pending is not None:  # written again since that commit: not used up by it
            head, done, used = capture.pending
            capture.pending = (head, [f for f in done if f not in set(paths)], used)
        capture.updated = time.time()
        save(state_dir, capture)
    return [note] if note else []


def mark_used(state_dir: str, head: str | None, committed: list[str]) -> None:
    """commit-msg let an AI commit through: its files are used up once the commit exists.

    Not before: a commit can still fail after commit-msg (a locked ref, a later
    hook), and its retry needs the capture as it was.  The next look
    (:func:`settle`) sees whether HEAD moved.
    """
    if not os.path.exists(capture_path(state_dir)):
        return
    with _Lock(state_dir):
        capture, _note = load(state_dir)
        if capture is None:
            return  # none, stale, or not ours
        capture.pending = (head or "", list(committed), capture.prompt)
        save(state_dir, capture)


def settle(state_dir: str, head: str) -> None:
    """If the commit :func:`mark_used` saw did happen (HEAD moved), its files are used up.

    The prompt stays while files the agent wrote under it wait to be committed
    (one prompt, several commits), and goes with the last of them.
    """
    if not os.path.exists(capture_path(state_dir)):
        return
    with _Lock(state_dir):
        try:
            with open(capture_path(state_dir), "rb") as f:
                capture = _parse(f.read(1 << 22))
        except FileNotFoundError:
            return
        if capture is None or capture.pending is None:
            return
        before, committed, used = capture.pending
        capture.pending = None
        if head != before:  # the commit was made
            done = set(committed)
            capture.files = [f for f in capture.files if f not in done]
            if not capture.files and capture.prompt == used:  # no newer prompt waits for its files
                try:
                    os.unlink(capture_path(state_dir))
                except OSError:
                    pass
                return
        save(state_dir, capture)
