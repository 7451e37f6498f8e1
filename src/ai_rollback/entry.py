"""The ``ai-rollback`` console script.

The hook commands git runs on every commit (``check MSG_FILE`` and
``prepare-commit-msg FILE [SOURCE [OBJECT]]``) are dispatched here without
importing click; everything else, including ``--help`` on those, goes to the
click application in ``cli.py``.  Both paths call the same functions in
``hook.py``, inside the same error handler (``guard.py``).
"""

from __future__ import annotations

import os
import sys

from ai_rollback.guard import guarded

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import NoReturn


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


LOG_FORMATS = ("table", "json", "markdown")


def _log_shape(args: Sequence[str]) -> tuple[str | None, str] | None:
    """``log [RANGE] [--format F]``, in any order, as ``(RANGE, F)``; anything else is click's.

    ``--help``, ``--lines``, ``--by``, a second range, an unknown format, an
    empty word: click says what they mean, or what is wrong with them.
    """
    if not args or args[0] != "log":
        return None
    positional: list[str] = []
    fmt = "table"
    words = iter(args[1:])
    for word in words:
        if word == "--format" or word.startswith("--format="):
            value = next(words, None) if word == "--format" else word[len("--format=") :]
            if value not in LOG_FORMATS:
                return None
            fmt = value
        elif word and not word.startswith("-"):
            positional.append(word)
        else:
            return None
    if len(positional) > 1:
        return None
    return (positional[0] if positional else None), fmt


def _prefetch(text: str) -> None:
    """Start the report's walk; what is wrong with the range, the command says.

    Revisions only (no word of the range is an option or a path, and ``--``
    ends them), so the walk is the same from any directory of the work tree.
    """
    try:
        from ai_rollback.git.log import row_args
        from ai_rollback.git.run import Git, check_range_words, kill_prefetched, prefetch

        prefetch(Git(os.getcwd()), row_args(check_range_words(text)))
    except Exception:  # the command itself will say what is wrong
        return
    from ai_rollback.guard import stop_early

    stop_early(kill_prefetched)  # a SIGTERM while the report loads stops this git too


def _fast_log(args: Sequence[str]) -> Callable[[], int] | None:
    """The report's common shapes, without click: git's walk starts first, then the report loads.

    ``git log A..B`` walks the whole range before it writes a line; started
    here, that walk and Python's imports run side by side.
    """
    shape = _log_shape(args)
    if shape is None:
        return None
    range_text, fmt = shape

    def run() -> int:  # inside guarded(): Ctrl-C from here on is "interrupted", not a traceback
        _prefetch(range_text or "HEAD")
        from ai_rollback.commands import log as command

        return command.log(range_text, fmt)

    return run


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    fast = _fast(args) or _fast_log(args)
    try:
        if fast is not None:
            return guarded(fast)
        from ai_rollback.cli import main as cli_main

        return cli_main(args)
    finally:
        if argv is None:
            _ending()


def _ending() -> None:
    """The console script's command is done and the process is about to end: spare it the
    collector's last walks over every object still alive (about 6 ms of the report's exit here,
    of the 10 ms between its last write and its end that ``strace -tt`` showed); objects are
    still freed, files closed, ``atexit`` run."""
    import gc

    gc.freeze()


def _under_coverage() -> None:
    """Started with ``-S`` (see :func:`commit_msg`), Python ran no ``.pth`` file; coverage's
    subprocess measurement starts from one, so when it is asked for, run them now."""
    if sys.flags.no_site and (
        os.environ.get("COVERAGE_PROCESS_START") or os.environ.get("COVERAGE_PROCESS_CONFIG")
    ):
        import site

        site.main()


def commit_msg() -> None:
    """The commit-msg hook as the shims and ``.pre-commit-hooks.yaml`` run it.

    ``python -S -P -c``, with the directory that holds ``ai_rollback`` put on
    ``sys.path`` by the caller: ``-S`` skips the ``site`` module (its ``.pth``
    files alone cost a third of Python's start-up), ``-P`` keeps the work tree
    off the path, and ``-c`` costs no ``runpy`` (``python -m``) nor a wrapper
    of pip's (a console script).  Where that directory cannot be known, the
    caller runs ``site`` after all: slower, never wrong.
    """
    import gc

    gc.disable()  # a run of milliseconds: the collector would only walk what was just imported
    _plug_closed_descriptors()
    _under_coverage()
    _exit_now(main(["check", *sys.argv[1:]]))


def _plug_closed_descriptors() -> None:
    """Open ``/dev/null`` on a closed stdin, stdout or stderr, as git does for the programs it runs.

    Started with one closed, Python has None for that stream, and the next
    file the hook opens (the pipe of its git call) would take the number.
    """
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)  # the lowest free number: ``fd``
            if opened == fd and getattr(sys, name) is None:
                setattr(sys, name, open(fd, "r" if fd == 0 else "w", closefd=False))  # noqa: SIM115


def _exit_now(code: int) -> NoReturn:
    """Exit with ``code`` without tearing the interpreter down, as the hook's last step.

    Freeing every module and object at exit costs a hook a fifth of its run;
    a process about to end has nothing to free.  Only where nothing is
    registered to run at exit (coverage's measurement is) and the output is
    flushed; otherwise the usual ``sys.exit``.
    """
    import atexit

    if atexit._ncallbacks():
        sys.exit(code)
    try:  # pragma: no cover - never under coverage, which runs at exit
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: Python was started with that descriptor closed
                stream.flush()
    except (OSError, ValueError):  # pragma: no cover
        sys.exit(code)
    os._exit(code)  # pragma: no cover


def prepare_commit_msg() -> None:
    """The prepare-commit-msg hook, started like :func:`commit_msg` but with ``site``: an editor
    commit renders its template with jinja2, which lives in site-packages."""
    sys.exit(main(["prepare-commit-msg", *sys.argv[1:]]))


def revert_main(argv: Sequence[str] | None = None) -> int:
    """The ``ai-revert`` console script."""
    from ai_rollback.cli import revert_main as cli_revert

    return cli_revert(list(sys.argv[1:] if argv is None else argv))
