"""``ai-rollback check``: a message file (the commit-msg hook), ``--fix``, or a range (CI)."""

from __future__ import annotations

from ai_rollback import checks, hook, parsed, report
from ai_rollback.commands.common import open_project
from ai_rollback.console import echo
from ai_rollback.errors import CHECK_FAILED, OK, UsageError


def check(msg_file: str | None, fmt: str = "text", fix: bool = False) -> int:
    """Judge a message file (standard input for None or '-'); ``fix`` repairs its trailers first."""
    if fix:
        if msg_file is None or msg_file == "-":
            raise UsageError("--fix rewrites a file in place: name the message file")
        fix_file(msg_file)
    return hook.commit_msg(msg_file, fmt)


def fix_file(path: str) -> None:
    """Rewrite the trailers of the message file ``path`` into the form git parses, in place."""
    from ai_rollback.fix import fix_trailers

    raw = hook.read_message(path)
    ctx = hook.load_context()
    fixed = fix_trailers(raw, parsed.comment_of(raw, ctx.settings), ctx.settings.separators)
    if fixed != raw:
        hook.write_message(path, fixed)
        echo(f"ai-rollback: rewrote the trailers of {path}", err=True)


def check_range(range_text: str, fmt: str = "text") -> int:
    """Judge the existing commits of a range, as pre-push and pre-receive do."""
    project = open_project()
    results = list(checks.check_revisions(project.repo.git, [range_text], project.config, project.settings))
    report.emit(results, fmt)
    bad = sum(1 for r in results if not r.verdict.ok)
    if fmt == "text":
        echo(
            f"ai-rollback: {len(results)} commit{'s' if len(results) != 1 else ''} checked, "
            f"{bad} break{'s' if bad == 1 else ''} the convention",
            err=True,
        )
    return CHECK_FAILED if bad else OK
