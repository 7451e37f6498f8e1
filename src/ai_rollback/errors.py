"""One exception hierarchy; each class carries its documented exit code.

=====  ===========================================================
code   meaning
=====  ===========================================================
0      ok
1      check failed (a message or commit breaks the convention); watch: breach confirmed
2      usage error or bad input (arguments, message file, range)
3      git or configuration error (nothing was changed); watch: metrics unreadable
4      watch: a breach was confirmed and the rollback itself failed;
       rollback: the deploy command failed (no tag was created)
130    interrupted (Ctrl-C)
=====  ===========================================================

Only the entry points turn these into exit codes (``entry.py``, ``cli.py``).
On the hook path: no imports.
"""

from __future__ import annotations

OK = 0
CHECK_FAILED = 1
USAGE = 2
ENVIRONMENT = 3
ROLLBACK_FAILED = 4
INTERRUPTED = 130


class AiRollbackError(Exception):
    """Base class: a message for the user and, optionally, how to fix it."""

    exit_code = ENVIRONMENT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = f"ai-rollback: error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class Interrupted(AiRollbackError):
    """Ctrl-C after something was done: the message says what stands."""

    exit_code = INTERRUPTED


class CheckFailed(AiRollbackError):
    """The convention is broken; the details were already printed."""

    exit_code = CHECK_FAILED


class UsageError(AiRollbackError):
    """Bad arguments or bad input: a range, a ref, a message file."""

    exit_code = USAGE


class ConfigError(AiRollbackError):
    """The project's configuration is invalid."""

    exit_code = ENVIRONMENT


class GitError(AiRollbackError):
    """git failed, or the repository is not in a state we can work in."""

    exit_code = ENVIRONMENT

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        command: list[str] | None = None,
        returncode: int | None = None,
        stderr: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.command = command
        self.returncode = returncode
        self.stderr = stderr
