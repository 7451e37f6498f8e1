"""The one error handler: our errors become their exit codes, never a traceback.

Every command runs inside :func:`guarded`, from both console scripts (``entry.py``)
and the click application (``cli.py``).  Exit codes: ``errors.py`` and the README.
On the hook path: imports nothing but ``os``, ``sys`` and ``errors``.
"""

from __future__ import annotations

import os
import sys

from ai_rollback.errors import ENVIRONMENT, INTERRUPTED, AiRollbackError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def terminate_as_interrupt() -> None:
    """SIGTERM and SIGHUP (a closed terminal) stop a long command as Ctrl-C does.

    So its cleanup runs: the git it streams from is stopped, and the message
    and exit code are those of an interruption.  Only where they would kill
    us outright (their default); never on the hook path (``signal`` imports ``enum``).
    """

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    _on_termination(interrupt, replacing=_early[0] if _early else None)


def _on_termination(handler: Callable[[int, object], None], replacing: object = None) -> None:
    """``handler`` for SIGTERM and SIGHUP where they would kill us outright (their default),
    or where ``replacing`` handles them."""
    import signal

    kept = (signal.SIG_DFL,) if replacing is None else (signal.SIG_DFL, replacing)
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) in kept:
            signal.signal(number, handler)


#: the handler :func:`stop_early` installed, if any (replaced by :func:`terminate_as_interrupt`)
_early: list[Callable[[int, object], None]] = []


def stop_early(stop: Callable[[], None]) -> None:
    """Until :func:`terminate_as_interrupt`: SIGTERM and SIGHUP call ``stop`` (which stops a git
    started ahead of the command's imports), say "interrupted" and end the process at once.

    No exception is raised: one raised inside import-time code can be swallowed there, or
    changed into another (a run hung on its git for 20 s).  Only where the signals would kill
    us outright (their default).
    """

    def now(_signum: int, _frame: object) -> None:
        try:
            stop()
            os.write(2, b"ai-rollback: interrupted\n")
        finally:
            os._exit(INTERRUPTED)

    _early[:] = [now]
    _on_termination(now)


def guarded(fn: Callable[[], int]) -> int:
    """Run a command: our errors become their exit codes, never a traceback."""
    try:
        return fn()
    except AiRollbackError as exc:
        sys.stdout.flush()
        sys.stderr.write(exc.render().encode("utf-8", "surrogateescape").decode("utf-8", "replace") + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("ai-rollback: interrupted\n")
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (| head): not an error of ours.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return 0
    except OSError as exc:  # the system refused: a full disk, a closed output, a vanished directory
        if os.environ.get("AI_ROLLBACK_DEBUG"):
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        try:
            sys.stderr.write(f"ai-rollback: error: {exc.strerror or exc}{where}\n")
        except OSError:
            pass
        return ENVIRONMENT
    except Exception as exc:  # a bug: say so plainly, and how to get the details
        if isinstance(exc.__cause__, KeyboardInterrupt):
            # Ctrl-C while a class was being made: Python 3.11 wraps it (``__set_name__``)
            sys.stderr.write("ai-rollback: interrupted\n")
            return INTERRUPTED
        if os.environ.get("AI_ROLLBACK_DEBUG"):
            raise
        sys.stderr.write(
            f"ai-rollback: internal error: {type(exc).__name__}: {exc}\n"
            "  This is a bug in ai-rollback. Run again with AI_ROLLBACK_DEBUG=1 to see the "
            "traceback, and report it.\n"
        )
        return ENVIRONMENT
