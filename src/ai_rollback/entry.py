"""The ``ai-rollback`` console script.

The hook commands git runs on every commit (``check MSG_FILE`` and
``prepare-commit-msg FILE [SOURCE [OBJECT]]``) are dispatched here without
importing click; everything else, including ``--help`` on those, goes to the
click application in ``cli.py``.  Both paths call the same functions in
``hook.py``.
"""

from __future__ import annotations

import os
import sys

from ai_rollback.errors import ENVIRONMENT, INTERRUPTED, AiRollbackError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


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
    except Exception as exc:  # a bug: say so plainly, and how to get the details
        if os.environ.get("AI_ROLLBACK_DEBUG"):
            raise
        sys.stderr.write(
            f"ai-rollback: internal error: {type(exc).__name__}: {exc}\n"
            "  This is a bug in ai-rollback. Run again with AI_ROLLBACK_DEBUG=1 to see the "
            "traceback, and report it.\n"
        )
        return ENVIRONMENT


def _fast(args: Sequence[str]) -> Callable[[], int] | None:
    """The hook commands' exact argument shapes; anything else goes to click."""
    if not args:
        return None
    command, rest = args[0], list(args[1:])
    if command == "check":
        fmt = "text"
        if len(rest) >= 2 and rest[0] == "--format" and rest[1] in ("text", "json"):
            fmt, rest = rest[1], rest[2:]
        if len(rest) == 1 and rest[0] and not rest[0].startswith("-"):
            from ai_rollback import hook

            path = rest[0]
            return lambda: hook.commit_msg(path, fmt)
        return None
    if command == "prepare-commit-msg" and (
        1 <= len(rest) <= 3 and rest[0] and not any(a.startswith("-") for a in rest)
    ):
        from ai_rollback import hook

        path = rest[0]
        source = rest[1] if len(rest) > 1 else None
        obj = rest[2] if len(rest) > 2 else None
        return lambda: hook.prepare_commit_msg(path, source, obj)
    return None


def _prefetch_log(args: Sequence[str]) -> None:
    """``log [RANGE] [--format F]``: start git's walk now, while click and the rest load."""
    positional: list[str] = []
    words = iter(args[1:])
    for word in words:
        if word == "--format":
            next(words, None)
        elif word.startswith("-") and not word.startswith("--format="):
            return  # --lines, --by, --help...: nothing to gain, or not a report
        elif not word.startswith("-"):
            positional.append(word)
    if len(positional) > 1:
        return
    text = positional[0] if positional else "HEAD"
    try:
        from ai_rollback.git.log import log_args
        from ai_rollback.git.run import Git, check_rev_arg, prefetch

        check_rev_arg(text, "range")
        prefetch(Git(os.getcwd()), log_args(text.split()))
    except Exception:  # the command itself will say what is wrong
        return


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    fast = _fast(args)
    if fast is not None:
        return guarded(fast)
    if args and args[0] == "log":
        _prefetch_log(args)
    from ai_rollback.cli import main as cli_main

    return cli_main(args)


def revert_main(argv: Sequence[str] | None = None) -> int:
    """The ``ai-revert`` console script."""
    from ai_rollback.cli import revert_main as cli_revert

    return cli_revert(list(sys.argv[1:] if argv is None else argv))
